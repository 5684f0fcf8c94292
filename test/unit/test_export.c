/* test_export.c: `vmapctl export` as a pure function of live state.
 *
 * Live states are built by hand from table text the way the kernel
 * reports it (run through the same canonicaliser capture uses), so every
 * target type can be checked without a kernel: the YAML export must load
 * as a valid spec and plan as "no change" against the very live state it
 * came from; the text formats must escape or refuse what they cannot say;
 * and no key ever comes out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "export/export.h"
#include "model/live.h"
#include "live/canon.h"
#include "plan/plan.h"
#include "model/spec.h"
#include "targets/target.h"
#include "base/util.h"

#define DM_MAJOR 254

static struct vmap_live *live_new(void)
{
	struct vmap_live *l = xcalloc(1, sizeof(*l));
	for (const struct vmap_target_type *const *t = vmap_target_types; *t; t++) {
		l->targets = xrealloc(l->targets, (l->n_targets + 1) * sizeof(*l->targets));
		l->targets[l->n_targets++] = (struct vmap_target_version){xstrdup((*t)->name), {1, 0, 0}};
	}
	l->targets = xrealloc(l->targets, (l->n_targets + 1) * sizeof(*l->targets));
	l->targets[l->n_targets++] = (struct vmap_target_version){xstrdup("unstriped"), {1, 0, 0}};
	/* eight 1 GiB disks, 8:0 .. 8:112 */
	for (unsigned i = 0; i < 8; i++) {
		l->blockdevs = xrealloc(l->blockdevs, (l->n_blockdevs + 1) * sizeof(*l->blockdevs));
		struct vmap_blockdev *b = &l->blockdevs[l->n_blockdevs++];
		memset(b, 0, sizeof(*b));
		b->major = 8;
		b->minor = i * 16;
		b->kname = xasprintf("sd%c", 'a' + i);
		b->sectors = 2097152;
		b->limits.logical_block_size = 512;
		b->limits.physical_block_size = 512;
	}
	return l;
}

/* A dm device; `table` is "start len type params" lines separated by '|'
 * as the kernel prints them (keys in hex): they are canonicalised like
 * capture does.  Its deps are taken from the MAJ:MIN words. */
