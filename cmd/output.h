/* output.h: what the user sees on stdout (JSON and colour helpers). */
#ifndef VMAP_OUTPUT_H
#define VMAP_OUTPUT_H

#include <json-c/json.h>

/* Print `o` pretty, with a newline, to stdout, and release it.  json-c
 * does the escaping: no JSON text is ever assembled by hand. */
void vmap_print_json(json_object *o);

/* A JSON array of the strings v[0..n). */
json_object *strv_json(char *const *v, size_t n);

#endif
