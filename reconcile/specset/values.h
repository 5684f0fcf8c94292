/* values.h: one YAML value as one field of a target's arguments, by
 * field kind (values.c). */
#ifndef VMAP_SPECSET_VALUES_H
#define VMAP_SPECSET_VALUES_H

#include "specset/diag.h"
#include "targets/target.h"

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

#endif
