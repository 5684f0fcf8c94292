/* test_targets.c: every target type's parser and normaliser: kernel text
 * comes back unchanged, user text becomes what the kernel reports (the
 * pairs below were read from Debian 12's 6.1 kernel; test/bats/
 * normalise.bats proves them there), keys never show in CANON mode, and
 * bad text is an error with a location. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unit.h"

#include "base/error.h"
#include "model/secret.h"
#include "model/spec.h"
#include "targets/target.h"
#include "base/util.h"

/* ---- a context without a system: /dev/a..z are 7:0..7:25 ---- */

static uint64_t dev_sectors = 131072; /* a 64 MiB device */

static int t_device(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref, struct sbuf *out,
		    struct vmap_errlist *errs)
{
	(void)ctx;
	(void)errs;
	if (ref->kind == VMAP_DEV_MAJMIN)
		sbuf_printf(out, "%u:%u", ref->major, ref->minor);
	else if (ref->kind == VMAP_DEV_PATH && !strncmp(ref->path, "/dev/", 5) && ref->path[5] &&
		 !ref->path[6])
		sbuf_printf(out, "7:%d", ref->path[5] - 'a');
	else
		sbuf_add(out, "?");
	return 0;
}

static int t_device_info(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref,
			 uint64_t *sectors, unsigned *lbs)
{
	(void)ctx;
	(void)ref;
	if (!dev_sectors)
		return -1;
	*sectors = dev_sectors;
	*lbs = 512;
	return 0;
}

static int t_secret(struct vmap_emit_ctx *ctx, const struct vmap_secret *s, struct sbuf *out,
		    struct vmap_errlist *errs)
{
	return vmap_secret_text(s, ctx->mode, NULL, out, errs);
}

static struct vmap_emit_ctx ctx_of(enum vmap_emit_mode mode)
{
	struct vmap_emit_ctx c = {.mode = mode, .device = t_device, .device_info = t_device_info,
				  .secret = t_secret};
	return c;
}

/* Text read as vmapctl reads a `table:` line (form TABLE) or a line the
 * kernel reported (form LIVE: keys hidden as capture hides them), then
 * written by the target's emitter with ctx. */
static int read_emit(const char *type, const char *text, enum vmap_target_form form,
		     struct vmap_emit_ctx *ctx, struct sbuf *out, struct vmap_errlist *errs)
{
	struct vmap_loc loc = {.file = "t.yaml", .line = 3, .col = 7};
	struct vmap_target t = {0};
	int r = vmap_target_read_text(&t, type, text, form, &loc, errs);
	if (r == 0 && form == VMAP_FORM_LIVE && ctx->mode == VMAP_EMIT_CANON)
		vmap_target_hide_keys(&t);
	if (r == 0)
		r = vmap_target_emit(&t, ctx, out, errs);
	vmap_target_free(&t);
	return r;
}

/* `type args` as a user's table: line, normalised; NULL on error. */
static char *norm_mode(const char *line, enum vmap_emit_mode mode, struct vmap_errlist *errs)
{
	const char *sp = strchr(line, ' ');
	char *type = sp ? xstrndup(line, (size_t)(sp - line)) : xstrdup(line);
	struct vmap_emit_ctx c = ctx_of(mode);
	struct sbuf out = {0};
	int r = read_emit(type, sp ? sp + 1 : "", VMAP_FORM_TABLE, &c, &out, errs);
	char *res = NULL;
	if (r == 0)
		res = xasprintf("%s%s%s", type, out.len ? " " : "", sbuf_str(&out));
	free(type);
	sbuf_free(&out);
	return res;
}

static char *norm(const char *line)
{
	struct vmap_errlist errs = {0};
	char *s = norm_mode(line, VMAP_EMIT_KERNEL, &errs);
	for (size_t i = 0; i < errs.n; i++) {
		char *m = vmap_error_format(&errs.v[i]);
		fprintf(stderr, "#   %s: %s\n", line, m);
		free(m);
	}
	vmap_errlist_clear(&errs);
	return s;
}

static void assert_norm(const char *in, const char *want)
{
	char *got = norm(in);
	if (!got || strcmp(got, want)) {
		fprintf(stderr, "#   in:   [%s]\n#   want: [%s]\n#   got:  [%s]\n", in, want,
			got ? got : "(error)");
		fail();
	}
	/* idempotent: what the kernel reports normalises to itself */
	char *again = norm(got);
	assert_non_null(again);
	assert_string_equal(again, got);
	free(again);
	free(got);
}

/* Text as the kernel printed it (Debian 12, 6.1): must come back as it is,
 * through the table: path and through the live path alike. */
