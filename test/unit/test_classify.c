/* test_classify.c: what a new table does to the data a volume shows
 * (contract 5.9, plan/classify.c with the types' identity hooks): a
 * property test against a per-sector model over random linear, striped and
 * zero layouts, and what each first-class type keeps, tunes and remaps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "base/util.h"
#include "plan/classify.h"
#include "targets/target.h"

/* ---- tables from text ---- */

struct table {
	struct vmap_cline *l;
	struct vmap_target *t;
	char **params;
	size_t n;
};

/* "START LEN TYPE ARGS|START LEN TYPE ARGS|..."; statuses by line, or NULL */
static void table_read(struct table *tb, const char *text, enum vmap_target_form form,
		       const char *const *status)
{
	memset(tb, 0, sizeof(*tb));
	char *copy = xstrdup(text), *save = NULL;
	for (char *line = strtok_r(copy, "|", &save); line; line = strtok_r(NULL, "|", &save)) {
		unsigned long long start, len;
		char type[32];
		int off = 0;
		assert_true(sscanf(line, " %llu %llu %31s %n", &start, &len, type, &off) >= 3);
		tb->t = xrealloc(tb->t, (tb->n + 1) * sizeof(*tb->t));
		tb->params = xrealloc(tb->params, (tb->n + 1) * sizeof(char *));
		struct vmap_target *t = &tb->t[tb->n];
		memset(t, 0, sizeof(*t));
		struct vmap_errlist errs = {0};
		if (vmap_target_read_text(t, type, line + off, form, NULL, &errs) < 0) {
			fprintf(stderr, "# %s: %s\n", line, errs.n ? errs.v[0].msg : "?");
			fail();
		}
		t->start = start;
		t->size = len;
		tb->params[tb->n] = xstrdup(line + off);
		tb->n++;
	}
	tb->l = xcalloc(tb->n + 1, sizeof(*tb->l));
	for (size_t i = 0; i < tb->n; i++)
		tb->l[i] = (struct vmap_cline){tb->t[i].start, tb->t[i].size, &tb->t[i], tb->params[i],
					       status ? status[i] : NULL};
	free(copy);
}

static void table_free(struct table *tb)
{
	for (size_t i = 0; i < tb->n; i++) {
		vmap_target_free(&tb->t[i]);
		free(tb->params[i]);
	}
	free(tb->t);
	free(tb->params);
	free(tb->l);
}

/* Devices by number; 8:16 and 8:32 are two paths of one LUN, 8:48 of
 * another (as udev's ID_WWN would tell). */
static char *dev_key(struct vmap_ident_ctx *ctx, const struct vmap_devref *ref)
{
	(void)ctx;
	if (ref->kind == VMAP_DEV_VOLUME)
		return xasprintf("volume:%s", ref->volume);
	if (ref->kind != VMAP_DEV_MAJMIN)
		return xasprintf("path:%s", ref->path);
	if (ref->major == 8 && (ref->minor == 16 || ref->minor == 32))
		return xstrdup("lun:wwn-A");
	if (ref->major == 8 && ref->minor == 48)
		return xstrdup("lun:wwn-B");
	return xasprintf("dev:%u:%u", ref->major, ref->minor);
}

/* Classify `new` against `old`, as "CLASS LEN,CLASS LEN,..." */
static char *classify(const char *old, const char *const *status, const char *nw)
{
	struct table o, n;
	table_read(&o, old, VMAP_FORM_LIVE, status);
	table_read(&n, nw, VMAP_FORM_TABLE, NULL);
	struct vmap_ident_ctx octx = {.device = dev_key}, nctx = {.device = dev_key};
	struct vmap_ranges r = {0};
	vmap_classify(o.l, o.n, &octx, n.l, n.n, &nctx, &r);
	struct sbuf s = {0};
	for (size_t i = 0; i < r.n; i++)
		sbuf_printf(&s, "%s%s%s %llu", i ? "," : "", vmap_range_class_name(r.v[i].cls),
			    r.v[i].why ? "?" : "", (unsigned long long)r.v[i].len);
	vmap_ranges_free(&r);
	table_free(&o);
	table_free(&n);
	return sbuf_take(&s);
}

#define assert_class(old, status, nw, want)                                               \
	do {                                                                              \
		char *got_ = classify(old, status, nw);                                   \
		if (strcmp(got_, want))                                                   \
			fprintf(stderr, "# %s -> %s\n#   got  %s\n#   want %s\n", old, nw,     \
				got_, want);                                              \
		assert_string_equal(got_, want);                                          \
		free(got_);                                                               \
	} while (0)

