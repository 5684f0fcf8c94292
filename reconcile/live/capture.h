/* capture.h: capturing the live state (struct vmap_live, live.h).
 *
 * One pass over the system that changes nothing: device-mapper (through
 * dm.c: one LIST, then TABLE per device it looks into), sysfs for sizes, limits and
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
	/* Devices read whatever their uuid, by name: the set's volumes and
	 * the names a command was given (a plan shows the table of a device
	 * that is in a volume's way). */
	const char *const *names;
	size_t n_names;
	/* Everything (a snapshot: status --live-state-out, vmap-live):
	 * every dm device's tables, DEPS, device kind and queue limits, the
	 * block device of every component, and the modules index for every
	 * type vmapctl knows.  Without it (plan, apply, export, status) the
	 * capture reads what their decisions need: the tables of the managed
	 * devices (those of the others only when one may be stacked on a
	 * managed one), dependencies from the table text, the device kind
	 * from sysfs only where the table cannot tell it, the block devices
	 * the set refers to (of their limits, the logical block size), and
	 * the modules index only when a type the set uses is not registered.
	 * With hundreds of volumes a converged run is mostly this reading. */
	bool full;
	/* Without `full`, also the queue limits of every device read and of
	 * every component of them (status: those it shows and those its
	 * stale-limits check compares); a host with thousands of devices no
	 * volume is on has them listed, not read. */
	bool limits;
};

/* Fill `out` (zero-initialised by the caller; free with vmap_live_free).
 * `req` may be NULL.  A reference that does not resolve is not a failure:
 * it is recorded (found=false, error) and the planner decides.  Returns -1
 * with errors only when device-mapper itself cannot be read. */
int vmap_live_capture(struct vmap_live *out, const struct vmap_capture_req *req,
		      struct vmap_errlist *errs);

/* True when a module under `moddir` (/lib/modules/RELEASE) provides
 * target type `type`: an alias "dm-TYPE" in modules.alias, a module named
 * dm-TYPE in modules.dep (what the kernel's request_module("dm-TYPE")
 * finds), or the module vmapctl's own type table names for it (the kernel
 * cannot autoload "thin": it lives in dm-thin-pool). */
bool vmap_module_provides(const char *moddir, const char *type);

/* The parts of a capture (modules.c, devrefs.c): target types a module
 * provides into l->loadable_targets; the request's references into
 * l->res. */
void vmap_capture_loadable(struct vmap_live *l, const struct vmap_capture_req *req);
void vmap_capture_resolutions(struct vmap_live *l, const struct vmap_capture_req *req);
/* The LUN (udev ID_WWN, else ID_SERIAL) of every block device that is not
 * a dm device, into blockdevs[].lun (devrefs.c). */
void vmap_capture_luns(struct vmap_live *l);

#endif