static const char *const kernel_texts[] = {
	"linear 7:0 16",
	"striped 2 128 7:0 0 7:1 2048",
	"zero",
	"error",
	"crypt aes-xts-plain64 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 0 7:0 16 5 allow_discards same_cpu_crypt no_write_workqueue sector_size:4096 iv_large_sectors",
	"crypt aes-cbc-essiv:sha256 000102030405060708090a0b0c0d0e0f 7 7:0 0 4 allow_discards same_cpu_crypt submit_from_crypt_cpus no_read_workqueue",
	"crypt cipher_null-ecb - 0 7:0 0",
	"crypt capi:xts(aes)-plain64 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 0 7:0 0",
	"crypt aes-xts-plain64 :64:logon:vmap:disk1 0 7:0 0",
	"crypt capi:authenc(hmac(sha256),xts(aes))-random 00 0 7:0 0 1 integrity:28:aead",
	"multipath 0 0 1 1 round-robin 0 2 1 7:0 1 7:1 1 ",
	"multipath 1 queue_if_no_path 0 1 1 round-robin 0 2 1 7:0 1 7:1 1 ",
	"multipath 3 retain_attached_hw_handler queue_mode bio 0 1 1 round-robin 0 1 1 7:0 1 ",
	"multipath 5 pg_init_retries 3 pg_init_delay_msecs 500 retain_attached_hw_handler 0 2 2 queue-length 0 1 1 7:0 0 service-time 0 2 2 7:1 1 50 7:2 0 0 ",
	"multipath 0 0 2 2 round-robin 0 1 1 7:0 1 round-robin 0 1 1 7:1 1 ",
	"multipath 0 1 emc 0 0 ",
	"multipath 0 0 0 0 ",
	"multipath 2 pg_init_delay_msecs 2000 0 1 1 round-robin 0 1 1 7:0 1 ",
	"thin-pool 7:0 7:1 128 0 0 ",
	"thin-pool 7:0 7:1 1024 10 1 ignore_discard ",
	"thin-pool 7:5 7:6 128 10 4 skip_block_zeroing no_discard_passdown read_only error_if_no_space ",
	"thin-pool 7:5 7:6 128 10 4 skip_block_zeroing ignore_discard no_discard_passdown read_only ",
	"thin 254:0 0",
	"thin 254:0 1 7:2",
	"snapshot-origin 7:0",
	"snapshot 7:0 7:2 P 16",
	"snapshot 7:0 7:2 PO 16",
	"snapshot 7:0 7:2 N 32 1 discard_zeroes_cow",
	"snapshot 7:0 7:2 P 8 2 discard_zeroes_cow discard_passdown_origin",
	"delay 7:0 0 10",
	"delay 7:0 16 10 7:1 32 20",
	"delay 7:0 16 10 7:1 32 20 7:2 0 0",
	"flakey 7:0 0 1 0 0 ",
	"flakey 7:0 0 5 5 1 drop_writes ",
	"flakey 7:0 0 5 5 5 corrupt_bio_byte 32 w 1 0 ",
	"flakey 7:0 0 5 5 6 error_writes corrupt_bio_byte 32 r 255 4 ",
	"verity 1 7:2 7:3 4096 4096 16384 1 sha256 688c6a3c325dc82f875a44c689f0ad5654196015690b76725d082f0dab964b55 beb8b121332a9641d728112adb671ad5243519bd684b09c2ce78fd97455cec37 3 restart_on_corruption ignore_zero_blocks check_at_most_once",
	"verity 1 7:2 7:3 4096 4096 16384 0 sha256 426b10c6c94bd85fb42817755c38db2efd1161d1194e42fff925cccfeddebb57 -",
	"verity 1 7:2 7:3 4096 4096 16384 1 sha256 b8f8 43d6 10 restart_on_corruption ignore_zero_blocks use_fec_from_device 7:4 fec_blocks 32767 fec_start 0 fec_roots 2",
	"verity 0 7:2 7:3 4096 4096 16384 1 sha256 b8f8 43d6",
	"integrity 7:0 0 4 J 5 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000",
	"integrity 7:0 0 4 D 3 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128",
	"integrity 7:0 0 4 B 7 block_size:4096 journal_sectors:784 interleave_sectors:32768 buffer_sectors:128 sectors_per_bit:512 bitmap_flush_interval:1004 internal_hash:crc32c",
	"integrity 7:0 0 32 J 8 journal_sectors:968 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000 internal_hash:hmac(sha256):00112233445566778899aabbccddeeff journal_crypt:cbc(aes):00112233445566778899aabbccddeeff journal_mac:hmac(sha256):0011223344",
	"integrity 7:0 0 4 J 6 meta_device:7:1 journal_sectors:880 interleave_sectors:1 buffer_sectors:128 journal_watermark:50 commit_time:10000",
	"integrity 7:0 0 4 J 7 recalculate journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000 internal_hash:crc32c",
	"integrity 7:0 0 4 J 6 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000 legacy_recalculate",
	"mirror core 1 1024 2 7:0 0 7:1 0",
	"mirror core 2 1024 nosync 2 7:0 0 7:1 0 1 handle_errors",
	"mirror core 2 1024 sync 2 7:0 0 7:1 0 2 handle_errors keep_log",
	"mirror disk 2 7:2 1024 3 7:0 0 7:1 8 7:3 0",
	"mirror disk 3 7:2 1024 nosync 2 7:0 0 7:1 8 1 handle_errors",
	"raid raid1 1 0 2 - 7:0 - 7:1",
	"raid raid1 4 0 nosync region_size 1024 2 7:2 7:0 7:3 7:1",
	"raid raid0 1 128 2 - 7:0 - 7:1",
	"raid raid10 5 64 raid10_copies 2 raid10_format near 2 7:2 7:0 7:3 7:1",
	"raid raid5_ls 3 64 stripe_cache 4096 3 7:2 7:0 7:3 7:1 7:6 7:5",
	"raid raid5_ls 5 64 journal_dev 7:7 journal_mode writeback 3 7:2 7:0 7:3 7:1 7:6 7:5",
	"raid raid6_nc 3 64 region_size 8192 4 7:2 7:0 7:3 7:1 7:6 7:5 7:7 7:4",
	"raid raid1 3 0 data_offset 2048 2 7:2 7:0 7:3 7:1",
	"raid raid1 3 0 rebuild 1 2 7:2 7:0 7:3 7:1",
	"cache 7:2 7:3 7:0 512 1 writeback smq 0",
	"cache 7:2 7:3 7:0 512 2 metadata2 writethrough smq 2 migration_threshold 2048",
	"cache 7:2 7:3 7:0 512 0 cleaner 0",
};

