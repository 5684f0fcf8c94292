/* metrics.h: `status --format prometheus`, the text format node_exporter's
 * textfile collector reads (vmapctl(8), METRICS). */
#ifndef VMAP_METRICS_H
#define VMAP_METRICS_H

#include <stdbool.h>

#include "base/util.h"
#include "vmapctl.h"

/* The metrics of `st` into `b`; `ok`: status ran without an error.  The
 * last line is always vmapctl_status_success, so that a reader can tell a
 * whole text from a cut one. */
void metrics_status(struct sbuf *b, const struct vmapctl_status *st, bool ok);

/* A Prometheus label value: \, " and newline escaped. */
void metrics_label_value(struct sbuf *b, const char *s);

#endif
