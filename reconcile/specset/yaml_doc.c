/* yaml_doc.c: libyaml events -> struct ydoc (see yaml_doc.h). */
#include "specset/yaml_doc.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "base/util.h"

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"

/* Anchors by name (open addressing).  A document may hold many; a later
 * anchor of the same name replaces the earlier one, as YAML says. */
struct anchor {
	char *name;
	struct ynode *node;
};

struct frame {
	struct ynode *node;
	struct ynode *key; /* MAP: a key waiting for its value */
	char *anchor;      /* registered when the collection ends */
};

struct parse {
	struct ydoc *doc;
	const char *file;
	struct vmap_errlist *errs;
	struct frame *stack;
	size_t depth, cap;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors; /* cap: a power of two, or 0 */
	uint64_t alias_nodes;
	int docs;
	bool failed;
};

static struct vmap_loc mark_loc(const struct parse *p, yaml_mark_t m)
{
	return (struct vmap_loc){p->file, (unsigned)m.line + 1, (unsigned)m.column + 1};
}

__attribute__((format(printf, 3, 4)))
static void fail(struct parse *p, const struct vmap_loc *loc, const char *fmt, ...)
{
	if (p->failed)
		return; /* one error per stream: the rest would be noise */
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	vmap_spec_err(p->errs, loc, NULL, "%s", m);
	free(m);
	p->failed = true;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct anchor *anchor_slot(struct parse *p, const char *name)
{
	size_t mask = p->cap_anchors - 1;
	for (size_t i = hash_name(name) & mask;; i = (i + 1) & mask)
		if (!p->anchors[i].name || !strcmp(p->anchors[i].name, name))
			return &p->anchors[i];
}

static void anchor_set(struct parse *p, char *name, struct ynode *node)
{
	if ((p->n_anchors + 1) * 2 > p->cap_anchors) {
		struct anchor *old = p->anchors;
		size_t oldcap = p->cap_anchors;
		p->cap_anchors = oldcap ? oldcap * 2 : 16;
		p->anchors = xcalloc(p->cap_anchors, sizeof(*p->anchors));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].name)
				*anchor_slot(p, old[i].name) = old[i];
		free(old);
	}
	struct anchor *a = anchor_slot(p, name);
	if (a->name) {
		free(name);
	} else {
		a->name = name;
		p->n_anchors++;
	}
	a->node = node;
}

static struct ynode *anchor_get(struct parse *p, const char *name)
{
	if (!p->cap_anchors)
		return NULL;
	struct anchor *a = anchor_slot(p, name);
	return a->name ? a->node : NULL;
}

/* Nodes come from blocks that double in size up to YNODE_BLOCK_MAX: a
 * small spec allocates little, a big one one block per thousand values
 * instead of one allocation per value. */
#define YNODE_BLOCK_MIN 16
#define YNODE_BLOCK_MAX 1024

struct ynode_block {
	struct ynode_block *next; /* the block filled before this one */
	size_t used, cap;
	struct ynode v[];
};