static void kernel_text_comes_back_unchanged(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kernel_texts) / sizeof(kernel_texts[0]); i++)
		assert_norm(kernel_texts[i], kernel_texts[i]);
}

static void live_text_comes_back_unchanged_in_kernel_mode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kernel_texts) / sizeof(kernel_texts[0]); i++) {
		const char *line = kernel_texts[i];
		const char *sp = strchr(line, ' ');
		char *type = sp ? xstrndup(line, (size_t)(sp - line)) : xstrdup(line);
		struct vmap_emit_ctx c = ctx_of(VMAP_EMIT_KERNEL);
		struct sbuf out = {0};
		struct vmap_errlist errs = {0};
		assert_int_equal(read_emit(type, sp ? sp + 1 : "", VMAP_FORM_LIVE, &c, &out, &errs), 0);
		assert_string_equal(sbuf_str(&out), sp ? sp + 1 : "");
		sbuf_free(&out);
		free(type);
	}
}

/* What a user writes -> what the kernel reports (seen on the 6.1 kernel). */
static const char *const rewrites[][2] = {
	{"linear /dev/a 0016", "linear 7:0 16"},
	{"crypt aes-xts-plain64 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F 0 /dev/a 16 5 SAME_CPU_CRYPT no_write_workqueue sector_size:4096 allow_discards iv_large_sectors",
	 "crypt aes-xts-plain64 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 0 7:0 16 5 allow_discards same_cpu_crypt no_write_workqueue sector_size:4096 iv_large_sectors"},
	{"crypt aes-xts-plain64 00ff 0 /dev/a 0 1 sector_size:512", "crypt aes-xts-plain64 00ff 0 7:0 0"},
	{"crypt aes-xts-plain64 00ff 0 /dev/a 0 0", "crypt aes-xts-plain64 00ff 0 7:0 0"},
	{"multipath 0 0 1 1 round-robin 0 2 1 /dev/a 1000 /dev/b 1000",
	 "multipath 0 0 1 1 round-robin 0 2 1 7:0 1 7:1 1 "},
	{"multipath 1 queue_if_no_path 0 1 1 round-robin 0 2 0 /dev/a /dev/b",
	 "multipath 1 queue_if_no_path 0 1 1 round-robin 0 2 1 7:0 1 7:1 1 "},
	{"multipath 2 queue_mode bio 0 1 1 round-robin 0 1 1 /dev/a 5",
	 "multipath 3 retain_attached_hw_handler queue_mode bio 0 1 1 round-robin 0 1 1 7:0 1 "},
	{"multipath 2 QUEUE_MODE BIO 0 1 1 round-robin 0 1 1 /dev/a 5",
	 "multipath 3 retain_attached_hw_handler queue_mode bio 0 1 1 round-robin 0 1 1 7:0 1 "},
	{"multipath 2 queue_mode mq 0 1 1 round-robin 0 1 1 /dev/a 5",
	 "multipath 0 0 1 1 round-robin 0 1 1 7:0 1 "},
	{"multipath 5 pg_init_retries 3 pg_init_delay_msecs 500 retain_attached_hw_handler 0 2 2 queue-length 0 1 1 /dev/a 0 service-time 0 2 2 /dev/b 7 50 /dev/c 0 0",
	 "multipath 5 pg_init_retries 3 pg_init_delay_msecs 500 retain_attached_hw_handler 0 2 2 queue-length 0 1 1 7:0 0 service-time 0 2 2 7:1 1 50 7:2 0 0 "},
	{"multipath 0 0 2 1 round-robin 1 foo 1 1 /dev/a 0 service-time 0 1 0 /dev/b",
	 "multipath 0 0 2 1 round-robin 0 1 1 7:0 0 service-time 0 1 2 7:1 1 1 "},
	{"multipath 0 2 alua 1 0 0", "multipath 0 1 alua 0 0 "},
	{"multipath 0 3 emc 1 1 0 0", "multipath 0 1 emc 0 0 "},
	{"multipath 2 queue_mode bio 2 emc 1 1 1 round-robin 0 1 1 /dev/a 1",
	 "multipath 3 retain_attached_hw_handler queue_mode bio 0 1 1 round-robin 0 1 1 7:0 1 "},
	{"thin-pool /dev/a /dev/b 128 0", "thin-pool 7:0 7:1 128 0 0 "},
	{"thin-pool /dev/a /dev/b 1024 10 2 no_discard_passdown SKIP_BLOCK_ZEROING",
	 "thin-pool 7:0 7:1 1024 10 2 skip_block_zeroing no_discard_passdown "},
	{"thin-pool /dev/f /dev/g 128 10 4 error_if_no_space read_only no_discard_passdown skip_block_zeroing",
	 "thin-pool 7:5 7:6 128 10 4 skip_block_zeroing no_discard_passdown read_only error_if_no_space "},
	{"snapshot /dev/a /dev/c n 32", "snapshot 7:0 7:2 N 32"},
	{"snapshot /dev/a /dev/c p 8 2 discard_passdown_origin discard_zeroes_cow",
	 "snapshot 7:0 7:2 P 8 2 discard_zeroes_cow discard_passdown_origin"},
	{"flakey /dev/a 0 1 0", "flakey 7:0 0 1 0 0 "},
	{"flakey /dev/a 0 5 5 0", "flakey 7:0 0 5 5 0 "},
	{"flakey /dev/a 0 5 5 5 corrupt_bio_byte 32 W 1 0", "flakey 7:0 0 5 5 5 corrupt_bio_byte 32 w 1 0 "},
	{"verity 1 /dev/c /dev/d 4096 4096 16384 1 sha256 ABCD 0EF1 3 check_at_most_once ignore_zero_blocks restart_on_corruption",
	 "verity 1 7:2 7:3 4096 4096 16384 1 sha256 abcd 0ef1 3 restart_on_corruption ignore_zero_blocks check_at_most_once"},
	{"verity 1 /dev/c /dev/d 4096 4096 16384 1 sha256 ab cd 10 use_fec_from_device /dev/e fec_start 0 fec_blocks 4200 fec_roots 2 ignore_zero_blocks restart_on_corruption",
	 "verity 1 7:2 7:3 4096 4096 16384 1 sha256 ab cd 10 restart_on_corruption ignore_zero_blocks use_fec_from_device 7:4 fec_blocks 4200 fec_start 0 fec_roots 2"},
	{"verity 1 /dev/c /dev/d 4096 4096 16384 1 sha256 ab cd 0", "verity 1 7:2 7:3 4096 4096 16384 1 sha256 ab cd"},
	{"integrity /dev/a 0 4 J 0",
	 "integrity 7:0 0 4 J 5 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000"},
	{"integrity /dev/a 0 4 D 0", "integrity 7:0 0 4 D 3 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128"},
	{"integrity /dev/a 0 4 B 4 sectors_per_bit:1000 bitmap_flush_interval:1004 block_size:4096 internal_hash:crc32c",
	 "integrity 7:0 0 4 B 7 block_size:4096 journal_sectors:784 interleave_sectors:32768 buffer_sectors:128 sectors_per_bit:512 bitmap_flush_interval:1004 internal_hash:crc32c"},
	{"integrity /dev/a 0 32 J 3 internal_hash:hmac(sha256):00112233445566778899AABBCCDDEEFF journal_crypt:cbc(aes):00112233445566778899aabbccddeeff journal_mac:hmac(sha256):0011223344",
	 "integrity 7:0 0 32 J 8 journal_sectors:968 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000 internal_hash:hmac(sha256):00112233445566778899aabbccddeeff journal_crypt:cbc(aes):00112233445566778899aabbccddeeff journal_mac:hmac(sha256):0011223344"},
	{"integrity /dev/a 0 4 J 1 meta_device:/dev/b",
	 "integrity 7:0 0 4 J 6 meta_device:7:1 journal_sectors:880 interleave_sectors:1 buffer_sectors:128 journal_watermark:50 commit_time:10000"},
	{"integrity /dev/a 0 4 J 2 fix_hmac internal_hash:crc32c",
	 "integrity 7:0 0 4 J 7 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000 fix_hmac internal_hash:crc32c"},
	{"integrity /dev/a 0 4 J 1 fix_hmac",
	 "integrity 7:0 0 4 J 5 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000"},
	{"mirror core 2 1024 sync 2 /dev/a 0 /dev/b 0 2 keep_log handle_errors",
	 "mirror core 2 1024 sync 2 7:0 0 7:1 0 2 handle_errors keep_log"},
	{"raid raid1 4 0 region_size 1024 nosync 2 /dev/c /dev/a /dev/d /dev/b",
	 "raid raid1 4 0 nosync region_size 1024 2 7:2 7:0 7:3 7:1"},
	{"raid raid1 1 128 2 - /dev/a - /dev/b", "raid raid1 1 0 2 - 7:0 - 7:1"},
	{"raid RAID1 1 0 2 - /dev/a - /dev/b", "raid raid1 1 0 2 - 7:0 - 7:1"},
	{"raid raid1 12 0 max_recovery_rate 1000 min_recovery_rate 10 daemon_sleep 100 sync write_mostly 1 max_write_behind 512 2 /dev/c /dev/a /dev/d /dev/b",
	 "raid raid1 12 0 sync daemon_sleep 100 min_recovery_rate 10 max_recovery_rate 1000 write_mostly 1 max_write_behind 512 2 7:2 7:0 7:3 7:1"},
	{"cache  /dev/c   /dev/d /dev/a 00512  3 passthrough  no_discard_passdown metadata2 mq 0",
	 "cache 7:2 7:3 7:0 512 3 metadata2 passthrough no_discard_passdown mq 0"},
	/* cache echoes its words as loaded: vmapctl loads them in its (lvm2's) order */
	{"cache /dev/c /dev/d /dev/a 512 2 writethrough metadata2 smq 2 migration_threshold 2048",
	 "cache 7:2 7:3 7:0 512 2 metadata2 writethrough smq 2 migration_threshold 2048"},
	{"unstriped 2  128 1   /dev/a 0", "unstriped 2 128 1 7:0 0"},
};