static struct vmap_dmdev *live_dm(struct vmap_live *l, const char *name, const char *uuid,
				  unsigned minor, const char *table)
{
	l->devs = xrealloc(l->devs, (l->n_devs + 1) * sizeof(*l->devs));
	struct vmap_dmdev *d = &l->devs[l->n_devs++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->uuid = xstrdup(uuid);
	d->major = DM_MAJOR;
	d->minor = minor;
	d->live_table = true;
	d->limits.logical_block_size = 512;
	char *t = xstrdup(table);
	for (char *save = NULL, *line = strtok_r(t, "|", &save); line;
	     line = strtok_r(NULL, "|", &save)) {
		unsigned long long s, n;
		char type[64];
		int off = 0;
		assert_true(sscanf(line, " %llu %llu %63s %n", &s, &n, type, &off) >= 3);
		d->live.lines = xrealloc(d->live.lines, (d->live.n + 1) * sizeof(*d->live.lines));
		struct vmap_table_line *tl = &d->live.lines[d->live.n++];
		*tl = (struct vmap_table_line){.start = s, .len = n, .type = xstrdup(type),
					       .params = xstrdup(line + off)};
		vmap_live_line_canon(tl);
		size_t nw;
		char **w = split_words(line + off, &nw);
		for (size_t i = 0; i < nw; i++) {
			unsigned a, b;
			char tail;
			if (sscanf(w[i], "%u:%u%c", &a, &b, &tail) != 2)
				continue;
			d->dep_major = xrealloc(d->dep_major, (d->n_deps + 1) * sizeof(unsigned));
			d->dep_minor = xrealloc(d->dep_minor, (d->n_deps + 1) * sizeof(unsigned));
			d->dep_major[d->n_deps] = a;
			d->dep_minor[d->n_deps++] = b;
		}
		strv_free(w);
	}
	free(t);
	return d;
}

static void live_free(struct vmap_live *l)
{
	vmap_live_free(l);
	free(l);
}

static void print_errors(const char *what, struct vmap_errlist *errs)
{
	for (size_t i = 0; i < errs->n; i++) {
		char *m = vmap_error_format(&errs->v[i]);
		print_error("%s: %s\n", what, m);
		free(m);
	}
}

static char *export_ok(const struct vmap_live *l, enum vmap_export_format f,
		       const char *const *names, size_t n_names, struct vmap_export *ex)
{
	struct vmap_errlist errs = {0};
	struct vmap_export_opts o = {.format = f, .names = names, .n_names = n_names};
	int r = vmap_export(l, &o, ex, &errs);
	print_errors("export", &errs);
	assert_int_equal(r, 0);
	assert_int_equal(errs.n, 0);
	return ex->text;
}

/* The export loads as a spec and plans as no change against `l`. */
static void assert_round_trip(const struct vmap_live *l, const char *yaml)
{
	struct vmap_specset set = {0};
	struct vmap_errlist errs = {0};
	int r = vmap_specset_load_buffer(&set, "export.yaml", yaml, strlen(yaml), &errs);
	print_errors("load", &errs);
	if (r)
		print_error("%s", yaml);
	assert_int_equal(r, 0);
	struct vmap_plan plan = {0};
	struct vmap_plan_opts po = {0};
	r = vmap_plan_make(&set, l, &po, &plan, &errs);
	print_errors("plan", &errs);
	for (size_t i = 0; i < plan.n_vols; i++)
		if (plan.vols[i].action != VMAP_ACT_NONE) {
			print_error("'%s' would %s\n", plan.vols[i].name,
				    vmap_action_name(plan.vols[i].action));
			for (size_t k = 0; k < plan.vols[i].n_why; k++)
				print_error("  because %s\n", plan.vols[i].why[k]);
		}
	if (plan.n_changes)
		print_error("%s", yaml);
	assert_int_equal(r, 0);
	assert_int_equal(plan.n_changes, 0);
	vmap_plan_free(&plan);
	vmap_specset_free(&set);
	vmap_errlist_clear(&errs);
}

static void yaml_of_linear_striped_zero_error_validates_and_plans_no_change(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "lin", "VMAP-lin", 0, "0 8192 linear 8:0 2048");
	live_dm(l, "str", "VMAP-str", 1, "0 16384 striped 2 128 8:16 0 8:32 2048");
	live_dm(l, "ze", "VMAP-ze", 2, "0 2048 zero|2048 2048 error|4096 4096 linear 8:48 8");
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, NULL, 0, &ex);
	assert_non_null(strstr(y, "apiVersion: vmapctl/v1\n"));
	/* devices are quoted: a plain 8:0 is a number to YAML 1.1 */
	assert_non_null(strstr(y, "device: \"8:0\""));
	assert_non_null(strstr(y, "size: 4MiB"));
	assert_non_null(strstr(y, "chunkSize: 64KiB"));
	assert_non_null(strstr(y, "type: zero"));
	assert_non_null(strstr(y, "type: error"));
	assert_round_trip(l, y);
	vmap_export_free(&ex);
	live_free(l);
}

static void a_stack_keeps_its_references_and_comes_out_lowest_first(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	/* added top first: the export must still put low first */
	live_dm(l, "a-top", "VMAP-a-top", 7, "0 1024 linear 254:5 8");
	live_dm(l, "z-low", "VMAP-z-low", 3, "0 4096 linear 8:0 2048");
	live_dm(l, "m-mid", "VMAP-m-mid", 5, "0 2048 linear 254:3 0");
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, NULL, 0, &ex);
	assert_non_null(strstr(y, "device: {volume: z-low}"));
	assert_non_null(strstr(y, "device: {volume: m-mid}"));
	assert_int_equal(ex.n_volumes, 3);
	assert_string_equal(ex.volumes[0], "z-low");
	assert_string_equal(ex.volumes[1], "m-mid");
	assert_string_equal(ex.volumes[2], "a-top");
	assert_round_trip(l, y);
	vmap_export_free(&ex);
	live_free(l);
}