static struct ynode *new_node(struct parse *p, enum ynode_kind kind, yaml_mark_t m)
{
	struct ydoc *doc = p->doc;
	if (doc->n_nodes >= YDOC_MAX_NODES) {
		struct vmap_loc loc = mark_loc(p, m);
		fail(p, &loc, "more than %d YAML values in one file (split it into several files)",
		     YDOC_MAX_NODES);
		return NULL;
	}
	struct ynode_block *bl = doc->blocks;
	if (!bl || bl->used == bl->cap) {
		size_t cap = bl ? bl->cap * 2 : YNODE_BLOCK_MIN;
		if (cap > YNODE_BLOCK_MAX)
			cap = YNODE_BLOCK_MAX;
		struct ynode_block *nb = xmalloc(sizeof(*nb) + cap * sizeof(nb->v[0]));
		nb->next = bl;
		nb->used = 0;
		nb->cap = cap;
		doc->blocks = bl = nb;
	}
	struct ynode *n = &bl->v[bl->used++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->loc = mark_loc(p, m);
	n->weight = 1;
	doc->n_nodes++;
	return n;
}

/* Hang a finished node (or an alias's target) under the open collection. */
static void attach(struct parse *p, struct ynode *n)
{
	if (!p->depth) {
		p->doc->root = n;
		return;
	}
	struct frame *f = &p->stack[p->depth - 1];
	struct ynode *parent = f->node;
	parent->weight = sat_add(parent->weight, n->weight);
	if (parent->kind == YNODE_SEQ) {
		VEC_PUSH(parent->items, parent->n_items, parent->cap_items, n);
	} else if (!f->key) {
		if (n->kind != YNODE_SCALAR)
			fail(p, &n->loc, "invalid YAML for a spec: a mapping key must be a string, not %s",
			     ynode_describe(n));
		f->key = n;
	} else {
		struct ypair pr = {f->key, n};
		VEC_PUSH(parent->pairs, parent->n_pairs, parent->cap_pairs, pr);
		f->key = NULL;
	}
}

static char *take_anchor(const yaml_char_t *a)
{
	return a ? xstrdup((const char *)a) : NULL;
}

static void on_scalar(struct parse *p, yaml_event_t *ev)
{
	struct ynode *n = new_node(p, YNODE_SCALAR, ev->start_mark);
	if (!n)
		return;
	const char *tag = (const char *)ev->data.scalar.tag;
	/* The node takes libyaml's text rather than a copy: libyaml
	 * allocates it with malloc, NUL-terminated (its strings are zero
	 * filled as they grow, and an empty value is a malloc'd ""), and
	 * yaml_event_delete() skips a NULL value. */
	n->len = ev->data.scalar.length;
	n->str = (char *)ev->data.scalar.value;
	ev->data.scalar.value = NULL;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = YSTYLE_QUOTED; break;
	case YAML_LITERAL_SCALAR_STYLE: n->style = YSTYLE_LITERAL; break;
	case YAML_FOLDED_SCALAR_STYLE: n->style = YSTYLE_FOLDED; break;
	default: n->style = YSTYLE_PLAIN; break;
	}
	if (tag && (!strcmp(tag, "!") || !strcmp(tag, TAG_STR)))
		n->tag_str = true;
	else if (tag)
		/* Other tags (!!int "12", !custom) would give one text two
		 * meanings; refusing them keeps every value's type visible. */
		fail(p, &n->loc, "YAML tags are not supported here (only !!str)");
	attach(p, n);
	if (ev->data.scalar.anchor)
		anchor_set(p, take_anchor(ev->data.scalar.anchor), n);
}

