/* dmflags.h: flags of a device-mapper operation, as a plan states them
 * (plan/plan.h) and dm.c carries them out. */
#ifndef VMAP_DMFLAGS_H
#define VMAP_DMFLAGS_H

#define VMAP_DM_NOFLUSH 0x1u     /* suspend/resume without flushing queued I/O */
#define VMAP_DM_SKIP_LOCKFS 0x2u /* suspend without freezing the filesystem */
#define VMAP_DM_SECURE 0x4u      /* the params carry key material */
#define VMAP_DM_READONLY 0x8u

#endif