/* ---- the property test: linear, striped, zero against a per-sector model ---- */

/* What sector s shows: device (0 = none) and its sector. */
struct shown {
	unsigned dev;
	uint64_t pos;
};

struct rline {
	uint64_t start, len;
	int kind; /* 0 zero, 1 linear, 2 striped */
	unsigned dev[3];
	uint64_t off[3];
	unsigned n;     /* stripes */
	uint64_t chunk;
};

static struct shown model(const struct rline *l, size_t n, uint64_t s)
{
	for (size_t i = 0; i < n; i++) {
		if (s < l[i].start || s >= l[i].start + l[i].len)
			continue;
		uint64_t r = s - l[i].start;
		if (l[i].kind == 0)
			return (struct shown){0, 0};
		if (l[i].kind == 1)
			return (struct shown){l[i].dev[0], l[i].off[0] + r};
		uint64_t k = r / l[i].chunk;
		unsigned st = (unsigned)(k % l[i].n);
		return (struct shown){l[i].dev[st], l[i].off[st] + (k / l[i].n) * l[i].chunk + r % l[i].chunk};
	}
	return (struct shown){0, 0};
}

static uint64_t rnd(uint64_t n)
{
	return (uint64_t)random() % n;
}

/* Random lines back to back up to about `total` sectors. */
static size_t random_layout(struct rline *l, uint64_t total)
{
	size_t n = 0;
	for (uint64_t s = 0; s < total && n < 6;) {
		struct rline x = {.start = s, .kind = (int)rnd(3)};
		if (x.kind == 2) {
			x.n = 2 + (unsigned)rnd(2);
			x.chunk = 1u << rnd(3);
			x.len = x.n * x.chunk * (1 + rnd(3));
		} else {
			x.len = 1 + rnd(24);
			x.n = 1;
		}
		for (unsigned k = 0; k < 3; k++) {
			x.dev[k] = 1 + (unsigned)rnd(3);
			x.off[k] = rnd(32);
		}
		l[n++] = x;
		s += x.len;
	}
	return n;
}

/* Small changes to a layout, so that many pairs share data: split a
 * linear line in two over the same backing, move an offset, turn a line
 * into zero, change a device, or nothing. */
static size_t mutate(const struct rline *in, size_t n, struct rline *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n && m < 11; i++) {
		struct rline x = in[i];
		x.start = m ? out[m - 1].start + out[m - 1].len : 0;
		switch (rnd(7)) {
		case 0:
			if (x.kind == 1 && x.len > 1) {
				uint64_t cut = 1 + rnd(x.len - 1);
				struct rline y = x;
				x.len = cut;
				y.start = x.start + cut;
				y.len -= cut;
				y.off[0] += cut;
				out[m++] = x;
				x = y;
			}
			break;
		case 1: x.off[0] += rnd(3); break;
		case 2: x.kind = 0; break;
		case 3: x.dev[rnd(3)] = 1 + (unsigned)rnd(3); break;
		case 4: x.len += x.kind == 2 ? x.n * x.chunk : 1; break;
		default: break;
		}
		out[m++] = x;
	}
	return m;
}

static void layout_text(const struct rline *l, size_t n, struct sbuf *b)
{
	for (size_t i = 0; i < n; i++) {
		sbuf_printf(b, "%s%llu %llu ", i ? "|" : "", (unsigned long long)l[i].start,
			    (unsigned long long)l[i].len);
		if (l[i].kind == 0) {
			sbuf_add(b, "zero");
		} else if (l[i].kind == 1) {
			sbuf_printf(b, "linear 7:%u %llu", l[i].dev[0], (unsigned long long)l[i].off[0]);
		} else {
			sbuf_printf(b, "striped %u %llu", l[i].n, (unsigned long long)l[i].chunk);
			for (unsigned k = 0; k < l[i].n; k++)
				sbuf_printf(b, " 7:%u %llu", l[i].dev[k], (unsigned long long)l[i].off[k]);
		}
	}
}

static uint64_t layout_end(const struct rline *l, size_t n)
{
	return n ? l[n - 1].start + l[n - 1].len : 0;
}

