/* classify.h: what a new table does to the data a volume shows
 * (contract 5.9).
 *
 * Over the sectors both tables cover, each range is `kept` (the same data,
 * even where target lines are split or merged), `tuned` (the same data,
 * other settings; also a range whose old target showed no data, zero or
 * error, and the new one does) or `remapped` (it would show other data, or vmapctl cannot tell:
 * `undecided`); beyond the old end the volume `grown`, beyond the new end
 * `shrunk`.  Pure: the targets' identity hooks (targets/target.h) say what
 * each sector shows; the caller says what a device is (ctx->device). */
#ifndef VMAP_PLAN_CLASSIFY_H
#define VMAP_PLAN_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/spec.h"
#include "targets/target.h"

enum vmap_range_class {
	VMAP_RANGE_KEPT,
	VMAP_RANGE_TUNED,
	VMAP_RANGE_REMAPPED,
	VMAP_RANGE_GROWN,
	VMAP_RANGE_SHRUNK,
};

const char *vmap_range_class_name(enum vmap_range_class c);

struct vmap_range {
	uint64_t start, len;
	enum vmap_range_class cls;
	bool undecided;      /* remapped because vmapctl cannot tell */
	/* remapped and tuned ranges: the table line the range is part of now
	 * and would be part of ("linear 7:1 2048"), with where in that line
	 * the range starts */
	char *old_what, *new_what;
	uint64_t old_rel, new_rel;
	char *why;           /* undecided: why vmapctl cannot tell */
};

struct vmap_ranges {
	struct vmap_range *v;
	size_t n, cap;
};

/* A table line to compare: where it is, its target, its canonical params
 * (equal params at the same offset are the same data, without asking the
 * type), and the live status line (old side, or NULL). */
struct vmap_cline {
	uint64_t start, len;
	const struct vmap_target *t;
	const char *params;
	const char *status;
};

/* Classify the new table against the old; ranges in sector order, a run
 * of one class within one pair of old and new lines merged.  The same data
 * with the same tune (targets/target.h: what only tunes, "" for the types
 * nothing tunes, such as linear and striped) is `kept`; with another,
 * `tuned`.  `octx`/`nctx` name devices on each side (their
 * status and live members are set here per line). */
void vmap_classify(const struct vmap_cline *old, size_t n_old, struct vmap_ident_ctx *octx,
		   const struct vmap_cline *nw, size_t n_new, struct vmap_ident_ctx *nctx,
		   struct vmap_ranges *out);

bool vmap_ranges_have(const struct vmap_ranges *r, enum vmap_range_class c);
void vmap_ranges_free(struct vmap_ranges *r);

/* Pieces compared per line pair at most (a striped volume of a terabyte
 * is millions of chunks); beyond, a range counts as undecided. */
#define VMAP_CLASSIFY_PIECES 65536

#endif