static void user_text_becomes_what_the_kernel_reports(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rewrites) / sizeof(rewrites[0]); i++)
		assert_norm(rewrites[i][0], rewrites[i][1]);
}

static void integrity_journal_follows_the_device_size(void **state)
{
	(void)state;
	dev_sectors = 524288; /* 256 MiB: 4096 sectors wanted, 23 sections of 176 */
	assert_norm("integrity /dev/e 0 4 J 0",
		    "integrity 7:4 0 4 J 5 journal_sectors:4048 interleave_sectors:32768 buffer_sectors:128 journal_watermark:50 commit_time:10000");
	dev_sectors = 1ull << 40; /* capped at 64 MiB */
	assert_norm("integrity /dev/e 0 4 D 0",
		    "integrity 7:4 0 4 D 3 journal_sectors:130944 interleave_sectors:32768 buffer_sectors:128");
	dev_sectors = 131072;
	/* given explicitly, rounded down to whole sections; 0 means one */
	assert_norm("integrity /dev/a 0 4 D 1 journal_sectors:1000",
		    "integrity 7:0 0 4 D 3 journal_sectors:880 interleave_sectors:32768 buffer_sectors:128");
	assert_norm("integrity /dev/a 0 4 D 1 journal_sectors:0",
		    "integrity 7:0 0 4 D 3 journal_sectors:176 interleave_sectors:32768 buffer_sectors:128");
}

