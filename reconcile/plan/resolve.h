/* resolve.h: the desired tables of a spec set on a given live system.
 *
 * Turns each volume's targets into the exact table text the kernel will
 * report (target.h) by resolving its device references against the live
 * state (live.h): paths, MAJ:MIN and udev properties through the captured
 * resolutions; {volume: X} and /dev/mapper/X (X in the set) through the dm
 * device X, or a placeholder while X is still to be (re)created.  Sizes
 * omitted in the spec are filled in here, and the facts the planner needs
 * (component devices, logical block size, device type) are collected.
 * Pure: reads only the spec set and the live state. */
#ifndef VMAP_RESOLVE_H
#define VMAP_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "model/live.h"
#include "model/spec.h"
#include "targets/target.h"

struct vmap_desired_line {
	uint64_t start, len;
	const char *type;    /* kernel target name (points into the spec) */
	char *params;        /* CANON text; placeholders while pending */
	const struct vmap_target *target;
};

/* A component device of a desired table. */
struct vmap_component {
	unsigned major, minor;  /* 0:0 when it is a volume still to be created */
	int volume;             /* index of the set volume it is, or -1 */
	uint64_t sectors;       /* size, or 0 when unknown */
	unsigned lbs;           /* logical block size in bytes, or 0 */
	char *ref;              /* how the spec named it, for messages */
};

/* A reference that could not be resolved (the device is not there). */
struct vmap_missing {
	char *ref;
	char *why;
	struct vmap_loc loc;
};

struct vmap_desired {
	const struct vmap_volume *vol;
	struct vmap_desired_line *lines;
	size_t n_lines;
	uint64_t size;            /* sum of the line lengths */
	bool pending;             /* a lower volume's device number is not known yet */
	bool request_based;
	bool noflush;             /* a line's type wants noflush under policy auto */
	bool immutable;           /* a line's type is immutable */
	bool secure;              /* key material in the table */
	unsigned lbs;             /* logical block size the device will have */
	struct vmap_component *comps;
	size_t n_comps;
	struct vmap_missing *missing;
	size_t n_missing;
};

/* What the resolver needs to know about the run's other decisions. */
struct vmap_resolve_env {
	const struct vmap_specset *set;
	const struct vmap_live *live;
	/* Volumes whose device number will change in this run (recreated or
	 * created): references to them become placeholders.  Indexed like
	 * set->vols; may be NULL. */
	const bool *renumbered;
	/* At execution time: the device numbers of volumes created so far in
	 * this run (0:0 = unknown).  Indexed like set->vols; may be NULL. */
	const unsigned *created_major, *created_minor;
	/* Volumes resolved so far (the planner resolves in stack order, lower
	 * volumes first): a volume's size and block size come from here. */
	const struct vmap_desired *desired;
	const bool *resolved;
	/* do not predict refusals at resume (plan.h skip_predict) */
	bool skip_predict;
};

/* Resolve volume `idx` of the set.  Missing devices are recorded in
 * d->missing, not reported as errors (the caller decides: plan fails,
 * activate waits).  Errors are returned for what can never work (a key
 * file that cannot be read, a table the normaliser refuses). */
int vmap_resolve_volume(const struct vmap_resolve_env *env, size_t idx, struct vmap_desired *d,
			struct vmap_errlist *errs);

/* The table text to load into the kernel for `d`'s volume (KERNEL mode:
 * real keys, real device numbers).  Fails if a device is still pending. */
int vmap_resolve_kernel_params(const struct vmap_resolve_env *env, const struct vmap_target *t,
			       const char *volume, char **out, struct vmap_errlist *errs);

/* Where `ref` points on this system: a volume of the set by its device
 * (known, or created earlier in this run), anything else by how capture
 * resolved it.  False when it is not known (yet). */
bool vmap_resolve_devnum(const struct vmap_resolve_env *env, const struct vmap_devref *ref,
			 unsigned *maj, unsigned *min);

void vmap_desired_free(struct vmap_desired *d);

#endif
