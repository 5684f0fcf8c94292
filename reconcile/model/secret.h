/* secret.h: key material (crypt, integrity and verity keys).
 *
 * Keys are needed in exactly one place: the table text sent to the kernel
 * (with libdm's secure-data flag, so the kernel wipes its copy).  Anywhere
 * else, in plans, status, export, logs, errors and the live-state snapshot,
 * a key appears only as a digest placeholder "<key:sha256:0123456789abcdef>"
 * (SHA-256 from nettle, first 64 bits): enough to tell that a
 * live key differs from the desired one, nothing to recover it from. */
#ifndef VMAP_SECRET_H
#define VMAP_SECRET_H

#include <stddef.h>

#include "base/error.h"
#include "base/util.h"
#include "model/spec.h"

/* How table text is written. */
enum vmap_emit_mode {
	/* For loading into the kernel: real key material.  Never shown. */
	VMAP_EMIT_KERNEL,
	/* For comparison and display: key material replaced by a digest
	 * ("<key:sha256:0123abcd...>") so no secret is ever printed and a
	 * live table still compares equal to the desired one. */
	VMAP_EMIT_CANON,
};

/* Key bytes of a HEX or FILE secret; *key is freed with vmap_key_free. */
int vmap_secret_load(const struct vmap_secret *s, unsigned char **key, size_t *len,
		     const char *volume, struct vmap_errlist *errs);
void vmap_key_free(unsigned char *key, size_t len);

/* Append the key as the kernel writes it (lowercase hex). */
void vmap_key_hex(const unsigned char *key, size_t len, struct sbuf *out);
/* Append the digest placeholder for the key. */
void vmap_key_digest(const unsigned char *key, size_t len, struct sbuf *out);
/* Append the digest placeholder of a key written as text in a table: of
 * the bytes it spells when it is hex (as the kernel writes keys), so it
 * equals the digest of the same {hex: ...} or {file: ...} key; of the
 * text itself otherwise. */
void vmap_key_text_digest(const char *text, size_t len, struct sbuf *out);
/* Replace a HEX secret's key by its digest placeholder, wiping the key
 * (a no-op for placeholders, keyring references and key files). */
void vmap_secret_hide(struct vmap_secret *s);
/* True when `s` is a digest placeholder (it came from CANON text). */
int vmap_is_key_digest(const char *s);

/* What a secret becomes in table text in `mode`: KERNEL: hex of the key;
 * CANON: its digest.  A HEX secret holding a digest placeholder (parsed
 * from CANON text) is copied as it is. */
int vmap_secret_text(const struct vmap_secret *s, enum vmap_emit_mode mode, const char *volume,
		     struct sbuf *out, struct vmap_errlist *errs);

#endif
