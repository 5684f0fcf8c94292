/* vmap-normalise: print table lines the way the kernel will report them.
 *
 *   vmap-normalise [--canon] [--live] --table 'START LEN TYPE ARGS'...
 *   vmap-normalise [--canon] [--live] < lines       (one table line each)
 *   vmap-normalise [--canon] -f SPEC... [--volume NAME]
 *   vmap-normalise --agree < USER-LINES -- LIVE-LINES
 *
 * Each line (dmsetup syntax, /dev paths allowed, blanks as they come) goes
 * through vmapctl's normaliser and comes out as `START LEN TYPE ARGS`: the
 * exact text `dmsetup table --showkeys` prints once the line is loaded.
 * Keys are printed as hex (KERNEL mode), which is what the tests load;
 * --canon prints CANON mode (keys as digests, what plan compares).
 * --live takes the lines as text the kernel reported (live state) rather
 * than as what a user wrote.  With -f, the volumes of a spec set are
 * printed (only NAME's with --volume); {volume: X} resolves through
 * /dev/mapper/X, a size left out to the rest of the device.
 *
 * --agree reads the lines a user wrote, a line `--`, then the lines the
 * kernel reported for them, and prints three parts separated by `--`
 * lines: the user's lines in KERNEL mode, the same in CANON mode, and the
 * kernel's lines (as --live) in CANON mode.  It is the three runs above in
 * one process, for a test that checks many tables: in the sanitizer build
 * under the emulated test VM each start costs about 200 ms.
 *
 * Paths resolve to MAJ:MIN by stat(); sizes come from sysfs.  Errors go to
 * stderr; exit 1 on any. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "model/secret.h"
#include "model/spec.h"
#include "targets/target.h"
#include "base/util.h"

static int fail(struct vmap_errlist *errs)
{
	for (size_t i = 0; i < errs->n; i++) {
		char *m = vmap_error_format(&errs->v[i]);
		fprintf(stderr, "vmap-normalise: %s\n", m);
		free(m);
	}
	vmap_errlist_clear(errs);
	return -1;
}

/* MAJ:MIN of a device reference, or -1 (with an error) when it has none. */
static int devnum(const struct vmap_devref *ref, unsigned *maj, unsigned *min,
		  struct vmap_errlist *errs)
{
	char *path = NULL;
	switch (ref->kind) {
	case VMAP_DEV_MAJMIN:
		*maj = ref->major;
		*min = ref->minor;
		return 0;
	case VMAP_DEV_PATH: path = xstrdup(ref->path); break;
	case VMAP_DEV_VOLUME: path = xasprintf("/dev/mapper/%s", ref->volume); break;
	case VMAP_DEV_UDEV:
		vmap_spec_err(errs, &ref->loc, NULL, "udev references are not supported here");
		return -1;
	}
	struct stat st;
	int r = stat(path, &st);
	if (r < 0 || !S_ISBLK(st.st_mode)) {
		vmap_err(errs, VMAP_E_FAILED, r < 0 ? errno : ENOTBLK, &ref->loc, NULL,
			 "'%s' is not a block device", path);
		free(path);
		return -1;
	}
	free(path);
	*maj = major(st.st_rdev);
	*min = minor(st.st_rdev);
	return 0;
}

static int tool_device(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	unsigned maj, min;
	if (ref->kind == VMAP_DEV_VOLUME) {
		struct vmap_errlist ignore = {0};
		if (devnum(ref, &maj, &min, &ignore) < 0) {
			/* not created yet: a placeholder, as the resolver does */
			vmap_errlist_clear(&ignore);
			sbuf_printf(out, "<volume:%s>", ref->volume);
			ctx->pending = true;
			return 0;
		}
	} else if (devnum(ref, &maj, &min, errs) < 0) {
		return -1;
	}
	sbuf_printf(out, "%u:%u", maj, min);
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	unsigned long long x;
	int r = fscanf(f, "%llu", &x) == 1 ? 0 : -1;
	fclose(f);
	*v = x;
	return r;
}

