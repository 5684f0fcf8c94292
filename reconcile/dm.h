/* dm.h: the one boundary with libdevmapper.
 *
 * dm.c is the only file that includes libdevmapper.h.  It turns libdm's
 * 1/0 returns into -1 plus an error carrying errno and the message libdm or
 * the kernel gave (captured through dm_log_with_errno_init, so libdm never
 * prints on its own).  Nothing here decides anything: the planner decides,
 * apply.c calls these in the planned order. */
#ifndef VMAP_DM_H
#define VMAP_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "model/dmflags.h"
#include "model/live.h"

#define VMAP_DM_CONTROL "/dev/mapper/control"

/* 0 when device-mapper can be used; else -1 with an error that says so
 * plainly ("device-mapper is not available in this kernel: ..."). */
int vmap_dm_available(struct vmap_errlist *errs);

/* libdevmapper's version string, e.g. "1.02.185 (2022-05-18)" (static). */
const char *vmap_dm_library_version(void);
/* The kernel's dm ioctl interface version ("4.47.0"); caller frees. */
int vmap_dm_driver_version(char **out, unsigned v[3], struct vmap_errlist *errs);

/* Registered target types with their versions. */
int vmap_dm_targets(struct vmap_target_version **out, size_t *n, struct vmap_errlist *errs);
/* The same, and the dm ioctl interface's version from the same reply
 * (`driver` as vmap_dm_driver_version gives it; zeros if unreadable). */
int vmap_dm_targets_driver(struct vmap_target_version **out, size_t *n, unsigned driver[3],
			   struct vmap_errlist *errs);

/* Every dm device: name, uuid, info, deps, and the live and inactive
 * tables with params exactly as the kernel reports them (they may hold
 * key material: the caller canonicalises and wipes them; vmap_dmdev_free
 * wipes what is left).  One LIST, then per device one TABLE (info and live
 * table), a TABLE of the inactive slot only when there is one, and DEPS
 * only when there is a live table.  A device removed meanwhile is left
 * out.  Deps are those of the live table. */
int vmap_dm_list(struct vmap_dmdev **out, size_t *n, struct vmap_errlist *errs);
/* The name, uuid and number of every dm device from one LIST.  The uuid
 * comes with the list since kernel 5.13; *have_uuids is false where it
 * does not (every uuid is then "": read them with vmap_dm_read). */
struct vmap_dm_name {
	char *name;
	char *uuid;
	unsigned major, minor;
};
int vmap_dm_names(struct vmap_dm_name **out, size_t *n, bool *have_uuids,
		  struct vmap_errlist *errs);
void vmap_dm_names_free(struct vmap_dm_name *v, size_t n);
/* One device as vmap_dm_get reads it, without DEPS: one TABLE (info and
 * live table), and a TABLE of the inactive slot only when there is one.
 * The caller tells the dependencies from the table text, or asks: */
int vmap_dm_read(const char *name, struct vmap_dmdev *out, bool *found,
		 struct vmap_errlist *errs);
/* DEPS of `d` (its live table) into d->dep_*; *gone when it went away. */
int vmap_dm_deps(struct vmap_dmdev *d, bool *gone, struct vmap_errlist *errs);
/* The status text (STATUS) of each line of `name`'s live table, in table
 * order (allocated; *n 0 when the device went away). */
int vmap_dm_status(const char *name, char ***out, size_t *n, struct vmap_errlist *errs);
/* One device by name; 0 with *found=false when it does not exist. */
int vmap_dm_get(const char *name, struct vmap_dmdev *out, bool *found, struct vmap_errlist *errs);

/* A table to send to the kernel. */
struct vmap_dm_line {
	uint64_t start, len;
	const char *type;
	const char *params; /* KERNEL form: may hold keys */
};

/* One udev cookie shared by a batch of tasks (CREATE, RESUME, REMOVE), so
 * one bounded wait covers the batch.  Zero-initialise.  Once a task has
 * joined, vmap_dm_udev_wait must be called, on failure paths too: a task
 * that failed still leaves the cookie's semaphore to be destroyed by the
 * wait.  Passing NULL instead of a batch runs the task without udev
 * synchronisation (libdm then makes the node itself). */
struct vmap_udev_batch {
	uint32_t cookie;
	unsigned tasks;  /* tasks that joined (with or without udev sync) */
	bool disabled;   /* no udev sync (udev not running, or DM_DISABLE_UDEV) */
	/* Called once the batch's cookie exists and before any task joins
	 * it, so a run can journal it: a run killed before its wait leaves
	 * the cookie's semaphore, which vmap_dm_udev_reclaim releases.  May
	 * be NULL (the batch is zeroed again after a wait: set it anew). */
	void (*created)(void *arg, uint32_t cookie);
	void *created_arg;
};


