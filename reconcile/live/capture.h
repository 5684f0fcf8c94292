/* capture.h: capturing the live state (struct vmap_live, live.h).
 *
 * One pass over the system that changes nothing: device-mapper (through
 * dm.c: one LIST, then TABLE/DEPS per device), sysfs for sizes, limits and
 * device types, /lib/modules for target types a module could provide, and
 * libudev for udev-property references.  Table params are canonicalised
 * as soon as they are read (keys become digests) and the raw text is
 * wiped, so key material never reaches struct vmap_live. */
#ifndef VMAP_LIVESTATE_H
#define VMAP_LIVESTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "model/live.h"
#include "model/spec.h"

/* What the caller needs beyond the dm devices themselves. */
struct vmap_capture_req {
	/* Device references to resolve (PATH, MAJMIN, UDEV; VOLUME refs are
	 * the planner's business and are skipped).  Duplicates are resolved
	 * once. */
	const struct vmap_devref *const *refs;
	size_t n_refs;
	/* Target type names the spec set uses: those not registered are
	 * checked for a module that provides them (loadable_targets). */
	const char *const *types;
	size_t n_types;
	/* Read the queue limits of every dm device too (status, snapshots).
	 * plan and apply need only those of component devices (alignment):
	 * with hundreds of volumes the seven sysfs files a device are most
	 * of a converged run's time. */
	bool dm_limits;
};

/* Fill `out` (zero-initialised by the caller; free with vmap_live_free).
 * `req` may be NULL.  A reference that does not resolve is not a failure:
 * it is recorded (found=false, error) and the planner decides.  Returns -1
 * with errors only when device-mapper itself cannot be read. */
int vmap_live_capture(struct vmap_live *out, const struct vmap_capture_req *req,
		      struct vmap_errlist *errs);

/* The key a reference is recorded under in vmap_live.res: the path,
 * "MAJ:MIN", or "udev:K=V,K=V" (sorted by key); NULL for VOLUME refs.
 * Must agree with the planner's lookups (resolve.c vmap_devref_key). */
char *vmap_live_ref_key(const struct vmap_devref *ref);

/* Canonical form of a live table line's params with key material hidden:
 * vmap_canon_live_params (CANON mode) for types vmapctl knows; blanks
 * collapsed otherwise; and for types that carry keys (crypt, integrity)
 * the key words replaced by their digest whenever the type's own
 * normaliser is missing, fails, or would let the key through. */
char *vmap_live_canon_params(const char *type, const char *raw);

/* True when a module under `moddir` (/lib/modules/RELEASE) provides
 * target type `type`: an alias "dm-TYPE" in modules.alias, a module named
 * dm-TYPE in modules.dep (what the kernel's request_module("dm-TYPE")
 * finds), or the module vmapctl's own type table names for it (the kernel
 * cannot autoload "thin": it lives in dm-thin-pool). */
bool vmap_module_provides(const char *moddir, const char *type);

#endif
