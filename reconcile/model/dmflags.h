/* dmflags.h: flags of a device-mapper operation, as a plan states them
 * (plan/plan.h) and dm.c carries them out. */
#ifndef VMAP_DMFLAGS_H
#define VMAP_DMFLAGS_H

#define VMAP_DM_NOFLUSH 0x1u     /* suspend/resume without flushing queued I/O */
#define VMAP_DM_SKIP_LOCKFS 0x2u /* suspend without freezing the filesystem */
#define VMAP_DM_SECURE 0x4u      /* the params carry key material */
#define VMAP_DM_READONLY 0x8u
/* create: a private device (a migration's temporary layers): udev runs
 * none of its disk or other rules for it, so no /dev/disk/by-* link,
 * blkid probe or mount unit ever sees the volume's data twice (as lvm
 * marks its hidden layers) */
#define VMAP_DM_PRIVATE 0x10u

#endif
