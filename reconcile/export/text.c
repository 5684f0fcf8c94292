/* text.c: export as device text: `dmsetup create --concise` and the
 * kernel's dm-mod.create= (--format concise, dm-init). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/exporter.h"

#include "targets/target.h"

/* Why target line `l` cannot be written in format `f`, or NULL.  What
 * early boot (dm-init) can create is the type's to say: the kernel only
 * takes some types from dm-mod.create= (dm_allowed_targets in Linux 6.1's
 * drivers/md/dm-init.c), modules cannot be loaded and no keyring is
 * filled yet; a key is never exported. */
static const char *line_problem(enum vmap_export_format f, const struct vmap_table_line *l)
{
	const char *p = l->params ? l->params : "";
	const struct vmap_target *t = &l->target;
	if (strstr(p, "<key:"))
		return "its table holds a key, and export never writes keys (use --format yaml, "
		       "which points at a key file)";
	if (f != VMAP_EXPORT_DM_INIT)
		return NULL;
	/* by name: a known type whose text vmapctl could not read is opaque */
	const struct vmap_target_type *tt = vmap_target_type_find(l->type);
	if (!tt || !(tt->flags & VMAP_TT_DM_INIT))
		return "the kernel creates only crypt, delay, linear, snapshot-origin, striped "
		       "and verity targets from dm-mod.create=";
	const char *why = !t->opaque && tt->dm_init_problem ? tt->dm_init_problem(&t->args) : NULL;
	if (why)
		return why;
	if (strpbrk(p, ",;"))
		return "its table has a ',' or ';', which dm-mod.create= cannot escape";
	return NULL;
}

/* concise: escape the separators with '\' (dmsetup's own rule). */
static void add_field(struct sbuf *b, enum vmap_export_format f, const char *s)
{
	for (; *s; s++) {
		if (f == VMAP_EXPORT_CONCISE && strchr(",;\\", *s))
			sbuf_addc(b, '\\');
		sbuf_addc(b, *s);
	}
}

int export_text(struct ex *x, struct sbuf *out)
{
	enum vmap_export_format f = x->opts->format;
	bool dm_init = f == VMAP_EXPORT_DM_INIT;
	size_t before = x->errs->n;
	if (dm_init && x->n > VMAP_DM_INIT_MAX_DEVICES)
		vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, NULL,
			 "dm-mod.create= takes at most %d devices, not %zu (name fewer volumes)",
			 VMAP_DM_INIT_MAX_DEVICES, x->n);
	for (size_t i = 0; i < x->n; i++) {
		const struct vmap_dmdev *d = x->devs[i];
		if (dm_init && d->live.n > VMAP_DM_INIT_MAX_TARGETS)
			vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, d->name,
				 "dm-mod.create= takes at most %d targets per device, not %zu",
				 VMAP_DM_INIT_MAX_TARGETS, d->live.n);
		if (dm_init && (strpbrk(d->name, ",;") || strpbrk(d->uuid, ",;")))
			vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, d->name,
				 "cannot write it for dm-mod.create=: its name or uuid has a ',' or ';', "
				 "which dm-mod.create= cannot escape");
		for (size_t k = 0; k < d->live.n; k++) {
			const char *why = line_problem(f, &d->live.lines[k]);
			if (why)
				vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, d->name,
					 "cannot write target %zu (%s) for %s: %s", k,
					 d->live.lines[k].type, dm_init ? "dm-mod.create=" : "dmsetup --concise",
					 why);
		}
		if (i)
			sbuf_addc(out, ';');
		add_field(out, f, d->name);
		sbuf_addc(out, ',');
		add_field(out, f, d->uuid);
		/* the minor keeps references between the devices right: a
		 * stacked table names its lower device by number */
		sbuf_printf(out, ",%u,%s", d->minor, d->read_only ? "ro" : "rw");
		for (size_t k = 0; k < d->live.n; k++) {
			const struct vmap_table_line *l = &d->live.lines[k];
			sbuf_printf(out, ",%llu %llu ", (unsigned long long)l->start,
				    (unsigned long long)l->len);
			add_field(out, f, l->type);
			sbuf_addc(out, ' ');
			add_field(out, f, l->params ? l->params : "");
		}
	}
	if (dm_init && x->errs->n == before && out->len > VMAP_DM_INIT_MAX_CHARS)
		vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, NULL,
			 "the dm-mod.create= value would be %zu characters; the kernel takes at most "
			 "%d (name fewer volumes)",
			 out->len, VMAP_DM_INIT_MAX_CHARS);
	else if (dm_init && out->len > VMAP_CMDLINE_WARN_CHARS)
		export_warn(x, "the dm-mod.create= value is %zu characters: more than the whole kernel "
			"command line may have on x86 (%d)",
		     out->len, VMAP_CMDLINE_WARN_CHARS);
	sbuf_addc(out, '\n');
	return x->errs->n == before ? 0 : -1;
}