static void classification_matches_a_per_sector_model(void **state)
{
	(void)state;
	srandom(5972);
	size_t kept = 0, tuned = 0, remapped = 0;
	for (int iter = 0; iter < 12000; iter++) {
		struct rline a[8], b[12];
		size_t na = random_layout(a, 8 + rnd(40));
		size_t nb = iter % 2 ? mutate(a, na, b) : random_layout(b, 8 + rnd(40));
		struct sbuf ta = {0}, tb = {0};
		layout_text(a, na, &ta);
		layout_text(b, nb, &tb);
		struct table o, n;
		table_read(&o, sbuf_str(&ta), VMAP_FORM_LIVE, NULL);
		table_read(&n, sbuf_str(&tb), VMAP_FORM_TABLE, NULL);
		struct vmap_ident_ctx octx = {.device = dev_key}, nctx = {.device = dev_key};
		struct vmap_ranges r = {0};
		vmap_classify(o.l, o.n, &octx, n.l, n.n, &nctx, &r);
		uint64_t ea = layout_end(a, na), eb = layout_end(b, nb);
		uint64_t s = 0;
		for (size_t i = 0; i < r.n; i++) {
			assert_int_equal(r.v[i].start, s);
			assert_true(r.v[i].len > 0);
			for (uint64_t k = 0; k < r.v[i].len; k++, s++) {
				enum vmap_range_class want;
				if (s >= ea) {
					want = VMAP_RANGE_GROWN;
				} else if (s >= eb) {
					want = VMAP_RANGE_SHRUNK;
				} else {
					struct shown x = model(a, na, s), y = model(b, nb, s);
					want = !x.dev ? (!y.dev ? VMAP_RANGE_KEPT : VMAP_RANGE_TUNED)
					       : x.dev == y.dev && x.pos == y.pos ? VMAP_RANGE_KEPT
										  : VMAP_RANGE_REMAPPED;
				}
				if (r.v[i].cls != want || r.v[i].why) {
					fprintf(stderr, "# sector %llu: got %s%s, want %s\n#   old %s\n#   new %s\n",
						(unsigned long long)s, vmap_range_class_name(r.v[i].cls),
						r.v[i].why ? " (undecided)" : "",
						vmap_range_class_name(want), sbuf_str(&ta), sbuf_str(&tb));
					fail();
				}
				kept += want == VMAP_RANGE_KEPT;
				tuned += want == VMAP_RANGE_TUNED;
				remapped += want == VMAP_RANGE_REMAPPED;
			}
		}
		assert_int_equal(s, ea > eb ? ea : eb);
		vmap_ranges_free(&r);
		table_free(&o);
		table_free(&n);
		sbuf_free(&ta);
		sbuf_free(&tb);
	}
	/* the pairs exercised every class, not one of them */
	assert_true(kept > 10000 && tuned > 10000 && remapped > 10000);
}

/* ---- what each type keeps, tunes and remaps ---- */

static void linear_split_over_the_same_backing_is_kept(void **state)
{
	(void)state;
	assert_class("0 100 linear 7:1 2048", NULL, "0 40 linear 7:1 2048|40 60 linear 7:1 2088",
		     "kept 100");
	assert_class("0 100 linear 7:1 2048", NULL, "0 100 linear 7:2 2048", "remapped 100");
	assert_class("0 100 linear 7:1 2048", NULL, "0 100 linear 7:1 0", "remapped 100");
	assert_class("0 100 linear 7:1 0", NULL, "0 100 linear 7:1 0|100 50 linear 7:2 0",
		     "kept 100,grown 50");
	assert_class("0 100 linear 7:1 0", NULL, "0 60 linear 7:1 0", "kept 60,shrunk 40");
	/* no data was shown: filling it in loses nothing */
	assert_class("0 100 zero", NULL, "0 100 linear 7:1 0", "tuned 100");
	assert_class("0 100 error", NULL, "0 100 linear 7:1 0", "tuned 100");
	/* data replaced by zeroes is lost from view */
	assert_class("0 100 linear 7:1 0", NULL, "0 100 zero", "remapped 100");
}