/* CREATE with a table: CREATE, RELOAD, RESUME, as libdm does for a CREATE
 * carrying targets, but step by step so the error names the failing step
 * with its own errno; the device is removed again if a step fails.  The
 * table may be empty (n == 0): then the device is created with no table
 * and no cookie is taken (a table-less CREATE sends no uevent). */
int vmap_dm_create(const char *name, const char *uuid, const struct vmap_dm_line *lines,
		   size_t n, unsigned flags, struct vmap_udev_batch *udev,
		   struct vmap_errlist *errs);
/* The same, with the new device's number from CREATE's reply (left as
 * it is when the reply does not carry one). */
int vmap_dm_create_dev(const char *name, const char *uuid, const struct vmap_dm_line *lines,
		       size_t n, unsigned flags, struct vmap_udev_batch *udev, unsigned *major,
		       unsigned *minor, struct vmap_errlist *errs);
/* RELOAD into the inactive slot.  No uevent, no cookie.  A table the
 * kernel refuses gives EINVAL with the kernel's reason (read from its log,
 * /dev/kmsg) as the error's kmsg. */
int vmap_dm_load(const char *name, const struct vmap_dm_line *lines, size_t n, unsigned flags,
		 struct vmap_errlist *errs);
/* CLEAR the inactive slot. */
int vmap_dm_clear(const char *name, struct vmap_errlist *errs);
int vmap_dm_suspend(const char *name, unsigned flags, struct vmap_errlist *errs);
/* RESUME; flags should match the suspend's (a resume with an inactive
 * table suspends implicitly first). */
int vmap_dm_resume(const char *name, unsigned flags, struct vmap_udev_batch *udev,
		   struct vmap_errlist *errs);
/* REMOVE, retrying while udev's probe briefly holds the device open. */
int vmap_dm_remove(const char *name, struct vmap_udev_batch *udev, struct vmap_errlist *errs);

/* Wait for every task of the batch to be processed by udev, at most
 * `timeout_s` seconds (polling with a short back-off; libdm's blocking
 * dm_udev_wait is never used).  `what` names the devices for the message,
 * e.g. "'web', 'db'".  On timeout: an error (VMAP_E_TIMEOUT) naming them
 * and how many uevents were still pending, and the cookie's semaphore is
 * released, never left behind.  A batch with no tasks or udev disabled
 * returns at once (after libdm made the nodes it queued).  The batch is
 * empty again afterwards, whatever the result. */
int vmap_dm_udev_wait(struct vmap_udev_batch *udev, double timeout_s, const char *what,
		      struct vmap_errlist *errs);

/* A cookie an interrupted run left (from its journal): wait for udev to
 * finish its events as vmap_dm_udev_wait does, at most `timeout_s`, then
 * release the semaphore.  0 when it is gone (or was never made); -1 with
 * an error when it could not be released.  *released says whether there
 * was one. */
int vmap_dm_udev_reclaim(uint32_t cookie, double timeout_s, bool *released,
			 struct vmap_errlist *errs);

/* The udev cookies (libdm's semaphores) process `pid` made that no task
 * ever joined and nobody else touched since: a process killed between
 * making a cookie and journaling it leaves exactly such a semaphore,
 * which no udev event will ever end.  *out is allocated (free it), *n may
 * be 0.  Only for a pid known to be a dead vmapctl run: a live process
 * may be about to use its cookie (a shell's 'dmsetup udevcreatecookie'). */
void vmap_dm_udev_cookies_of(int pid, uint32_t **out, size_t *n);

/* libdm makes a cookie in two steps (libdm-common.c): semget, then
 * SETVAL 1.  A process killed between the two leaves a semaphore at 0
 * that nobody set, so no pid to tell whose it is; nothing will ever use
 * or end it.  This removes each such semaphore that is still unset
 * `settle_s` seconds after it was first seen (a live maker is out of that
 * window within microseconds; one stopped in it, by SIGSTOP or a
 * debugger, has its cookie fail when it goes on: its own error, no
 * device touched).  The cookies removed: *out is allocated (free it), *n
 * may be 0.  No pause when there is none. */
void vmap_dm_udev_drop_unset(double settle_s, uint32_t **out, size_t *n);

/* True when libdm synchronises with udev here (udev running, SysV
 * semaphores, DM_DISABLE_UDEV unset). */
bool vmap_dm_udev_sync(void);

/* Set the uuid of a device that has none (adopt).  RENAME sends a uevent,
 * so it joins `udev` like RESUME does. */
int vmap_dm_set_uuid(const char *name, const char *uuid, struct vmap_udev_batch *udev,
		     struct vmap_errlist *errs);

#endif
