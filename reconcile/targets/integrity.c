/* integrity.c: `integrity <dev> <offset> <tag size> <J|B|D|R> <#opt>
 * <opt>...`.
 *
 * The kernel reports every option with the value it settled on: journal,
 * interleave and buffer sizes rounded the way it formats a device (the
 * journal's default depends on the device's size, from ctx->device_info),
 * the journal watermark after its round trip through a sector threshold,
 * commit_time/journal_watermark only in mode J, sectors_per_bit and
 * bitmap_flush_interval only in mode B.
 *
 * The superblock decides some of it once, when the kernel formats the
 * device: the journal size, the interleave and the fix_padding and
 * fix_hmac flags (the kernel reports the superblock's, whatever a later
 * table says).  So where the device already has an integrity table over
 * the same superblock (same device, offset and meta device), those four
 * are taken from it when the spec leaves them out, and a spec value that
 * disagrees is an error (only a new format changes them): a device that
 * integritysetup formatted with fix_padding fix_hmac plans no change
 * against a spec that does not mention them.  Without such a table the
 * normaliser assumes the device will be formatted with the spec's values
 * (or is still zeroed).
 * Keys are reported as they were written; vmapctl writes lowercase hex. */
#include "targets/common.h"

#include <stdlib.h>
#include <string.h>

static const char *const modes[] = {"J", "B", "D", "R", NULL};

extern const struct vmap_target_type vmap_tt_integrity;

static const struct vmap_field fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device (zero its first 4 KiB, or integritysetup format it, before first use)"},
	{.key = "offset", .kind = VMAP_F_SECTORS, .doc = "where on the device the superblock starts (default 0)"},
	{.key = "tagSize", .kind = VMAP_F_U64, .flags = VMAP_FF_REQUIRED, .min = 1,
	 .doc = "bytes of integrity tag per block (4 for crc32c, 32 for sha256/hmac(sha256))"},
	{.key = "mode", .kind = VMAP_F_ENUM, .choices = modes,
	 .doc = "J: journal (default), B: bitmap, D: direct writes, R: recovery (read-only, no checks)"},
	{.key = "metaDevice", .kind = VMAP_F_DEVICE,
	 .doc = "a separate device for the tags and journal (meta_device)"},
	{.key = "blockSize", .kind = VMAP_F_U64, .min = 512, .max = 4096,
	 .doc = "block size in bytes, 512..4096, a power of two (default 512)"},
	{.key = "journalSectors", .kind = VMAP_F_SECTORS,
	 .doc = "journal size when formatting (default: device size / 128, at most 64MiB); a formatted device keeps its superblock's"},
	{.key = "interleaveSectors", .kind = VMAP_F_SECTORS,
	 .doc = "data sectors between tag areas when formatting, rounded down to a power of two (default 32768); a formatted device keeps its superblock's"},
	{.key = "bufferSectors", .kind = VMAP_F_SECTORS,
	 .doc = "size of a metadata buffer, rounded down to a power of two (default 128)"},
	{.key = "journalWatermark", .kind = VMAP_F_U64, .max = 100,
	 .doc = "journal fill percentage that starts a flush (mode J, default 50)"},
	{.key = "commitTime", .kind = VMAP_F_U64,
	 .doc = "milliseconds between journal commits (mode J, default 10000)"},
	{.key = "sectorsPerBit", .kind = VMAP_F_SECTORS,
	 .doc = "sectors one bitmap bit covers, rounded down to a power of two (mode B, default 32768)"},
	{.key = "bitmapFlushInterval", .kind = VMAP_F_U64,
	 .doc = "milliseconds between bitmap flushes, a multiple of 20 (mode B, default 10000)"},
	{.key = "internalHash", .kind = VMAP_F_STRING,
	 .doc = "compute tags in the kernel with this hash, e.g. crc32c, sha256, hmac(sha256)"},
	{.key = "internalHashKey", .kind = VMAP_F_SECRET,
	 .doc = "key for a keyed internalHash such as hmac(sha256) ({hex} or {file})"},
	{.key = "journalCrypt", .kind = VMAP_F_STRING,
	 .doc = "encrypt the journal with this cipher, e.g. ctr(aes)"},
	{.key = "journalCryptKey", .kind = VMAP_F_SECRET, .doc = "key for journalCrypt ({hex} or {file})"},
	{.key = "journalMac", .kind = VMAP_F_STRING,
	 .doc = "protect the journal with this MAC, e.g. hmac(sha256)"},
	{.key = "journalMacKey", .kind = VMAP_F_SECRET, .doc = "key for journalMac ({hex} or {file})"},
	{.key = "recalculate", .kind = VMAP_F_BOOL,
	 .doc = "recompute tags of the whole device in the background (needs internalHash)"},
	{.key = "resetRecalculate", .kind = VMAP_F_BOOL,
	 .doc = "restart a recalculation from the beginning (reset_recalculate)"},
	{.key = "allowDiscards", .kind = VMAP_F_BOOL,
	 .doc = "pass discards down (allow_discards; needs internalHash)"},
	{.key = "fixPadding", .kind = VMAP_F_BOOL,
	 .doc = "use the smaller, fixed tag area padding when formatting (fix_padding); a formatted device keeps its superblock's"},
	{.key = "fixHmac", .kind = VMAP_F_BOOL,
	 .doc = "protect against replacing sectors and superblock with a keyed hash, when formatting (fix_hmac); a formatted device keeps its superblock's"},
	{.key = "legacyRecalculate", .kind = VMAP_F_BOOL,
	 .doc = "allow recalculation with a keyed hash (legacy_recalculate; insecure)"},
};

