/* multipath.c: `multipath <#feat> <feat>... <#hw> [<hw> <hwarg>...] <#pg>
 * <initial pg> (<selector> <#selarg> <selarg>... <#paths> <#patharg>
 * (<dev> <patharg>...)...)...`.
 *
 * What the kernel reports differs from what it was given: the feature
 * count is recomputed (queue_if_no_path as it is now), queue_mode rq/mq is
 * dropped and `queue_mode bio` brings retain_attached_hw_handler with it,
 * hardware handler arguments are dropped (and the handler itself on a
 * bio-based device), the built-in selectors report no selector arguments,
 * their own number of path arguments, and a repeat_count above 1 as 1.
 * Every word is followed by a space, so the text ends with one. */
#include "targets/common.h"

#include <string.h>

static const struct vmap_field path_fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED, .doc = "the path's device"},
	{.key = "repeatCount", .kind = VMAP_F_U64,
	 .doc = "I/Os before switching path (round-robin, queue-length, service-time; the kernel uses 1 for anything above 1)"},
	{.key = "relativeThroughput", .kind = VMAP_F_U64, .max = 100,
	 .doc = "the path's relative throughput 0..100 (service-time only, default 1)"},
	{.key = "args", .kind = VMAP_F_STRING, .flags = VMAP_FF_WORDS,
	 .doc = "path arguments verbatim, for a path selector vmapctl does not know"},
};
static const struct vmap_objtype path_type = {"path", path_fields, NFIELDS(path_fields),
					      "one path of a path group"};

static const struct vmap_field group_fields[] = {
	{.key = "selector", .kind = VMAP_F_STRING,
	 .doc = "path selector: round-robin, queue-length, service-time (default round-robin)"},
	{.key = "selectorArgs", .kind = VMAP_F_STRING, .flags = VMAP_FF_WORDS,
	 .doc = "selector arguments verbatim, space separated (the built-in selectors take none)"},
	{.key = "paths", .kind = VMAP_F_LIST, .flags = VMAP_FF_REQUIRED | VMAP_FF_NONEMPTY,
	 .item = &path_type, .doc = "the paths of this group"},
};
static const struct vmap_objtype group_type = {"pathGroup", group_fields, NFIELDS(group_fields),
					       "a priority group of paths"};

static const char *const queue_modes[] = {"bio", "rq", "mq", NULL};

static const struct vmap_field fields[] = {
	{.key = "queueIfNoPath", .kind = VMAP_F_BOOL,
	 .doc = "queue I/O while no path is usable instead of failing it (queue_if_no_path)"},
	{.key = "queueMode", .kind = VMAP_F_ENUM, .choices = queue_modes,
	 .doc = "bio: a bio-based device; rq, mq: request-based (the default)"},
	{.key = "retainAttachedHwHandler", .kind = VMAP_F_BOOL,
	 .doc = "keep a hardware handler already attached to the paths (retain_attached_hw_handler)"},
	{.key = "pgInitRetries", .kind = VMAP_F_U64, .min = 1, .max = 50,
	 .doc = "retries of path group initialisation, 1..50 (pg_init_retries)"},
	{.key = "pgInitDelayMsecs", .kind = VMAP_F_U64, .max = 60000,
	 .doc = "milliseconds between path group initialisation retries (pg_init_delay_msecs)"},
	{.key = "hardwareHandler", .kind = VMAP_F_STRING,
	 .doc = "SCSI device handler, e.g. alua, emc, rdac (needs SCSI paths)"},
	{.key = "hardwareHandlerArgs", .kind = VMAP_F_STRING, .flags = VMAP_FF_WORDS,
	 .doc = "hardware handler arguments, space separated (the kernel does not report them back)"},
	{.key = "initialPathGroup", .kind = VMAP_F_U64, .min = 1,
	 .doc = "the path group to use first, counted from 1 (default 1)"},
	{.key = "pathGroups", .kind = VMAP_F_LIST, .item = &group_type,
	 .doc = "the priority groups, highest priority first"},
};

/* The path selectors built into Debian's kernel, and how many arguments
 * they report per path. */
