/* secret.c: see secret.h. */
#include "model/secret.h"

#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#define KEY_FILE_MAX 4096 /* no dm key is anywhere near this */
#define DIGEST_PREFIX "<key:sha256:"

void vmap_key_free(unsigned char *key, size_t len)
{
	if (key)
		explicit_bzero(key, len);
	free(key);
}

static int load_hex(const struct vmap_secret *s, unsigned char **key, size_t *len,
		    const char *volume, struct vmap_errlist *errs)
{
	size_t n = strlen(s->value);
	if (n == 0 || n % 2) {
		vmap_spec_err(errs, &s->loc, volume,
			      "key: hex needs an even, non-zero number of digits");
		return -1;
	}
	unsigned char *k = xmalloc(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit((unsigned char)s->value[2 * i]);
		int lo = hex_digit((unsigned char)s->value[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			vmap_key_free(k, n / 2);
			vmap_spec_err(errs, &s->loc, volume, "key: hex has a character that is not a hex digit");
			return -1;
		}
		k[i] = (unsigned char)(hi << 4 | lo);
	}
	*key = k;
	*len = n / 2;
	return 0;
}

static int load_file(const struct vmap_secret *s, unsigned char **key, size_t *len,
		     const char *volume, struct vmap_errlist *errs)
{
	int fd = open(s->value, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vmap_err(errs, VMAP_E_FAILED, errno, &s->loc, volume, "cannot open key file '%s'",
			 s->value);
		return -1;
	}
	unsigned char *k = xmalloc(KEY_FILE_MAX + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, k + n, KEY_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vmap_err(errs, VMAP_E_FAILED, errno, &s->loc, volume,
				 "cannot read key file '%s'", s->value);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > KEY_FILE_MAX) {
			vmap_spec_err(errs, &s->loc, volume,
				      "key file '%s' is larger than %d bytes (a key file holds the raw key bytes)",
				      s->value, KEY_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	if (n == 0) {
		vmap_key_free(k, KEY_FILE_MAX + 1);
		vmap_spec_err(errs, &s->loc, volume, "key file '%s' is empty", s->value);
		return -1;
	}
	*key = k;
	*len = n;
	return 0;
fail:
	close(fd);
	vmap_key_free(k, KEY_FILE_MAX + 1);
	return -1;
}

int vmap_secret_load(const struct vmap_secret *s, unsigned char **key, size_t *len,
		     const char *volume, struct vmap_errlist *errs)
{
	switch (s->kind) {
	case VMAP_SECRET_HEX: return load_hex(s, key, len, volume, errs);
	case VMAP_SECRET_FILE: return load_file(s, key, len, volume, errs);
	case VMAP_SECRET_KEYRING: break;
	}
	vmap_spec_err(errs, &s->loc, volume, "a keyring key has no key bytes to load");
	return -1;
}

void vmap_key_hex(const unsigned char *key, size_t len, struct sbuf *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		sbuf_addc(out, digits[key[i] >> 4]);
		sbuf_addc(out, digits[key[i] & 15]);
	}
}

void vmap_key_digest(const unsigned char *key, size_t len, struct sbuf *out)
{
	struct sha256_ctx ctx;
	unsigned char md[SHA256_DIGEST_SIZE];
	sha256_init(&ctx);
	sha256_update(&ctx, len, key);
	sha256_digest(&ctx, sizeof(md), md);
	explicit_bzero(&ctx, sizeof(ctx)); /* its buffer holds key bytes */
	sbuf_add(out, DIGEST_PREFIX);
	vmap_key_hex(md, 8, out);
	sbuf_addc(out, '>');
}

void vmap_key_text_digest(const char *text, size_t len, struct sbuf *out)
{
	bool is_hex = len > 0 && len % 2 == 0;
	for (size_t i = 0; is_hex && i < len; i++)
		is_hex = hex_digit((unsigned char)text[i]) >= 0;
	if (!is_hex) {
		vmap_key_digest((const unsigned char *)text, len, out);
		return;
	}
	unsigned char *key = xmalloc(len / 2);
	for (size_t i = 0; i < len / 2; i++)
		key[i] = (unsigned char)(hex_digit((unsigned char)text[2 * i]) << 4 |
					 hex_digit((unsigned char)text[2 * i + 1]));
	vmap_key_digest(key, len / 2, out);
	vmap_key_free(key, len / 2);
}

void vmap_secret_hide(struct vmap_secret *s)
{
	if (!s || s->kind != VMAP_SECRET_HEX || !s->value || vmap_is_key_digest(s->value))
		return;
	struct sbuf d = {0};
	size_t len = strlen(s->value);
	vmap_key_text_digest(s->value, len, &d);
	explicit_bzero(s->value, len);
	free(s->value);
	s->value = sbuf_take(&d);
}

int vmap_is_key_digest(const char *s)
{
	return s && !strncmp(s, DIGEST_PREFIX, strlen(DIGEST_PREFIX));
}

int vmap_secret_text(const struct vmap_secret *s, enum vmap_emit_mode mode, const char *volume,
		     struct sbuf *out, struct vmap_errlist *errs)
{
	if (s->kind == VMAP_SECRET_HEX && vmap_is_key_digest(s->value)) {
		if (mode == VMAP_EMIT_KERNEL) {
			vmap_spec_err(errs, &s->loc, volume,
				      "this key is only known by its digest and cannot be loaded");
			return -1;
		}
		sbuf_add(out, s->value);
		return 0;
	}
	unsigned char *key;
	size_t len;
	if (vmap_secret_load(s, &key, &len, volume, errs) < 0)
		return -1;
	if (mode == VMAP_EMIT_KERNEL)
		vmap_key_hex(key, len, out);
	else
		vmap_key_digest(key, len, out);
	vmap_key_free(key, len);
	return 0;
}