static const struct {
	const char *word, *key;
} flag_opts[] = {
	{"recalculate", "recalculate"},
	{"reset_recalculate", "resetRecalculate"},
	{"allow_discards", "allowDiscards"},
	{"fix_padding", "fixPadding"},
	{"fix_hmac", "fixHmac"},
	{"legacy_recalculate", "legacyRecalculate"},
};

static const struct {
	const char *prefix, *key;
} value_opts[] = {
	{"journal_sectors:", "journalSectors"},
	{"interleave_sectors:", "interleaveSectors"},
	{"buffer_sectors:", "bufferSectors"},
	{"journal_watermark:", "journalWatermark"},
	{"commit_time:", "commitTime"},
	{"sectors_per_bit:", "sectorsPerBit"},
	{"bitmap_flush_interval:", "bitmapFlushInterval"},
	{"block_size:", "blockSize"},
};

static const struct {
	const char *prefix, *alg, *key;
} alg_opts[] = {
	{"internal_hash:", "internalHash", "internalHashKey"},
	{"journal_crypt:", "journalCrypt", "journalCryptKey"},
	{"journal_mac:", "journalMac", "journalMacKey"},
};

static int parse_opt(const char *a, struct vmap_obj *o, const struct vmap_loc *loc,
		     struct vmap_errlist *errs)
{
	const char *rest;
	for (size_t k = 0; k < NFIELDS(flag_opts); k++)
		if (tword_is(a, flag_opts[k].word)) {
			tparse_flag(o, flag_opts[k].key, loc);
			return 0;
		}
	for (size_t k = 0; k < NFIELDS(value_opts); k++)
		if ((rest = tword_after(a, value_opts[k].prefix)))
			return tparse_u64(o, value_opts[k].key, rest, loc, errs);
	if ((rest = tword_after(a, "meta_device:")))
		return tparse_device(o, "metaDevice", rest, loc, errs);
	for (size_t k = 0; k < NFIELDS(alg_opts); k++) {
		if (!(rest = tword_after(a, alg_opts[k].prefix)))
			continue;
		/* <alg>[:<key>]: algorithm names have no colon, a digest
		 * placeholder for the key does */
		const char *colon = strchr(rest, ':');
		char *alg = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
		tparse_str(o, alg_opts[k].alg, alg, loc);
		free(alg);
		if (colon)
			tparse_hex_secret(o, alg_opts[k].key, colon + 1, loc);
		return 0;
	}
	return tparse_fail(errs, loc, "integrity", "unknown option '%s'", a);
}

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n < 4)
		return tparse_fail(errs, loc, "integrity",
				   "takes at least 4 arguments (device offset tag_size mode), not %zu", n);
	if (tparse_device(o, "device", w[0], loc, errs) < 0 ||
	    tparse_u64(o, "offset", w[1], loc, errs) < 0 ||
	    tparse_u64(o, "tagSize", w[2], loc, errs) < 0)
		return -1;
	size_t k;
	for (k = 0; modes[k] && strcmp(w[3], modes[k]); k++)
		;
	if (!modes[k])
		return tparse_fail(errs, loc, "integrity", "'%s' is not a mode (J, B, D or R)", w[3]);
	tparse_str(o, "mode", modes[k], loc);
	size_t i = 4, count = 0;
	if (i < n && tparse_count(w, n, &i, 32, &count, "optional arguments", loc, "integrity", errs) < 0)
		return -1;
	if (i + count != n)
		return tparse_fail(errs, loc, "integrity", "%zu words after the optional arguments",
				   n - i - count);
	for (; i < n; i++)
		if (parse_opt(w[i], o, loc, errs) < 0)
			return -1;
	return 0;
}

