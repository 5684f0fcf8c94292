/* exporter.c: helpers of the export files (see exporter.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/exporter.h"

void export_warn(struct ex *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	x->out->warnings = xrealloc(x->out->warnings, (x->out->n_warnings + 1) * sizeof(char *));
	x->out->warnings[x->out->n_warnings++] = m;
}

const struct vmap_dmdev *export_selected(const struct ex *x, unsigned maj, unsigned min)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->devs[i]->major == maj && x->devs[i]->minor == min)
			return x->devs[i];
	return NULL;
}
