/* crypt.c: `crypt <cipher> <key> <iv_offset> <dev> <offset> [<#opt> <opt>...]`.
 *
 * The kernel reports the key as lowercase hex (a keyring key as
 * `:<size>:<type>:<desc>` verbatim, no key as `-`), and the optional
 * features recounted, in its own order, `sector_size:512` dropped. */
#include "targets/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct vmap_field fields[] = {
	{.key = "cipher", .kind = VMAP_F_STRING, .flags = VMAP_FF_REQUIRED,
	 .doc = "cipher[:keycount]-chainmode-ivmode[:ivopts] (aes-xts-plain64) or capi:... form"},
	{.key = "key", .kind = VMAP_F_SECRET,
	 .doc = "the key: {hex}, {file} or {keyring: \"logon:desc\"}; omit for a cipher without key (cipher_null)"},
	{.key = "keySize", .kind = VMAP_F_U64, .min = 1,
	 .doc = "size in bytes of a keyring key (required with {keyring})"},
	{.key = "ivOffset", .kind = VMAP_F_SECTORS,
	 .doc = "added to the sector number when computing the IV (default 0)"},
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device holding the encrypted data"},
	{.key = "offset", .kind = VMAP_F_SECTORS,
	 .doc = "where on the device the encrypted data starts (default 0)"},
	{.key = "allowDiscards", .kind = VMAP_F_BOOL,
	 .doc = "pass discards down (allow_discards; leaks which blocks are unused)"},
	{.key = "sameCpuCrypt", .kind = VMAP_F_BOOL,
	 .doc = "encrypt on the CPU that submitted the I/O (same_cpu_crypt)"},
	{.key = "submitFromCryptCpus", .kind = VMAP_F_BOOL,
	 .doc = "submit writes from the encryption threads (submit_from_crypt_cpus)"},
	{.key = "noReadWorkqueue", .kind = VMAP_F_BOOL,
	 .doc = "decrypt reads synchronously, without the workqueue (no_read_workqueue)"},
	{.key = "noWriteWorkqueue", .kind = VMAP_F_BOOL,
	 .doc = "encrypt writes synchronously, without the workqueue (no_write_workqueue)"},
	{.key = "integrity", .kind = VMAP_F_STRING,
	 .doc = "<bytes>:<aead|none>: per-sector metadata kept by a dm-integrity device below (integrity:)"},
	{.key = "sectorSize", .kind = VMAP_F_U64, .min = 512, .max = 4096,
	 .doc = "encryption unit in bytes, a power of two 512..4096 (default 512)"},
	{.key = "ivLargeSectors", .kind = VMAP_F_BOOL,
	 .doc = "count IV sectors in sectorSize units, not 512 bytes (iv_large_sectors)"},
};

/* The boolean features, in the order the kernel reports them. */
static const struct {
	const char *word, *key;
} flags_before[] = {
	{"allow_discards", "allowDiscards"},
	{"same_cpu_crypt", "sameCpuCrypt"},
	{"submit_from_crypt_cpus", "submitFromCryptCpus"},
	{"no_read_workqueue", "noReadWorkqueue"},
	{"no_write_workqueue", "noWriteWorkqueue"},
};

/* `:<size>:<type>:<desc>`: a kernel keyring key. */
static int parse_keyring(struct vmap_obj *o, const char *w, const struct vmap_loc *loc,
			 struct vmap_errlist *errs)
{
	const char *sz = w + 1, *colon = strchr(sz, ':');
	if (!colon || colon == sz || !colon[1] || !strchr(colon + 1, ':'))
		return tparse_fail(errs, loc, "crypt", "'%s' is not a keyring key (:<size>:<type>:<description>)", w);
	char *num = xstrndup(sz, (size_t)(colon - sz));
	int r = tparse_u64(o, "keySize", num, loc, errs);
	free(num);
	if (r < 0)
		return -1;
	struct vmap_value *v = vmap_obj_getw(o, "key");
	struct vmap_secret *s = xcalloc(1, sizeof(*s));
	s->kind = VMAP_SECRET_KEYRING;
	s->value = xstrdup(colon + 1);
	if (loc)
		s->loc = *loc;
	v->secret = s;
	v->set = true;
	if (loc)
		v->loc = *loc;
	return 0;
}

