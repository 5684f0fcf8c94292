/* fuzz_spec.c: libFuzzer target for the spec front end.
 *
 * Any bytes go through vmap_specset_load_buffer (YAML, validation,
 * references, cycles); for a set that loads, every target is normalised
 * with vmap_target_emit, as plan does.  Besides crashes and sanitizer
 * reports, it checks what must hold for any input:
 *   - a load fails if and only if it reported an error, and every error
 *     is a spec error with a position and a message;
 *   - targets of a loaded volume lie back to back from sector 0;
 *   - every dependency the planner would follow is a volume of the set.
 * The emit context is fake: devices become 7:0 or a placeholder, keys a
 * constant, so nothing outside the process is ever touched (a {file:}
 * secret is never opened). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/spec.h"
#include "targets/target.h"
#include "base/util.h"
#include "fuzz_target.h"

static int fake_device(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	(void)errs;
	switch (ref->kind) {
	case VMAP_DEV_MAJMIN: sbuf_printf(out, "%u:%u", ref->major, ref->minor); break;
	case VMAP_DEV_VOLUME:
		sbuf_printf(out, "<volume:%s>", ref->volume);
		ctx->pending = true;
		break;
	case VMAP_DEV_PATH:
	case VMAP_DEV_UDEV: sbuf_add(out, "7:0"); break;
	}
	return 0;
}

static int fake_info(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref, uint64_t *sectors,
		     unsigned *lbs)
{
	(void)ctx;
	(void)ref;
	*sectors = 1u << 21;
	*lbs = 512;
	return 0;
}

static int fake_secret(struct vmap_emit_ctx *ctx, const struct vmap_secret *s, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	(void)ctx;
	(void)s;
	(void)errs;
	sbuf_add(out, "<key:sha256:0000000000000000>");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	int r = vmap_specset_load_buffer(&set, "fuzz.yaml", (const char *)data, size, &errs);
	CHECK(r == 0 || r == -1);
	CHECK((r == 0) == (errs.n == 0));
	for (size_t i = 0; i < errs.n; i++) {
		CHECK(errs.v[i].kind == VMAP_E_SPEC);
		CHECK(errs.v[i].file && !strcmp(errs.v[i].file, "fuzz.yaml"));
		CHECK(errs.v[i].msg && errs.v[i].msg[0]);
		free(vmap_error_format(&errs.v[i]));
	}
	vmap_errlist_clear(&errs);
	if (r != 0) {
		CHECK(set.n_vols == 0);
		return 0;
	}
	struct vmap_emit_ctx ctx = {.mode = VMAP_EMIT_CANON, .device = fake_device,
				    .device_info = fake_info, .secret = fake_secret};
	for (size_t i = 0; i < set.n_vols; i++) {
		const struct vmap_volume *v = &set.vols[i];
		uint64_t end = 0;
		CHECK(v->name && vmap_name_valid(v->name) && v->uuid);
		CHECK(v->n_targets > 0);
		for (size_t k = 0; k < v->n_targets; k++) {
			const struct vmap_target *t = &v->targets[k];
			CHECK(t->start == end);
			CHECK(t->size > 0 || t->size_auto);
			end += t->size;
			CHECK(t->tt && t->kernel_name);
			struct sbuf out = {0};
			/* an emit error is allowed (a cross-field rule only emit
			 * knows); a crash is not */
			vmap_target_emit(t, &ctx, &out, &errs);
			vmap_errlist_clear(&errs);
			sbuf_free(&out);
		}
		for (size_t k = 0; k < v->n_deps; k++)
			CHECK(v->deps[k] < set.n_vols && v->deps[k] != i);
	}
	vmap_specset_free(&set);
	return 0;
}
