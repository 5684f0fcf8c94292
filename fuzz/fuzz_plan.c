/* fuzz_plan.c: libFuzzer target past the parser: a spec set and a
 * live-state snapshot through resolve and plan, as `vmapctl plan
 * --live-state FILE` runs them.
 *
 * The input is a spec (YAML) and a snapshot (JSON, docs/live-state.md),
 * separated by a line "%%"; without it, the whole input is the spec and
 * the live state is empty.  Seeds pair the examples and the corpus of
 * real tables with snapshots.  Besides crashes and sanitizer reports
 * (a reference used after the object it points into is gone was found
 * this way), it checks what must hold for any plan:
 *   - plan fails if and only if it reported an error;
 *   - every step names a volume of the plan, and a plan with refused
 *     volumes has no steps;
 *   - no step touches a device vmapctl does not manage.
 * Nothing outside the process is touched: the planner is pure, and a
 * {file:} secret names a path the fuzzer cannot create (reading it fails
 * like a missing key file). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "live/snapshot.h"
#include "model/live.h"
#include "model/spec.h"
#include "plan/plan.h"
#include "fuzz_target.h"

static void plan_once(const struct vmap_specset *set, const struct vmap_live *live,
		      const struct vmap_plan_opts *po)
{
	struct vmap_plan plan;
	struct vmap_errlist errs = {0};
	int r = vmap_plan_make(set, live, po, &plan, &errs);
	CHECK(r == 0 || r == -1);
	CHECK((r == 0) == (errs.n == 0));
	for (size_t i = 0; i < errs.n; i++) {
		CHECK(errs.v[i].msg && errs.v[i].msg[0]);
		free(vmap_error_format(&errs.v[i]));
	}
	bool refused = false;
	for (size_t i = 0; i < plan.n_vols; i++)
		refused |= plan.vols[i].refused;
	CHECK(!refused || plan.n_steps == 0);
	for (size_t i = 0; i < plan.n_steps; i++) {
		const struct vmap_step *s = &plan.steps[i];
		CHECK(s->vp < plan.n_vols);
		const struct vmap_volplan *vp = &plan.vols[s->vp];
		CHECK(!vp->live || vmap_dmdev_managed(vp->live));
	}
	vmap_errlist_clear(&errs);
	vmap_plan_free(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *sep = NULL;
	for (size_t i = 0; i + 4 <= size && !sep; i++)
		if (!memcmp(text + i, "\n%%\n", 4))
			sep = text + i;
	size_t spec_len = sep ? (size_t)(sep - text) + 1 : size;

	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	int r = vmap_specset_load_buffer(&set, "fuzz.yaml", text, spec_len, &errs);
	vmap_errlist_clear(&errs);
	if (r != 0)
		return 0;
	struct vmap_live live = {0};
	if (sep && vmap_live_from_json(&live, sep + 4, size - spec_len - 3, "fuzz.json", &errs) < 0) {
		vmap_errlist_clear(&errs);
		vmap_specset_free(&set);
		return 0;
	}
	/* what plan, apply --prune --allow-*, and activate would decide */
	plan_once(&set, &live, &(struct vmap_plan_opts){0});
	plan_once(&set, &live, &(struct vmap_plan_opts){.allow_recreate = true,
							 .allow_shrink = true, .prune = true});
	plan_once(&set, &live, &(struct vmap_plan_opts){.create_only = true});
	vmap_live_free(&live);
	vmap_specset_free(&set);
	return 0;
}
