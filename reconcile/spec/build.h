/* build.h: internals of the spec front end, shared by its files.
 *
 *   spec_load.c     files and directories -> text (public entry points)
 *   yaml_doc.c      text -> node tree with positions
 *   spec_build.c    tree -> volumes: top level, volume keys, key checking
 *   spec_values.c   one value by field kind: sizes, devices, secrets, ...
 *   spec_targets.c  typed targets, `raw`, and `table:` text
 *   spec_refs.c     across the set: duplicates, references, cycles; and
 *                   the final ordering of the error list
 *
 * Not an interface for the rest of vmapctl: use spec.h. */
#ifndef VMAP_SPEC_BUILD_H
#define VMAP_SPEC_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "model/spec.h"
#include "targets/target.h"
#include "spec/yaml_doc.h"

/* Files larger than this are refused before they are read into memory:
 * a spec of 10 000 volumes is about 2 MiB. */
#define VMAP_SPEC_FILE_MAX (16u << 20)

/* What the builder knows about a volume besides struct vmap_volume. */
struct spec_vinfo {
	bool name_ok;              /* name present and valid */
	bool uuid_given;
	struct vmap_loc uuid_loc;  /* the uuid value, or the name when derived */
};

struct spec_build {
	struct vmap_specset *set;
	struct vmap_errlist *errs;
	size_t err0;               /* errors before this load; ours follow */
	size_t cap_files, cap_vols, n_vinfo, cap_vinfo;
	struct spec_vinfo *vinfo;  /* parallel to set->vols */
	bool incomplete;           /* a file could not be read or parsed */
	char **tmp;                /* strings made for messages, freed at the end */
	size_t n_tmp, cap_tmp;
	/* the document being read */
	struct ydoc *doc;
	const char *file;
	const char *volume;        /* for errors: the volume's name, when valid */
};

void spec_build_init(struct spec_build *b, struct vmap_specset *set, struct vmap_errlist *errs);
/* Store a file name in the set; locations point at the returned copy. */
const char *spec_build_add_file(struct spec_build *b, const char *name);
/* Parse and build one file's text (already read). */
void spec_build_text(struct spec_build *b, const char *file, const char *data, size_t len);
/* Cross-file checks; sort our errors by file and position; on any error
 * free the set.  Returns 0 or -1. */
int spec_build_finish(struct spec_build *b);

/* --- helpers for the builder files --- */

/* An error at `loc` about the current volume. */
void berr(struct spec_build *b, const struct vmap_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* `s` made safe to print inside quotes: control characters escaped, long
 * text cut.  Owned by b.  Never use it on key material. */
const char *bq(struct spec_build *b, const char *s);
/* "(did you mean 'x'?)" or NULL: the closest of `cands` to `s`. */
const char *bsuggest(struct spec_build *b, const char *s, const char *const *cands, size_t n);
/* "a, b or c" of `cands`. Owned by b. */
const char *bjoin(struct spec_build *b, const char *const *cands, size_t n);

/* Check the keys of mapping `m`: duplicates and keys not among `keys` are
 * errors ("unknown key 'sise' (did you mean 'size'?)"; `what` is the
 * thing the keys belong to, for the hint: "a volume").  out[i] gets the
 * pair of keys[i], or NULL. */
void bkeys(struct spec_build *b, const struct ynode *m, const char *const *keys, size_t n,
	   const struct ypair **out, const char *what);
/* Report keys that appear twice in `m`. */
void bdups(struct spec_build *b, const struct ynode *m);

/* Values.  Each reports its own errors (naming `key`) and returns false
 * when the value is unusable. */
bool bstring(struct spec_build *b, const struct ynode *n, const char *key, const char **out);
bool bword(struct spec_build *b, const struct ynode *n, const char *key, const char **out);
bool bbool(struct spec_build *b, const struct ynode *n, const char *key, bool *out);
bool bu64(struct spec_build *b, const struct ynode *n, const char *key, uint64_t *out);
bool bsectors(struct spec_build *b, const struct ynode *n, const char *key, uint64_t *out);
bool bmapping(struct spec_build *b, const struct ynode *n, const char *key, const char *what);
bool blist(struct spec_build *b, const struct ynode *n, const char *key);
/* Fill object `o` of type `t` from mapping `m`.  `extra` keys are allowed
 * besides the type's fields and handed back in extra_out (may be NULL when
 * n_extra is 0).  o must be zeroed; it is vmap_obj_init'ed here. */
void bobject(struct spec_build *b, struct vmap_obj *o, const struct vmap_objtype *t,
	     const struct ynode *m, const char *const *extra, size_t n_extra,
	     const struct ypair **extra_out, const char *what);

/* Targets of a volume. */
void spec_build_targets(struct spec_build *b, struct vmap_volume *v, const struct ynode *list);
void spec_build_table(struct spec_build *b, struct vmap_volume *v, const struct ynode *text);
/* A kernel target name: what the kernel takes (1..15 of [A-Za-z0-9_-]). */
bool spec_kernel_name_valid(const char *s);

/* Why `name` is not a valid DM name of at most `max` characters, or NULL. */
const char *vmap_name_problem(const char *name, size_t max);

/* Cross-volume checks (refs.c). */
void spec_check_set(struct spec_build *b);
void spec_sort_errors(struct spec_build *b);

#endif
