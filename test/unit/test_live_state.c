/* test_live_state.c: the parts of live-state capture that need no kernel:
 * keys never survive canonicalisation, reference keys, module lookup,
 * sysfs reading (on a fake tree), lookups in struct vmap_live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "model/live.h"
#include "live/canon.h"
#include "live/capture.h"
#include "model/secret.h"
#include "live/sysfs.h"
#include "base/util.h"

#define KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* What capture makes of one line the kernel reported. */
static char *vmap_live_canon_params(const char *type, const char *raw)
{
	struct vmap_table_line l = {.type = xstrdup(type), .params = xstrdup(raw)};
	vmap_live_line_canon(&l);
	char *c = l.params;
	free(l.type);
	vmap_target_free(&l.target);
	return c;
}

static char *digest_of_hex(const char *hex)
{
	struct vmap_secret s = {VMAP_SECRET_HEX, (char *)hex, {0}};
	struct sbuf b = {0};
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_secret_text(&s, VMAP_EMIT_CANON, NULL, &b, &errs), 0);
	return sbuf_take(&b);
}

static void crypt_key_becomes_the_secret_digest(void **state)
{
	(void)state;
	char *c = vmap_live_canon_params("crypt", "aes-xts-plain64  " KEY " 0 7:0 0 1 allow_discards");
	assert_null(strstr(c, KEY));
	assert_null(strstr(c, "00112233"));
	/* the same digest a {hex: KEY} in a spec gives, so they compare equal */
	char *d = digest_of_hex(KEY);
	char *want = xasprintf("aes-xts-plain64 %s 0 7:0 0 1 allow_discards", d);
	assert_string_equal(c, want);
	free(want);
	free(d);
	free(c);
}

static void crypt_keyring_and_empty_keys_are_kept(void **state)
{
	(void)state;
	char *c = vmap_live_canon_params("crypt", "aes-xts-plain64 :64:logon:vmap:web 0 7:0 0");
	assert_string_equal(c, "aes-xts-plain64 :64:logon:vmap:web 0 7:0 0");
	free(c);
	c = vmap_live_canon_params("crypt", "cipher_null-ecb - 0 7:0 0");
	assert_string_equal(c, "cipher_null-ecb - 0 7:0 0");
	free(c);
}

static void integrity_keys_are_hidden(void **state)
{
	(void)state;
	char *c = vmap_live_canon_params(
		"integrity", "7:0 0 32 J 3 internal_hash:hmac(sha256):" KEY
			     " journal_crypt:cbc(aes):" KEY " journal_mac:hmac(sha256)");
	assert_null(strstr(c, KEY));
	assert_non_null(strstr(c, "internal_hash:hmac(sha256):<key:sha256:"));
	assert_non_null(strstr(c, "journal_crypt:cbc(aes):<key:sha256:"));
	assert_non_null(strstr(c, " journal_mac:hmac(sha256)"));
	free(c);
}

static void known_types_are_normalised_unknown_collapsed(void **state)
{
	(void)state;
	char *c = vmap_live_canon_params("linear", "7:0   2048");
	assert_string_equal(c, "7:0 2048");
	free(c);
	/* unstriped: a kernel type vmapctl has no first-class support for */
	c = vmap_live_canon_params("unstriped", "2  256 0  7:0 0 ");
	assert_string_equal(c, "2 256 0 7:0 0");
	free(c);
	/* a linear line the parser refuses is kept, not dropped */
	c = vmap_live_canon_params("linear", "7:0 0 extra");
	assert_string_equal(c, "7:0 0 extra");
	free(c);
	c = vmap_live_canon_params("zero", "");
	assert_string_equal(c, "");
	free(c);
}