static int tool_device_info(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref,
			    uint64_t *sectors, unsigned *lbs)
{
	(void)ctx;
	unsigned maj, min;
	struct vmap_errlist ignore = {0};
	int r = devnum(ref, &maj, &min, &ignore);
	vmap_errlist_clear(&ignore);
	if (r < 0)
		return -1;
	char *p = xasprintf("/sys/dev/block/%u:%u/size", maj, min);
	char *q = xasprintf("/sys/dev/block/%u:%u/queue/logical_block_size", maj, min);
	uint64_t s, l = 512;
	r = read_u64(p, &s);
	read_u64(q, &l);
	free(p);
	free(q);
	if (r < 0)
		return -1;
	*sectors = s;
	*lbs = (unsigned)l;
	return 0;
}

static int tool_secret(struct vmap_emit_ctx *ctx, const struct vmap_secret *s, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	return vmap_secret_text(s, ctx->mode, NULL, out, errs);
}

/* As dmsetup table prints a line: a blank after the type even when the
 * target has no arguments (zero, error). */
static void print_line(uint64_t start, uint64_t len, const char *type, const char *params)
{
	printf("%llu %llu %s %s\n", (unsigned long long)start, (unsigned long long)len, type, params);
}

/* One table line in dmsetup syntax. */
static int do_line(const char *line, bool live, struct vmap_emit_ctx *ctx)
{
	struct vmap_errlist errs = {0};
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#' || *p == '\n')
		return 0;
	unsigned long long start, len;
	int used = 0;
	char type[128];
	if (sscanf(p, "%llu %llu %127s%n", &start, &len, type, &used) != 3) {
		fprintf(stderr, "vmap-normalise: not a table line (START LEN TYPE ARGS): %s\n", line);
		return -1;
	}
	char *args = xstrdup(p + used);
	args[strcspn(args, "\n")] = 0;
	struct sbuf out = {0};
	int r;
	/* the text read once into a target, as vmapctl reads a live table
	 * line or a `table:` line, then written by the type's emitter */
	struct vmap_target t = {0};
	r = vmap_target_read_text(&t, type, args, live ? VMAP_FORM_LIVE : VMAP_FORM_TABLE, NULL,
				  &errs);
	if (r == 0) {
		t.start = start;
		t.size = len;
		if (live)
			vmap_target_hide_keys(&t);
		r = vmap_target_emit(&t, ctx, &out, &errs);
	}
	vmap_target_free(&t);
	if (r == 0)
		print_line(start, len, type, sbuf_str(&out));
	else
		fail(&errs);
	explicit_bzero(args, strlen(args));
	free(args);
	sbuf_free(&out);
	return r;
}

/* The rest of `ref`'s device after `off`, for a size left out. */
static int auto_size(const struct vmap_target *t, struct vmap_emit_ctx *ctx, uint64_t *len)
{
	const struct vmap_target_type *tt = t->tt;
	const struct vmap_value *dv = vmap_obj_get(&t->args, tt->size_device_key);
	uint64_t off = tt->size_offset_key ? vmap_obj_u64(&t->args, tt->size_offset_key, 0) : 0;
	uint64_t sectors;
	unsigned lbs;
	if (!dv->dev || tool_device_info(ctx, dv->dev, &sectors, &lbs) < 0 || sectors <= off) {
		fprintf(stderr, "vmap-normalise: cannot tell the size of the device for an omitted size\n");
		return -1;
	}
	*len = sectors - off;
	return 0;
}

static int do_specs(const char *const *files, size_t n, const char *only, struct vmap_emit_ctx *ctx)
{
	struct vmap_specset set = {0};
	struct vmap_errlist errs = {0};
	if (vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)files, .n_paths = n}, &errs) < 0) {
		vmap_specset_free(&set);
		return fail(&errs);
	}
	int r = 0;
	bool found = false;
	for (size_t v = 0; v < set.n_vols && r == 0; v++) {
		const struct vmap_volume *vol = &set.vols[v];
		if (only && strcmp(only, vol->name))
			continue;
		found = true;
		uint64_t start = 0;
		for (size_t i = 0; i < vol->n_targets && r == 0; i++) {
			const struct vmap_target *t = &vol->targets[i];
			uint64_t len = t->size;
			if (t->size_auto && auto_size(t, ctx, &len) < 0) {
				r = -1;
				break;
			}
			struct sbuf out = {0};
			r = vmap_target_emit(t, ctx, &out, &errs);
			if (r == 0)
				print_line(start, len, t->kernel_name, sbuf_str(&out));
			else
				fail(&errs);
			sbuf_free(&out);
			start += len;
		}
	}
	if (only && !found) {
		fprintf(stderr, "vmap-normalise: no volume '%s' in the spec set\n", only);
		r = -1;
	}
	vmap_specset_free(&set);
	return r;
}