static const struct {
	const char *name;
	unsigned path_args;
} selectors[] = {
	{"round-robin", 1},
	{"queue-length", 1},
	{"service-time", 2},
};

static int known_selector(const char *name)
{
	for (size_t i = 0; i < NFIELDS(selectors); i++)
		if (!strcmp(selectors[i].name, name))
			return (int)i;
	return -1;
}

static const char *selector_of(const struct vmap_obj *g)
{
	return vmap_obj_str(g, "selector", "round-robin");
}

/* Words w[0..n) joined by single blanks into STRING field `key`. */
static void parse_words(struct vmap_obj *o, const char *key, char *const *w, size_t n,
			const struct vmap_loc *loc)
{
	struct sbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_addc(&b, ' ');
		sbuf_add(&b, w[i]);
	}
	tparse_str(o, key, sbuf_str(&b), loc);
	sbuf_free(&b);
}

static int parse_features(char *const *w, size_t n, size_t *i, struct vmap_obj *o,
			  const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	size_t count;
	if (tparse_count(w, n, i, 7, &count, "features", loc, "multipath", errs) < 0)
		return -1;
	size_t end = *i + count;
	while (*i < end) {
		const char *f = w[(*i)++];
		const char *key = NULL;
		if (tword_is(f, "queue_if_no_path")) {
			tparse_flag(o, "queueIfNoPath", loc);
		} else if (tword_is(f, "retain_attached_hw_handler")) {
			tparse_flag(o, "retainAttachedHwHandler", loc);
		} else if (tword_is(f, "pg_init_retries")) {
			key = "pgInitRetries";
		} else if (tword_is(f, "pg_init_delay_msecs")) {
			key = "pgInitDelayMsecs";
		} else if (tword_is(f, "queue_mode")) {
			if (*i >= end)
				return tparse_fail(errs, loc, "multipath", "queue_mode needs a value");
			const char *m = w[(*i)++];
			size_t k;
			for (k = 0; queue_modes[k] && !tword_is(m, queue_modes[k]); k++)
				;
			if (!queue_modes[k])
				return tparse_fail(errs, loc, "multipath", "unknown queue_mode '%s'", m);
			tparse_str(o, "queueMode", queue_modes[k], loc);
		} else {
			return tparse_fail(errs, loc, "multipath", "unknown feature '%s'", f);
		}
		if (key) {
			if (*i >= end)
				return tparse_fail(errs, loc, "multipath", "%s needs a value", f);
			if (tparse_u64(o, key, w[(*i)++], loc, errs) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_group(char *const *w, size_t n, size_t *i, struct vmap_obj *o,
		       const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	struct vmap_obj *g = tparse_add_item(o, "pathGroups", loc);
	if (*i >= n)
		return tparse_fail(errs, loc, "multipath", "a path group has no selector");
	const char *sel = w[(*i)++];
	tparse_str(g, "selector", sel, loc);
	size_t nsel, npaths, nargs;
	if (tparse_count(w, n, i, 1024, &nsel, "selector arguments", loc, "multipath", errs) < 0)
		return -1;
	if (nsel)
		parse_words(g, "selectorArgs", w + *i, nsel, loc);
	*i += nsel;
	if (tparse_need(*i, 2, n, errs, loc, "multipath") < 0)
		return -1;
	uint64_t np, na;
	if (!parse_u64(w[*i], &np) || np == 0 || np > 1024 || !parse_u64(w[*i + 1], &na) || na > 1024)
		return tparse_fail(errs, loc, "multipath", "'%s %s' is not a path and path argument count",
				   w[*i], w[*i + 1]);
	npaths = (size_t)np;
	nargs = (size_t)na;
	*i += 2;
	int ks = known_selector(sel);
	if (ks >= 0 && nargs > selectors[ks].path_args)
		return tparse_fail(errs, loc, "multipath", "%s takes at most %u path arguments, not %zu",
				   sel, selectors[ks].path_args, nargs);
	for (size_t p = 0; p < npaths; p++) {
		if (tparse_need(*i, 1 + nargs, n, errs, loc, "multipath") < 0)
			return -1;
		struct vmap_obj *path = tparse_add_item(g, "paths", loc);
		if (tparse_device(path, "device", w[*i], loc, errs) < 0)
			return -1;
		char *const *a = w + *i + 1;
		if (ks < 0) {
			if (nargs)
				parse_words(path, "args", a, nargs, loc);
		} else {
			if (nargs >= 1 && tparse_u64(path, "repeatCount", a[0], loc, errs) < 0)
				return -1;
			if (nargs >= 2 && tparse_u64(path, "relativeThroughput", a[1], loc, errs) < 0)
				return -1;
		}
		*i += 1 + nargs;
	}
	return 0;
}

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	size_t i = 0, nhw;
	if (parse_features(w, n, &i, o, loc, errs) < 0)
		return -1;
	if (tparse_count(w, n, &i, 1024, &nhw, "hardware handler arguments", loc, "multipath", errs) < 0)
		return -1;
	if (nhw) {
		tparse_str(o, "hardwareHandler", w[i], loc);
		if (nhw > 1)
			parse_words(o, "hardwareHandlerArgs", w + i + 1, nhw - 1, loc);
	}
	i += nhw;
	if (tparse_need(i, 2, n, errs, loc, "multipath") < 0)
		return -1;
	uint64_t npg, initial;
	if (!parse_u64(w[i], &npg) || npg > 1024 || !parse_u64(w[i + 1], &initial) || initial > npg)
		return tparse_fail(errs, loc, "multipath", "'%s %s' is not a path group count and initial group",
				   w[i], w[i + 1]);
	if (initial)
		tparse_u64(o, "initialPathGroup", w[i + 1], loc, errs);
	i += 2;
	for (uint64_t g = 0; g < npg; g++)
		if (parse_group(w, n, &i, o, loc, errs) < 0)
			return -1;
	if (i != n)
		return tparse_fail(errs, loc, "multipath", "%zu words after the last path group", n - i);
	return 0;
}

static bool bio_based(const struct vmap_obj *o)
{
	const char *m = vmap_obj_str(o, "queueMode", NULL);
	return m && !strcmp(m, "bio");
}

static void emit_words(const char *s, struct sbuf *out, size_t *count)
{
	size_t n;
	char **w = split_words(s ? s : "", &n);
	for (size_t i = 0; i < n; i++)
		sbuf_printf(out, "%s ", w[i]);
	strv_free(w);
	if (count)
		*count = n;
}

static size_t count_words(const char *s)
{
	size_t n;
	char **w = split_words(s ? s : "", &n);
	strv_free(w);
	return n;
}

static int emit_group(const struct vmap_obj *g, struct vmap_emit_ctx *ctx, struct sbuf *out,
		      struct vmap_errlist *errs)
{
	const char *sel = selector_of(g);
	const struct vmap_value *paths = vmap_obj_get(g, "paths");
	int ks = known_selector(sel);
	sbuf_printf(out, "%s ", sel);
	size_t nargs;
	if (ks >= 0) {
		sbuf_add(out, "0 ");
		nargs = selectors[ks].path_args;
	} else {
		sbuf_printf(out, "%zu ", count_words(vmap_obj_str(g, "selectorArgs", NULL)));
		emit_words(vmap_obj_str(g, "selectorArgs", NULL), out, NULL);
		nargs = paths->n_items ? count_words(vmap_obj_str(&paths->items[0], "args", NULL)) : 0;
	}
	sbuf_printf(out, "%zu %zu ", paths->n_items, nargs);
	for (size_t p = 0; p < paths->n_items; p++) {
		const struct vmap_obj *path = &paths->items[p];
		if (temit_device(path, "device", ctx, out, errs) < 0)
			return -1;
		sbuf_addc(out, ' ');
		if (ks < 0) {
			size_t got;
			emit_words(vmap_obj_str(path, "args", NULL), out, &got);
			if (got != nargs) {
				vmap_spec_err(errs, tloc(path, "args"), NULL,
					      "multipath target: every path of a group needs the same number of arguments");
				return -1;
			}
			continue;
		}
		/* the kernel warns "repeat_count > 1 is deprecated" and uses 1 */
		uint64_t rc = vmap_obj_u64(path, "repeatCount", 1);
		sbuf_printf(out, "%llu ", ULL(rc > 1 ? 1 : rc));
		if (nargs == 2)
			sbuf_printf(out, "%llu ", ULL(vmap_obj_u64(path, "relativeThroughput", 1)));
	}
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	bool bio = bio_based(o);
	/* a bio-based multipath cannot manage SCSI handlers: the kernel
	 * sets retain_attached_hw_handler itself */
	bool retain = vmap_obj_bool(o, "retainAttachedHwHandler") || bio;
	bool qinp = vmap_obj_bool(o, "queueIfNoPath");
	bool retries = vmap_obj_has(o, "pgInitRetries");
	bool delay = vmap_obj_has(o, "pgInitDelayMsecs");
	sbuf_printf(out, "%u ", (unsigned)qinp + 2u * retries + 2u * delay + (unsigned)retain + 2u * bio);
	if (qinp)
		sbuf_add(out, "queue_if_no_path ");
	if (retries)
		sbuf_printf(out, "pg_init_retries %llu ", ULL(vmap_obj_u64(o, "pgInitRetries", 0)));
	if (delay)
		sbuf_printf(out, "pg_init_delay_msecs %llu ", ULL(vmap_obj_u64(o, "pgInitDelayMsecs", 0)));
	if (retain)
		sbuf_add(out, "retain_attached_hw_handler ");
	if (bio)
		sbuf_add(out, "queue_mode bio ");

	const char *hw = vmap_obj_str(o, "hardwareHandler", NULL);
	if (hw && !bio)
		sbuf_printf(out, "1 %s ", hw);
	else
		sbuf_add(out, "0 ");

	const struct vmap_value *pgs = vmap_obj_get(o, "pathGroups");
	uint64_t initial = vmap_obj_u64(o, "initialPathGroup", pgs->n_items ? 1 : 0);
	sbuf_printf(out, "%zu %llu ", pgs->n_items, ULL(initial));
	for (size_t g = 0; g < pgs->n_items; g++)
		if (emit_group(&pgs->items[g], ctx, out, errs) < 0)
			return -1;
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	const struct vmap_value *pgs = vmap_obj_get(o, "pathGroups");
	int r = 0;
	if (vmap_obj_has(o, "initialPathGroup")) {
		uint64_t ig = vmap_obj_u64(o, "initialPathGroup", 0);
		if (ig < 1 || ig > pgs->n_items)
			r = tinvalid(t, "initialPathGroup", volume, errs,
				     "initialPathGroup %llu is not one of the %zu path groups",
				     ULL(ig), pgs->n_items);
	}
	uint64_t retries = vmap_obj_u64(o, "pgInitRetries", 1);
	if (retries < 1 || retries > 50)
		r = tinvalid(t, "pgInitRetries", volume, errs, "pgInitRetries must be 1..50");
	if (vmap_obj_u64(o, "pgInitDelayMsecs", 0) > 60000)
		r = tinvalid(t, "pgInitDelayMsecs", volume, errs, "pgInitDelayMsecs must be 0..60000");
	if (bio_based(o) && vmap_obj_has(o, "hardwareHandler"))
		r = tinvalid(t, "hardwareHandler", volume, errs,
			     "a bio-based multipath (queueMode bio) cannot use a hardware handler");
	if (vmap_obj_has(o, "hardwareHandlerArgs") && !vmap_obj_has(o, "hardwareHandler"))
		r = tinvalid(t, "hardwareHandlerArgs", volume, errs,
			     "'hardwareHandlerArgs' without a 'hardwareHandler'");
	for (size_t g = 0; g < pgs->n_items; g++) {
		const struct vmap_obj *grp = &pgs->items[g];
		const char *sel = selector_of(grp);
		int ks = known_selector(sel);
		const struct vmap_value *paths = vmap_obj_get(grp, "paths");
		for (size_t p = 0; p < paths->n_items; p++) {
			const struct vmap_obj *path = &paths->items[p];
			if (ks >= 0 && vmap_obj_has(path, "args")) {
				vmap_spec_err(errs, tloc(path, "args"), volume,
					      "multipath target: 'args' is for unknown selectors; %s takes repeatCount%s",
					      sel, selectors[ks].path_args == 2 ? " and relativeThroughput" : "");
				r = -1;
			}
			if (ks < 0 && (vmap_obj_has(path, "repeatCount") ||
				       vmap_obj_has(path, "relativeThroughput"))) {
				vmap_spec_err(errs, tloc(path, "repeatCount"), volume,
					      "multipath target: selector '%s' is not known to vmapctl: give its path arguments in 'args'",
					      sel);
				r = -1;
			}
			if (vmap_obj_has(path, "relativeThroughput") && ks >= 0 &&
			    selectors[ks].path_args < 2) {
				vmap_spec_err(errs, tloc(path, "relativeThroughput"), volume,
					      "multipath target: relativeThroughput is for service-time, not %s", sel);
				r = -1;
			}
			if (vmap_obj_u64(path, "relativeThroughput", 0) > 100) {
				vmap_spec_err(errs, tloc(path, "relativeThroughput"), volume,
					      "multipath target: relativeThroughput must be 0..100");
				r = -1;
			}
			if (ks < 0 && count_words(vmap_obj_str(path, "args", NULL)) !=
					      count_words(vmap_obj_str(&paths->items[0], "args", NULL))) {
				vmap_spec_err(errs, tloc(path, "args"), volume,
					      "multipath target: every path of a group needs the same number of arguments");
				r = -1;
			}
		}
	}
	return r;
}

static bool request_based(const struct vmap_obj *o)
{
	return !bio_based(o);
}

/* Every path leads to the same LUN, and sector i is its sector i: the
 * identity is the LUN (the paths' udev WWN or serial, ctx->device), so
 * paths may come and go; which paths, groups, selectors and features
 * only tune.  Paths that cannot be told to be one LUN: UNKNOWN. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	const struct vmap_value *groups = vmap_obj_get(o, "pathGroups");
	char *lun = NULL;
	bool mixed = false;
	size_t n_paths = 0;
	struct sbuf tune = {0};
	for (size_t g = 0; g < groups->n_items; g++) {
		const struct vmap_value *paths = vmap_obj_get(&groups->items[g], "paths");
		for (size_t k = 0; k < paths->n_items; k++) {
			char *key = tident_device(ctx, &paths->items[k], "device");
			sbuf_printf(&tune, "%s%s", n_paths++ ? "," : "path ", key ? key : "?");
			if (!key || (lun && strcmp(lun, key)))
				mixed = true;
			if (!lun)
				lun = key;
			else
				free(key);
		}
	}
	if (!n_paths || mixed || strncmp(lun, "lun:", 4)) {
		/* one path of a device that is no LUN (a loop device) is still
		 * that device */
		if (n_paths == 1 && lun) {
			tident_at(out, len, "multipath", lun, rel, sbuf_str(&tune));
			lun = NULL;
		} else {
			tident_unknown(out, len, n_paths ? "multipath over paths vmapctl cannot tell are one LUN"
							 : "multipath with no paths");
		}
	} else {
		tident_at(out, len, "multipath", lun, rel, sbuf_str(&tune));
		lun = NULL;
	}
	free(lun);
	sbuf_free(&tune);
}

/* Each path selector is a module of its own (dm-round-robin, ...). */
static void extra_modules(const struct vmap_obj *o, void (*add)(const char *mod, void *arg),
			  void *arg)
{
	const struct vmap_value *groups = vmap_obj_get(o, "pathGroups");
	for (size_t g = 0; g < groups->n_items; g++) {
		char *m = xasprintf("dm-%s", vmap_obj_str(&groups->items[g], "selector", "round-robin"));
		add(m, arg);
		free(m);
	}
}

const struct vmap_target_type vmap_tt_multipath = {
	.name = "multipath",
	.module = "dm-multipath",
	.flags = VMAP_TT_IMMUTABLE | VMAP_TT_SINGLETON | VMAP_TT_NOFLUSH,
	.args = {"multipath", fields, NFIELDS(fields), "several paths to one device (dm-multipath)"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.request_based = request_based,
	.identity = identity,
	.extra_modules = extra_modules,
};
