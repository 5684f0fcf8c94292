/* sysfs.h: what /sys says about block devices, by device number.
 *
 * Everything is reached through /sys/dev/block/MAJ:MIN, which exists for
 * every block device (disks, partitions, loop, dm) and so never depends on
 * a name.  Reading sysfs changes nothing, so live-state capture uses it
 * freely.  Attributes that are missing read as 0 ("unknown"). */
#ifndef VMAP_SYSFS_H
#define VMAP_SYSFS_H

#include <stdbool.h>

#include "base/error.h"
#include "model/live.h"

/* Use `root` instead of "/sys" (unit tests build a fake tree). */
void vmap_sysfs_set_root(const char *root);

/* True when MAJ:MIN is a block device the kernel knows. */
bool vmap_sysfs_exists(unsigned major, unsigned minor);

/* What vmap_sysfs_blockdev reads beyond a device's size and logical block
 * size (all a plan needs of a device it maps). */
enum vmap_sysfs_read {
	/* the queue limits status shows and compares (physical block size,
	 * max_sectors_kb, max_hw_sectors_kb, max_segments, discard_max_bytes) */
	VMAP_SYSFS_LIMITS = 1 << 0,
	/* what only a snapshot records: the kernel name, the read-only flag,
	 * max_segment_size */
	VMAP_SYSFS_RECORD = 1 << 1,
};

/* Size and queue limits of MAJ:MIN into `out` (major/minor set too), and
 * what `what` (enum vmap_sysfs_read) asks for besides; what it does not
 * ask for reads 0, false or NULL.  A partition has no queue of its own:
 * its limits are its disk's.  -1 with an error when the device is not
 * there. */
int vmap_sysfs_blockdev(unsigned major, unsigned minor, unsigned what, struct vmap_blockdev *out,
			struct vmap_errlist *errs);

/* Queue limits of MAJ:MIN: the logical block size and what `what` (enum
 * vmap_sysfs_read) asks for (0 when unreadable or not asked for). */
void vmap_sysfs_limits(unsigned major, unsigned minor, unsigned what, struct vmap_limits *out);

/* True for a request-based dm device: only those have an mq/ directory
 * (checked on Debian's 6.1: multipath yes, linear no; dm/use_blk_mq reads
 * 1 for both, so it says nothing). */
bool vmap_sysfs_request_based(unsigned major, unsigned minor);

/* "/dev/" + the DEVNAME the kernel gives MAJ:MIN, or NULL. */
char *vmap_sysfs_devnode(unsigned major, unsigned minor);

#endif