static void on_start(struct parse *p, const yaml_event_t *ev, enum ynode_kind kind)
{
	const yaml_char_t *anchor, *tag;
	if (kind == YNODE_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	struct ynode *n = new_node(p, kind, ev->start_mark);
	if (!n)
		return;
	if (tag && strcmp((const char *)tag, "!") &&
	    strcmp((const char *)tag, kind == YNODE_MAP ? TAG_MAP : TAG_SEQ))
		fail(p, &n->loc, "YAML tags are not supported here (only !!str)");
	if (p->depth >= YDOC_MAX_DEPTH) {
		fail(p, &n->loc, "nesting deeper than %d levels (no spec needs that)", YDOC_MAX_DEPTH);
		return;
	}
	struct frame f = {n, NULL, take_anchor(anchor)};
	VEC_PUSH(p->stack, p->depth, p->cap, f);
}

static void on_end(struct parse *p)
{
	struct frame f = p->stack[--p->depth];
	attach(p, f.node);
	if (f.anchor)
		anchor_set(p, f.anchor, f.node);
}

static void on_alias(struct parse *p, const yaml_event_t *ev)
{
	struct vmap_loc loc = mark_loc(p, ev->start_mark);
	struct ynode *target = anchor_get(p, (const char *)ev->data.alias.anchor);
	if (!target) {
		/* also an alias inside its own anchor: anchors register at the
		 * end of their node, so the tree can never loop */
		fail(p, &loc, "invalid YAML: alias to an anchor that is not defined before it");
		return;
	}
	/* A walk visits the whole target once more for every alias. */
	p->alias_nodes = sat_add(p->alias_nodes, target->weight);
	if (p->alias_nodes > YDOC_MAX_ALIAS_NODES) {
		fail(p, &loc, "YAML aliases expand to more than %d nodes (an alias bomb?)",
		     YDOC_MAX_ALIAS_NODES);
		return;
	}
	attach(p, target);
}

/* Line and column of byte `off`: libyaml gives reader errors (bad UTF-8,
 * control characters) as a byte offset only. */
static struct vmap_loc offset_loc(const struct parse *p, const char *data, size_t len, size_t off)
{
	struct vmap_loc loc = {p->file, 1, 1};
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n' || (c == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
			loc.line++;
			loc.col = 1;
		} else if ((c & 0xC0) != 0x80) {
			loc.col++; /* count characters, as libyaml's marks do */
		}
	}
	return loc;
}

static void yaml_failure(struct parse *p, const yaml_parser_t *yp, const char *data, size_t len)
{
	const char *problem = yp->problem ? yp->problem : "cannot parse";
	if (yp->error == YAML_READER_ERROR) {
		size_t off = yp->problem_offset;
		if (strstr(problem, "UTF-8") || strstr(problem, "Unicode")) {
			/* for a bad trailing byte libyaml gives that byte's
			 * offset: show where the character starts */
			if (strstr(problem, "trailing") && off > 0 && off <= len) {
				off--;
				while (off > 0 && ((unsigned char)data[off] & 0xC0) == 0x80)
					off--;
			}
			struct vmap_loc loc = offset_loc(p, data, len, off);
			fail(p, &loc, "invalid YAML: the file is not UTF-8 text (%s)", problem);
		} else {
			struct vmap_loc loc = offset_loc(p, data, len, off);
			if (yp->problem_value >= 0)
				fail(p, &loc, "invalid YAML: %s (character 0x%02X)", problem,
				     (unsigned)yp->problem_value);
			else
				fail(p, &loc, "invalid YAML: %s", problem);
		}
		return;
	}
	struct vmap_loc loc = mark_loc(p, yp->problem_mark);
	if (yp->context)
		fail(p, &loc, "invalid YAML: %s (%s at %zu:%zu)", problem, yp->context,
		     yp->context_mark.line + 1, yp->context_mark.column + 1);
	else
		fail(p, &loc, "invalid YAML: %s", problem);
}

int ydoc_parse(struct ydoc *doc, const char *file, const char *data, size_t len,
	       struct vmap_errlist *errs)
{
	memset(doc, 0, sizeof(*doc));
	doc->src = data;
	doc->src_len = len;
	struct parse p = {.doc = doc, .file = file, .errs = errs};
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp)) {
		fail(&p, NULL, "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)data, len);
	bool done = false;
	while (!done && !p.failed) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			yaml_failure(&p, &yp, data, len);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (p.docs++) {
				struct vmap_loc loc = mark_loc(&p, ev.start_mark);
				fail(&p, &loc, "a spec file holds one YAML document, this is a second one "
					       "(split it into two files)");
			}
			break;
		case YAML_SCALAR_EVENT: on_scalar(&p, &ev); break;
		case YAML_SEQUENCE_START_EVENT: on_start(&p, &ev, YNODE_SEQ); break;
		case YAML_MAPPING_START_EVENT: on_start(&p, &ev, YNODE_MAP); break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: on_end(&p); break;
		case YAML_ALIAS_EVENT: on_alias(&p, &ev); break;
		case YAML_STREAM_END_EVENT: done = true; break;
		default: break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&yp);
	for (size_t i = 0; i < p.depth; i++)
		free(p.stack[i].anchor);
	free(p.stack);
	for (size_t i = 0; i < p.cap_anchors; i++)
		free(p.anchors[i].name);
	free(p.anchors);
	if (p.failed) {
		ydoc_free(doc);
		return -1;
	}
	return 0;
}

