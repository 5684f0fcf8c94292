/* spec_test.h: helpers for the spec front-end unit tests (test_spec_*.c):
 * load a spec from a string, and look for an error by position and text. */
#ifndef VMAP_SPEC_TEST_H
#define VMAP_SPEC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "base/error.h"
#include "model/spec.h"
#include "base/util.h"

#define HDR "apiVersion: vmapctl/v1\nvolumes:\n"

/* Load `text` as file "t.yaml"; returns what vmap_specset_load_buffer does. */
static inline int load_text(struct vmap_specset *set, struct vmap_errlist *errs, const char *text)
{
	return vmap_specset_load_buffer(set, "t.yaml", text, strlen(text), errs);
}

static inline void dump_errors(const struct vmap_errlist *errs)
{
	for (size_t i = 0; i < errs->n; i++) {
		char *s = vmap_error_format(&errs->v[i]);
		fprintf(stderr, "#   error %zu: %s\n", i, s);
		free(s);
	}
}

/* The error at line:col (0:0 = anywhere) whose message contains `sub`. */
static inline const struct vmap_error *find_error(const struct vmap_errlist *errs, unsigned line,
						  unsigned col, const char *sub)
{
	for (size_t i = 0; i < errs->n; i++) {
		const struct vmap_error *e = &errs->v[i];
		if ((line == 0 || (e->line == line && e->col == col)) && strstr(e->msg, sub))
			return e;
	}
	return NULL;
}

/* Assert that loading `text` fails with an error at line:col containing
 * `sub`; show every error when it does not. */
#define assert_spec_error(text, line, col, sub)                                         \
	do {                                                                            \
		struct vmap_specset s_;                                                 \
		struct vmap_errlist e_ = {0};                                           \
		int r_ = load_text(&s_, &e_, (text));                                   \
		if (r_ != -1 || !find_error(&e_, (line), (col), (sub))) {               \
			fprintf(stderr, "# wanted %u:%u: %s\n", (unsigned)(line),       \
				(unsigned)(col), (sub));                                \
			dump_errors(&e_);                                               \
		}                                                                       \
		assert_int_equal(r_, -1);                                               \
		assert_non_null(find_error(&e_, (line), (col), (sub)));                 \
		assert_int_equal(s_.n_vols, 0);                                         \
		vmap_errlist_clear(&e_);                                                \
		vmap_specset_free(&s_);                                                 \
	} while (0)

/* Assert that `text` loads; show the errors when it does not. */
#define assert_spec_ok(set, text)                                                      \
	do {                                                                            \
		struct vmap_errlist e_ = {0};                                           \
		int r_ = load_text((set), &e_, (text));                                 \
		if (r_ != 0)                                                            \
			dump_errors(&e_);                                               \
		assert_int_equal(r_, 0);                                                \
		assert_int_equal(e_.n, 0);                                              \
		vmap_errlist_clear(&e_);                                                \
	} while (0)

#endif