/* --agree: see the top of the file. */
static int do_agree(struct vmap_emit_ctx *ctx)
{
	char **user = NULL, **live = NULL;
	size_t nu = 0, nl = 0, cap = 0;
	bool sep = false;
	char *line = NULL;
	while (getline(&line, &cap, stdin) > 0) {
		if (!sep && !strcmp(line, "--\n")) {
			sep = true;
			continue;
		}
		char ***v = sep ? &live : &user;
		size_t *n = sep ? &nl : &nu;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = xstrdup(line);
	}
	if (line)
		explicit_bzero(line, cap);
	free(line);
	int rc = 0;
	if (!sep) {
		fprintf(stderr, "vmap-normalise: --agree: no `--` line between the user's and the kernel's lines\n");
		rc = 1;
	}
	for (size_t i = 0; i < nu && !rc; i++)
		rc |= do_line(user[i], false, ctx) < 0;
	printf("--\n");
	ctx->mode = VMAP_EMIT_CANON;
	for (size_t i = 0; i < nu && !rc; i++)
		rc |= do_line(user[i], false, ctx) < 0;
	printf("--\n");
	for (size_t i = 0; i < nl && !rc; i++)
		rc |= do_line(live[i], true, ctx) < 0;
	for (size_t i = 0; i < nu; i++) {
		explicit_bzero(user[i], strlen(user[i]));
		free(user[i]);
	}
	for (size_t i = 0; i < nl; i++) {
		explicit_bzero(live[i], strlen(live[i]));
		free(live[i]);
	}
	free(user);
	free(live);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: vmap-normalise [--canon] [--live] [--table LINE]... | -f SPEC... [--volume NAME] | --agree\n");
	exit(64);
}

int main(int argc, char **argv)
{
	struct vmap_emit_ctx ctx = {.mode = VMAP_EMIT_KERNEL, .device = tool_device,
				    .device_info = tool_device_info, .secret = tool_secret};
	const char **tables = xcalloc((size_t)argc, sizeof(*tables));
	const char **files = xcalloc((size_t)argc, sizeof(*files));
	size_t nt = 0, nf = 0;
	const char *only = NULL;
	bool live = false, agree = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--canon"))
			ctx.mode = VMAP_EMIT_CANON;
		else if (!strcmp(argv[i], "--live"))
			live = true;
		else if (!strcmp(argv[i], "--agree"))
			agree = true;
		else if (!strcmp(argv[i], "--table") && i + 1 < argc)
			tables[nt++] = argv[++i];
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			files[nf++] = argv[++i];
		else if (!strcmp(argv[i], "--volume") && i + 1 < argc)
			only = argv[++i];
		else
			usage();
	}
	int rc = 0;
	if (agree) {
		if (nf || nt || live || ctx.mode != VMAP_EMIT_KERNEL)
			usage();
		rc = do_agree(&ctx);
	} else if (nf) {
		rc = do_specs(files, nf, only, &ctx) < 0;
	} else if (nt) {
		for (size_t i = 0; i < nt; i++)
			rc |= do_line(tables[i], live, &ctx) < 0;
	} else {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, stdin) > 0)
			rc |= do_line(line, live, &ctx) < 0;
		if (line)
			explicit_bzero(line, cap);
		free(line);
	}
	if (ctx.pending)
		fprintf(stderr, "vmap-normalise: some values are placeholders (a device not there yet)\n");
	free(tables);
	free(files);
	return rc;
}