struct ynode *ydoc_alloc_nodes(struct ydoc *doc, size_t n)
{
	struct ynode_block *nb = xcalloc(1, sizeof(*nb) + n * sizeof(nb->v[0]));
	nb->next = doc->blocks;
	nb->used = nb->cap = n;
	doc->blocks = nb;
	doc->n_nodes += n;
	return nb->v;
}

void ydoc_free(struct ydoc *doc)
{
	for (struct ynode_block *bl = doc->blocks, *next; bl; bl = next) {
		/* a tree from the cache keeps its text, pairs and items in
		 * the arena arrays (freed below), not in the nodes */
		for (size_t i = 0; !doc->arena && i < bl->used; i++) {
			struct ynode *n = &bl->v[i];
			switch (n->kind) {
			case YNODE_SCALAR:
				explicit_bzero(n->str, n->len);
				free(n->str);
				break;
			case YNODE_MAP: free(n->pairs); break;
			case YNODE_SEQ: free(n->items); break;
			}
		}
		next = bl->next;
		free(bl);
	}
	if (doc->arena)
		explicit_bzero(doc->arena, doc->arena_len);
	free(doc->arena);
	free(doc->arena_pairs);
	free(doc->arena_items);
	free(doc->line_starts);
	memset(doc, 0, sizeof(*doc));
}

/* --- what a plain scalar means ------------------------------------------ */

static bool in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static bool isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits and underscores, at least one digit first. */
static const char *digits_(const char *s)
{
	if (!isdig(*s))
		return NULL;
	while (isdig(*s) || *s == '_')
		s++;
	return s;
}

/* Any YAML 1.1 or 1.2 number that is not a plain decimal integer: 0x1f,
 * 0o17, 0b101, 010, 1_000, 1:30 (sexagesimal), 1.5, 1e3, .5, .inf, .nan. */
static bool looks_numeric(const char *s)
{
	static const char *const special[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL};
	if (*s == '-' || *s == '+')
		s++;
	if (*s == '.' && in(s, special))
		return true;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b') && s[2]) {
		const char *t = s + 2;
		for (; *t; t++)
			if (!(isdig(*t) || *t == '_' || (s[1] == 'x' && strchr("abcdefABCDEF", *t))))
				return false;
		return true;
	}
	const char *t = digits_(s);
	if (!t) {
		if (*s != '.' || !isdig(s[1]))
			return false;
		t = s;
	}
	while (*t == ':') { /* sexagesimal, and any MAJ:MIN-looking text */
		if (!(t = digits_(t + 1)))
			return false;
	}
	if (*t == '.')
		while (isdig(*++t) || *t == '_')
			;
	if (*t == 'e' || *t == 'E') {
		t++;
		if (*t == '-' || *t == '+')
			t++;
		if (!isdig(*t))
			return false;
		while (isdig(*t))
			t++;
	}
	return *t == '\0';
}

/* YAML 1.1 timestamps (PyYAML reads them as dates): 2001-12-14,
 * 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5. */
static bool looks_date(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!isdig(s[i]))
			return false;
	s += 4;
	for (int part = 0; part < 2; part++) {
		if (*s++ != '-' || !isdig(*s++))
			return false;
		if (isdig(*s))
			s++;
	}
	if (!*s)
		return true;
	if (*s == 't' || *s == 'T')
		s++;
	else if (*s == ' ' || *s == '\t')
		while (*s == ' ' || *s == '\t')
			s++;
	else
		return false;
	/* hh:mm:ss, the rest (fraction, zone) is not looked at closely */
	return isdig(s[0]) && (s[1] == ':' || (isdig(s[1]) && s[2] == ':'));
}