/* The kernel's layout constants (drivers/md/dm-integrity.c). */
#define SB_SECTORS 8
#define JOURNAL_BLOCK_SECTORS 8
#define JOURNAL_SECTOR_DATA (512 - 8)
#define JOURNAL_MAC_PER_SECTOR 8
#define JOURNAL_ENTRY_ROUNDUP 8
#define DEFAULT_MAX_JOURNAL_SECTORS 131072
#define DEFAULT_JOURNAL_SIZE_FACTOR 7
#define DEFAULT_INTERLEAVE_SECTORS 32768
#define MIN_LOG2_INTERLEAVE_SECTORS 3
#define MAX_LOG2_INTERLEAVE_SECTORS 31
#define DEFAULT_BUFFER_SECTORS 128
#define DEFAULT_JOURNAL_WATERMARK 50
#define DEFAULT_SYNC_MSEC 10000
#define DEFAULT_SECTORS_PER_BITMAP_BIT 32768
#define BITMAP_FLUSH_INTERVAL_MS 10000
#define METADATA_PADDING_SECTORS 8

/* What the kernel settles on for the journal when it formats a device. */
struct journal {
	uint64_t section_entries, section_sectors, sections;
};

static uint64_t roundup_u64(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

static int journal_layout(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct journal *j)
{
	uint64_t tag = vmap_obj_u64(o, "tagSize", 0);
	uint64_t spb = vmap_obj_u64(o, "blockSize", 512) / 512;
	/* a journal entry: the sector, one commit id per 512 bytes, the tag */
	uint64_t entry = roundup_u64(8 + 8 * spb + tag, JOURNAL_ENTRY_ROUNDUP);
	uint64_t space = JOURNAL_SECTOR_DATA - (vmap_obj_has(o, "journalMac") ? JOURNAL_MAC_PER_SECTOR : 0);
	j->section_entries = space / entry * JOURNAL_BLOCK_SECTORS;
	j->section_sectors = j->section_entries * spb + JOURNAL_BLOCK_SECTORS;
	uint64_t want;
	if (vmap_obj_has(o, "journalSectors")) {
		want = vmap_obj_u64(o, "journalSectors", 0);
		if (!want)
			want = 1;
	} else {
		/* the default depends on the size of the data device */
		uint64_t sectors;
		unsigned lbs;
		const struct vmap_value *dev = vmap_obj_get(o, "device");
		if (!ctx->device_info || !dev->dev || ctx->device_info(ctx, dev->dev, &sectors, &lbs) < 0)
			return -1;
		want = sectors >> DEFAULT_JOURNAL_SIZE_FACTOR;
		if (want > DEFAULT_MAX_JOURNAL_SECTORS)
			want = DEFAULT_MAX_JOURNAL_SECTORS;
	}
	j->sections = j->section_sectors ? want / j->section_sectors : 0;
	if (!j->sections)
		j->sections = 1;
	return 0;
}

static unsigned log2_interleave(const struct vmap_obj *o)
{
	if (vmap_obj_has(o, "metaDevice"))
		return 0;
	uint64_t il = vmap_obj_u64(o, "interleaveSectors", DEFAULT_INTERLEAVE_SECTORS);
	if (!il)
		il = DEFAULT_INTERLEAVE_SECTORS;
	unsigned l = tlog2(il);
	if (l < MIN_LOG2_INTERLEAVE_SECTORS)
		l = MIN_LOG2_INTERLEAVE_SECTORS;
	if (l > MAX_LOG2_INTERLEAVE_SECTORS)
		l = MAX_LOG2_INTERLEAVE_SECTORS;
	return l;
}

static unsigned log2_buffer(const struct vmap_obj *o)
{
	uint64_t b = vmap_obj_u64(o, "bufferSectors", DEFAULT_BUFFER_SECTORS);
	unsigned l = tlog2(b ? b : 1);
	if (l > 31 - 9)
		l = 31 - 9;
	if (vmap_obj_has(o, "metaDevice"))
		return l;
	/* a buffer never spans more than one run of tags */
	uint64_t tag = vmap_obj_u64(o, "tagSize", 0);
	unsigned lspb = tlog2(vmap_obj_u64(o, "blockSize", 512) / 512);
	unsigned lil = log2_interleave(o);
	uint64_t pad = vmap_obj_bool(o, "fixPadding") ? METADATA_PADDING_SECTORS * 512
						      : (uint64_t)512 << METADATA_PADDING_SECTORS;
	uint64_t run = roundup_u64(tag << (lil > lspb ? lil - lspb : 0), pad) / 512;
	unsigned lrun = 0;
	while (run && !(run & ((uint64_t)1 << lrun)))
		lrun++;
	return l < lrun ? l : lrun;
}

static uint64_t watermark(const struct vmap_obj *o, const struct journal *j)
{
	uint64_t entries = j->section_entries * j->sections;
	uint64_t wm = vmap_obj_u64(o, "journalWatermark", DEFAULT_JOURNAL_WATERMARK);
	if (!entries || wm > 100)
		return wm;
	uint64_t threshold = (entries * (100 - wm) + 50) / 100;
	return ((entries - threshold) * 100 + entries / 2) / entries;
}

static uint64_t sectors_per_bit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx,
				const struct journal *j)
{
	unsigned lspb = tlog2(vmap_obj_u64(o, "blockSize", 512) / 512);
	unsigned l = tlog2(DEFAULT_SECTORS_PER_BITMAP_BIT);
	if (vmap_obj_has(o, "sectorsPerBit")) {
		uint64_t v = vmap_obj_u64(o, "sectorsPerBit", 0);
		l = v ? tlog2(v) : 0;
	}
	if (l < lspb)
		l = lspb;
	/* the bitmap must fit in the journal: on a huge device with a small
	 * journal the kernel makes each bit cover more (the device size is
	 * an upper bound of the data area; good enough below ~10 TiB) */
	uint64_t bits = (j->section_sectors * j->sections) << 12;
	if (bits > UINT32_MAX)
		bits = UINT32_MAX;
	uint64_t sectors;
	unsigned lbs;
	const struct vmap_value *dev = vmap_obj_get(o, "device");
	if (bits && ctx->device_info && dev->dev &&
	    ctx->device_info(ctx, dev->dev, &sectors, &lbs) == 0)
		while (l < 63 && bits < (sectors + ((uint64_t)1 << l) - 1) >> l)
			l++;
	return (uint64_t)1 << l;
}