static void integrity_without_device_size_is_pending(void **state)
{
	(void)state;
	dev_sectors = 0;
	struct vmap_emit_ctx c = ctx_of(VMAP_EMIT_CANON);
	struct sbuf out = {0};
	struct vmap_errlist errs = {0};
	assert_int_equal(read_emit("integrity", "/dev/a 0 4 J 0", VMAP_FORM_TABLE, &c, &out, &errs), 0);
	assert_true(c.pending);
	assert_non_null(strstr(sbuf_str(&out), "journal_sectors:<device size unknown>"));
	sbuf_free(&out);
	dev_sectors = 131072;
}

static void integrity_rounds_like_the_kernel(void **state)
{
	(void)state;
	/* interleave and buffer round down to powers of two; with
	 * fix_padding a small interleave makes a small tag run, and the
	 * buffer never spans more than one run */
	assert_norm("integrity /dev/a 0 4 J 5 journal_sectors:1000 interleave_sectors:1000 buffer_sectors:100 journal_watermark:33 commit_time:1234",
		    "integrity 7:0 0 4 J 5 journal_sectors:880 interleave_sectors:512 buffer_sectors:64 journal_watermark:33 commit_time:1234");
	assert_norm("integrity /dev/a 0 4 J 2 fix_padding interleave_sectors:512",
		    "integrity 7:0 0 4 J 6 journal_sectors:880 interleave_sectors:512 buffer_sectors:8 journal_watermark:50 commit_time:10000 fix_padding");
	/* one section of 8 entries: 1% cannot be kept, it comes back as 0% */
	assert_norm("integrity /dev/a 0 400 J 2 journal_sectors:0 journal_watermark:1",
		    "integrity 7:0 0 400 J 5 journal_sectors:16 interleave_sectors:32768 buffer_sectors:128 journal_watermark:0 commit_time:10000");
	/* reset_recalculate also sets the superblock's recalculate flag */
	assert_norm("integrity /dev/a 0 4 D 2 reset_recalculate internal_hash:crc32c",
		    "integrity 7:0 0 4 D 6 recalculate reset_recalculate journal_sectors:880 interleave_sectors:32768 buffer_sectors:128 internal_hash:crc32c");
}

static void raid_max_write_behind_is_loaded_whole_and_compared_halved(void **state)
{
	(void)state;
	const char *user = "raid raid1 3 0 max_write_behind 9 2 /dev/c /dev/a /dev/d /dev/b";
	struct vmap_errlist errs = {0};
	char *k = norm_mode(user, VMAP_EMIT_KERNEL, &errs);
	char *c = norm_mode(user, VMAP_EMIT_CANON, &errs);
	assert_string_equal(k, "raid raid1 3 0 max_write_behind 9 2 7:2 7:0 7:3 7:1");
	assert_string_equal(c, "raid raid1 3 0 max_write_behind 4 2 7:2 7:0 7:3 7:1");
	/* the kernel reports 4: as live text that canonicalises to the same */
	struct vmap_emit_ctx cc = ctx_of(VMAP_EMIT_CANON);
	struct sbuf out = {0};
	assert_int_equal(read_emit("raid", "raid1 3 0 max_write_behind 4 2 7:2 7:0 7:3 7:1",
				   VMAP_FORM_LIVE, &cc, &out, &errs), 0);
	assert_string_equal(sbuf_str(&out), c + strlen("raid "));
	sbuf_free(&out);
	free(k);
	free(c);
}

/* ---- keys ---- */

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

static void canon_mode_never_shows_a_key(void **state)
{
	(void)state;
	static const char *const key = "00112233445566778899aabbccddeeff";
	static const char *const lines[] = {
		"crypt aes-cbc-essiv:sha256 00112233445566778899AABBCCDDEEFF 0 /dev/a 0",
		"integrity /dev/a 0 32 J 3 internal_hash:hmac(sha256):00112233445566778899aabbccddeeff journal_crypt:cbc(aes):00112233445566778899AABBCCDDEEFF journal_mac:hmac(sha256):00112233445566778899aabbccddeeff",
	};
	for (size_t i = 0; i < 2; i++) {
		struct vmap_errlist errs = {0};
		char *c = norm_mode(lines[i], VMAP_EMIT_CANON, &errs);
		assert_non_null(c);
		if (contains_nocase(c, key)) {
			fprintf(stderr, "#   key leaked: %s\n", c);
			fail();
		}
		assert_non_null(strstr(c, "<key:sha256:"));
		/* and through the live path */
		const char *sp = strchr(lines[i], ' ');
		char *type = xstrndup(lines[i], (size_t)(sp - lines[i]));
		struct sbuf out = {0};
		struct vmap_emit_ctx lc = ctx_of(VMAP_EMIT_CANON);
		assert_int_equal(read_emit(type, sp + 1, VMAP_FORM_LIVE, &lc, &out, &errs), 0);
		assert_false(contains_nocase(sbuf_str(&out), key));
		/* a digest compares equal whichever case the key was in */
		char *again = norm_mode(lines[i], VMAP_EMIT_CANON, &errs);
		assert_string_equal(again, c);
		free(again);
		sbuf_free(&out);
		free(type);
		free(c);
	}
}