static int parse_feature(struct vmap_obj *o, const char *w, const struct vmap_loc *loc,
			 struct vmap_errlist *errs)
{
	for (size_t k = 0; k < NFIELDS(flags_before); k++)
		if (tword_is(w, flags_before[k].word)) {
			tparse_flag(o, flags_before[k].key, loc);
			return 0;
		}
	if (tword_is(w, "iv_large_sectors")) {
		tparse_flag(o, "ivLargeSectors", loc);
		return 0;
	}
	const char *rest;
	if ((rest = tword_after(w, "integrity:"))) {
		tparse_str(o, "integrity", rest, loc);
		return 0;
	}
	if ((rest = tword_after(w, "sector_size:")))
		return tparse_u64(o, "sectorSize", rest, loc, errs);
	return tparse_fail(errs, loc, "crypt", "unknown feature '%s'", w);
}

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n < 5)
		return tparse_fail(errs, loc, "crypt",
				   "takes at least 5 arguments (cipher key iv_offset device offset), not %zu", n);
	tparse_str(o, "cipher", w[0], loc);
	if (w[1][0] == ':') {
		if (parse_keyring(o, w[1], loc, errs) < 0)
			return -1;
	} else if (strcmp(w[1], "-")) {
		tparse_hex_secret(o, "key", w[1], loc);
	}
	if (tparse_u64(o, "ivOffset", w[2], loc, errs) < 0 ||
	    tparse_device(o, "device", w[3], loc, errs) < 0 ||
	    tparse_u64(o, "offset", w[4], loc, errs) < 0)
		return -1;
	size_t i = 5, count = 0;
	if (i < n && tparse_count(w, n, &i, 8, &count, "optional arguments", loc, "crypt", errs) < 0)
		return -1;
	if (i + count != n)
		return tparse_fail(errs, loc, "crypt", "%zu words after the optional arguments",
				   n - i - count);
	for (size_t k = 0; k < count; k++)
		if (parse_feature(o, w[i + k], loc, errs) < 0)
			return -1;
	return 0;
}

static int emit_key(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		    struct vmap_errlist *errs)
{
	const struct vmap_value *k = vmap_obj_get(o, "key");
	if (!k->set || !k->secret) {
		sbuf_addc(out, '-');
		return 0;
	}
	if (k->secret->kind == VMAP_SECRET_KEYRING) {
		/* a reference into the kernel keyring, not key material */
		if (!vmap_obj_has(o, "keySize"))
			return temit_missing(o, "keySize", "crypt", errs);
		sbuf_printf(out, ":%llu:%s", ULL(vmap_obj_u64(o, "keySize", 0)), k->secret->value);
		return 0;
	}
	return temit_secret(o, "key", ctx, out, errs);
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	const char *cipher = vmap_obj_str(o, "cipher", NULL);
	if (!cipher)
		return temit_missing(o, "cipher", "crypt", errs);
	sbuf_add(out, cipher);
	sbuf_addc(out, ' ');
	if (emit_key(o, ctx, out, errs) < 0)
		return -1;
	sbuf_printf(out, " %llu ", ULL(vmap_obj_u64(o, "ivOffset", 0)));
	if (temit_device(o, "device", ctx, out, errs) < 0)
		return -1;
	sbuf_addc(out, ' ');
	sbuf_add_u64(out, vmap_obj_u64(o, "offset", 0));

	uint64_t ss = vmap_obj_u64(o, "sectorSize", 512);
	const char *integ = vmap_obj_str(o, "integrity", NULL);
	unsigned count = 0;
	for (size_t k = 0; k < NFIELDS(flags_before); k++)
		count += vmap_obj_bool(o, flags_before[k].key);
	count += integ != NULL;
	count += ss != 512;
	count += vmap_obj_bool(o, "ivLargeSectors");
	if (!count)
		return 0;
	sbuf_printf(out, " %u", count);
	for (size_t k = 0; k < NFIELDS(flags_before); k++)
		if (vmap_obj_bool(o, flags_before[k].key))
			sbuf_printf(out, " %s", flags_before[k].word);
	if (integ)
		sbuf_printf(out, " integrity:%s", integ);
	if (ss != 512)
		sbuf_printf(out, " sector_size:%llu", ULL(ss));
	if (vmap_obj_bool(o, "ivLargeSectors"))
		sbuf_add(out, " iv_large_sectors");
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	const struct vmap_value *k = vmap_obj_get(o, "key");
	bool keyring = k->set && k->secret && k->secret->kind == VMAP_SECRET_KEYRING;
	if (keyring && !vmap_obj_has(o, "keySize"))
		r = tinvalid(t, "key", volume, errs,
			     "a keyring key needs 'keySize' (its size in bytes)");
	if (keyring && !strchr(k->secret->value, ':'))
		r = tinvalid(t, "key", volume, errs,
			     "keyring key '%s' is not <type>:<description> (logon:name)", k->secret->value);
	if (!keyring && vmap_obj_has(o, "keySize"))
		r = tinvalid(t, "keySize", volume, errs,
			     "'keySize' is only for a keyring key (a hex or file key has its own size)");
	uint64_t ss = vmap_obj_u64(o, "sectorSize", 512);
	if (!tis_pow2(ss) || ss < 512 || ss > 4096) {
		r = tinvalid(t, "sectorSize", volume, errs,
			     "sectorSize %llu is not a power of two from 512 to 4096", ULL(ss));
	} else if (ss > 512) {
		uint64_t per = ss / 512;
		if (t->size && t->size % per)
			r = tinvalid(t, NULL, volume, errs,
				     "size %llu sectors is not a multiple of sectorSize %llu",
				     ULL(t->size), ULL(ss));
		if (vmap_obj_u64(o, "ivOffset", 0) % per)
			r = tinvalid(t, "ivOffset", volume, errs,
				     "ivOffset is not a multiple of sectorSize (%llu sectors)", ULL(per));
	}
	const char *integ = vmap_obj_str(o, "integrity", NULL);
	if (integ) {
		unsigned bytes;
		char type[8], tail;
		if (sscanf(integ, "%u:%7[a-z]%c", &bytes, type, &tail) != 2 || !bytes ||
		    (strcmp(type, "aead") && strcmp(type, "none")))
			r = tinvalid(t, "integrity", volume, errs,
				     "integrity '%s' is not <bytes>:aead or <bytes>:none", integ);
	}
	return r;
}

