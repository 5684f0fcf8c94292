/* util.c: see util.h. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void oom(void)
{
	/* Nothing sensible can be reported without memory; abort so the
	 * failure is loud and leaves a core, never a half-built result. */
	fputs("vmapctl: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	/* at first 4 items, and at least 32 bytes: a string (items of one
	 * byte) would otherwise be reallocated at 4, 8 and 16 bytes, and a
	 * table line's text is built this way per device per run */
	size_t c = *cap ? *cap : (size < 8 ? 32 / size : 4);
	while (c < need) {
		if (c > SIZE_MAX / 2)
			oom();
		c *= 2;
	}
	if (c > SIZE_MAX / size)
		oom();
	p = xrealloc(p, c * size);
	*cap = c;
	return p;
}

char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		oom();
	return d;
}

char *xconcat(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *d = xmalloc(la + lb + lc + 1);
	memcpy(d, a, la);
	memcpy(d + la, b, lb);
	memcpy(d + la + lb, c, lc + 1);
	return d;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s)
{
	sbuf_addn(b, s, strlen(s));
}

void sbuf_addc(struct sbuf *b, char c)
{
	sbuf_addn(b, &c, 1);
}

/* Formatted straight into the buffer's spare room (and once more after
 * growing it when that was too small): emitting a table formats every
 * number and device this way, and a string of its own per call cost a
 * malloc, a copy and a free each time. */
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	/* room for the usual short piece (a number, a device), so that the
	 * first try fits; a fresh buffer would otherwise format twice */
	b->s = xgrow(b->s, &b->cap, b->len + 64, 1);
	size_t room = b->cap - b->len;
	int n = vsnprintf(b->s + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	if ((size_t)n >= room) {
		b->s = xgrow(b->s, &b->cap, b->len + (size_t)n + 1, 1);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	/* as sbuf_add of the text: up to a NUL that %c may have written */
	b->len += strlen(b->s + b->len);
}

bool write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

bool read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return false;
		}
		p += r;
		n -= (size_t)r;
	}
	return true;
}

void sbuf_add_u64(struct sbuf *b, uint64_t v)
{
	char d[20]; /* UINT64_MAX has 20 digits */
	size_t i = sizeof(d);
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	sbuf_addn(b, d + i, sizeof(d) - i);
}

void sbuf_add_devno(struct sbuf *b, unsigned major, unsigned minor)
{
	sbuf_add_u64(b, major);
	sbuf_addc(b, ':');
	sbuf_add_u64(b, minor);
}

const char *sbuf_str(const struct sbuf *b)
{
	return b->s ? b->s : "";
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

int hex_digit(int c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

bool parse_u64(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Decimal digits up to `stop`, at most UINT_MAX; the end in *end. */
static bool dec_unsigned(const char *s, char stop, unsigned *out, const char **end)
{
	uint64_t v = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT_MAX)
			return false;
	}
	if (*s != stop)
		return false;
	*out = (unsigned)v;
	*end = s;
	return true;
}

bool parse_devno(const char *s, unsigned *major, unsigned *minor)
{
	const char *p;
	unsigned a, b;
	if (!dec_unsigned(s, ':', &a, &p) || !dec_unsigned(p + 1, '\0', &b, &p))
		return false;
	*major = a;
	*minor = b;
	return true;
}

char **split_words(const char *s, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	while (*s) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		const char *w = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		VEC_PUSH(v, cnt, cap, xstrndup(w, (size_t)(s - w)));
	}
	VEC_PUSH(v, cnt, cap, NULL);
	if (n)
		*n = cnt - 1;
	return v;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int vmap_str_ix_cmp(const void *a, const void *b)
{
	const struct vmap_str_ix *x = a, *y = b;
	int r = strcmp(x->s, y->s);
	return r ? r : (x->i > y->i) - (x->i < y->i);
}

size_t vmap_str_ix_lower(const struct vmap_str_ix *v, size_t n, const char *s)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].s, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct vmap_str_ix *vmap_str_ix_find(const struct vmap_str_ix *v, size_t n, const char *s)
{
	size_t i = vmap_str_ix_lower(v, n, s);
	return i < n && !strcmp(v[i].s, s) ? &v[i] : NULL;
}