static void canon_text_parses_back_to_itself(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	char *c = norm_mode("crypt aes-xts-plain64 00ff 0 /dev/a 0", VMAP_EMIT_CANON, &errs);
	char *again = norm_mode(c, VMAP_EMIT_CANON, &errs);
	assert_string_equal(again, c);
	/* but a digest cannot be loaded */
	assert_null(norm_mode(c, VMAP_EMIT_KERNEL, &errs));
	assert_true(errs.n > 0);
	vmap_errlist_clear(&errs);
	free(again);
	free(c);
}

static void keyring_key_is_not_secret_and_kept_verbatim(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	char *c = norm_mode("crypt aes-xts-plain64 :64:logon:vmap:disk1 0 /dev/a 0", VMAP_EMIT_CANON, &errs);
	assert_string_equal(c, "crypt aes-xts-plain64 :64:logon:vmap:disk1 0 7:0 0");
	free(c);
}

/* ---- bad text ---- */

static const char *const bad[] = {
	"linear /dev/a",
	"linear nodev 0",
	"striped 2 128 /dev/a 0",
	"zero 1",
	"crypt aes-xts-plain64 00 0 /dev/a",
	"crypt aes-xts-plain64 00 0 /dev/a 0 2 allow_discards",
	"crypt aes-xts-plain64 00 0 /dev/a 0 1 frobnicate",
	"crypt aes-xts-plain64 :logon 0 /dev/a 0",
	"multipath 1 queue_if_no_path",
	"multipath 1 frob 0 0 0",
	"multipath 0 0 1 1 round-robin 0 1 2 /dev/a 1 1",
	"multipath 0 0 2 1 round-robin 0 1 1 /dev/a 1",
	"multipath 0 0 1 1 round-robin 0 1 1 /dev/a 1 trailing",
	"multipath 2 queue_mode xyz 0 0 0",
	"thin-pool /dev/a /dev/b 128",
	"thin-pool /dev/a /dev/b 128 0 1 frob",
	"thin /dev/a",
	"snapshot /dev/a /dev/b X 8",
	"snapshot-origin",
	"delay /dev/a 0 1 /dev/b",
	"flakey /dev/a 0 1",
	"flakey /dev/a 0 1 1 1 corrupt_bio_byte 1 r 1 0",
	"flakey /dev/a 0 1 1 5 corrupt_bio_byte 1 x 1 0",
	"verity 1 /dev/a /dev/b 4096 4096 1 1 sha256 ab",
	"verity 1 /dev/a /dev/b 4096 4096 1 1 sha256 ab cd 1 frob",
	"integrity /dev/a 0 4 X 0",
	"integrity /dev/a 0 4 J 1 frob:1",
	"mirror core 1 1024 2 /dev/a 0",
	"mirror userspace 1 x 1 /dev/a 0",
	"mirror core 2 1024 maybe 1 /dev/a 0",
	"raid raid7 1 64 1 - /dev/a",
	"raid raid1 1 0 2 - /dev/a",
	"raid raid1 3 0 rebuild 5 2 - /dev/a - /dev/b",
	"raid raid1 2 0 frob 2 - /dev/a - /dev/b",
	"cache /dev/a /dev/b /dev/c 512 0 smq 1 x",
	"cache /dev/a /dev/b /dev/c 512 1 turbo smq 0",
};

static void bad_kernel_text_is_a_spec_error_with_a_location(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmap_errlist errs = {0};
		char *s = norm_mode(bad[i], VMAP_EMIT_KERNEL, &errs);
		if (s || !errs.n) {
			fprintf(stderr, "#   accepted: [%s] -> [%s]\n", bad[i], s ? s : "");
			fail();
		}
		assert_int_equal(errs.v[0].kind, VMAP_E_SPEC);
		assert_non_null(errs.v[0].file);
		assert_int_equal(errs.v[0].line, 3);
		vmap_errlist_clear(&errs);
	}
}

/* ---- cross-field checks ---- */

/* Parse `args` as type `type`'s text and run its validate; count errors
 * whose message contains `sub`. */
static size_t validate_errors(const char *type, const char *args, uint64_t size, const char *sub)
{
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	assert_non_null(tt);
	size_t n;
	char **w = split_words(args, &n);
	struct vmap_target t = {.tt = tt, .kernel_name = (char *)type, .size = size};
	struct vmap_errlist errs = {0};
	vmap_obj_init(&t.args, &tt->args);
	assert_int_equal(tt->parse(w, n, &t.args, NULL, &errs), 0);
	size_t hits = 0;
	if (tt->validate)
		tt->validate(&t, "v", &errs);
	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.v[i].msg, sub))
			hits++;
	vmap_errlist_clear(&errs);
	vmap_obj_free(&t.args);
	strv_free(w);
	return hits;
}

