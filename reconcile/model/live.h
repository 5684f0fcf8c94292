/* live.h: what the kernel and the system look like now, as plain data.
 *
 * The planner is a pure function of (spec set, live state), so it can be
 * tested without a kernel and a change can be planned on a machine without
 * the devices: a snapshot of this struct is written to JSON by
 * `vmapctl status --live-state-out FILE` and read back by
 * `vmapctl plan --live-state FILE` (live/snapshot.c).
 *
 * Captured by live/capture.c (through dm.c, sysfs and libudev). */
#ifndef VMAP_LIVE_H
#define VMAP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "model/spec.h"

/* Queue limits of a block device, from /sys/block/X/queue/ (0 = unknown). */
struct vmap_limits {
	unsigned logical_block_size;  /* bytes */
	unsigned physical_block_size; /* bytes */
	unsigned max_sectors_kb;
	unsigned max_hw_sectors_kb;
	unsigned max_segments;
	unsigned max_segment_size;
	uint64_t discard_max_bytes;
};

/* A block device a spec refers to, or a component of a dm device. */
struct vmap_blockdev {
	unsigned major, minor;
	char *kname;         /* kernel name: "loop0", "dm-3"; NULL but in a snapshot */
	/* the LUN it is a path to (udev ID_WWN, else ID_SERIAL), read only
	 * where multipath is involved (data identity); NULL when unknown */
	char *lun;
	uint64_t sectors;    /* size */
	bool read_only;      /* false but in a snapshot */
	/* the logical block size always; those status shows or compares
	 * where status asked for them (vmap_capture_req.limits), all in a
	 * snapshot (.full; max_segment_size only there): 0 in a plan's
	 * capture */
	struct vmap_limits limits;
};

/* One line of a table as the kernel reports it. */
struct vmap_table_line {
	uint64_t start, len;
	char *type;
	char *params;        /* CANON form: keys replaced by digests */
	/* the live status text of the line (STATUS), read only for the target
	 * types whose data identity needs it (raid, mirror, cache); or NULL */
	char *status;
	/* params read into a target once, where the table was read
	 * (live/canon.c): typed arguments for the types vmapctl knows, keys
	 * as digests.  Its start, size and kernel name are those above. */
	struct vmap_target target;
};

struct vmap_table {
	struct vmap_table_line *lines;
	size_t n;
};

struct vmap_dmdev {
	char *name;
	char *uuid;          /* "" when the device has none */
	unsigned major, minor;
	bool suspended;
	bool live_table, inactive_table;
	bool read_only;
	int open_count;
	uint32_t event_nr;
	struct vmap_table live, inactive;
	/* dependencies (the devices its live table uses) as MAJ:MIN pairs */
	unsigned *dep_major, *dep_minor;
	size_t n_deps;
	bool request_based;  /* /sys/block/dm-N/mq exists */
	/* only name, uuid and number are known (from the LIST): a device
	 * vmapctl does not manage, which the run had no need to read */
	bool listed_only;
	struct vmap_limits limits;
};

/* How one device reference of the spec set resolved on this system.
 * `ref` is its key: the path, "MAJ:MIN", or "udev:K=V,K=V" (sorted). */
struct vmap_resolution {
	char *ref;
	bool found;
	unsigned major, minor;
	char *devnode;       /* what it resolved to; a path's only in a snapshot */
	char **candidates;   /* udev: every match when there were several */
	size_t n_candidates;
	char *error;         /* why not found, for the user */
};

struct vmap_target_version {
	char *name;
	unsigned version[3];
};

/* A device number (major << 32 | minor) and the index, in devs or in
 * blockdevs, of the device it is. */
struct vmap_devnum_ix {
	uint64_t devnum;
	size_t dev;
};

struct vmap_live {
	char *kernel_release;        /* uname -r */
	unsigned driver_version[3];  /* the dm ioctl interface */
	struct vmap_target_version *targets; /* registered target types */
	size_t n_targets;
	char **loadable_targets;     /* not registered, but a module provides them */
	size_t n_loadable;
	struct vmap_dmdev *devs;     /* every dm device, managed or not */
	size_t n_devs;
	/* devs are in strcmp order of their names (vmap_live_index): the
	 * planner looks each volume up, several times, so with thousands of
	 * devices a lookup must bisect, not scan */
	bool devs_by_name;
	/* devs' indices in device-number order, for the same reason: the
	 * removal order and the holder checks follow dependencies, which
	 * name devices by number (vmap_live_index; used only while
	 * n_by_devnum == n_devs, so a state built by hand still scans) */
	struct vmap_devnum_ix *by_devnum;
	size_t n_by_devnum;
	struct vmap_blockdev *blockdevs; /* every block device referenced or used */
	size_t n_blockdevs;
	struct vmap_resolution *res; /* every device reference of the spec set */
	size_t n_res;
	/* blockdevs' indices in device-number order and res' in strcmp
	 * order of their refs: the planner looks up every volume's devices
	 * in both, and a multipath host has thousands of LUNs, one or more
	 * for each volume (vmap_live_index; used only while they cover every
	 * entry, as by_devnum) */
	struct vmap_devnum_ix *blockdev_by_devnum;
	size_t n_blockdev_by_devnum;
	struct vmap_str_ix *res_by_ref;
	size_t n_res_by_ref;
};

const struct vmap_dmdev *vmap_live_find_dev(const struct vmap_live *l, const char *name);
/* Index what is in: set devs_by_name when devs are in name order
 * (capture sorts them; a snapshot keeps the order it was written in),
 * and (re)build by_devnum, blockdev_by_devnum and res_by_ref.  Called
 * again once blockdevs and res are in (or changed). */
void vmap_live_index(struct vmap_live *l);
const struct vmap_dmdev *vmap_live_find_devnum(const struct vmap_live *l, unsigned major,
					       unsigned minor);
/* The index of `d` in l->devs; SIZE_MAX when it is not one of them
 * (or NULL). */
size_t vmap_live_dev_index(const struct vmap_live *l, const struct vmap_dmdev *d);
/* The index in l->devs of the dm device numbered MAJOR:MINOR; SIZE_MAX
 * when none is (a device that is not a dm device). */
size_t vmap_live_devnum_index(const struct vmap_live *l, unsigned major, unsigned minor);
const struct vmap_blockdev *vmap_live_find_blockdev(const struct vmap_live *l, unsigned major,
						    unsigned minor);
const struct vmap_resolution *vmap_live_find_res(const struct vmap_live *l, const char *ref);
bool vmap_live_has_target(const struct vmap_live *l, const char *name);
bool vmap_dmdev_managed(const struct vmap_dmdev *d);
void vmap_resolution_free(struct vmap_resolution *r);
void vmap_table_free(struct vmap_table *t);
void vmap_dmdev_free(struct vmap_dmdev *d);
void vmap_live_free(struct vmap_live *l);

#endif
