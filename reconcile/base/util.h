/* util.h: allocation and growable strings used across vmapctl.
 *
 * Allocation failure aborts (as git's xmalloc does): vmapctl's memory needs
 * are small and there is no sensible partial result to return.  Everything
 * else in the library reports errors through struct vmap_errlist. */
#ifndef VMAP_UTIL_H
#define VMAP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of `size`-byte elements so that it holds at least `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);             /* NULL stays NULL */
char *xstrndup(const char *s, size_t n);
/* a, b and c joined, in one allocation of the exact size: for strings
 * built per volume, where printf's machinery costs more than the rest */
char *xconcat(const char *a, const char *b, const char *c);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A string and the index of what it names: sorted by string, equal
 * strings by index (vmap_str_ix_cmp), a lookup finds the first of equal
 * entries, as a scan in index order does.  Indexes of names, references
 * and property values that thousands of volumes are looked up in. */
struct vmap_str_ix {
	const char *s;
	size_t i;
};
int vmap_str_ix_cmp(const void *a, const void *b);
/* The first of sorted v[0..n) whose string is not below `s` (n if none). */
size_t vmap_str_ix_lower(const struct vmap_str_ix *v, size_t n, const char *s);
/* The entry of sorted v[0..n) with string `s` (the first), or NULL. */
const struct vmap_str_ix *vmap_str_ix_find(const struct vmap_str_ix *v, size_t n, const char *s);

/* Append `item` to the array `*arr` of `*n` elements with capacity `*cap`. */
#define VEC_PUSH(arr, n, cap, item)                                        \
	do {                                                               \
		(arr) = xgrow((arr), &(cap), (n) + 1, sizeof(*(arr)));     \
		(arr)[(n)++] = (item);                                     \
	} while (0)

/* A growable NUL-terminated string; zero-initialise to start empty. */
struct sbuf {
	char *s;
	size_t len, cap;
};

void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* All `n` bytes to or from `fd`, across short transfers and EINTR.  False
 * on a failure (errno says why) and, reading, at an early end of file
 * (errno 0). */
bool write_full(int fd, const void *buf, size_t n);
bool read_full(int fd, void *buf, size_t n);
/* `v` in decimal, and "MAJOR:MINOR": what every table line is made of, a
 * few times per volume, without printf's cost (contract section 9). */
void sbuf_add_u64(struct sbuf *b, uint64_t v);
void sbuf_add_devno(struct sbuf *b, unsigned major, unsigned minor);
/* The string so far ("" when nothing was added); stays owned by b. */
const char *sbuf_str(const struct sbuf *b);
/* Hand the string to the caller (never NULL) and reset b. */
char *sbuf_take(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* The value of hex digit `c` (either case), or -1. */
int hex_digit(int c);
/* Parse all of `s` as an unsigned decimal; false on junk, sign or overflow. */
bool parse_u64(const char *s, uint64_t *out);
/* "MAJOR:MINOR", decimal, nothing around it (as the kernel writes device
 * numbers in tables; without sscanf's cost, paid per device per run). */
bool parse_devno(const char *s, unsigned *major, unsigned *minor);

/* Split `s` on runs of blanks into a NULL-terminated vector of words
 * (caller frees with strv_free); *n gets the count. */
char **split_words(const char *s, size_t *n);
void strv_free(char **v);

#endif