static void validate_catches_what_the_kernel_refuses(void **state)
{
	(void)state;
	assert_int_equal(validate_errors("striped", "2 128 7:0 0 7:1 0", 1000, "multiple of 2 stripes"), 1);
	assert_int_equal(validate_errors("striped", "2 128 7:0 0 7:1 0", 1024, "multiple"), 0);
	assert_int_equal(validate_errors("crypt", "aes 00 0 7:0 0 1 sector_size:4096", 12, "multiple of sectorSize"), 1);
	assert_int_equal(validate_errors("crypt", "aes 00 3 7:0 0 1 sector_size:4096", 16, "ivOffset"), 1);
	assert_int_equal(validate_errors("crypt", "aes 00 0 7:0 0 1 sector_size:1000", 16, "power of two"), 1);
	assert_int_equal(validate_errors("crypt", "aes 00 0 7:0 0 1 integrity:x", 16, "integrity"), 1);
	assert_int_equal(validate_errors("multipath", "0 0 1 1 round-robin 0 1 1 7:0 1", 8, "initial"), 0);
	assert_int_equal(validate_errors("multipath", "2 queue_mode bio 1 alua 1 1 round-robin 0 1 1 7:0 1", 8, "hardware handler"), 1);
	assert_int_equal(validate_errors("thin-pool", "7:0 7:1 192 0", 8, "blockSize"), 1);
	assert_int_equal(validate_errors("thin-pool", "7:0 7:1 128 0 4 skip_block_zeroing ignore_discard no_discard_passdown read_only", 8, "features"), 0);
	assert_int_equal(validate_errors("snapshot", "7:0 7:1 P 24", 8, "power of two"), 1);
	assert_int_equal(validate_errors("snapshot", "7:0 7:1 P 8 1 discard_passdown_origin", 8, "discardZeroesCow"), 1);
	assert_int_equal(validate_errors("flakey", "7:0 0 0 0", 8, "both 0"), 1);
	assert_int_equal(validate_errors("flakey", "7:0 0 1 1 6 drop_writes corrupt_bio_byte 1 w 0 0", 8, "corrupted"), 1);
	assert_int_equal(validate_errors("verity", "1 7:0 7:1 4096 4096 10 1 sha256 ab cd 2 panic_on_corruption ignore_corruption", 80, "exclude"), 1);
	assert_int_equal(validate_errors("verity", "1 7:0 7:1 4096 4096 10 1 sha256 ab cd", 88, "numDataBlocks"), 1);
	assert_int_equal(validate_errors("verity", "1 7:0 7:1 4096 4096 10 1 sha256 ab cd 2 use_fec_from_device 7:2", 80, "fecBlocks"), 1);
	assert_int_equal(validate_errors("integrity", "7:0 0 4 B 0", 8, "internalHash"), 1);
	assert_int_equal(validate_errors("integrity", "7:0 0 4 B 2 internal_hash:crc32c bitmap_flush_interval:1001", 8, "multiple of 20"), 1);
	assert_int_equal(validate_errors("integrity", "7:0 0 4 J 1 allow_discards", 8, "internalHash"), 1);
	assert_int_equal(validate_errors("mirror", "core 1 1000 2 7:0 0 7:1 0", 8192, "power of two"), 1);
	assert_int_equal(validate_errors("mirror", "core 1 1024 2 7:0 0 7:1 0 1 keep_log", 8192, "handleErrors"), 1);
	assert_int_equal(validate_errors("raid", "raid5_ls 1 100 3 - 7:0 - 7:1 - 7:2", 8, "chunkSize"), 1);
	assert_int_equal(validate_errors("raid", "raid1 5 0 write_mostly 0 write_mostly 1 2 - 7:0 - 7:1", 8, "writeMostly"), 1);
	assert_int_equal(validate_errors("raid", "raid1 4 0 rebuild 0 sync 2 - 7:0 - 7:1", 8, "rebuild"), 1);
	assert_int_equal(validate_errors("raid", "raid1 3 0 stripe_cache 512 2 - 7:0 - 7:1", 8, "raid4/5/6"), 1);
	assert_int_equal(validate_errors("cache", "7:0 7:1 7:2 100 0 smq 0", 8, "blockSize"), 1);
}

