/* vmap-live: print the captured live state as JSON, for the bats tests.
 *
 *   vmap-live [--type T]... [--time] [REF]...   capture, print the snapshot
 *   vmap-live --read FILE                        read a snapshot, print it again
 *
 * REF is "/dev/..." (a path), "MAJ:MIN", or "udev:K=V[,K=V]...".  --time
 * prints the capture's wall time to stderr ("capture: 0.123 s").
 * Errors go to stderr; exit 1 on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live/snapshot.h"
#include "live/capture.h"
#include "base/util.h"

static struct vmap_devref *parse_ref(const char *s)
{
	struct vmap_devref *r = xcalloc(1, sizeof(*r));
	unsigned maj, min;
	char tail;
	if (!strncmp(s, "udev:", 5)) {
		r->kind = VMAP_DEV_UDEV;
		size_t n, cap = 0;
		char *dup = xstrdup(s + 5);
		for (char *save = NULL, *kv = strtok_r(dup, ",", &save); kv;
		     kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			struct vmap_kv p = {0};
			p.key = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
			p.value = xstrdup(eq ? eq + 1 : "");
			n = r->n_props;
			VEC_PUSH(r->props, n, cap, p);
			r->n_props = n;
		}
		free(dup);
	} else if (sscanf(s, "%u:%u%c", &maj, &min, &tail) == 2) {
		r->kind = VMAP_DEV_MAJMIN;
		r->major = maj;
		r->minor = min;
	} else {
		r->kind = VMAP_DEV_PATH;
		r->path = xstrdup(s);
	}
	return r;
}

static void free_ref(struct vmap_devref *r)
{
	for (size_t i = 0; i < r->n_props; i++) {
		free(r->props[i].key);
		free(r->props[i].value);
	}
	free(r->props);
	free(r->path);
	free(r);
}

static int report(struct vmap_errlist *errs)
{
	for (size_t k = 0; k < errs->n; k++) {
		char *m = vmap_error_format(&errs->v[k]);
		fprintf(stderr, "vmap-live: %s\n", m);
		free(m);
	}
	vmap_errlist_clear(errs);
	return 1;
}

int main(int argc, char **argv)
{
	struct vmap_errlist errs = {0};
	struct vmap_live l;
	if (argc == 3 && !strcmp(argv[1], "--read")) {
		if (vmap_live_read_json(&l, argv[2], &errs) < 0)
			return report(&errs);
		int r = vmap_live_write_json(&l, stdout, &errs);
		vmap_live_free(&l);
		return r < 0 ? report(&errs) : 0;
	}
	const char **types = NULL;
	struct vmap_devref **refs = NULL;
	size_t nt = 0, ct = 0, nr = 0, cr = 0;
	bool timing = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			VEC_PUSH(types, nt, ct, argv[++i]);
		} else if (!strcmp(argv[i], "--time")) {
			timing = true;
		} else {
			struct vmap_devref *r = parse_ref(argv[i]);
			VEC_PUSH(refs, nr, cr, r);
		}
	}
	/* the whole picture, limits of dm devices included (as status takes it) */
	struct vmap_capture_req req = {(const struct vmap_devref *const *)refs, nr, types, nt,
				       .full = true};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = vmap_live_capture(&l, &req, &errs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timing)
		fprintf(stderr, "capture: %.3f s\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (size_t i = 0; i < nr; i++)
		free_ref(refs[i]);
	free(refs);
	free(types);
	if (r < 0)
		return report(&errs);
	r = vmap_live_write_json(&l, stdout, &errs);
	vmap_live_free(&l);
	return r < 0 ? report(&errs) : 0;
}