static int emit_alg(const struct vmap_obj *o, size_t k, struct vmap_emit_ctx *ctx,
		    struct sbuf *out, struct vmap_errlist *errs)
{
	const char *alg = vmap_obj_str(o, alg_opts[k].alg, NULL);
	if (!alg)
		return 0;
	sbuf_printf(out, " %s%s", alg_opts[k].prefix, alg);
	if (!vmap_obj_has(o, alg_opts[k].key))
		return 0;
	sbuf_addc(out, ':');
	return temit_secret(o, alg_opts[k].key, ctx, out, errs);
}

/* Is the live target `lo` over the same superblock as `o` (same device,
 * offset and meta device)? */
static bool same_superblock(const struct vmap_obj *o, const struct vmap_obj *lo,
			    struct vmap_emit_ctx *ctx)
{
	static const char *const devs[] = {"device", "metaDevice"};
	if (vmap_obj_u64(o, "offset", 0) != vmap_obj_u64(lo, "offset", 0))
		return false;
	for (size_t k = 0; k < NFIELDS(devs); k++) {
		const struct vmap_value *a = vmap_obj_get(o, devs[k]), *b = vmap_obj_get(lo, devs[k]);
		if (a->set != b->set)
			return false;
		if (!a->set)
			continue;
		if (!a->dev || !b->dev || b->dev->kind != VMAP_DEV_MAJMIN)
			return false;
		struct sbuf t = {0};
		struct vmap_errlist e = {0};
		bool pending = ctx->pending;
		bool same = ctx->device(ctx, a->dev, &t, &e) == 0 && !ctx->pending;
		char *want = xasprintf("%u:%u", b->dev->major, b->dev->minor);
		same = same && !strcmp(sbuf_str(&t), want);
		ctx->pending = pending;
		free(want);
		sbuf_free(&t);
		vmap_errlist_clear(&e);
		if (!same)
			return false;
	}
	return true;
}

