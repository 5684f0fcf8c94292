/* yaml_doc.h: one YAML document as a small tree of nodes with positions.
 *
 * libyaml gives a stream of events; the spec builder wants to look keys up
 * in any order and to point every error at a line and column, so the
 * events are collected into this tree first.  The tree is deliberately
 * dumb: scalars keep their text and how they were written (plain or
 * quoted), and the builder decides what a value means where it is used.
 *
 * Hostile input is bounded here, before anything walks the tree:
 *   - nesting deeper than YDOC_MAX_DEPTH is refused, and so are more
 *     than YDOC_MAX_NODES nodes;
 *   - aliases are supported without copying (an alias node is the
 *     anchored node itself), and the number of nodes a full walk would
 *     visit because of aliases is capped at YDOC_MAX_ALIAS_NODES, so an
 *     alias bomb ("billion laughs") is refused after a few events;
 *   - exactly one document per stream.
 * A stream with a syntax error (or bad UTF-8) yields exactly one error. */
#ifndef VMAP_YAML_DOC_H
#define VMAP_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_ALIAS_NODES 1000000
/* Nodes in one document: about 50 000 volumes.  Without a bound a 16 MiB
 * flow list of one-letter scalars would cost gigabytes of nodes. */
#define YDOC_MAX_NODES 1000000

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

enum ynode_style {
	YSTYLE_PLAIN,   /* unquoted: its type comes from what it looks like */
	YSTYLE_QUOTED,  /* '...' or "...": always a string */
	YSTYLE_LITERAL, /* | block: a string, lines kept */
	YSTYLE_FOLDED,  /* > block: a string, lines folded */
};

struct ynode;

struct ypair {
	struct ynode *key; /* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	enum ynode_style style;    /* SCALAR */
	bool tag_str;              /* SCALAR: explicit !!str or !: a string whatever it looks like */
	uint32_t cache_id;         /* scratch of the cache writer (ydoc_cache.c); 0 elsewhere */
	struct vmap_loc loc;       /* where the node starts */
	/* nodes a walk of this subtree visits (aliases expanded), saturating */
	uint64_t weight;
	union {
		struct { /* SCALAR: NUL-terminated; `len` also counts an embedded
			  * NUL that a "\0" escape can produce */
			char *str;
			size_t len;
		};
		struct { /* MAP, in the order written (duplicates kept: the builder reports them) */
			struct ypair *pairs;
			size_t n_pairs, cap_pairs;
		};
		struct { /* SEQ */
			struct ynode **items;
			size_t n_items, cap_items;
		};
	};
};

struct ynode_block;

struct ydoc {
	struct ynode *root;        /* NULL: the stream had no document */
	/* every node, in blocks (one allocation for many nodes: a spec has
	 * tens of thousands), for freeing (aliases share) */
	struct ynode_block *blocks;
	size_t n_nodes;
	const char *src;           /* the parsed text (borrowed) */
	size_t src_len;
	size_t *line_starts;       /* byte offset of each line, built on demand */
	size_t n_lines;
	/* a tree read from the cache (ydoc_cache.h) keeps its scalars' text
	 * and its nodes' pairs and items in these three arrays, not in one
	 * allocation each; NULL for a parsed tree */
	char *arena;
	size_t arena_len;
	struct ypair *arena_pairs;
	struct ynode **arena_items;
};

/* Parse `len` bytes of `data` (one YAML document) from file `file` (kept as
 * a pointer in every location).  Returns 0 (doc->root may be NULL for an
 * empty stream), or -1 with one VMAP_E_SPEC error. */
int ydoc_parse(struct ydoc *doc, const char *file, const char *data, size_t len,
	       struct vmap_errlist *errs);
/* `n` zeroed nodes in one block of doc (the cache reader's). */
struct ynode *ydoc_alloc_nodes(struct ydoc *doc, size_t n);
/* Free the tree; scalar text is wiped first (it may hold key material). */
void ydoc_free(struct ydoc *doc);

/* What a scalar is.  Plain scalars are typed by what they look like; the
 * rules are the union of YAML 1.1 (libyaml, PyYAML) and YAML 1.2 (editors),
 * so that a value is only a string when every YAML reader agrees. */
enum yscalar_type {
	YS_STR,
	YS_NULL,    /* ~, null, empty */
	YS_BOOL,    /* true / false (any case YAML allows) */
	YS_INT,     /* a plain decimal integer: [-+]?(0|[1-9][0-9]*) */
	YS_OTHER,   /* yes/no/on/off, 0x1f, 010, 1_000, 8:16, 1.5, .inf, dates */
};
enum yscalar_type ynode_scalar_type(const struct ynode *n);
/* "a string", "a mapping", "an integer", ... for type errors. */
const char *ynode_describe(const struct ynode *n);
/* The value of a YS_BOOL scalar. */
bool ynode_bool(const struct ynode *n);

/* The location of line `i` (0-based) of the text of scalar `n`: exact for
 * literal (|) block scalars, the scalar's own start otherwise. */
struct vmap_loc ydoc_scalar_line_loc(struct ydoc *doc, const struct ynode *n, size_t i);

#endif
