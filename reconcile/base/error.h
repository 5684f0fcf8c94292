/* error.h: how the library reports what went wrong.
 *
 * Library functions never print or exit.  They append records to a
 * struct vmap_errlist: a kind (which decides the exit code, mapped in one
 * place: cmd/exitcode.c), an errno where the kernel or the OS gave one, the
 * spec location and volume the problem belongs to, and a message written
 * for the user: problem first, subject quoted, lowercase, no trailing
 * period, and what to do in parentheses where there is something to do.
 * Validation appends every problem it finds; operations usually stop at
 * the first and return -1. */
#ifndef VMAP_ERROR_H
#define VMAP_ERROR_H

#include <stdbool.h>
#include <stddef.h>

enum vmap_errkind {
	VMAP_E_FAILED = 1, /* an operation failed (kernel, I/O): exit 1 */
	VMAP_E_USAGE,      /* bad command line: exit 64 */
	VMAP_E_SPEC,       /* invalid spec: exit 65 */
	VMAP_E_POLICY,     /* refused by policy (--allow-*, ownership): exit 3 */
	VMAP_E_LOCK,       /* lock not acquired in time: exit 75 */
	VMAP_E_TIMEOUT,    /* a bounded wait (udev) ran out: exit 1 */
};

/* Where a value came from.  `file` points at a string owned by whoever
 * loaded the spec set (struct vmap_specset); errors copy it. */
struct vmap_loc {
	const char *file;
	unsigned line, col; /* 1-based; 0 when unknown */
};

struct vmap_error {
	enum vmap_errkind kind;
	int errnum;   /* errno, or 0 */
	char *file;   /* NULL when the error has no location */
	unsigned line, col;
	char *volume; /* NULL when not about one volume */
	char *msg;
	char *kmsg;   /* what libdevmapper/the kernel said, or NULL */
};

struct vmap_errlist {
	struct vmap_error *v;
	size_t n, cap;
};

/* Append an error.  `loc` and `volume` may be NULL. */
void vmap_err(struct vmap_errlist *el, enum vmap_errkind kind, int errnum,
	      const struct vmap_loc *loc, const char *volume, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Shorthands for the common kinds. */
#define vmap_spec_err(el, loc, vol, ...) vmap_err((el), VMAP_E_SPEC, 0, (loc), (vol), __VA_ARGS__)
#define vmap_fail(el, errnum, vol, ...) vmap_err((el), VMAP_E_FAILED, (errnum), NULL, (vol), __VA_ARGS__)

/* The most severe kind in the list (what decides the exit code). */
enum vmap_errkind vmap_errlist_worst(const struct vmap_errlist *el);
/* Move every error of `from` to the end of `to`. */
void vmap_errlist_move(struct vmap_errlist *to, struct vmap_errlist *from);
/* One line for a human: "file:line:col: volume 'x': msg: strerror (kernel: kmsg)". */
char *vmap_error_format(const struct vmap_error *e);
void vmap_errlist_clear(struct vmap_errlist *el);

#endif