/* `o` with the fields its device's superblock decides taken from the live
 * table over that superblock (see the top of this file): a shallow copy
 * in *view (free view->v only).  A spec value the superblock contradicts
 * is an error. */
static int superblock_view(const struct vmap_obj *o, struct vmap_emit_ctx *ctx,
			   struct vmap_obj *view, struct vmap_errlist *errs)
{
	size_t nf = o->type->n_fields;
	*view = *o;
	view->v = xcalloc(nf ? nf : 1, sizeof(*view->v));
	memcpy(view->v, o->v, nf * sizeof(*view->v));
	const struct vmap_table_line *ll = ctx->live;
	if (!ll || ll->target.opaque || ll->target.tt != &vmap_tt_integrity)
		return 0;
	const struct vmap_obj *lo = &ll->target.args;
	if (!same_superblock(o, lo, ctx))
		return 0;
	bool meta = vmap_obj_has(o, "metaDevice");
	bool keyed = vmap_obj_has(o, "internalHash") || vmap_obj_has(o, "journalMac");
	struct {
		const char *key, *word;
		uint64_t spec, live; /* what the spec's value makes the kernel report */
	} sb[4] = {
		{"fixPadding", "fix_padding", vmap_obj_bool(o, "fixPadding") && !meta,
		 vmap_obj_bool(lo, "fixPadding")},
		{"fixHmac", "fix_hmac", vmap_obj_bool(o, "fixHmac") && keyed,
		 vmap_obj_bool(lo, "fixHmac")},
		{"interleaveSectors", "interleave_sectors", (uint64_t)1 << log2_interleave(o),
		 vmap_obj_u64(lo, "interleaveSectors", 0)},
		{"journalSectors", "journal_sectors", 0, vmap_obj_u64(lo, "journalSectors", 0)},
	};
	struct journal j;
	if (vmap_obj_has(o, "journalSectors") && journal_layout(o, ctx, &j) == 0)
		sb[3].spec = j.sections * j.section_sectors;
	int r = 0;
	for (size_t k = 0; k < NFIELDS(sb); k++) {
		/* the kernel always reports the sizes; a flag it does not
		 * report is off */
		if (k >= 2 && !vmap_obj_has(lo, sb[k].key))
			continue;
		struct vmap_value *v = &view->v[vmap_obj_get(o, sb[k].key) - o->v];
		if (!v->set) {
			v->set = true;
			v->u = sb[k].live;
			continue;
		}
		if (sb[k].spec == sb[k].live)
			continue;
		const struct vmap_loc *loc = tloc(o, sb[k].key);
		if (k < 2)
			vmap_err(errs, VMAP_E_FAILED, 0, loc, NULL,
				 "integrity target: %s is %s, but the device's superblock was formatted %s "
				 "%s, and the kernel keeps the superblock's (leave %s out, or format the "
				 "device again)", sb[k].key, sb[k].spec ? "true" : "false",
				 sb[k].live ? "with" : "without", sb[k].word, sb[k].key);
		else
			vmap_err(errs, VMAP_E_FAILED, 0, loc, NULL,
				 "integrity target: %s makes %s:%llu, but the device's superblock was "
				 "formatted with %s:%llu, and the kernel keeps the superblock's (leave "
				 "%s out, or format the device again)", sb[k].key, sb[k].word,
				 ULL(sb[k].spec), sb[k].word, ULL(sb[k].live), sb[k].key);
		r = -1;
	}
	return r;
}