static void a_volume_not_exported_stays_a_device_number(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "low", "VMAP-low", 3, "0 4096 linear 8:0 2048");
	live_dm(l, "up", "VMAP-up", 5, "0 2048 linear 254:3 0");
	const char *names[] = {"up"};
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, names, 1, &ex);
	assert_non_null(strstr(y, "device: \"254:3\""));
	assert_null(strstr(y, "name: low"));
	vmap_export_free(&ex);
	live_free(l);
}

static void every_first_class_type_round_trips(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	struct vmap_dmdev *mp = live_dm(l, "mp", "VMAP-mp", 10,
		"0 8192 multipath 1 queue_if_no_path 0 2 1 queue-length 0 1 1 8:0 0 service-time 0 2 2 8:16 7 50 8:32 0 0 ");
	mp->request_based = true; /* /sys/block/dm-N/mq is there */
	live_dm(l, "pool", "VMAP-pool", 11,
		"0 524288 thin-pool 8:48 8:64 128 10 2 skip_block_zeroing no_discard_passdown ");
	live_dm(l, "thin1", "VMAP-thin1", 12, "0 20000 thin 254:11 1 8:80");
	live_dm(l, "orig", "VMAP-orig", 13, "0 131072 snapshot-origin 8:96");
	live_dm(l, "snap", "VMAP-snap", 14, "0 131072 snapshot 8:96 8:112 P 16");
	live_dm(l, "dly", "VMAP-dly", 15, "0 8192 delay 8:0 16 10 8:16 32 20");
	live_dm(l, "flk", "VMAP-flk", 16, "0 8192 flakey 8:0 0 5 5 1 drop_writes ");
	live_dm(l, "mir", "VMAP-mir", 17, "0 8192 mirror core 2 1024 nosync 2 8:0 0 8:16 0 1 handle_errors");
	live_dm(l, "rd", "VMAP-rd", 18, "0 65536 raid raid1 5 0 max_write_behind 256 write_mostly 1 2 8:0 8:16 8:32 8:48");
	live_dm(l, "cch", "VMAP-cch", 19, "0 65536 cache 8:0 8:16 8:32 512 1 writeback smq 0");
	/* read-only, as the kernel makes every verity device */
	live_dm(l, "ver", "VMAP-ver", 20,
		"0 8192 verity 1 8:0 8:16 4096 4096 1024 1 sha256 "
		"4392e3d0e2c33b3f1d4b8a8e2c4a6bd1a6a7c2e0b1d6f6a3c1e9d3a4b5c6d7e8 "
		"0011223344556677 1 ignore_zero_blocks")->read_only = true;
	live_dm(l, "unk", "VMAP-unk", 21, "0 65536 unstriped 2 128 1 8:0 0");
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, NULL, 0, &ex);
	assert_non_null(strstr(y, "type: multipath"));
	assert_non_null(strstr(y, "pool: {volume: pool}"));
	/* a type vmapctl does not know is raw, its words verbatim */
	assert_non_null(strstr(y, "type: raw\n"));
	assert_non_null(strstr(y, "target: unstriped"));
	/* the salt is all digits: quoted, or YAML would read a number */
	assert_non_null(strstr(y, "salt: \"0011223344556677\""));
	assert_round_trip(l, y);
	vmap_export_free(&ex);
	live_free(l);
}