static void striped_chunk_or_order_change_is_remapped(void **state)
{
	(void)state;
	assert_class("0 64 striped 2 8 7:1 0 7:2 0", NULL, "0 64 striped 2 8 7:1 0 7:2 0", "kept 64");
	/* chunks of 8 over A, B against chunks of 16: sectors 24..39 land on
	 * the same places again */
	assert_class("0 64 striped 2 8 7:1 0 7:2 0", NULL, "0 64 striped 2 16 7:1 0 7:2 0",
		     "kept 8,remapped 16,kept 16,remapped 16,kept 8");
	assert_class("0 64 striped 2 8 7:1 0 7:2 0", NULL, "0 64 striped 2 8 7:2 0 7:1 0",
		     "remapped 64");
}

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY2 "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void crypt_key_or_cipher_is_identity_flags_tune(void **state)
{
	(void)state;
	const char *old = "0 100 crypt aes-xts-plain64 " KEY " 0 7:1 0";
	assert_class(old, NULL, "0 100 crypt aes-xts-plain64 " KEY2 " 0 7:1 0", "remapped 100");
	assert_class(old, NULL, "0 100 crypt aes-cbc-essiv:sha256 " KEY " 0 7:1 0", "remapped 100");
	assert_class(old, NULL, "0 100 crypt aes-xts-plain64 " KEY " 0 7:1 0 1 allow_discards",
		     "tuned 100");
	/* split: the second half's IV continues where the first ended */
	assert_class(old, NULL,
		     "0 40 crypt aes-xts-plain64 " KEY " 0 7:1 0|40 60 crypt aes-xts-plain64 " KEY
		     " 40 7:1 40",
		     "kept 100");
	assert_class(old, NULL,
		     "0 40 crypt aes-xts-plain64 " KEY " 0 7:1 0|40 60 crypt aes-xts-plain64 " KEY
		     " 0 7:1 40",
		     "kept 40,remapped 60");
}

static void multipath_is_its_lun(void **state)
{
	(void)state;
	const char *old = "0 100 multipath 0 0 1 1 round-robin 0 1 1 8:16 1";
	/* another path to the same LUN: tuned, not a remap */
	assert_class(old, NULL, "0 100 multipath 0 0 1 1 round-robin 0 2 1 8:16 1 8:32 1", "tuned 100");
	assert_class(old, NULL, "0 100 multipath 0 0 1 1 round-robin 0 1 1 8:48 1", "remapped 100");
	/* recreated as linear over one path of the same LUN: the same data
	 * (tuned: the paths were part of the old settings) */
	assert_class(old, NULL, "0 100 linear 8:32 0", "tuned 100");
	/* paths vmapctl cannot tell are one LUN */
	assert_class(old, NULL, "0 100 multipath 0 0 1 1 round-robin 0 2 1 7:1 1 7:2 1",
		     "remapped? 100");
}

static void thin_snapshot_verity_integrity_identity(void **state)
{
	(void)state;
	assert_class("0 100 thin 254:0 1", NULL, "0 100 thin 254:0 2", "remapped 100");
	assert_class("0 1000 thin-pool 7:1 7:2 128 10", NULL,
		     "0 1000 thin-pool 7:1 7:2 128 20 1 skip_block_zeroing", "tuned 1000");
	assert_class("0 1000 thin-pool 7:1 7:2 128 10", NULL, "0 1000 thin-pool 7:1 7:3 128 10",
		     "remapped 1000");
	assert_class("0 100 snapshot 7:1 7:2 P 16", NULL, "0 100 snapshot 7:1 7:3 P 16", "remapped 100");
	const char *v = "0 8 verity 1 7:1 7:2 4096 4096 1 1 sha256 "
			"aa00000000000000000000000000000000000000000000000000000000000000 "
			"bb00000000000000000000000000000000000000000000000000000000000000";
	assert_class(v, NULL,
		     "0 8 verity 1 7:1 7:2 4096 4096 1 1 sha256 "
		     "cc00000000000000000000000000000000000000000000000000000000000000 "
		     "bb00000000000000000000000000000000000000000000000000000000000000",
		     "remapped 8");
	assert_class(v, NULL,
		     "0 8 verity 1 7:1 7:2 4096 4096 1 1 sha256 "
		     "aa00000000000000000000000000000000000000000000000000000000000000 "
		     "bb00000000000000000000000000000000000000000000000000000000000000 "
		     "1 ignore_corruption",
		     "tuned 8");
	assert_class("0 100 integrity 7:1 0 4 J 1 internal_hash:crc32c", NULL,
		     "0 100 integrity 7:1 0 4 J 1 internal_hash:sha256", "remapped 100");
	assert_class("0 100 integrity 7:1 0 4 J 1 journal_watermark:50", NULL,
		     "0 100 integrity 7:1 0 4 J 1 journal_watermark:60", "tuned 100");
	assert_class("0 100 delay 7:1 0 10", NULL, "0 100 delay 7:1 0 200", "tuned 100");
}

