/* commands.c: the command and option tables (see cli.h). */
#include "cli.h"

#include <stddef.h>

static const char *const color_values[] = {"auto", "always", "never", NULL};
/* export's, then status's (each command checks its own) */
static const char *const format_values[] = {"yaml", "concise", "dm-init", "table", "prometheus", NULL};

const struct vmap_option_info vmap_options[OPT__COUNT] = {
	[OPT_FILE] = {"file", 'f', "PATH", "spec file or directory (repeatable; default $VMAPCTL_SPEC_DIR, else /etc, /run and /usr/lib vmapctl/volumes.d layered)", NULL},
	[OPT_JSON] = {"json", 0, NULL, "machine-readable output on stdout", NULL},
	[OPT_DETAILED_EXITCODE] = {"detailed-exitcode", 0, NULL, "exit 2 when changes were made (apply) or are pending (plan)", NULL},
	[OPT_ALLOW_RECREATE] = {"allow-recreate", 0, NULL, "allow remove + create where the kernel cannot reload in place", NULL},
	[OPT_ALLOW_SHRINK] = {"allow-shrink", 0, NULL, "allow volumes to get smaller", NULL},
	[OPT_ALLOW_REMAP] = {"allow-remap", 0, NULL, "allow changes that make a volume show other data", NULL},
	[OPT_PRUNE] = {"prune", 0, NULL, "remove managed volumes that are not in the spec set", NULL},
	[OPT_DRY_RUN] = {"dry-run", 0, NULL, "plan only, change nothing", NULL},
	[OPT_LOCK_TIMEOUT] = {"lock-timeout", 0, "SEC", "wait at most SEC for another run to finish (default 60)", NULL},
	[OPT_UDEV_TIMEOUT] = {"udev-timeout", 0, "SEC", "wait at most SEC for udev to process new devices (default 30)", NULL},
	[OPT_SUSPEND_TIMEOUT] = {"suspend-timeout", 0, "SEC", "give up a suspend (and roll back) when in-flight I/O has not completed after SEC (default 30)", NULL},
	[OPT_VERBOSE] = {"verbose", 'v', NULL, "say more (repeatable)", NULL},
	[OPT_QUIET] = {"quiet", 'q', NULL, "print only errors", NULL},
	[OPT_COLOR] = {"color", 0, "WHEN", "colour the output: auto, always, never", color_values},
	[OPT_LIVE_STATE] = {"live-state", 0, "FILE", "read the live state from a snapshot (status --live-state-out) instead of this host", NULL},
	[OPT_LIVE_STATE_OUT] = {"live-state-out", 0, "FILE", "also write a live-state snapshot to FILE", NULL},
	[OPT_DEVICE] = {"device", 0, "DEV", "the block device that appeared", NULL},
	[OPT_FORMAT] = {"format", 0, "FORMAT", "export: yaml (a spec), concise (dmsetup create --concise), dm-init (dm-mod.create=); status: table, prometheus (node_exporter textfile)", format_values},
	[OPT_ROOT] = {"root", 0, "DIR", "look for the default spec directories under DIR (images, tests)", NULL},
	[OPT_MIGRATE] = {"migrate", 0, NULL, "move the data of volumes whose new table would show other data, online, then switch them", NULL},
	[OPT_MIGRATE_RATE] = {"migrate-rate", 0, "KIB", "copy migrated data at up to KIB KiB/s (default 65536; 0: no limit)", NULL},
	[OPT_NO_WAIT] = {"no-wait", 0, NULL, "start migrations and return; a later apply or recover finishes them", NULL},
	[OPT_WAIT] = {"wait", 0, NULL, "wait for migrations still copying and finish them", NULL},
	[OPT_DETACH] = {"detach", 0, NULL, "with --device: announce, then make any rounds in the background (for udev's RUN)", NULL},
	[OPT_HELP] = {"help", 'h', NULL, "show help", NULL},
};

const struct vmap_command vmap_commands[] = {
	{"validate", cmd_validate, 0, 0, O(OPT_FILE) | O(OPT_ROOT), "",
	 "parse and check the spec set offline; touches nothing"},
	{"plan", cmd_plan, 0, 0,
	 O(OPT_FILE) | O(OPT_DETAILED_EXITCODE) | O(OPT_ALLOW_RECREATE) | O(OPT_ALLOW_SHRINK) | O(OPT_ALLOW_REMAP) |
		 O(OPT_MIGRATE) | O(OPT_PRUNE) | O(OPT_LIVE_STATE) | O(OPT_ROOT),
	 "", "read the live state and print the ordered plan; touches nothing"},
	{"apply", cmd_apply, 0, 0,
	 O(OPT_FILE) | O(OPT_DETAILED_EXITCODE) | O(OPT_ALLOW_RECREATE) | O(OPT_ALLOW_SHRINK) | O(OPT_ALLOW_REMAP) |
		 O(OPT_MIGRATE) | O(OPT_MIGRATE_RATE) | O(OPT_NO_WAIT) |
		 O(OPT_PRUNE) | O(OPT_DRY_RUN) | O(OPT_LOCK_TIMEOUT) | O(OPT_UDEV_TIMEOUT) |
		 O(OPT_SUSPEND_TIMEOUT) | O(OPT_ROOT),
	 "", "plan, then make the kernel match the spec set"},
	{"status", cmd_status, 0, -1,
	 O(OPT_FILE) | O(OPT_DETAILED_EXITCODE) | O(OPT_LIVE_STATE) | O(OPT_LIVE_STATE_OUT) |
		 O(OPT_ROOT) | O(OPT_FORMAT),
	 "[NAME...]", "managed volumes: state, drift, open count, limits; the last apply"},
	{"destroy", cmd_destroy, 1, -1,
	 O(OPT_DETAILED_EXITCODE) | O(OPT_LOCK_TIMEOUT) | O(OPT_UDEV_TIMEOUT), "NAME...",
	 "remove managed volumes (and only managed ones)"},
	{"activate", cmd_activate, 0, 0,
	 O(OPT_FILE) | O(OPT_DEVICE) | O(OPT_DETACH) | O(OPT_LOCK_TIMEOUT) | O(OPT_UDEV_TIMEOUT) | O(OPT_ROOT), "",
	 "boot/udev entry point: create the volumes whose devices are all present"},
	{"recover", cmd_recover, 0, 0,
	 O(OPT_DETAILED_EXITCODE) | O(OPT_LOCK_TIMEOUT) | O(OPT_UDEV_TIMEOUT) | O(OPT_WAIT), "",
	 "finish or roll back what an interrupted run left"},
	{"export", cmd_export, 0, -1, O(OPT_FORMAT) | O(OPT_LIVE_STATE), "[NAME...]",
	 "print managed volumes as they are now: a spec, or dmsetup/kernel text"},
	{"adopt", cmd_adopt, 1, -1,
	 O(OPT_DETAILED_EXITCODE) | O(OPT_LOCK_TIMEOUT) | O(OPT_UDEV_TIMEOUT), "NAME...",
	 "make devices without a uuid managed (uuid VMAP-NAME)"},
	{"version", cmd_version, 0, 0, 0, "",
	 "print the tool, libdevmapper and kernel driver versions"},
	{"cat-config", cmd_cat_config, 0, 0, O(OPT_FILE) | O(OPT_ROOT), "",
	 "print the spec set's files, each with where it came from"},
	{NULL, NULL, 0, 0, 0, NULL, NULL},
};
