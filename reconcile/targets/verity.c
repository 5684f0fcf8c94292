/* verity.c: `verity <version> <data dev> <hash dev> <data block size>
 * <hash block size> <#data blocks> <hash start block> <algorithm>
 * <digest> <salt> [<#opt> <opt>...]`.
 *
 * The kernel reports digest and salt in lowercase hex and the options
 * recounted in its own order: the corruption mode, ignore_zero_blocks,
 * check_at_most_once, try_verify_in_tasklet, the four FEC options (all of
 * them, defaults filled in), root_hash_sig_key_desc.  The table must be
 * loaded read-only (the volume's readOnly). */
#include "targets/common.h"

#include <ctype.h>
#include <string.h>

static const struct vmap_field fields[] = {
	{.key = "version", .kind = VMAP_F_U64, .max = 1,
	 .doc = "hash format: 1 (default; veritysetup's) or 0 (Chromium OS)"},
	{.key = "dataDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device whose blocks are verified"},
	{.key = "hashDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device holding the hash tree"},
	{.key = "dataBlockSize", .kind = VMAP_F_U64, .min = 512,
	 .doc = "data block size in bytes, a power of two (default 4096)"},
	{.key = "hashBlockSize", .kind = VMAP_F_U64, .min = 512,
	 .doc = "hash block size in bytes, a power of two (default 4096)"},
	{.key = "numDataBlocks", .kind = VMAP_F_U64, .flags = VMAP_FF_REQUIRED,
	 .doc = "number of data blocks (veritysetup format prints it)"},
	{.key = "hashStartBlock", .kind = VMAP_F_U64, .flags = VMAP_FF_REQUIRED,
	 .doc = "where the hash tree starts on hashDevice, in hash blocks (1 after a veritysetup superblock)"},
	{.key = "algorithm", .kind = VMAP_F_STRING,
	 .doc = "hash algorithm in the kernel's crypto API naming (default sha256)"},
	{.key = "digest", .kind = VMAP_F_HEX, .flags = VMAP_FF_REQUIRED,
	 .doc = "the root hash, hex"},
	{.key = "salt", .kind = VMAP_F_HEX, .doc = "the salt, hex (omit for none)"},
	{.key = "ignoreCorruption", .kind = VMAP_F_BOOL,
	 .doc = "log corrupted blocks but return their data (ignore_corruption)"},
	{.key = "restartOnCorruption", .kind = VMAP_F_BOOL,
	 .doc = "restart the system on a corrupted block (restart_on_corruption)"},
	{.key = "panicOnCorruption", .kind = VMAP_F_BOOL,
	 .doc = "panic on a corrupted block (panic_on_corruption)"},
	{.key = "ignoreZeroBlocks", .kind = VMAP_F_BOOL,
	 .doc = "do not verify blocks expected to be zero; return zeroes (ignore_zero_blocks)"},
	{.key = "checkAtMostOnce", .kind = VMAP_F_BOOL,
	 .doc = "verify each data block only the first time it is read (check_at_most_once)"},
	{.key = "tryVerifyInTasklet", .kind = VMAP_F_BOOL,
	 .doc = "verify cached hash blocks in softirq context (try_verify_in_tasklet)"},
	{.key = "useFecFromDevice", .kind = VMAP_F_DEVICE,
	 .doc = "device with forward error correction data (use_fec_from_device)"},
	{.key = "fecRoots", .kind = VMAP_F_U64, .min = 2, .max = 24,
	 .doc = "Reed-Solomon parity bytes per codeword, 2..24 (default 2)"},
	{.key = "fecBlocks", .kind = VMAP_F_U64,
	 .doc = "number of blocks covered by FEC (required with useFecFromDevice)"},
	{.key = "fecStart", .kind = VMAP_F_U64,
	 .doc = "where the FEC data starts on its device, in data blocks (default 0)"},
	{.key = "rootHashSigKeyDesc", .kind = VMAP_F_STRING,
	 .doc = "keyring description of the root hash signature (root_hash_sig_key_desc)"},
};