static void crypt_keyring_key_needs_its_size(void **state)
{
	(void)state;
	const struct vmap_target_type *tt = vmap_target_type_find("crypt");
	struct vmap_target t = {.tt = tt, .kernel_name = (char *)"crypt", .size = 8};
	vmap_obj_init(&t.args, &tt->args);
	struct vmap_value *k = vmap_obj_getw(&t.args, "key");
	k->set = true;
	k->secret = xcalloc(1, sizeof(*k->secret));
	k->secret->kind = VMAP_SECRET_KEYRING;
	k->secret->value = xstrdup("logon:vmap:k");
	k->loc.file = "t.yaml";
	k->loc.line = 9;
	k->loc.col = 14;
	struct vmap_errlist errs = {0};
	assert_int_equal(tt->validate(&t, "v", &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 9);
	assert_non_null(strstr(errs.v[0].msg, "keySize"));
	vmap_errlist_clear(&errs);
	vmap_obj_free(&t.args);
}

/* ---- field tables ---- */

static void every_type_is_registered_in_the_contracts_order(void **state)
{
	(void)state;
	static const char *const order[] = {
		"linear", "striped", "zero", "error", "crypt", "multipath", "thin-pool", "thin",
		"snapshot-origin", "snapshot", "delay", "flakey", "verity", "integrity", "mirror",
		"raid", "cache", NULL,
	};
	size_t i = 0;
	for (; order[i]; i++) {
		assert_non_null(vmap_target_types[i]);
		assert_string_equal(vmap_target_types[i]->name, order[i]);
		assert_non_null(vmap_target_types[i]->parse);
		assert_non_null(vmap_target_types[i]->emit);
	}
	assert_null(vmap_target_types[i]);
}

static void check_objtype(const struct vmap_objtype *ot)
{
	assert_non_null(ot->doc);
	for (size_t i = 0; i < ot->n_fields; i++) {
		const struct vmap_field *f = &ot->fields[i];
		if (!f->doc || !*f->doc || !islower((unsigned char)f->key[0]) || strchr(f->key, '_') ||
		    strchr(f->key, '-')) {
			fprintf(stderr, "#   %s.%s: camelCase key with a doc wanted\n", ot->name, f->key);
			fail();
		}
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(ot->fields[k].key, f->key);
		if (f->kind == VMAP_F_ENUM)
			assert_non_null(f->choices);
		if (f->kind == VMAP_F_LIST) {
			assert_non_null(f->item);
			check_objtype(f->item);
		}
	}
}

static void every_field_is_camel_case_and_documented(void **state)
{
	(void)state;
	for (const struct vmap_target_type *const *t = vmap_target_types; *t; t++) {
		check_objtype(&(*t)->args);
		/* an omitted size is the rest of a DEVICE field's device */
		if (!(*t)->size_device_key)
			continue;
		bool found = false;
		for (size_t i = 0; i < (*t)->args.n_fields; i++)
			if (!strcmp((*t)->args.fields[i].key, (*t)->size_device_key))
				found = (*t)->args.fields[i].kind == VMAP_F_DEVICE;
		assert_true(found);
	}
}

static void type_flags_match_the_kernel(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		unsigned flags;
	} want[] = {
		{"multipath", VMAP_TT_IMMUTABLE | VMAP_TT_SINGLETON | VMAP_TT_NOFLUSH},
		{"thin-pool", VMAP_TT_IMMUTABLE | VMAP_TT_SINGLETON | VMAP_TT_NOFLUSH},
		/* verity_ctr: "Device must be readonly" */
		{"verity", VMAP_TT_IMMUTABLE | VMAP_TT_DM_INIT | VMAP_TT_READONLY},
		{"integrity", VMAP_TT_SINGLETON | VMAP_TT_SECRET},
		{"thin", VMAP_TT_NOFLUSH},
		{"mirror", VMAP_TT_NOFLUSH},
		{"crypt", VMAP_TT_SECRET | VMAP_TT_DM_INIT},
		{"linear", VMAP_TT_DM_INIT},
		/* dm_allowed_targets of Linux 6.1's drivers/md/dm-init.c */
		{"striped", VMAP_TT_DM_INIT},
		{"delay", VMAP_TT_DM_INIT},
		{"snapshot-origin", VMAP_TT_DM_INIT},
		{"zero", 0},
		/* DM_TARGET_WILDCARD: taken by a request-based device too */
		{"error", VMAP_TT_ANY_QUEUE},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(vmap_target_type_find(want[i].name)->flags, want[i].flags);
	const struct vmap_target_type *mp = vmap_target_type_find("multipath");
	struct vmap_obj o = {0};
	vmap_obj_init(&o, &mp->args);
	assert_true(mp->request_based(&o));
	struct vmap_value *qm = vmap_obj_getw(&o, "queueMode");
	qm->set = true;
	qm->s = xstrdup("bio");
	assert_false(mp->request_based(&o));
	vmap_obj_free(&o);
}

/* The kind of a device (bio- or request-based) from one live line: told
 * by a line of a known type, not by error (the kernel's wildcard) nor by a
 * type vmapctl does not know (capture then asks sysfs). */
static int live_kind(const char *type, const char *text)
{
	struct vmap_target t = {0};
	struct vmap_errlist e = {0};
	if (vmap_target_read_text(&t, type, text, VMAP_FORM_LIVE, NULL, &e) < 0) {
		vmap_target_free(&t);
		vmap_target_read_opaque(&t, type, text, VMAP_FORM_LIVE, NULL);
	}
	int r = vmap_target_request_based(&t);
	vmap_target_free(&t);
	vmap_errlist_clear(&e);
	return r;
}

static void a_live_line_tells_the_device_kind_unless_error_or_unknown(void **state)
{
	(void)state;
	assert_int_equal(live_kind("linear", "7:0 0"), 0);
	assert_int_equal(live_kind("multipath", "0 0 1 1 round-robin 0 2 1 7:0 1 7:1 1"), 1);
	assert_int_equal(live_kind("multipath", "3 retain_attached_hw_handler queue_mode bio 0 1 1 "
						"round-robin 0 1 1 7:0 1"), 0);
	assert_int_equal(live_kind("error", ""), -1);
	assert_int_equal(live_kind("era", "7:1 7:0 4096"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_text_comes_back_unchanged),
		cmocka_unit_test(live_text_comes_back_unchanged_in_kernel_mode),
		cmocka_unit_test(user_text_becomes_what_the_kernel_reports),
		cmocka_unit_test(integrity_journal_follows_the_device_size),
		cmocka_unit_test(integrity_without_device_size_is_pending),
		cmocka_unit_test(integrity_rounds_like_the_kernel),
		cmocka_unit_test(raid_max_write_behind_is_loaded_whole_and_compared_halved),
		cmocka_unit_test(canon_mode_never_shows_a_key),
		cmocka_unit_test(canon_text_parses_back_to_itself),
		cmocka_unit_test(keyring_key_is_not_secret_and_kept_verbatim),
		cmocka_unit_test(bad_kernel_text_is_a_spec_error_with_a_location),
		cmocka_unit_test(validate_catches_what_the_kernel_refuses),
		cmocka_unit_test(crypt_keyring_key_needs_its_size),
		cmocka_unit_test(every_type_is_registered_in_the_contracts_order),
		cmocka_unit_test(every_field_is_camel_case_and_documented),
		cmocka_unit_test(type_flags_match_the_kernel),
		cmocka_unit_test(a_live_line_tells_the_device_kind_unless_error_or_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