static void ref_key_is_sorted_for_udev_and_verbatim_for_others(void **state)
{
	(void)state;
	struct vmap_kv props[] = {{(char *)"ID_FS_UUID", (char *)"u1", {0}},
				  {(char *)"DM_NAME", (char *)"x", {0}}};
	struct vmap_devref r = {.kind = VMAP_DEV_UDEV, .props = props, .n_props = 2};
	char *k = vmap_devref_key(&r);
	assert_string_equal(k, "udev:DM_NAME=x,ID_FS_UUID=u1");
	free(k);
	struct vmap_devref p = {.kind = VMAP_DEV_PATH, .path = (char *)"/dev/sda"};
	k = vmap_devref_key(&p);
	assert_string_equal(k, "/dev/sda");
	free(k);
	struct vmap_devref m = {.kind = VMAP_DEV_MAJMIN, .major = 8, .minor = 16};
	k = vmap_devref_key(&m);
	assert_string_equal(k, "8:16");
	free(k);
	struct vmap_devref v = {.kind = VMAP_DEV_VOLUME, .volume = (char *)"web"};
	k = vmap_devref_key(&v);
	assert_string_equal(k, "volume:web");
	free(k);
}

static char tmpdir[64];

static void put(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", tmpdir, rel);
	/* make the parent directories */
	for (char *s = p + strlen(tmpdir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static int mk_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmap-unit-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_tmp(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int r = system(cmd);
	free(cmd);
	vmap_sysfs_set_root(NULL);
	return r == 0 ? 0 : -1;
}

static void modules_found_by_alias_name_or_type_table(void **state)
{
	(void)state;
	put("modules.alias", "alias dm-raid1 dm_raid\nalias pci:v0000 foo\nalias dm-snapshot-origin dm_snapshot\n");
	put("modules.dep", "kernel/drivers/md/dm-era.ko.xz: kernel/drivers/md/dm-bufio.ko.xz\n"
			   "kernel/drivers/md/dm_log_writes.ko:\n"
			   "kernel/drivers/md/dm-thin-pool.ko.zst: kernel/drivers/md/dm-bufio.ko.zst\n");
	assert_true(vmap_module_provides(tmpdir, "raid1"));             /* alias */
	assert_true(vmap_module_provides(tmpdir, "snapshot-origin"));   /* alias */
	assert_true(vmap_module_provides(tmpdir, "era"));               /* module name */
	assert_true(vmap_module_provides(tmpdir, "log-writes"));        /* - and _ alike */
	assert_true(vmap_module_provides(tmpdir, "thin-pool"));
	assert_false(vmap_module_provides(tmpdir, "bufio-nonsense"));
	assert_false(vmap_module_provides(tmpdir, "nosuch"));
	assert_false(vmap_module_provides("/nonexistent", "era"));
}

/* A fake /sys: loop0 (a disk), sda1 (a partition of sda), dm-0 with mq/. */
static void fake_sys(void)
{
	put("devices/virtual/block/loop0/size", "131072\n");
	put("devices/virtual/block/loop0/ro", "1\n");
	put("devices/virtual/block/loop0/uevent", "MAJOR=7\nMINOR=0\nDEVNAME=loop0\nDEVTYPE=disk\n");
	put("devices/virtual/block/loop0/queue/logical_block_size", "4096\n");
	put("devices/virtual/block/loop0/queue/physical_block_size", "4096\n");
	put("devices/virtual/block/loop0/queue/max_sectors_kb", "1280\n");
	put("devices/virtual/block/loop0/queue/max_hw_sectors_kb", "32767\n");
	put("devices/virtual/block/loop0/queue/max_segments", "128\n");
	put("devices/virtual/block/loop0/queue/max_segment_size", "65536\n");
	put("devices/virtual/block/loop0/queue/discard_max_bytes", "18446744073709551615\n");
	put("devices/pci/sda/queue/logical_block_size", "512\n");
	put("devices/pci/sda/queue/max_segments", "64\n");
	put("devices/pci/sda/sda1/size", "2048\n");
	put("devices/pci/sda/sda1/ro", "0\n");
	put("devices/pci/sda/sda1/partition", "1\n");
	put("devices/virtual/block/dm-0/mq/0/cpu_list", "0\n");
	put("devices/virtual/block/dm-0/size", "8\n");
	put("devices/virtual/block/dm-1/size", "8\n");
	char *d = xasprintf("%s/dev/block", tmpdir);
	char *cmd = xasprintf("mkdir -p %s && ln -s ../../devices/virtual/block/loop0 %s/7:0 && "
			      "ln -s ../../devices/pci/sda/sda1 %s/8:1 && "
			      "ln -s ../../devices/virtual/block/dm-0 %s/254:0 && "
			      "ln -s ../../devices/virtual/block/dm-1 %s/254:1 && "
			      "ln -s ../../devices/virtual/block/loop0/. %s/7:5",
			      d, d, d, d, d, d);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(d);
	vmap_sysfs_set_root(tmpdir);
}

static void sysfs_reads_size_ro_and_limits(void **state)
{
	(void)state;
	fake_sys();
	struct vmap_blockdev b;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_sysfs_blockdev(7, 0, VMAP_SYSFS_LIMITS | VMAP_SYSFS_RECORD, &b, &errs),
			 0);
	assert_string_equal(b.kname, "loop0");
	assert_true(b.sectors == 131072);
	assert_true(b.read_only);
	assert_int_equal(b.limits.logical_block_size, 4096);
	assert_int_equal(b.limits.max_hw_sectors_kb, 32767);
	assert_int_equal(b.limits.max_segment_size, 65536);
	assert_true(b.limits.discard_max_bytes == UINT64_MAX);
	free(b.kname);
	/* a plan's read: the logical block size of the limits, no name */
	assert_int_equal(vmap_sysfs_blockdev(7, 0, 0, &b, &errs), 0);
	assert_null(b.kname);
	assert_true(b.sectors == 131072);
	assert_false(b.read_only);
	assert_int_equal(b.limits.logical_block_size, 4096);
	assert_int_equal(b.limits.physical_block_size, 0);
	assert_int_equal(b.limits.max_hw_sectors_kb, 0);
	assert_true(b.limits.discard_max_bytes == 0);
	/* status's read: the limits it shows and compares, still no name */
	assert_int_equal(vmap_sysfs_blockdev(7, 0, VMAP_SYSFS_LIMITS, &b, &errs), 0);
	assert_null(b.kname);
	assert_false(b.read_only);
	assert_int_equal(b.limits.max_hw_sectors_kb, 32767);
	assert_true(b.limits.discard_max_bytes == UINT64_MAX);
	assert_int_equal(b.limits.max_segment_size, 0);
	/* a dm device's limits, the same way */
	struct vmap_limits lim = {0};
	vmap_sysfs_limits(7, 0, VMAP_SYSFS_LIMITS, &lim);
	assert_int_equal(lim.max_hw_sectors_kb, 32767);
	assert_int_equal(lim.max_segment_size, 0);
	vmap_sysfs_limits(7, 0, VMAP_SYSFS_LIMITS | VMAP_SYSFS_RECORD, &lim);
	assert_int_equal(lim.max_segment_size, 65536);
	/* a link that does not end in a name: the name of what it reaches */
	assert_int_equal(vmap_sysfs_blockdev(7, 5, VMAP_SYSFS_RECORD, &b, &errs), 0);
	assert_string_equal(b.kname, "loop0");
	free(b.kname);
	char *n = vmap_sysfs_devnode(7, 0);
	assert_string_equal(n, "/dev/loop0");
	free(n);
	assert_true(vmap_sysfs_exists(7, 0));
	assert_false(vmap_sysfs_exists(7, 1));
	/* a device that is not there, whatever is asked */
	assert_int_equal(vmap_sysfs_blockdev(7, 1, VMAP_SYSFS_RECORD, &b, &errs), -1);
	assert_int_equal(vmap_sysfs_blockdev(7, 1, 0, &b, &errs), -1);
	assert_int_equal(errs.n, 2);
	vmap_errlist_clear(&errs);
}

static void partition_limits_are_its_disks(void **state)
{
	(void)state;
	fake_sys();
	struct vmap_blockdev b;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_sysfs_blockdev(8, 1, VMAP_SYSFS_LIMITS | VMAP_SYSFS_RECORD, &b, &errs),
			 0);
	assert_string_equal(b.kname, "sda1");
	assert_true(b.sectors == 2048);
	assert_int_equal(b.limits.logical_block_size, 512);
	assert_int_equal(b.limits.max_segments, 64);
	free(b.kname);
	assert_int_equal(vmap_sysfs_blockdev(8, 1, 0, &b, &errs), 0);
	assert_true(b.sectors == 2048);
	assert_int_equal(b.limits.logical_block_size, 512);
	assert_int_equal(b.limits.max_segments, 0);
}

static void request_based_means_an_mq_directory(void **state)
{
	(void)state;
	fake_sys();
	assert_true(vmap_sysfs_request_based(254, 0));
	assert_false(vmap_sysfs_request_based(254, 1));
	assert_false(vmap_sysfs_request_based(254, 9));
}

static void lookups_find_by_name_number_and_ref(void **state)
{
	(void)state;
	struct vmap_live l = {0};
	l.n_devs = 2;
	l.devs = xcalloc(2, sizeof(*l.devs));
	l.devs[0].name = xstrdup("a");
	l.devs[0].uuid = xstrdup("VMAP-a");
	l.devs[0].major = 254;
	l.devs[1].name = xstrdup("b");
	l.devs[1].uuid = xstrdup("LVM-xyz");
	l.devs[1].major = 254;
	l.devs[1].minor = 1;
	l.n_blockdevs = 1;
	l.blockdevs = xcalloc(1, sizeof(*l.blockdevs));
	l.blockdevs[0].major = 7;
	l.n_res = 1;
	l.res = xcalloc(1, sizeof(*l.res));
	l.res[0].ref = xstrdup("/dev/loop0");
	l.n_targets = 1;
	l.targets = xcalloc(1, sizeof(*l.targets));
	l.targets[0].name = xstrdup("linear");
	assert_ptr_equal(vmap_live_find_dev(&l, "b"), &l.devs[1]);
	assert_null(vmap_live_find_dev(&l, "c"));
	assert_ptr_equal(vmap_live_find_devnum(&l, 254, 1), &l.devs[1]);
	assert_null(vmap_live_find_devnum(&l, 254, 2));
	assert_ptr_equal(vmap_live_find_blockdev(&l, 7, 0), &l.blockdevs[0]);
	assert_non_null(vmap_live_find_res(&l, "/dev/loop0"));
	assert_null(vmap_live_find_res(&l, "/dev/loop1"));
	assert_true(vmap_live_has_target(&l, "linear"));
	assert_false(vmap_live_has_target(&l, "crypt"));
	assert_true(vmap_dmdev_managed(&l.devs[0]));
	assert_false(vmap_dmdev_managed(&l.devs[1]));
	/* indexed as a capture does: the same answers, by bisection */
	l.devs[0].minor = 7; /* number order is no longer name order */
	vmap_live_index(&l);
	assert_true(l.devs_by_name);
	assert_int_equal(l.n_by_devnum, 2);
	assert_ptr_equal(vmap_live_find_devnum(&l, 254, 7), &l.devs[0]);
	assert_ptr_equal(vmap_live_find_devnum(&l, 254, 1), &l.devs[1]);
	assert_null(vmap_live_find_devnum(&l, 254, 0));
	assert_null(vmap_live_find_devnum(&l, 253, 7));
	assert_int_equal(vmap_live_dev_index(&l, &l.devs[1]), 1);
	assert_int_equal(vmap_live_dev_index(&l, NULL), SIZE_MAX);
	assert_int_equal(vmap_live_dev_index(&l, l.devs + 2), SIZE_MAX);
	vmap_live_free(&l);
	assert_null(l.devs);
	vmap_live_free(&l); /* twice is harmless */
}

/* What a scan finds: the first equal entry, or NULL. */
static const struct vmap_blockdev *scan_blockdev(const struct vmap_live *l, unsigned ma, unsigned mi)
{
	for (size_t i = 0; i < l->n_blockdevs; i++)
		if (l->blockdevs[i].major == ma && l->blockdevs[i].minor == mi)
			return &l->blockdevs[i];
	return NULL;
}

static const struct vmap_resolution *scan_res(const struct vmap_live *l, const char *ref)
{
	for (size_t i = 0; i < l->n_res; i++)
		if (l->res[i].ref && !strcmp(l->res[i].ref, ref))
			return &l->res[i];
	return NULL;
}

static void block_device_and_reference_lookups_bisect_once_indexed(void **state)
{
	(void)state;
	enum { N = 61 };
	struct vmap_live l = {0};
	l.blockdevs = xcalloc(N + 1, sizeof(*l.blockdevs));
	l.res = xcalloc(N + 1, sizeof(*l.res));
	l.n_blockdevs = l.n_res = N;
	/* out of order (a snapshot written by hand), with repeats: entry i
	 * is number (i % 3 ? 8 : 65):(i*37 % 20) and ref "/dev/r(i*37 % 20)";
	 * entry 5 has no ref */
	for (size_t i = 0; i < N; i++) {
		l.blockdevs[i].major = i % 3 ? 8 : 65;
		l.blockdevs[i].minor = (unsigned)(i * 37 % 20);
		if (i != 5)
			l.res[i].ref = xasprintf("/dev/r%zu", i * 37 % 20);
	}
	for (int indexed = 0; indexed < 2; indexed++) {
		if (indexed) {
			vmap_live_index(&l);
			assert_int_equal(l.n_blockdev_by_devnum, N);
			assert_int_equal(l.n_res_by_ref, N);
		}
		for (unsigned ma = 7; ma <= 66; ma++)
			for (unsigned mi = 0; mi <= 21; mi++)
				assert_ptr_equal(vmap_live_find_blockdev(&l, ma, mi), scan_blockdev(&l, ma, mi));
		for (unsigned k = 0; k <= 21; k++) {
			char *ref = xasprintf("/dev/r%u", k);
			assert_ptr_equal(vmap_live_find_res(&l, ref), scan_res(&l, ref));
			free(ref);
		}
		assert_null(vmap_live_find_res(&l, ""));
		assert_null(vmap_live_find_res(&l, "/dev/r"));
		assert_null(vmap_live_find_res(&l, "/dev/s1"));
	}
	/* one added after the index: not indexed, still found (by a scan) */
	l.blockdevs[N].major = 9;
	l.blockdevs[N].minor = 1;
	l.res[N].ref = xstrdup("/dev/new");
	l.n_blockdevs = l.n_res = N + 1;
	assert_ptr_equal(vmap_live_find_blockdev(&l, 9, 1), &l.blockdevs[N]);
	assert_ptr_equal(vmap_live_find_res(&l, "/dev/new"), &l.res[N]);
	vmap_live_free(&l);
	assert_null(l.blockdev_by_devnum);
	assert_null(l.res_by_ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crypt_key_becomes_the_secret_digest),
		cmocka_unit_test(crypt_keyring_and_empty_keys_are_kept),
		cmocka_unit_test(integrity_keys_are_hidden),
		cmocka_unit_test(known_types_are_normalised_unknown_collapsed),
		cmocka_unit_test(ref_key_is_sorted_for_udev_and_verbatim_for_others),
		cmocka_unit_test_setup_teardown(modules_found_by_alias_name_or_type_table, mk_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(sysfs_reads_size_ro_and_limits, mk_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(partition_limits_are_its_disks, mk_tmp, rm_tmp),
		cmocka_unit_test_setup_teardown(request_based_means_an_mq_directory, mk_tmp, rm_tmp),
		cmocka_unit_test(lookups_find_by_name_number_and_ref),
		cmocka_unit_test(block_device_and_reference_lookups_bisect_once_indexed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