static void a_crypt_key_becomes_a_key_file_and_a_warning_never_the_key(void **state)
{
	(void)state;
	const char *key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	struct vmap_live *l = live_new();
	char *t = xasprintf("0 8192 crypt aes-xts-plain64 %s 0 8:0 0 1 allow_discards", key);
	live_dm(l, "vault", "VMAP-vault", 2, t);
	free(t);
	live_dm(l, "kr", "VMAP-kr", 3, "0 8192 crypt aes-xts-plain64 :64:logon:vmap:kr 0 8:16 0");
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, NULL, 0, &ex);
	assert_null(strstr(y, key));
	assert_null(strstr(y, "<key:"));
	assert_non_null(strstr(y, "key: {file: /etc/vmapctl/keys/vault.key}"));
	/* libyaml quotes it: a ':' cannot be plain inside {} */
	assert_non_null(strstr(y, "key: {keyring: 'logon:vmap:kr'}"));
	assert_non_null(strstr(y, "keySize: 64"));
	assert_int_equal(ex.n_warnings, 1);
	assert_non_null(strstr(ex.warnings[0], "/etc/vmapctl/keys/vault.key"));
	assert_null(strstr(ex.warnings[0], key));
	/* it is a valid spec (the key file is only read by plan and apply) */
	struct vmap_specset set = {0};
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load_buffer(&set, "e.yaml", y, strlen(y), &errs), 0);
	vmap_specset_free(&set);
	vmap_export_free(&ex);
	/* the text formats cannot point at a file: refused, naming why */
	struct vmap_export_opts o = {.format = VMAP_EXPORT_CONCISE};
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	assert_null(ex.text);
	assert_true(errs.n >= 1);
	assert_non_null(strstr(errs.v[0].msg, "holds a key"));
	for (size_t i = 0; i < errs.n; i++)
		assert_null(strstr(errs.v[i].msg, key));
	vmap_errlist_clear(&errs);
	live_free(l);
}

static void uuid_and_read_only_are_written_only_when_not_the_default(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "a", "VMAP-a", 0, "0 8 zero");
	struct vmap_dmdev *b = live_dm(l, "b", "VMAP-data-1", 1, "0 8 zero");
	b->read_only = true;
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, NULL, 0, &ex);
	assert_non_null(strstr(y, "- name: a\n  targets:"));
	assert_non_null(strstr(y, "- name: b\n  uuid: data-1\n  readOnly: true\n"));
	assert_round_trip(l, y);
	vmap_export_free(&ex);
	live_free(l);
}

static void a_name_a_spec_cannot_hold_is_refused_in_yaml_but_not_in_concise(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "has space", "VMAP-has space", 0, "0 8 zero");
	live_dm(l, "odd-uuid", "VMAP-a,b", 1, "0 8 zero");
	struct vmap_export_opts o = {.format = VMAP_EXPORT_YAML};
	struct vmap_export ex;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	assert_int_equal(errs.n, 2);
	assert_non_null(strstr(errs.v[0].msg, "its name 'has space' has characters a spec does not allow"));
	assert_non_null(strstr(errs.v[1].msg, "its uuid 'VMAP-a,b'"));
	vmap_errlist_clear(&errs);
	char *c = export_ok(l, VMAP_EXPORT_CONCISE, NULL, 0, &ex);
	assert_string_equal(c, "has space,VMAP-has space,0,rw,0 8 zero ;odd-uuid,VMAP-a\\,b,1,rw,0 8 zero \n");
	vmap_export_free(&ex);
	live_free(l);
}

static void unmanaged_and_missing_names_are_refused_and_nothing_is_written(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "mine", "VMAP-mine", 0, "0 8 zero");
	live_dm(l, "lv", "LVM-abcdef", 1, "0 8 zero");
	live_dm(l, "bare", "", 2, "0 8 zero");
	const char *names[] = {"mine", "lv", "bare", "gone"};
	struct vmap_export_opts o = {.format = VMAP_EXPORT_YAML, .names = names, .n_names = 4};
	struct vmap_export ex;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	assert_null(ex.text);
	assert_int_equal(errs.n, 3);
	assert_int_equal(errs.v[0].kind, VMAP_E_POLICY);
	assert_non_null(strstr(errs.v[0].msg, "belongs to another tool"));
	assert_int_equal(errs.v[1].kind, VMAP_E_POLICY);
	assert_non_null(strstr(errs.v[1].msg, "vmapctl adopt bare"));
	assert_int_equal(errs.v[2].kind, VMAP_E_FAILED);
	assert_string_equal(errs.v[2].volume, "gone");
	vmap_errlist_clear(&errs);
	/* without names: only the managed one */
	o.n_names = 0;
	assert_int_equal(vmap_export(l, &o, &ex, &errs), 0);
	assert_int_equal(ex.n_volumes, 1);
	assert_string_equal(ex.volumes[0], "mine");
	vmap_export_free(&ex);
	live_free(l);
}