static int emit_view(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs);

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	struct vmap_obj view;
	int r = superblock_view(o, ctx, &view, errs);
	if (r == 0)
		r = emit_view(&view, ctx, out, errs);
	free(view.v);
	return r;
}

static int emit_view(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	if (!vmap_obj_has(o, "tagSize"))
		return temit_missing(o, "tagSize", "integrity", errs);
	char mode = vmap_obj_str(o, "mode", "J")[0];
	bool meta = vmap_obj_has(o, "metaDevice");
	uint64_t bs = vmap_obj_u64(o, "blockSize", 512);
	bool keyed = vmap_obj_has(o, "internalHash") || vmap_obj_has(o, "journalMac");
	bool recalc = vmap_obj_bool(o, "recalculate") || vmap_obj_bool(o, "resetRecalculate");
	/* superblock flags: fix_padding is recorded only without a meta
	 * device, fix_hmac only with a keyed hash */
	bool fixpad = vmap_obj_bool(o, "fixPadding") && !meta;
	bool fixhmac = vmap_obj_bool(o, "fixHmac") && keyed;

	struct journal j;
	if (journal_layout(o, ctx, &j) < 0) {
		/* the device's size is not known yet (a volume still to be
		 * created): the text cannot be final */
		ctx->pending = true;
		j.sections = 0;
	}

	unsigned count = 3 + meta + (bs != 512) + recalc + vmap_obj_bool(o, "resetRecalculate") +
			 vmap_obj_bool(o, "allowDiscards") + 2u * (mode == 'J') + 2u * (mode == 'B') +
			 fixpad + fixhmac + vmap_obj_bool(o, "legacyRecalculate");
	for (size_t k = 0; k < NFIELDS(alg_opts); k++)
		count += vmap_obj_has(o, alg_opts[k].alg);

	if (temit_device(o, "device", ctx, out, errs) < 0)
		return -1;
	sbuf_printf(out, " %llu %llu %c %u", ULL(vmap_obj_u64(o, "offset", 0)),
		    ULL(vmap_obj_u64(o, "tagSize", 0)), mode, count);
	if (meta) {
		sbuf_add(out, " meta_device:");
		if (temit_device(o, "metaDevice", ctx, out, errs) < 0)
			return -1;
	}
	if (bs != 512)
		sbuf_printf(out, " block_size:%llu", ULL(bs));
	if (recalc)
		sbuf_add(out, " recalculate");
	if (vmap_obj_bool(o, "resetRecalculate"))
		sbuf_add(out, " reset_recalculate");
	if (vmap_obj_bool(o, "allowDiscards"))
		sbuf_add(out, " allow_discards");
	if (j.sections)
		sbuf_printf(out, " journal_sectors:%llu", ULL(j.sections * j.section_sectors));
	else
		sbuf_add(out, " journal_sectors:<device size unknown>");
	sbuf_printf(out, " interleave_sectors:%llu buffer_sectors:%llu",
		    ULL((uint64_t)1 << log2_interleave(o)), ULL((uint64_t)1 << log2_buffer(o)));
	if (mode == 'J')
		sbuf_printf(out, " journal_watermark:%llu commit_time:%llu", ULL(watermark(o, &j)),
			    ULL(vmap_obj_u64(o, "commitTime", DEFAULT_SYNC_MSEC)));
	if (mode == 'B')
		sbuf_printf(out, " sectors_per_bit:%llu bitmap_flush_interval:%llu",
			    ULL(sectors_per_bit(o, ctx, &j)),
			    ULL(vmap_obj_u64(o, "bitmapFlushInterval", BITMAP_FLUSH_INTERVAL_MS)));
	if (fixpad)
		sbuf_add(out, " fix_padding");
	if (fixhmac)
		sbuf_add(out, " fix_hmac");
	if (vmap_obj_bool(o, "legacyRecalculate"))
		sbuf_add(out, " legacy_recalculate");
	for (size_t k = 0; k < NFIELDS(alg_opts); k++)
		if (emit_alg(o, k, ctx, out, errs) < 0)
			return -1;
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	bool hash = vmap_obj_has(o, "internalHash");
	const char *mode = vmap_obj_str(o, "mode", "J");
	uint64_t bs = vmap_obj_u64(o, "blockSize", 512);
	if (!tis_pow2(bs) || bs < 512 || bs > 4096)
		r = tinvalid(t, "blockSize", volume, errs,
			     "blockSize %llu is not a power of two from 512 to 4096", ULL(bs));
	else if (t->size && t->size % (bs / 512))
		r = tinvalid(t, NULL, volume, errs, "size %llu sectors is not a multiple of blockSize",
			     ULL(t->size));
	if (!strcmp(mode, "B") && !hash)
		r = tinvalid(t, "mode", volume, errs, "bitmap mode (B) needs internalHash");
	if (vmap_obj_bool(o, "allowDiscards") && !hash)
		r = tinvalid(t, "allowDiscards", volume, errs, "allowDiscards needs internalHash");
	if ((vmap_obj_bool(o, "recalculate") || vmap_obj_bool(o, "resetRecalculate")) && !hash)
		r = tinvalid(t, vmap_obj_bool(o, "recalculate") ? "recalculate" : "resetRecalculate",
			     volume, errs, "recalculation needs internalHash");
	if (vmap_obj_u64(o, "journalWatermark", 0) > 100)
		r = tinvalid(t, "journalWatermark", volume, errs, "journalWatermark is a percentage (0..100)");
	/* the kernel keeps it in timer ticks: a multiple of 20 ms comes back
	 * unchanged at any common HZ (100, 250, 300, 1000) */
	if (vmap_obj_u64(o, "bitmapFlushInterval", 0) % 20)
		r = tinvalid(t, "bitmapFlushInterval", volume, errs,
			     "bitmapFlushInterval must be a multiple of 20 ms (the kernel rounds it to timer ticks)");
	for (size_t k = 0; k < NFIELDS(alg_opts); k++) {
		const struct vmap_value *key = vmap_obj_get(o, alg_opts[k].key);
		if (key->set && !vmap_obj_has(o, alg_opts[k].alg))
			r = tinvalid(t, alg_opts[k].key, volume, errs, "'%s' without '%s'",
				     alg_opts[k].key, alg_opts[k].alg);
		if (key->set && key->secret && key->secret->kind == VMAP_SECRET_KEYRING)
			r = tinvalid(t, alg_opts[k].key, volume, errs,
				     "dm-integrity takes keys only as hex (use {hex} or {file})");
	}
	if (vmap_obj_has(o, "journalSectors") && vmap_obj_u64(o, "journalSectors", 0) > UINT32_MAX)
		r = tinvalid(t, "journalSectors", volume, errs, "journalSectors is too large");
	return r;
}

