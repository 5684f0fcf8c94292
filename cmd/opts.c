/* opts.c: the library's options from the command line and the
 * environment (read once, by main.c). */
#include <string.h>

#include "cli.h"
#include "vmapctl.h"

void cli_opts(const struct vmap_cli *cli, struct vmapctl_opts *o)
{
	const char *hook = cli->env_test_hook ? cli->env_test_hook : "";
	memset(o, 0, sizeof(*o));
	o->specs = (struct vmap_spec_source){.paths = cli->files, .n_paths = cli->n_files,
					     .spec_dir = cli->env_spec_dir, .root = cli->root};
	o->names = (const char *const *)cli->args;
	o->n_names = (size_t)cli->n_args;
	o->lock_timeout = cli->lock_timeout;
	o->udev_timeout = cli->udev_timeout;
	o->suspend_timeout = cli->suspend_timeout;
	o->allow_recreate = cli->allow_recreate;
	o->allow_shrink = cli->allow_shrink;
	o->allow_remap = cli->allow_remap;
	o->prune = cli->prune;
	o->migrate = cli->migrate;
	o->migrate_rate = cli->migrate_rate;
	o->no_wait = cli->no_wait;
	o->wait = cli->wait;
	o->live_state = cli->live_state;
	o->live_state_out = cli->live_state_out;
	o->device = cli->device;
	o->detach = cli->detach;
	o->runner_fd = cli->env_runner_fd;
	o->run_dir = cli->env_run_dir;
	o->lock_file = cli->env_lock_file;
	o->hook_skip_predict = !strcmp(hook, "skip-predict");
	/* pause-after-STEP: STEP is a step's name as plans show it */
	static const enum vmap_step_kind steps[] = {VMAP_STEP_CREATE, VMAP_STEP_LOAD,
						     VMAP_STEP_CLEAR, VMAP_STEP_SUSPEND,
						     VMAP_STEP_RESUME, VMAP_STEP_REMOVE};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (!strncmp(hook, "pause-after-", 12) && !strcmp(hook + 12, vmap_step_name(steps[i])))
			o->hook_pause_after = 1u << steps[i];
	o->hook_pause_recover = !strcmp(hook, "pause-in-recover");
	o->hook_pause_cookie = !strcmp(hook, "pause-after-cookie");
}
