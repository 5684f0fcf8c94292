/* lock.h: one vmapctl run at a time, and memory locked while suspended.
 *
 * The run lock is flock(2) on /run/lock/vmapctl.lock (the caller may name
 * another path: $VMAPCTL_LOCK_FILE, for tests): the kernel drops it when the holder
 * dies, so a killed run never leaves a stale lock.  The holder writes its
 * pid into the file so a waiter that gives up can say who holds it. */
#ifndef VMAP_LOCK_H
#define VMAP_LOCK_H

#include <stdbool.h>

#include "base/error.h"

#define VMAP_LOCK_FILE "/run/lock/vmapctl.lock"

struct vmap_lock {
	int fd;      /* -1 when not held */
	char *path;
};

/* Take the lock on `path` (NULL: VMAP_LOCK_FILE), waiting at most
 * `timeout_s` seconds (0: try once).
 * -1 with VMAP_E_LOCK when another process still holds it at the end
 * (naming its pid when the file says), VMAP_E_FAILED when the file cannot
 * be opened or is not ours (a regular file owned by this user). */
int vmap_lock_acquire(struct vmap_lock *lk, const char *path, double timeout_s,
		      struct vmap_errlist *errs);

/* Take over the lock on `path` held through `fd`, an open file of it this
 * process got from the one that took the lock (across exec: the flock
 * belongs to the open file).  0: held through `fd` now (marked
 * close-on-exec, this pid recorded); -1: `fd` is not that file, or another
 * open file holds the lock (lk untouched, `fd` left as it is). */
int vmap_lock_adopt(struct vmap_lock *lk, const char *path, int fd);

/* The pid the holder of the lock on `path` wrote, or 0 (none, unknown, or
 * not written yet: the holder writes it just after taking the lock). */
long vmap_lock_holder_pid(const char *path);

/* Write this process's pid into the held lock's file, as acquiring does:
 * for a child that goes on holding the lock after a fork. */
void vmap_lock_record_holder(struct vmap_lock *lk);

/* Release (no-op when not held). */
void vmap_lock_release(struct vmap_lock *lk);

/* Locking memory while devices are suspended: a page fault that needs
 * I/O to a suspended device would deadlock the run (lvm does the same). */
enum vmap_memlock {
	VMAP_MEMLOCK_LOCKED,    /* mlockall succeeded */
	VMAP_MEMLOCK_SKIPPED,   /* built with AddressSanitizer: its shadow
				   memory is terabytes of reservations */
	VMAP_MEMLOCK_FAILED,    /* mlockall failed (*errnum says why, e.g.
				   EPERM/ENOMEM under RLIMIT_MEMLOCK): a warning
				   for the caller, not an error */
};

enum vmap_memlock vmap_memlock_all(int *errnum);
/* Undo vmap_memlock_all (harmless when it did not lock). */
void vmap_memunlock_all(void);

#endif