static const struct {
	const char *word, *key;
} flag_opts[] = {
	{"ignore_corruption", "ignoreCorruption"},
	{"restart_on_corruption", "restartOnCorruption"},
	{"panic_on_corruption", "panicOnCorruption"},
	{"ignore_zero_blocks", "ignoreZeroBlocks"},
	{"check_at_most_once", "checkAtMostOnce"},
	{"try_verify_in_tasklet", "tryVerifyInTasklet"},
};

static const struct {
	const char *word, *key;
} value_opts[] = {
	{"fec_roots", "fecRoots"},
	{"fec_blocks", "fecBlocks"},
	{"fec_start", "fecStart"},
};

static int parse_opt(char *const *w, size_t end, size_t *i, struct vmap_obj *o,
		     const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	const char *a = w[(*i)++];
	for (size_t k = 0; k < NFIELDS(flag_opts); k++)
		if (tword_is(a, flag_opts[k].word)) {
			tparse_flag(o, flag_opts[k].key, loc);
			return 0;
		}
	if (*i >= end)
		return tparse_fail(errs, loc, "verity", "unknown option '%s' (or it needs a value)", a);
	const char *val = w[(*i)++];
	if (tword_is(a, "use_fec_from_device"))
		return tparse_device(o, "useFecFromDevice", val, loc, errs);
	if (tword_is(a, "root_hash_sig_key_desc")) {
		tparse_str(o, "rootHashSigKeyDesc", val, loc);
		return 0;
	}
	for (size_t k = 0; k < NFIELDS(value_opts); k++)
		if (tword_is(a, value_opts[k].word))
			return tparse_u64(o, value_opts[k].key, val, loc, errs);
	return tparse_fail(errs, loc, "verity", "unknown option '%s'", a);
}

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n < 10)
		return tparse_fail(errs, loc, "verity", "takes at least 10 arguments, not %zu", n);
	if (tparse_u64(o, "version", w[0], loc, errs) < 0 ||
	    tparse_device(o, "dataDevice", w[1], loc, errs) < 0 ||
	    tparse_device(o, "hashDevice", w[2], loc, errs) < 0 ||
	    tparse_u64(o, "dataBlockSize", w[3], loc, errs) < 0 ||
	    tparse_u64(o, "hashBlockSize", w[4], loc, errs) < 0 ||
	    tparse_u64(o, "numDataBlocks", w[5], loc, errs) < 0 ||
	    tparse_u64(o, "hashStartBlock", w[6], loc, errs) < 0)
		return -1;
	tparse_str(o, "algorithm", w[7], loc);
	tparse_str(o, "digest", w[8], loc);
	if (strcmp(w[9], "-"))
		tparse_str(o, "salt", w[9], loc);
	size_t i = 10, count = 0;
	if (i < n && tparse_count(w, n, &i, 32, &count, "optional arguments", loc, "verity", errs) < 0)
		return -1;
	size_t end = i + count;
	if (end != n)
		return tparse_fail(errs, loc, "verity", "%zu words after the optional arguments", n - end);
	while (i < end)
		if (parse_opt(w, end, &i, o, loc, errs) < 0)
			return -1;
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	const char *digest = vmap_obj_str(o, "digest", NULL);
	if (!digest)
		return temit_missing(o, "digest", "verity", errs);
	if (!vmap_obj_has(o, "numDataBlocks"))
		return temit_missing(o, "numDataBlocks", "verity", errs);
	if (!vmap_obj_has(o, "hashStartBlock"))
		return temit_missing(o, "hashStartBlock", "verity", errs);
	sbuf_printf(out, "%llu ", ULL(vmap_obj_u64(o, "version", 1)));
	if (temit_device(o, "dataDevice", ctx, out, errs) < 0)
		return -1;
	sbuf_addc(out, ' ');
	if (temit_device(o, "hashDevice", ctx, out, errs) < 0)
		return -1;
	sbuf_printf(out, " %llu %llu %llu %llu %s ", ULL(vmap_obj_u64(o, "dataBlockSize", 4096)),
		    ULL(vmap_obj_u64(o, "hashBlockSize", 4096)),
		    ULL(vmap_obj_u64(o, "numDataBlocks", 0)), ULL(vmap_obj_u64(o, "hashStartBlock", 0)),
		    vmap_obj_str(o, "algorithm", "sha256"));
	temit_hex_lower(digest, out);
	sbuf_addc(out, ' ');
	const char *salt = vmap_obj_str(o, "salt", NULL);
	if (salt && *salt)
		temit_hex_lower(salt, out);
	else
		sbuf_addc(out, '-');

	bool fec = vmap_obj_has(o, "useFecFromDevice");
	const char *sig = vmap_obj_str(o, "rootHashSigKeyDesc", NULL);
	unsigned count = 8u * fec + 2u * (sig != NULL);
	for (size_t k = 0; k < NFIELDS(flag_opts); k++)
		count += vmap_obj_bool(o, flag_opts[k].key);
	if (!count)
		return 0;
	sbuf_printf(out, " %u", count);
	for (size_t k = 0; k < NFIELDS(flag_opts); k++)
		if (vmap_obj_bool(o, flag_opts[k].key))
			sbuf_printf(out, " %s", flag_opts[k].word);
	if (fec) {
		sbuf_add(out, " use_fec_from_device ");
		if (temit_device(o, "useFecFromDevice", ctx, out, errs) < 0)
			return -1;
		sbuf_printf(out, " fec_blocks %llu fec_start %llu fec_roots %llu",
			    ULL(vmap_obj_u64(o, "fecBlocks", 0)), ULL(vmap_obj_u64(o, "fecStart", 0)),
			    ULL(vmap_obj_u64(o, "fecRoots", 2)));
	}
	if (sig)
		sbuf_printf(out, " root_hash_sig_key_desc %s", sig);
	return 0;
}

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	static const char *const sizes[] = {"dataBlockSize", "hashBlockSize"};
	for (size_t k = 0; k < 2; k++) {
		uint64_t bs = vmap_obj_u64(o, sizes[k], 4096);
		if (!tis_pow2(bs) || bs < 512)
			r = tinvalid(t, sizes[k], volume, errs, "%s %llu is not a power of two of at least 512",
				     sizes[k], ULL(bs));
	}
	unsigned modes = vmap_obj_bool(o, "ignoreCorruption") + vmap_obj_bool(o, "restartOnCorruption") +
			 vmap_obj_bool(o, "panicOnCorruption");
	if (modes > 1)
		r = tinvalid(t, "panicOnCorruption", volume, errs,
			     "ignoreCorruption, restartOnCorruption and panicOnCorruption exclude each other");
	const char *digest = vmap_obj_str(o, "digest", "0");
	if (!is_hex(digest) || strlen(digest) % 2)
		r = tinvalid(t, "digest", volume, errs, "digest is not an even number of hex digits");
	const char *salt = vmap_obj_str(o, "salt", NULL);
	if (salt && (!is_hex(salt) || strlen(salt) % 2))
		r = tinvalid(t, "salt", volume, errs, "salt is not an even number of hex digits");
	bool fec = vmap_obj_has(o, "useFecFromDevice");
	if (fec && !vmap_obj_has(o, "fecBlocks"))
		r = tinvalid(t, "useFecFromDevice", volume, errs, "useFecFromDevice needs fecBlocks");
	/* the kernel has no default for it ("Missing fec_roots") */
	if (fec && !vmap_obj_has(o, "fecRoots"))
		r = tinvalid(t, "useFecFromDevice", volume, errs,
			     "useFecFromDevice needs fecRoots (the kernel has no default)");
	if (!fec && (vmap_obj_has(o, "fecBlocks") || vmap_obj_has(o, "fecStart") ||
		     vmap_obj_has(o, "fecRoots")))
		r = tinvalid(t, vmap_obj_has(o, "fecBlocks") ? "fecBlocks" : "fecRoots", volume, errs,
			     "fecBlocks, fecStart and fecRoots need useFecFromDevice");
	uint64_t roots = vmap_obj_u64(o, "fecRoots", 2);
	if (roots < 2 || roots > 24)
		r = tinvalid(t, "fecRoots", volume, errs, "fecRoots must be 2..24");
	uint64_t dbs = vmap_obj_u64(o, "dataBlockSize", 4096);
	if (t->size && tis_pow2(dbs) && dbs >= 512 &&
	    t->size > vmap_obj_u64(o, "numDataBlocks", 0) * (dbs / 512))
		r = tinvalid(t, NULL, volume, errs,
			     "size %llu sectors is more than numDataBlocks covers", ULL(t->size));
	return r;
}