static void concise_is_what_dmsetup_prints_with_separators_escaped(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "low", "VMAP-low", 3, "0 4096 linear 8:0 2048|4096 100 zero");
	struct vmap_dmdev *up = live_dm(l, "up", "VMAP-up", 5, "0 2048 linear 254:3 0");
	up->read_only = true;
	/* a raw table with every separator in it */
	live_dm(l, "odd", "VMAP-odd", 6, "0 8 weird a,b;c\\d");
	struct vmap_export ex;
	char *c = export_ok(l, VMAP_EXPORT_CONCISE, NULL, 0, &ex);
	assert_string_equal(c, "low,VMAP-low,3,rw,0 4096 linear 8:0 2048,4096 100 zero ;"
			       "odd,VMAP-odd,6,rw,0 8 weird a\\,b\\;c\\\\d;"
			       "up,VMAP-up,5,ro,0 2048 linear 254:3 0\n");
	vmap_export_free(&ex);
	live_free(l);
}

static void dm_init_is_the_kernel_parameter_value(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "root", "VMAP-root", 0, "0 4096 linear 8:0 2048|4096 4096 striped 2 8 8:16 0 8:32 0");
	struct vmap_export ex;
	char *c = export_ok(l, VMAP_EXPORT_DM_INIT, NULL, 0, &ex);
	assert_string_equal(c, "root,VMAP-root,0,rw,0 4096 linear 8:0 2048,4096 4096 striped 2 8 8:16 0 8:32 0\n");
	vmap_export_free(&ex);
	live_free(l);
}

static void dm_init_refuses_what_early_boot_cannot_create(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "z", "VMAP-z", 0, "0 8 zero");
	live_dm(l, "mp", "VMAP-mp", 1, "0 8192 multipath 0 0 1 1 round-robin 0 1 1 8:0 1");
	live_dm(l, "kr", "VMAP-kr", 2, "0 8192 crypt aes-xts-plain64 :64:logon:vmap:kr 0 8:16 0");
	live_dm(l, "odd", "VMAP-odd", 3, "0 8 linear 8:0 0,1");
	struct vmap_export_opts o = {.format = VMAP_EXPORT_DM_INIT};
	struct vmap_export ex;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	struct sbuf all = {0};
	for (size_t i = 0; i < errs.n; i++)
		sbuf_printf(&all, "%s: %s\n", errs.v[i].volume, errs.v[i].msg);
	const char *m = sbuf_str(&all);
	assert_non_null(strstr(m, "z: cannot write target 0 (zero) for dm-mod.create=: the kernel creates only"));
	assert_non_null(strstr(m, "mp: cannot write target 0 (multipath)"));
	assert_non_null(strstr(m, "kr: cannot write target 0 (crypt) for dm-mod.create=: its key is in the kernel keyring"));
	assert_non_null(strstr(m, "odd: cannot write target 0 (linear) for dm-mod.create=: its table has a ','"));
	sbuf_free(&all);
	vmap_errlist_clear(&errs);
	live_free(l);
}

static void dm_init_refuses_more_than_the_kernel_takes(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	/* 257 devices */
	for (unsigned i = 0; i < 257; i++) {
		char *n = xasprintf("v%u", i), *u = xasprintf("VMAP-v%u", i);
		live_dm(l, n, u, i, "0 8 linear 8:0 0");
		free(n);
		free(u);
	}
	struct vmap_export_opts o = {.format = VMAP_EXPORT_DM_INIT};
	struct vmap_export ex;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	assert_non_null(strstr(errs.v[0].msg, "at most 256 devices, not 257"));
	vmap_errlist_clear(&errs);
	live_free(l);

	/* 257 targets in one device */
	l = live_new();
	struct sbuf t = {0};
	for (unsigned i = 0; i < 257; i++)
		sbuf_printf(&t, "%s%u 8 linear 8:0 %u", i ? "|" : "", i * 8, i * 8);
	live_dm(l, "many", "VMAP-many", 0, sbuf_str(&t));
	sbuf_free(&t);
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	assert_non_null(strstr(errs.v[0].msg, "at most 256 targets per device, not 257"));
	vmap_errlist_clear(&errs);
	live_free(l);

	/* 4096 characters or more */
	l = live_new();
	for (unsigned i = 0; i < 120; i++) {
		char *n = xasprintf("a-rather-long-volume-name-%03u", i), *u = xasprintf("VMAP-%s", n);
		live_dm(l, n, u, i, "0 8 linear 8:0 0");
		free(n);
		free(u);
	}
	assert_int_equal(vmap_export(l, &o, &ex, &errs), -1);
	assert_non_null(strstr(errs.v[0].msg, "the kernel takes at most 4095"));
	vmap_errlist_clear(&errs);
	live_free(l);
}