/* internal_hash:ALG:KEY, journal_crypt:ALG:KEY, journal_mac:ALG:KEY (the
 * key is optional). */
static long key_prefix(size_t i, const char *w, size_t len)
{
	static const char *const opts[] = {"internal_hash:", "journal_crypt:", "journal_mac:"};
	(void)i;
	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		size_t ol = strlen(opts[k]);
		if (len <= ol || strncmp(w, opts[k], ol) != 0)
			continue;
		const char *colon = memchr(w + ol, ':', len - ol);
		if (!colon || (size_t)(colon + 1 - w) >= len)
			return -1;
		return colon + 1 - w;
	}
	return -1;
}

/* The device's data sectors interleaved with tags (their layout is on
 * disk, in the superblock): the device, offset, tag size, block size and
 * the internal hash (algorithm and key) are identity; the journal and
 * bitmap settings only tune. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	char *dev = tident_device(ctx, o, "device");
	char *meta = vmap_obj_has(o, "metaDevice") ? tident_device(ctx, o, "metaDevice") : NULL;
	struct sbuf id = {0}, tune = {0};
	static const char *const tunes[] = {"mode", "journalSectors", "interleaveSectors",
					    "bufferSectors", "journalWatermark", "commitTime",
					    "sectorsPerBit", "bitmapFlushInterval", "journalCrypt",
					    "journalMac", "recalculate", "resetRecalculate",
					    "allowDiscards", "fixPadding", "fixHmac", "legacyRecalculate"};
	/* with their defaults: a spec that leaves one out says the same as
	 * the kernel's text that names it */
	sbuf_printf(&id, "offset=%llu;tagSize=%llu;blockSize=%llu;internalHash=%s;",
		    ULL(vmap_obj_u64(o, "offset", 0)), ULL(vmap_obj_u64(o, "tagSize", 0)),
		    ULL(vmap_obj_u64(o, "blockSize", 512)), vmap_obj_str(o, "internalHash", ""));
	for (size_t i = 0; i < NFIELDS(tunes); i++)
		tident_tune_field(&tune, o, tunes[i]);
	/* the internal hash's key, by digest */
	const struct vmap_value *k = vmap_obj_get(o, "internalHashKey");
	struct vmap_errlist e = {0};
	bool key_ok = !k->set || !k->secret ||
		      vmap_secret_text(k->secret, VMAP_EMIT_CANON, NULL, &id, &e) == 0;
	vmap_errlist_clear(&e);
	char *key = dev && key_ok && (meta || !vmap_obj_has(o, "metaDevice"))
			    ? xasprintf("integrity(%s%s%s %s)", dev, meta ? " meta " : "",
					 meta ? meta : "", sbuf_str(&id))
			    : NULL;
	tident_at(out, len, "integrity", key, rel, sbuf_str(&tune));
	free(dev);
	free(meta);
	sbuf_free(&id);
	sbuf_free(&tune);
}

const struct vmap_target_type vmap_tt_integrity = {
	.name = "integrity",
	.module = "dm-integrity",
	.flags = VMAP_TT_SINGLETON | VMAP_TT_SECRET,
	.args = {"integrity", fields, NFIELDS(fields),
		 "per-block integrity tags, emulated on a plain device (dm-integrity)"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.key_prefix = key_prefix,
	.identity = identity,
};
