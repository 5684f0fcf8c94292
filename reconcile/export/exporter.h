/* exporter.h: one export run, shared by the export files (exporter.c
 * holds its helpers):
 *
 *   export.c   vmap_export: select the managed devices, order them (lower
 *              first), hand them to a format
 *   yaml.c     --format yaml: a spec that plans as "no change"
 *   text.c     --format concise and dm-init: one line of device text
 *
 * Not an interface for the rest of vmapctl: use export.h. */
#ifndef VMAP_EXPORT_EXPORTER_H
#define VMAP_EXPORT_EXPORTER_H

#include "base/util.h"
#include "export/export.h"

/* What one export run works on: the selected devices, in output order. */
struct ex {
	const struct vmap_live *live;
	const struct vmap_export_opts *opts;
	const struct vmap_dmdev **devs;
	size_t n, cap;
	struct vmap_export *out;
	struct vmap_errlist *errs;
};

/* A warning for the user (a key file to fill in, a long command line). */
void export_warn(struct ex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The selected device with number maj:min, or NULL. */
const struct vmap_dmdev *export_selected(const struct ex *x, unsigned maj, unsigned min);

/* The formats: the selected devices as text into `out`; -1 with errors. */
int export_yaml(struct ex *x, struct sbuf *out);
int export_text(struct ex *x, struct sbuf *out);

#endif