static void dm_init_warns_past_the_x86_command_line_size(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	for (unsigned i = 0; i < 40; i++) {
		char *n = xasprintf("a-rather-long-volume-name-%03u", i), *u = xasprintf("VMAP-%s", n);
		live_dm(l, n, u, i, "0 8 linear 8:0 0");
		free(n);
		free(u);
	}
	struct vmap_export ex;
	export_ok(l, VMAP_EXPORT_DM_INIT, NULL, 0, &ex);
	assert_true(strlen(ex.text) > 2048 && strlen(ex.text) < 4096);
	assert_int_equal(ex.n_warnings, 1);
	assert_non_null(strstr(ex.warnings[0], "command line"));
	vmap_export_free(&ex);
	live_free(l);
}

static void no_managed_volumes_is_an_empty_valid_spec(void **state)
{
	(void)state;
	struct vmap_live *l = live_new();
	live_dm(l, "lv", "LVM-abc", 0, "0 8 zero");
	struct vmap_export ex;
	char *y = export_ok(l, VMAP_EXPORT_YAML, NULL, 0, &ex);
	assert_string_equal(y, "apiVersion: vmapctl/v1\nvolumes: []\n");
	assert_round_trip(l, y);
	vmap_export_free(&ex);
	live_free(l);
}

static void format_names_parse_and_anything_else_is_refused(void **state)
{
	(void)state;
	enum vmap_export_format f;
	assert_int_equal(vmap_export_format_parse("yaml", &f), 0);
	assert_int_equal(f, VMAP_EXPORT_YAML);
	assert_int_equal(vmap_export_format_parse("concise", &f), 0);
	assert_int_equal(f, VMAP_EXPORT_CONCISE);
	assert_int_equal(vmap_export_format_parse("dm-init", &f), 0);
	assert_int_equal(f, VMAP_EXPORT_DM_INIT);
	assert_int_equal(vmap_export_format_parse("json", &f), -1);
	assert_int_equal(vmap_export_format_parse(NULL, &f), -1);
	assert_string_equal(vmap_export_format_name(VMAP_EXPORT_DM_INIT), "dm-init");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yaml_of_linear_striped_zero_error_validates_and_plans_no_change),
		cmocka_unit_test(a_stack_keeps_its_references_and_comes_out_lowest_first),
		cmocka_unit_test(a_volume_not_exported_stays_a_device_number),
		cmocka_unit_test(every_first_class_type_round_trips),
		cmocka_unit_test(a_crypt_key_becomes_a_key_file_and_a_warning_never_the_key),
		cmocka_unit_test(uuid_and_read_only_are_written_only_when_not_the_default),
		cmocka_unit_test(unmanaged_and_missing_names_are_refused_and_nothing_is_written),
		cmocka_unit_test(a_name_a_spec_cannot_hold_is_refused_in_yaml_but_not_in_concise),
		cmocka_unit_test(concise_is_what_dmsetup_prints_with_separators_escaped),
		cmocka_unit_test(dm_init_is_the_kernel_parameter_value),
		cmocka_unit_test(dm_init_refuses_what_early_boot_cannot_create),
		cmocka_unit_test(dm_init_refuses_more_than_the_kernel_takes),
		cmocka_unit_test(dm_init_warns_past_the_x86_command_line_size),
		cmocka_unit_test(no_managed_volumes_is_an_empty_valid_spec),
		cmocka_unit_test(format_names_parse_and_anything_else_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