/* <cipher> <key> ...: the key is hex; ":len:type:desc" is a keyring
 * reference and "-" no key. */
static long key_prefix(size_t i, const char *w, size_t len)
{
	if (i != 1 || len == 0 || w[0] == ':' || (len == 1 && w[0] == '-'))
		return -1;
	return 0;
}

static const char *dm_init_problem(const struct vmap_obj *o)
{
	const struct vmap_value *k = vmap_obj_get(o, "key");
	if (k->set && k->secret && k->secret->kind == VMAP_SECRET_KEYRING)
		return "its key is in the kernel keyring, which is empty when dm-mod.create= runs";
	return NULL;
}

/* Sector i is sector offset + i of the device, decrypted with the
 * cipher, the key and the IV of sector ivOffset + i: all of it decides
 * what a sector shows, ivOffset relative to offset (a split into two
 * targets over the same backing keeps it).  The flags only tune. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	struct sbuf key = {0}, tune = {0};
	struct vmap_emit_ctx canon = {.mode = VMAP_EMIT_CANON};
	struct vmap_errlist e = {0};
	char *dev = tident_device(ctx, o, "device");
	uint64_t off = vmap_obj_u64(o, "offset", 0);
	/* the key by digest (a key file is read, as plan does) */
	const struct vmap_value *k = vmap_obj_get(o, "key");
	int r = 0;
	if (k->set && k->secret && k->secret->kind != VMAP_SECRET_KEYRING)
		r = vmap_secret_text(k->secret, VMAP_EMIT_CANON, NULL, &key, &e);
	else
		r = emit_key(o, &canon, &key, &e);
	vmap_errlist_clear(&e);
	for (size_t f = 0; f < NFIELDS(flags_before); f++)
		tident_tune_field(&tune, o, flags_before[f].key);
	char *place = NULL;
	if (dev && r == 0)
		place = xasprintf("crypt(%s key %s iv %+lld sector %llu%s%s%s on %s)",
				   vmap_obj_str(o, "cipher", "?"), sbuf_str(&key),
				   (long long)(vmap_obj_u64(o, "ivOffset", 0) - off),
				   ULL(vmap_obj_u64(o, "sectorSize", 512)),
				   vmap_obj_bool(o, "ivLargeSectors") ? " iv_large" : "",
				   vmap_obj_has(o, "integrity") ? " integrity " : "",
				   vmap_obj_str(o, "integrity", ""), dev);
	if (r < 0)
		tident_unknown(out, len, "crypt whose key vmapctl cannot read");
	else
		tident_at(out, len, "crypt", place, off + rel, sbuf_str(&tune));
	if (key.s)
		explicit_bzero(key.s, key.cap);
	sbuf_free(&key);
	sbuf_free(&tune);
	free(dev);
}

const struct vmap_target_type vmap_tt_crypt = {
	.name = "crypt",
	.module = "dm-crypt",
	.flags = VMAP_TT_SECRET | VMAP_TT_DM_INIT,
	.args = {"crypt", fields, NFIELDS(fields), "transparent encryption of a device (dm-crypt)"},
	.size_device_key = "device",
	.size_offset_key = "offset",
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.key_prefix = key_prefix,
	.dm_init_problem = dm_init_problem,
	.identity = identity,
};