enum yscalar_type ynode_scalar_type(const struct ynode *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
	static const char *const bools11[] = {"yes", "Yes", "YES", "no", "No", "NO", "on", "On",
					      "ON", "off", "Off", "OFF", NULL};
	if (n->kind != YNODE_SCALAR || n->style != YSTYLE_PLAIN || n->tag_str)
		return YS_STR;
	const char *s = n->str;
	/* Every word of the three lists starts with one of these; most
	 * values (names, paths, numbers) start with none, and the lists cost
	 * 23 string compares a value. */
	if (strchr("~nNtTfFyYoO", *s)) { /* also "": strchr finds the NUL */
		if (in(s, nulls))
			return YS_NULL;
		if (in(s, bools))
			return YS_BOOL;
		if (in(s, bools11))
			return YS_OTHER;
	}
	const char *d = s + (*s == '-' || *s == '+');
	if (isdig(*d)) {
		if (*d == '0' ? d[1] == '\0' : strspn(d, "0123456789") == strlen(d))
			return YS_INT;
	}
	if (looks_numeric(s) || looks_date(s) || !strcmp(s, "="))
		return YS_OTHER;
	return YS_STR;
}

bool ynode_bool(const struct ynode *n)
{
	return n->str[0] == 't' || n->str[0] == 'T';
}

const char *ynode_describe(const struct ynode *n)
{
	switch (n->kind) {
	case YNODE_MAP: return "a mapping";
	case YNODE_SEQ: return "a list";
	case YNODE_SCALAR: break;
	}
	switch (ynode_scalar_type(n)) {
	case YS_NULL: return "empty (null)";
	case YS_BOOL: return "a boolean";
	case YS_INT: return "an integer";
	case YS_OTHER: return "a plain value YAML reads as a number, boolean or date";
	case YS_STR: break;
	}
	return "a string";
}

/* --- positions inside block scalars ------------------------------------- */

static void index_lines(struct ydoc *doc)
{
	size_t cap = 0;
	VEC_PUSH(doc->line_starts, doc->n_lines, cap, (size_t)0);
	for (size_t i = 0; i < doc->src_len; i++) {
		char c = doc->src[i];
		if (c == '\n' || (c == '\r' && (i + 1 >= doc->src_len || doc->src[i + 1] != '\n')))
			VEC_PUSH(doc->line_starts, doc->n_lines, cap, i + 1);
	}
}

struct vmap_loc ydoc_scalar_line_loc(struct ydoc *doc, const struct ynode *n, size_t i)
{
	if (n->kind != YNODE_SCALAR || n->style != YSTYLE_LITERAL || !doc->src)
		return n->loc;
	/* The text of line i of the value. */
	const char *t = n->str;
	for (size_t k = 0; k < i && t; k++) {
		t = strchr(t, '\n');
		if (t)
			t++;
	}
	if (!t)
		return n->loc;
	t += strspn(t, " \t");
	if (!doc->line_starts)
		index_lines(doc);
	/* The value starts on the line after the "|" indicator. */
	size_t line = (size_t)n->loc.line + i; /* 0-based: (loc.line - 1) + 1 + i */
	if (line >= doc->n_lines)
		return n->loc;
	const char *s = doc->src + doc->line_starts[line];
	const char *end = doc->src + doc->src_len;
	size_t col = 0;
	while (s < end && (*s == ' ' || *s == '\t')) {
		s++;
		col++;
	}
	/* Check that this is the same text: a Unicode line break that libyaml
	 * counts and we do not would shift the lines; then fall back. */
	size_t want = strcspn(t, "\n");
	if (want > 16)
		want = 16;
	if ((size_t)(end - s) < want || memcmp(s, t, want))
		return n->loc;
	return (struct vmap_loc){n->loc.file, (unsigned)line + 1, (unsigned)col + 1};
}
