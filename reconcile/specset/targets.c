/* targets.c: a volume's targets, from `targets:` (typed targets and
 * `raw`) or from `table:` (dmsetup table text).  Targets are laid back to
 * back from sector 0.  Text for a target type vmapctl knows (a `raw`
 * target naming it, a table line) is parsed with that type's own parser,
 * so a typo is caught offline, not by the kernel half way through a run. */
#include "specset/targets.h"
#include "specset/values.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

bool spec_kernel_name_valid(const char *s)
{
	/* DM_MAX_TYPE_NAME is 16 with the NUL */
	size_t n = strlen(s);
	return n >= 1 && n <= 15 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* The names a `type:` may take, for hints. */
static const char **type_names(size_t *n)
{
	size_t k = 0;
	while (vmap_target_types[k])
		k++;
	const char **v = xmalloc((k + 1) * sizeof(*v));
	for (size_t i = 0; i < k; i++)
		v[i] = vmap_target_types[i]->name;
	v[k] = vmap_tt_raw.name;
	*n = k + 1;
	return v;
}

/* A single-device target maps [offset, offset + size) of its device: past
 * 2^64 sectors that wraps, and the kernel would see another range. */
static void check_extent(struct spec_build *b, const struct vmap_target *t)
{
	const struct vmap_target_type *tt = t->tt;
	if (t->opaque || !tt->size_offset_key || !t->size)
		return;
	uint64_t off = vmap_obj_u64(&t->args, tt->size_offset_key, 0);
	if (off > UINT64_MAX - t->size)
		berr(b, &t->loc, "%s %llu plus size %llu is past 2^64 sectors", tt->size_offset_key,
		     (unsigned long long)off, (unsigned long long)t->size);
}

/* Read `text`, the arguments of kernel target `kernel_name`, into `t`
 * (start and size set): a type vmapctl knows is parsed with its own
 * parser and checked with its own validator, so a typo is caught offline.
 * Problems are reported at `loc` against the current volume. */
static void read_text(struct spec_build *b, struct vmap_target *t, const char *kernel_name,
		      const char *text, enum vmap_target_form form, const struct vmap_loc *loc)
{
	struct vmap_errlist tmp = {0};
	struct vmap_loc at = t->loc;
	struct vmap_loc size_at = t->size_loc;
	if (vmap_target_read_text(t, kernel_name, text, form, loc, &tmp) == 0 && !t->opaque &&
	    t->tt->validate)
		t->tt->validate(t, b->volume, &tmp);
	/* the target is where its `type:` key or table line is */
	t->loc = at;
	t->size_loc = size_at;
	if (!tmp.n)
		check_extent(b, t);
	for (size_t i = 0; i < tmp.n; i++)
		if (!tmp.v[i].volume && b->volume)
			tmp.v[i].volume = xstrdup(b->volume);
	vmap_errlist_move(b->errs, &tmp);
}

static void add_size(struct spec_build *b, const struct vmap_loc *loc, uint64_t *end, uint64_t size)
{
	if (*end > UINT64_MAX - size) {
		berr(b, loc, "the volume is larger than 2^64 sectors");
		*end = UINT64_MAX;
		return;
	}
	*end += size;
}

/* `type: raw`: the kernel target name and its argument text, read like a
 * table line.  The YAML object ({target, args}) is only the way in. */
static void raw_target(struct spec_build *b, struct vmap_target *t, struct vmap_obj *raw)
{
	const struct vmap_value *tv = vmap_obj_get(raw, "target");
	const struct vmap_value *av = vmap_obj_get(raw, "args");
	const char *target = tv->set ? tv->s : NULL;
	if (!target)
		return;
	if (!spec_kernel_name_valid(target)) {
		berr(b, &tv->loc, "'target' must be a kernel target name (1..15 letters, digits, "
				  "'-' or '_'), not '%s'", bq(b, target));
		return;
	}
	read_text(b, t, target, av->set ? av->s : "", VMAP_FORM_RAW, av->set ? &av->loc : &t->loc);
}

static void build_target(struct spec_build *b, struct vmap_volume *v, const struct ynode *n,
			 uint64_t *end)
{
	static const char *const extra[] = {"type", "size"};
	if (!bmapping(b, n, "targets", "a target"))
		return;
	const struct ypair *tp = NULL;
	for (size_t i = 0; i < n->n_pairs && !tp; i++)
		if (!strcmp(n->pairs[i].key->str, "type"))
			tp = &n->pairs[i];
	/* the list of type names is for messages only: made when one is */
	size_t nt;
	const char **names = NULL;
	const char *tname;
	const struct vmap_target_type *tt = NULL;
	if (!tp) {
		/* without a type the other keys mean nothing: stop here */
		names = type_names(&nt);
		berr(b, &n->loc, "a target needs 'type' (one of %s)", bjoin(b, names, nt));
	} else if (bstring(b, tp->value, "type", &tname)) {
		tt = strcmp(tname, vmap_tt_raw.name) ? vmap_target_type_find(tname) : &vmap_tt_raw;
		if (!tt) {
			names = type_names(&nt);
			const char *hint = bsuggest(b, tname, names, nt);
			if (hint)
				berr(b, &tp->value->loc, "unknown target type '%s' (%s)", bq(b, tname), hint);
			else
				berr(b, &tp->value->loc, "unknown target type '%s' (one of %s)", bq(b, tname),
				     bjoin(b, names, nt));
		}
	}
	free(names);
	if (!tt)
		return;

	struct vmap_target *t = &v->targets[v->n_targets++];
	const struct ypair *ex[2];
	size_t before = b->errs->n;
	struct vmap_obj raw = {0};
	t->tt = tt;
	t->loc = tp->key->loc;
	t->size_loc = t->loc;
	t->start = *end;
	/* "a linear target", for messages: built for every target */
	char *what = xconcat("a ", tt->name, " target");
	bobject(b, tt == &vmap_tt_raw ? &raw : &t->args, &tt->args, n, extra, 2, ex, what);
	free(what);
	if (ex[1]) {
		t->size_loc = ex[1]->value->loc;
		if (bsectors(b, ex[1]->value, "size", &t->size) && t->size == 0)
			berr(b, &t->size_loc, "'size' must be more than 0");
	} else if (tt->size_device_key) {
		t->size_auto = true; /* the rest of the device: known when resolved */
	} else {
		berr(b, &n->loc, "missing required key 'size' (a %s target needs it)", tt->name);
	}
	add_size(b, &t->size_loc, end, t->size);

	if (tt == &vmap_tt_raw) {
		/* a raw target is read only when the rest of it is right */
		if (b->errs->n == before)
			raw_target(b, t, &raw);
		vmap_obj_free(&raw);
		return;
	}
	t->kernel_name = xstrdup(tt->name);
	/* cross-field checks only on fields that are each fine: otherwise
	 * they would repeat what was said, or trip over a missing value */
	if (tt->validate && b->errs->n == before) {
		struct vmap_errlist tmp = {0};
		tt->validate(t, b->volume, &tmp);
		vmap_errlist_move(b->errs, &tmp);
	}
	if (b->errs->n == before)
		check_extent(b, t);
}

static void check_singletons(struct spec_build *b, const struct vmap_volume *v)
{
	if (v->n_targets < 2)
		return;
	for (size_t i = 0; i < v->n_targets; i++) {
		const struct vmap_target_type *tt = v->targets[i].tt;
		if (tt && (tt->flags & VMAP_TT_SINGLETON))
			berr(b, &v->targets[i].loc,
			     "a %s target must be the only target of its volume (make it a volume of its own)",
			     tt->name);
	}
}

void spec_build_targets(struct spec_build *b, struct vmap_volume *v, const struct ynode *list)
{
	if (!blist(b, list, "targets"))
		return;
	if (!list->n_items) {
		berr(b, &list->loc, "'targets' needs at least one target");
		return;
	}
	uint64_t end = 0;
	v->targets = xcalloc(list->n_items, sizeof(*v->targets));
	for (size_t i = 0; i < list->n_items; i++)
		build_target(b, v, list->items[i], &end);
	check_singletons(b, v);
}

/* --- table: ---------------------------------------------------------------- */

/* Split off the next blank-separated word of *p. */
static char *next_word(const char **p)
{
	const char *s = *p;
	while (*s && isspace((unsigned char)*s))
		s++;
	const char *w = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	*p = s;
	return s > w ? xstrndup(w, (size_t)(s - w)) : NULL;
}

/* One non-blank line: "START LENGTH TYPE ARGS...".  *end is where the
 * previous line ended; lines must follow it exactly. */
static void table_line(struct spec_build *b, struct vmap_volume *v, const char *line,
		       const struct vmap_loc *loc, uint64_t *end)
{
	const char *p = line;
	char *w[3] = {next_word(&p), next_word(&p), next_word(&p)};
	uint64_t start, len;
	if (!w[2]) {
		berr(b, loc, "table line is not 'START LENGTH TARGET [ARGUMENTS...]'");
		goto out;
	}
	if (!parse_u64(w[0], &start)) {
		berr(b, loc, "table line: start '%s' is not a sector number", bq(b, w[0]));
		goto out;
	}
	if (!parse_u64(w[1], &len) || len == 0) {
		berr(b, loc, "table line: length '%s' is not a sector count above 0", bq(b, w[1]));
		goto out;
	}
	if (!spec_kernel_name_valid(w[2])) {
		berr(b, loc, "table line: '%s' is not a kernel target name", bq(b, w[2]));
		goto out;
	}
	if (start != *end) {
		if (*end == 0 && !v->n_targets)
			berr(b, loc, "table line starts at sector %llu: the first line must start at 0",
			     (unsigned long long)start);
		else if (start > *end)
			berr(b, loc, "table line leaves a gap: it starts at sector %llu, the line before "
				     "ends at %llu (lines must be back to back)",
			     (unsigned long long)start, (unsigned long long)*end);
		else
			berr(b, loc, "table line overlaps the line before: it starts at sector %llu, "
				     "the line before ends at %llu (lines must be back to back)",
			     (unsigned long long)start, (unsigned long long)*end);
		*end = start; /* go on from here, not to repeat this for every later line */
	}
	struct vmap_target *t = &v->targets[v->n_targets++];
	t->start = start;
	t->size = len;
	t->loc = *loc;
	t->size_loc = *loc;
	add_size(b, loc, end, len);
	read_text(b, t, w[2], p, VMAP_FORM_TABLE, loc);
out:
	for (int i = 0; i < 3; i++)
		free(w[i]);
}

void spec_build_table(struct spec_build *b, struct vmap_volume *v, const struct ynode *text)
{
	const char *s;
	if (!bstring(b, text, "table", &s))
		return;
	size_t lines = 1;
	for (const char *c = s; *c; c++)
		lines += *c == '\n';
	v->targets = xcalloc(lines, sizeof(*v->targets));
	uint64_t end = 0;
	size_t i = 0, seen = 0;
	for (const char *line = s; line; i++) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *l = xstrndup(line, len);
		line = nl ? nl + 1 : NULL;
		const char *first = l + strspn(l, " \t");
		if (!*first || *first == '#') {
			free(l);
			continue;
		}
		struct vmap_loc loc = ydoc_scalar_line_loc(b->doc, text, i);
		bool bad = false;
		seen++;
		for (const char *c = l; *c && !bad; c++)
			bad = ((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f;
		if (bad)
			berr(b, &loc, "table line has a control character");
		else
			table_line(b, v, l, &loc, &end);
		free(l);
	}
	if (!seen)
		berr(b, &text->loc, "'table' has no lines (write 'START LENGTH TARGET ARGUMENTS', "
				    "one line per target)");
	check_singletons(b, v);
}