static void mirror_and_raid1_keep_an_in_sync_leg(void **state)
{
	(void)state;
	static const char *const synced[] = {"2 7:1 7:2 10/10 1 AA 1 core"};
	static const char *const syncing[] = {"2 7:1 7:2 3/10 1 AA 1 core"};
	const char *mir = "0 100 mirror core 2 64 nosync 2 7:1 0 7:2 0";
	/* down to either leg once in sync; to the second while it is still
	 * being copied to: other data */
	assert_class(mir, synced, "0 100 linear 7:2 0", "kept 100");
	assert_class(mir, syncing, "0 100 linear 7:1 0", "kept 100");
	assert_class(mir, syncing, "0 100 linear 7:2 0", "remapped 100");
	/* a new mirror copies from its first leg: an empty one first loses */
	assert_class("0 100 linear 7:1 0", NULL, "0 100 mirror core 2 64 nosync 2 7:1 0 7:3 0",
		     "kept 100");
	assert_class("0 100 linear 7:1 0", NULL, "0 100 mirror core 2 64 nosync 2 7:3 0 7:1 0",
		     "remapped 100");
	static const char *const raid[] = {"raid1 2 AD 100/100 idle 0 0 -"};
	assert_class("0 100 raid raid1 3 0 region_size 64 2 - 7:1 - 7:2", raid,
		     "0 100 raid raid1 3 0 region_size 64 2 - 7:1 - 7:3", "kept 100");
	assert_class("0 100 raid raid1 3 0 region_size 64 2 - 7:1 - 7:2", raid,
		     "0 100 linear 7:2 0", "remapped 100");
}

static void a_cache_with_dirty_blocks_keeps_its_cache_device(void **state)
{
	(void)state;
	static const char *const clean[] = {"8 30/1024 64 100/200 10 20 30 40 0 0 0 1 writeback 2 migration_threshold 2048 smq 0 rw -"};
	static const char *const dirty[] = {"8 30/1024 64 100/200 10 20 30 40 0 0 12 1 writeback 2 migration_threshold 2048 smq 0 rw -"};
	const char *c = "0 100 cache 7:1 7:2 7:3 64 1 writeback default 0";
	assert_class(c, clean, "0 100 cache 7:1 7:4 7:3 64 1 writeback default 0", "tuned 100");
	assert_class(c, clean, "0 100 linear 7:3 0", "tuned 100");
	assert_class(c, dirty, "0 100 cache 7:1 7:4 7:3 64 1 writeback default 0", "remapped 100");
	assert_class(c, dirty, "0 100 linear 7:3 0", "remapped 100");
	assert_class(c, dirty, "0 100 cache 7:1 7:2 7:3 64 1 writethrough default 0", "tuned 100");
}

static void unknown_types_are_undecided_unless_unchanged(void **state)
{
	(void)state;
	assert_class("0 100 unstriped 2 8 0 7:1 7:2", NULL, "0 100 unstriped 2 8 0 7:1 7:2",
		     "kept 100");
	assert_class("0 100 unstriped 2 8 0 7:1 7:2", NULL, "0 100 unstriped 2 8 1 7:1 7:2",
		     "remapped? 100");
}

static void a_huge_striped_change_is_undecided_not_slow(void **state)
{
	(void)state;
	/* a terabyte in 64 KiB chunks: millions of pieces; vmapctl stops
	 * counting and says it cannot tell */
	assert_class("0 2147483648 striped 2 128 7:1 0 7:2 0", NULL,
		     "0 2147483648 striped 2 128 7:2 0 7:1 0",
		     "remapped 8388480,remapped? 2139095168");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classification_matches_a_per_sector_model),
		cmocka_unit_test(linear_split_over_the_same_backing_is_kept),
		cmocka_unit_test(striped_chunk_or_order_change_is_remapped),
		cmocka_unit_test(crypt_key_or_cipher_is_identity_flags_tune),
		cmocka_unit_test(multipath_is_its_lun),
		cmocka_unit_test(thin_snapshot_verity_integrity_identity),
		cmocka_unit_test(mirror_and_raid1_keep_an_in_sync_leg),
		cmocka_unit_test(a_cache_with_dirty_blocks_keeps_its_cache_device),
		cmocka_unit_test(unknown_types_are_undecided_unless_unchanged),
		cmocka_unit_test(a_huge_striped_change_is_undecided_not_slow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
