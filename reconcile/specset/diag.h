/* diag.h: the state of one spec set being built, and the messages of
 * the builder files (diag.c).  The spec front end, in the order input
 * flows through it:
 *
 *   load.c      files, directories, the layered default set -> text
 *   yaml_doc.c  text -> node tree with positions
 *   build.c     tree -> volumes: top level, volume keys
 *   values.c    one value by field kind: sizes, devices, secrets, ...
 *   targets.c   typed targets, `raw`, and `table:` text
 *   refs.c      across the set: duplicates, references, cycles, the
 *               dependency relation; the final order of the error list
 *
 * Not an interface for the rest of vmapctl: use model/spec.h. */
#ifndef VMAP_SPECSET_DIAG_H
#define VMAP_SPECSET_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "model/spec.h"
#include "specset/yaml_doc.h"

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
	const char *cache_dir;     /* parsed files kept here (ydoc_cache.h), or NULL */
	bool saw_secret;           /* the document names key material: not cached */
};

void spec_build_init(struct spec_build *b, struct vmap_specset *set, struct vmap_errlist *errs);
/* Store a file name in the set; locations point at the returned copy. */
const char *spec_build_add_file(struct spec_build *b, const char *name);

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

#endif