static const char *dm_init_problem(const struct vmap_obj *o)
{
	if (vmap_obj_has(o, "rootHashSigKeyDesc"))
		return "its root hash signature is checked against the kernel keyring, which is "
		       "empty when dm-mod.create= runs";
	return NULL;
}

/* The data device's blocks checked against the hash tree: everything
 * that says which data and which tree is identity (a root hash or salt
 * changed means other data); what happens on corruption only tunes. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	char *data = tident_device(ctx, o, "dataDevice");
	char *hash = tident_device(ctx, o, "hashDevice");
	struct sbuf id = {0}, tune = {0};
	static const char *const tunes[] = {"ignoreCorruption", "restartOnCorruption",
					    "panicOnCorruption", "ignoreZeroBlocks", "checkAtMostOnce",
					    "tryVerifyInTasklet", "fecRoots", "fecBlocks", "fecStart",
					    "rootHashSigKeyDesc"};
	/* with their defaults, and hex as the kernel prints it: a spec that
	 * leaves a default out, or writes a digest in capitals, says the same
	 * as the kernel's text */
	sbuf_printf(&id, "version=%llu;dataBlockSize=%llu;hashBlockSize=%llu;numDataBlocks=%llu;"
		    "hashStartBlock=%llu;algorithm=%s;digest=",
		    ULL(vmap_obj_u64(o, "version", 1)), ULL(vmap_obj_u64(o, "dataBlockSize", 4096)),
		    ULL(vmap_obj_u64(o, "hashBlockSize", 4096)), ULL(vmap_obj_u64(o, "numDataBlocks", 0)),
		    ULL(vmap_obj_u64(o, "hashStartBlock", 0)), vmap_obj_str(o, "algorithm", "sha256"));
	temit_hex_lower(vmap_obj_str(o, "digest", ""), &id);
	sbuf_add(&id, ";salt=");
	temit_hex_lower(vmap_obj_str(o, "salt", ""), &id);
	sbuf_addc(&id, ';');
	for (size_t i = 0; i < NFIELDS(tunes); i++)
		tident_tune_field(&tune, o, tunes[i]);
	char *key = data && hash ? xasprintf("verity(%s hash %s %s)", data, hash, sbuf_str(&id)) : NULL;
	tident_at(out, len, "verity", key, rel, sbuf_str(&tune));
	free(data);
	free(hash);
	sbuf_free(&id);
	sbuf_free(&tune);
}

const struct vmap_target_type vmap_tt_verity = {
	.name = "verity",
	.module = "dm-verity",
	.flags = VMAP_TT_IMMUTABLE | VMAP_TT_DM_INIT | VMAP_TT_READONLY,
	.args = {"verity", fields, NFIELDS(fields),
		 "read-only device verified against a hash tree (dm-verity; the volume must be readOnly)"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.dm_init_problem = dm_init_problem,
	.identity = identity,
};
