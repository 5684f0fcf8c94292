/* test_plan.c: the planner as a pure function of (spec set, live state).
 * Live states are built by hand here, the way the kernel would report
 * them, so every rule of contract section 5 is checked without a kernel. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "live/canon.h"
#include "model/live.h"
#include "plan/plan.h"
#include "model/spec.h"
#include "base/util.h"

/* ---- building live states ---- */

static struct vmap_live *live_new(void)
{
	struct vmap_live *l = xcalloc(1, sizeof(*l));
	const char *types[] = {"linear", "striped", "zero", "error", "multipath", "thin-pool",
			       "thin", "crypt", "snapshot", "snapshot-origin"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		l->targets = xrealloc(l->targets, (l->n_targets + 1) * sizeof(*l->targets));
		l->targets[l->n_targets++] = (struct vmap_target_version){xstrdup(types[i]), {1, 0, 0}};
	}
	return l;
}

/* A disk at `path` = MAJ:MIN with `sectors` and logical block size `lbs`. */
static void live_disk(struct vmap_live *l, const char *path, unsigned maj, unsigned min,
		      uint64_t sectors, unsigned lbs)
{
	l->blockdevs = xrealloc(l->blockdevs, (l->n_blockdevs + 1) * sizeof(*l->blockdevs));
	struct vmap_blockdev *b = &l->blockdevs[l->n_blockdevs++];
	memset(b, 0, sizeof(*b));
	b->major = maj;
	b->minor = min;
	b->kname = xasprintf("disk%u", min);
	b->sectors = sectors;
	b->limits.logical_block_size = lbs;
	b->limits.physical_block_size = lbs;
	l->res = xrealloc(l->res, (l->n_res + 1) * sizeof(*l->res));
	struct vmap_resolution *r = &l->res[l->n_res++];
	memset(r, 0, sizeof(*r));
	r->ref = xstrdup(path);
	r->found = true;
	r->major = maj;
	r->minor = min;
	r->devnode = xstrdup(path);
}

/* A dm device with a live table given as "start len type params" lines
 * separated by ';', and its dependencies as "M:m" words in `deps`. */
static struct vmap_dmdev *live_dm(struct vmap_live *l, const char *name, const char *uuid,
				  unsigned min, const char *table, const char *deps)
{
	l->devs = xrealloc(l->devs, (l->n_devs + 1) * sizeof(*l->devs));
	struct vmap_dmdev *d = &l->devs[l->n_devs++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->uuid = xstrdup(uuid);
	d->major = 254;
	d->minor = min;
	d->live_table = true;
	d->limits.logical_block_size = 512;
	char *t = xstrdup(table);
	for (char *save = NULL, *line = strtok_r(t, ";", &save); line; line = strtok_r(NULL, ";", &save)) {
		unsigned long long s, n;
		char type[64];
		int off = 0;
		assert_true(sscanf(line, " %llu %llu %63s %n", &s, &n, type, &off) >= 3);
		d->live.lines = xrealloc(d->live.lines, (d->live.n + 1) * sizeof(*d->live.lines));
		struct vmap_table_line *tl = &d->live.lines[d->live.n++];
		*tl = (struct vmap_table_line){.start = s, .len = n, .type = xstrdup(type),
					       .params = xstrdup(line + off)};
		vmap_live_line_read(tl);
	}
	free(t);
	size_t nw;
	char **w = split_words(deps, &nw);
	for (size_t i = 0; i < nw; i++) {
		unsigned a, b;
		assert_int_equal(sscanf(w[i], "%u:%u", &a, &b), 2);
		d->dep_major = xrealloc(d->dep_major, (d->n_deps + 1) * sizeof(unsigned));
		d->dep_minor = xrealloc(d->dep_minor, (d->n_deps + 1) * sizeof(unsigned));
		d->dep_major[d->n_deps] = a;
		d->dep_minor[d->n_deps++] = b;
	}
	strv_free(w);
	/* what holds it open: count of dm devices on it, as the kernel does */
	for (size_t i = 0; i + 1 < l->n_devs; i++)
		for (size_t k = 0; k < l->devs[i].n_deps; k++)
			if (l->devs[i].dep_minor[k] == min && l->devs[i].dep_major[k] == 254)
				d->open_count++;
	for (size_t k = 0; k < d->n_deps; k++)
		for (size_t i = 0; i + 1 < l->n_devs; i++)
			if (d->dep_major[k] == 254 && l->devs[i].minor == d->dep_minor[k])
				l->devs[i].open_count++;
	return d;
}

/* ---- planning ---- */

struct fixture {
	struct vmap_specset set;
	struct vmap_live *live;
	struct vmap_plan plan;
	struct vmap_errlist errs;
	int r;
};

static struct fixture *fx;

static int fx_setup(void **state)
{
	fx = xcalloc(1, sizeof(*fx));
	fx->live = live_new();
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	(void)state;
	vmap_plan_free(&fx->plan);
	vmap_specset_free(&fx->set);
	vmap_live_free(fx->live);
	free(fx->live);
	vmap_errlist_clear(&fx->errs);
	free(fx);
	return 0;
}

static void spec(const char *yaml)
{
	struct vmap_errlist errs = {0};
	/* a test may plan a second spec against the same live state: the
	 * plan points into the set, so it goes first */
	vmap_plan_free(&fx->plan);
	vmap_specset_free(&fx->set);
	char *doc = xasprintf("apiVersion: vmapctl/v1\nvolumes:\n%s", yaml);
	int r = vmap_specset_load_buffer(&fx->set, "test.yaml", doc, strlen(doc), &errs);
	for (size_t i = 0; i < errs.n; i++) {
		char *m = vmap_error_format(&errs.v[i]);
		print_error("spec: %s\n", m);
		free(m);
	}
	assert_int_equal(r, 0);
	free(doc);
	vmap_errlist_clear(&errs);
}

static int plan_with(struct vmap_plan_opts o)
{
	vmap_plan_free(&fx->plan);
	vmap_errlist_clear(&fx->errs);
	vmap_live_index(fx->live); /* as a capture leaves it */
	fx->r = vmap_plan_make(&fx->set, fx->live, &o, &fx->plan, &fx->errs);
	return fx->r;
}

static const struct vmap_volplan *vp(const char *name)
{
	for (size_t i = 0; i < fx->plan.n_vols; i++)
		if (!strcmp(fx->plan.vols[i].name, name))
			return &fx->plan.vols[i];
	fail_msg("no volume '%s' in the plan", name);
	return NULL;
}

/* The steps as "kind:volume kind:volume ...". */
static char *steps(void)
{
	struct sbuf b = {0};
	for (size_t i = 0; i < fx->plan.n_steps; i++)
		sbuf_printf(&b, "%s%s:%s", i ? " " : "", vmap_step_name(fx->plan.steps[i].kind),
			    fx->plan.vols[fx->plan.steps[i].vp].name);
	return sbuf_take(&b);
}

static void assert_steps(const char *want)
{
	char *got = steps();
	if (strcmp(got, want))
		fail_msg("steps\n  got:  %s\n  want: %s", got, want);
	free(got);
}

static bool has_error(enum vmap_errkind kind, const char *needle)
{
	for (size_t i = 0; i < fx->errs.n; i++)
		if (fx->errs.v[i].kind == kind && strstr(fx->errs.v[i].msg, needle))
			return true;
	return false;
}

#define NO_OPTS ((struct vmap_plan_opts){0})

/* A three-level stack on one disk: low on /dev/sda, mid on low, top on mid. */
static const char *stack_yaml =
	"  - name: low\n"
	"    targets:\n"
	"      - {type: linear, size: 4096, device: /dev/sda, offset: 2048}\n"
	"  - name: mid\n"
	"    targets:\n"
	"      - {type: linear, size: 2048, device: {volume: low}}\n"
	"  - name: top\n"
	"    targets:\n"
	"      - {type: linear, size: 1024, device: {volume: mid}, offset: 8}\n";

static void live_stack(uint64_t low, uint64_t mid, uint64_t top)
{
	char *t;
	t = xasprintf("0 %llu linear 8:0 2048", (unsigned long long)low);
	live_dm(fx->live, "low", "VMAP-low", 0, t, "8:0");
	free(t);
	t = xasprintf("0 %llu linear 254:0 0", (unsigned long long)mid);
	live_dm(fx->live, "mid", "VMAP-mid", 1, t, "254:0");
	free(t);
	t = xasprintf("0 %llu linear 254:1 8", (unsigned long long)top);
	live_dm(fx->live, "top", "VMAP-top", 2, t, "254:1");
	free(t);
}

/* ---- the tests ---- */

static void stack_from_nothing_is_created_lowest_first(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	spec(stack_yaml);
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_int_equal(vp("top")->action, VMAP_ACT_CREATE);
	assert_int_equal(fx->plan.n_changes, 3);
	assert_steps("create:low create:mid create:top");
	/* the upper table names the lower volume until it has a number */
	assert_string_equal(vp("mid")->desired.lines[0].params, "<volume:low> 0");
}

static void converged_stack_plans_none_and_no_steps(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(4096, 2048, 1024);
	spec(stack_yaml);
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_int_equal(fx->plan.n_changes, 0);
	assert_int_equal(fx->plan.n_steps, 0);
	assert_int_equal(vp("mid")->action, VMAP_ACT_NONE);
}

static void growing_a_stack_loads_first_suspends_top_down_resumes_bottom_up(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(2048, 1024, 512);
	spec(stack_yaml);
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_true(vp("low")->grow);
	assert_steps("load:low load:mid load:top suspend:top suspend:mid suspend:low "
		     "resume:low resume:mid resume:top");
}

static void shrinking_is_refused_without_allow_shrink(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(8192, 4096, 2048);
	spec(stack_yaml);
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(vp("low")->refused);
	assert_true(has_error(VMAP_E_POLICY, "--allow-shrink"));
	assert_int_equal(fx->plan.n_steps, 0);
	assert_int_equal(vmap_errlist_worst(&fx->errs), VMAP_E_POLICY);
}

static void shrinking_a_stack_resumes_the_upper_volume_before_the_lower(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(8192, 4096, 2048);
	spec(stack_yaml);
	assert_int_equal(plan_with((struct vmap_plan_opts){.allow_shrink = true}), 0);
	assert_steps("load:low load:mid load:top suspend:top suspend:mid suspend:low "
		     "resume:top resume:mid resume:low");
}

static void shrinking_below_what_an_upper_volume_maps_is_always_refused(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(4096, 2048, 1024);
	/* mid shrinks to 512 sectors but top still maps 8 + 1024 of it */
	spec("  - name: low\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sda, offset: 2048}\n"
	     "  - name: mid\n"
	     "    targets:\n"
	     "      - {type: linear, size: 512, device: {volume: low}}\n"
	     "  - name: top\n"
	     "    targets:\n"
	     "      - {type: linear, size: 1024, device: {volume: mid}, offset: 8}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.allow_shrink = true}), -1);
	assert_true(vp("mid")->refused);
	assert_true(has_error(VMAP_E_POLICY, "maps up to sector 1032"));
}

static void a_name_taken_by_an_unmanaged_device_is_refused(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "low", "LVM-abc", 0, "0 4096 linear 8:0 0", "8:0");
	spec("  - name: low\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sda, offset: 2048}\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(vp("low")->refused);
	assert_true(has_error(VMAP_E_POLICY, "does not manage"));
	assert_int_equal(fx->plan.n_steps, 0);
}

static void prune_removes_only_managed_volumes_and_only_when_asked(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "old", "VMAP-old", 5, "0 100 zero ", "");
	live_dm(fx->live, "theirs", "CRYPT-x", 6, "0 100 zero ", "");
	spec("  - name: new\n"
	     "    targets:\n"
	     "      - {type: zero, size: 100}\n");
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_steps("create:new");
	assert_int_equal(fx->plan.n_notes, 1);
	assert_int_equal(plan_with((struct vmap_plan_opts){.prune = true}), 0);
	assert_steps("create:new remove:old");
}

static void a_suspended_managed_volume_is_resumed(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "z", "VMAP-z", 0, "0 100 zero ", "")->suspended = true;
	spec("  - name: z\n"
	     "    targets:\n"
	     "      - {type: zero, size: 100}\n");
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_int_equal(vp("z")->action, VMAP_ACT_RESUME);
	assert_steps("resume:z");
}

/* The hang: mid found suspended (by hand), top grows.  A flush
 * suspend of top would wait for I/O that mid holds: mid is resumed first,
 * before anything is loaded or suspended. */
static void a_volume_found_suspended_in_a_stack_is_resumed_before_anything_above_it_is_suspended(
	void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(4096, 2048, 512);
	fx->live->devs[1].suspended = true;
	spec(stack_yaml);
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_int_equal(vp("mid")->action, VMAP_ACT_RESUME);
	assert_int_equal(vp("top")->action, VMAP_ACT_RELOAD);
	assert_steps("resume:mid load:top suspend:top resume:top");
}

/* Suspended volumes that change too: resumed first, lowest first, each on
 * the table it has (an inactive table someone else loaded is cleared, or
 * the resume would swap it in), then switched like any other. */
static void suspended_volumes_that_change_are_resumed_lowest_first_then_switched(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(2048, 1024, 512);
	fx->live->devs[1].suspended = true;
	fx->live->devs[1].inactive_table = true;
	fx->live->devs[2].suspended = true;
	spec(stack_yaml);
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_steps("clear:mid resume:mid resume:top load:low load:mid load:top "
		     "suspend:top suspend:mid suspend:low resume:low resume:mid resume:top");
}

/* integritysetup formats with fix_padding (and fix_hmac with a keyed
 * hash); the kernel reports the superblock's flags and sizes whatever a
 * later table says.  A spec that leaves them out matches the device; one
 * that contradicts them is an error at the key. */
static void integrity_flags_the_superblock_decided_match_a_spec_without_them(void **state)
{
	(void)state;
	struct vmap_live *l = fx->live;
	l->targets = xrealloc(l->targets, (l->n_targets + 1) * sizeof(*l->targets));
	l->targets[l->n_targets++] = (struct vmap_target_version){xstrdup("integrity"), {1, 0, 0}};
	live_disk(fx->live, "/dev/sda", 8, 0, 16384, 512);
	live_dm(fx->live, "itg", "VMAP-itg", 0,
		"0 14000 integrity 8:0 0 4 J 7 journal_sectors:880 interleave_sectors:16384 "
		"buffer_sectors:128 journal_watermark:50 commit_time:10000 fix_padding "
		"internal_hash:crc32c", "8:0");
	spec("  - name: itg\n"
	     "    targets:\n"
	     "      - {type: integrity, size: 14000, device: /dev/sda, tagSize: 4,\n"
	     "         internalHash: crc32c}\n");
	if (plan_with(NO_OPTS) != 0 || vp("itg")->action != VMAP_ACT_NONE)
		fail_msg("plan: %s; %s", fx->errs.n ? fx->errs.v[0].msg : "no error",
			 vp("itg")->desired.lines[0].params);
	/* (the defaults would be journal_sectors:176 interleave_sectors:32768) */
	spec("  - name: itg\n"
	     "    targets:\n"
	     "      - {type: integrity, size: 14000, device: /dev/sda, tagSize: 4,\n"
	     "         internalHash: crc32c, commitTime: 5000}\n");
	if (plan_with(NO_OPTS) != 0)
		fail_msg("plan: %s", fx->errs.n ? fx->errs.v[0].msg : "no error");
	assert_int_equal(vp("itg")->action, VMAP_ACT_RELOAD);
	assert_int_equal(vp("itg")->risk, VMAP_RISK_SAFE);
	spec("  - name: itg\n"
	     "    targets:\n"
	     "      - {type: integrity, size: 14000, device: /dev/sda, tagSize: 4,\n"
	     "         internalHash: crc32c, fixPadding: false}\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_FAILED, "fixPadding is false, but the device's superblock was "
					     "formatted with fix_padding"));
	assert_int_equal(fx->errs.v[0].line, 6);
	spec("  - name: itg\n"
	     "    targets:\n"
	     "      - {type: integrity, size: 14000, device: /dev/sda, tagSize: 4,\n"
	     "         internalHash: crc32c, interleaveSectors: 32768}\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_FAILED, "interleave_sectors:32768, but the device's superblock "
					     "was formatted with interleave_sectors:16384"));
	/* over another device, the spec's values stand: a new format */
	live_disk(fx->live, "/dev/sdb", 8, 16, 16384, 512);
	spec("  - name: itg\n"
	     "    targets:\n"
	     "      - {type: integrity, size: 14000, device: /dev/sdb, tagSize: 4,\n"
	     "         internalHash: crc32c, fixPadding: false}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.allow_remap = true}), 0);
	assert_int_equal(vp("itg")->action, VMAP_ACT_RELOAD);
	assert_null(strstr(vp("itg")->desired.lines[0].params, "fix_padding"));
}

/* What decides the data, compared with the defaults a spec may leave out
 * and hex as the kernel prints it: a tune-only change is safe, not a
 * remap (an integrity spec without its offset was refused as one). */
static void a_tune_change_of_a_spec_that_leaves_defaults_out_is_safe(void **state)
{
	(void)state;
	struct vmap_live *l = fx->live;
	l->targets = xrealloc(l->targets, (l->n_targets + 1) * sizeof(*l->targets));
	l->targets[l->n_targets++] = (struct vmap_target_version){xstrdup("verity"), {1, 0, 0}};
	live_disk(l, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(l, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_dm(l, "ver", "VMAP-ver", 0,
		"0 8192 verity 1 8:0 8:16 4096 4096 1024 1 sha256 "
		"4392e3d0e2c33b3f1d4b8a8e2c4a6bd1a6a7c2e0b1d6f6a3c1e9d3a4b5c6d7e8 -", "8:0 8:16")
		->read_only = true;
	spec("  - name: ver\n"
	     "    readOnly: true\n"
	     "    targets:\n"
	     "      - {type: verity, size: 8192, dataDevice: /dev/sda, hashDevice: /dev/sdb,\n"
	     "         numDataBlocks: 1024, hashStartBlock: 1, ignoreZeroBlocks: true,\n"
	     "         digest: 4392E3D0E2C33B3F1D4B8A8E2C4A6BD1A6A7C2E0B1D6F6A3C1E9D3A4B5C6D7E8}\n");
	if (plan_with(NO_OPTS) != 0)
		fail_msg("plan: %s", fx->errs.n ? fx->errs.v[0].msg : "no error");
	assert_int_equal(vp("ver")->action, VMAP_ACT_RELOAD);
	assert_int_equal(vp("ver")->risk, VMAP_RISK_SAFE);
}

static void a_misaligned_offset_on_a_4k_disk_is_refused_before_anything(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 4096);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 4096 linear 8:16 0", "8:16");
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sdb, offset: 1}\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_FAILED, "not aligned to the 4096-byte logical blocks"));
	assert_int_equal(fx->plan.n_steps, 0);
}

static void a_length_not_a_multiple_of_the_block_size_is_refused(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 4096);
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4097, device: /dev/sdb}\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_FAILED, "not aligned"));
}

static void changing_a_lower_volumes_device_refreshes_the_volumes_above(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_stack(4096, 2048, 1024);
	/* low moves to sdb (on purpose: allow remap): mid and top keep their
	 * tables but must be refreshed so their queue limits follow */
	spec("  - name: low\n"
	     "    allow: [remap]\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sdb, offset: 2048}\n"
	     "  - name: mid\n"
	     "    targets:\n"
	     "      - {type: linear, size: 2048, device: {volume: low}}\n"
	     "  - name: top\n"
	     "    targets:\n"
	     "      - {type: linear, size: 1024, device: {volume: mid}, offset: 8}\n");
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_int_equal(vp("low")->action, VMAP_ACT_RELOAD);
	assert_int_equal(vp("mid")->action, VMAP_ACT_REFRESH);
	assert_int_equal(vp("top")->action, VMAP_ACT_REFRESH);
	assert_steps("load:low load:mid load:top suspend:top suspend:mid suspend:low "
		     "resume:low resume:mid resume:top");
}

static void a_table_with_no_data_devices_notes_that_limits_are_kept(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 4096 linear 8:0 0", "8:0");
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: error, size: 4096}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.allow_remap = true}), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_RELOAD);
	assert_int_equal(vp("a")->n_notes, 1);
	assert_non_null(strstr(vp("a")->notes[0], "keeps the device's current queue limits"));
}

static void a_missing_device_fails_the_plan_naming_it(void **state)
{
	(void)state;
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/nope}\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_FAILED, "'/dev/nope'"));
}

static void activate_mode_waits_for_missing_devices_and_only_creates(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "b", "VMAP-b", 1, "0 100 zero ", "");
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/nope}\n"
	     "  - name: above\n"
	     "    targets:\n"
	     "      - {type: linear, size: 100, device: {volume: a}}\n"
	     "  - name: b\n"
	     "    targets:\n"
	     "      - {type: zero, size: 200}\n"
	     "  - name: c\n"
	     "    targets:\n"
	     "      - {type: linear, size: 100, device: /dev/sda}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.create_only = true}), 0);
	assert_true(vp("a")->waiting);
	assert_true(vp("above")->waiting);
	assert_int_equal(vp("b")->action, VMAP_ACT_NONE); /* would grow: not activate's job */
	assert_steps("create:c");
}

static void suspend_policy_auto_uses_noflush_for_thin_and_multipath(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 4096 linear 8:0 0", "8:0");
	live_dm(fx->live, "b", "VMAP-b", 1, "0 4096 linear 8:0 0", "8:0");
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sda, offset: 8}\n"
	     "  - name: b\n"
	     "    suspend: noflush\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sda, offset: 8}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.allow_remap = true}), 0);
	assert_string_equal(vp("a")->suspend_policy, "flush");
	assert_string_equal(vp("b")->suspend_policy, "noflush");
	assert_int_equal(vp("b")->suspend_flags, VMAP_DM_NOFLUSH | VMAP_DM_SKIP_LOCKFS);
}

static void a_remap_is_refused_naming_the_ranges_unless_allowed(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 65536 linear 8:0 2048", "8:0");
	live_dm(fx->live, "b", "VMAP-b", 1, "0 4096 linear 8:0 100000", "8:0");
	/* a to another disk: other data; b split in two over the same
	 * backing and grown: the same data */
	const char *text = "  - name: a\n"
			   "    targets:\n"
			   "      - {type: linear, size: 65536, device: /dev/sdb, offset: 2048}\n"
			   "  - name: b\n"
			   "    table: |\n"
			   "      0 1000 linear /dev/sda 100000\n"
			   "      1000 3096 linear /dev/sda 101000\n"
			   "      4096 4096 zero\n";
	spec(text);
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(vp("a")->refused);
	assert_int_equal(vp("a")->risk, VMAP_RISK_DESTRUCTIVE);
	assert_true(has_error(VMAP_E_POLICY, "would show other data: sectors 0..65535, 65536 sectors "
					     "(32 MiB): 'linear 8:0 2048' from its sector 0 -> "
					     "'linear 8:16 2048' from its sector 0"));
	assert_true(has_error(VMAP_E_POLICY, "--allow-remap"));
	assert_int_equal(fx->plan.n_steps, 0);
	assert_false(vp("b")->refused);
	assert_int_equal(vp("b")->risk, VMAP_RISK_SAFE);
	assert_int_equal(vp("b")->ranges.n, 2);
	assert_int_equal(vp("b")->ranges.v[0].cls, VMAP_RANGE_KEPT);
	assert_true(vp("b")->ranges.v[0].len == 4096);
	assert_int_equal(vp("b")->ranges.v[1].cls, VMAP_RANGE_GROWN);

	/* --allow-remap, or allow: [remap] on the volume */
	assert_int_equal(plan_with((struct vmap_plan_opts){.allow_remap = true}), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_RELOAD);
	assert_int_equal(vp("a")->risk, VMAP_RISK_DESTRUCTIVE);
	spec("  - name: a\n"
	     "    allow: [remap]\n"
	     "    targets:\n"
	     "      - {type: linear, size: 65536, device: /dev/sdb, offset: 2048}\n");
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_false(vp("a")->refused);
}

static void an_unknown_target_type_is_refused_before_anything(void **state)
{
	(void)state;
	spec("  - name: a\n"
	     "    table: 0 100 frobnicate 1 2 3\n");
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_FAILED, "'frobnicate' is not available"));
}

static void destroy_removes_upper_volumes_first_and_refuses_unmanaged(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_stack(4096, 2048, 1024);
	const char *names[] = {"low", "mid", "top"};
	assert_int_equal(plan_with((struct vmap_plan_opts){.destroy = names, .n_destroy = 3}), 0);
	assert_steps("remove:top remove:mid remove:low");
	/* mid alone: top still stands on it */
	const char *mid[] = {"mid"};
	assert_int_equal(plan_with((struct vmap_plan_opts){.destroy = mid, .n_destroy = 1}), -1);
	assert_true(has_error(VMAP_E_POLICY, "'top' is stacked on it"));
}

/* The order follows what holds what through any depth, and a device is
 * refused while something not removed stands on it. */
static void destroy_removes_each_device_after_everything_stacked_on_it(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 4096 linear 8:0 2048", "8:0");
	live_dm(fx->live, "b", "VMAP-b", 1, "0 2048 linear 254:0 0", "254:0");
	/* c stands on b and on a itself */
	live_dm(fx->live, "c", "VMAP-c", 2, "0 1024 linear 254:1 0;1024 1024 linear 254:0 2048",
		"254:1 254:0");
	live_dm(fx->live, "d", "VMAP-d", 3, "0 4096 linear 8:0 8192", "8:0");
	live_dm(fx->live, "e", "VMAP-e", 4, "0 1024 linear 254:2 0", "254:2");
	const char *all[] = {"e", "a", "d", "c", "b"};
	assert_int_equal(plan_with((struct vmap_plan_opts){.destroy = all, .n_destroy = 5}), 0);
	assert_steps("remove:d remove:e remove:c remove:b remove:a");
	/* a and c alone: b stands on a, e on c, and neither goes */
	const char *two[] = {"a", "c"};
	assert_int_equal(plan_with((struct vmap_plan_opts){.destroy = two, .n_destroy = 2}), -1);
	assert_true(has_error(VMAP_E_POLICY, "'b' is stacked on it"));
	assert_true(has_error(VMAP_E_POLICY, "'e' is stacked on it"));
	assert_false(has_error(VMAP_E_POLICY, "'c' is stacked on it"));
}

/* ---- live migration (contract 5.10) ---- */

static void a_remap_migrates_with_migrate_or_on_remap_and_is_safe(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 65536 linear 8:0 2048", "8:0");
	const char *text = "  - name: a\n"
			   "    targets:\n"
			   "      - {type: linear, size: 65536, device: /dev/sdb, offset: 2048}\n";
	spec(text);
	/* without it: refused, and the message says --migrate would move it */
	assert_int_equal(plan_with(NO_OPTS), -1);
	assert_true(has_error(VMAP_E_POLICY, "use --migrate"));
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_MIGRATE);
	assert_int_equal(vp("a")->risk, VMAP_RISK_SAFE);
	assert_true(vp("a")->migrate_bytes == 65536ull * 512);
	assert_true(vp("a")->remapped_bytes == 65536ull * 512);
	assert_steps("migrate:a");
	assert_int_equal(fx->plan.steps[0].phase, VMAP_PHASE_MIGRATE);
	/* migrate wins over allow-remap: it loses nothing */
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true, .allow_remap = true}), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_MIGRATE);
	/* the same from the spec */
	spec("  - name: a\n"
	     "    onRemap: migrate\n"
	     "    targets:\n"
	     "      - {type: linear, size: 65536, device: /dev/sdb, offset: 2048}\n");
	assert_int_equal(plan_with(NO_OPTS), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_MIGRATE);
}

static void a_striped_volume_migrates_and_only_its_remapped_bytes_count_as_such(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdc", 8, 32, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdd", 8, 48, 1 << 20, 512);
	/* two lines: the first stays where it is, the second moves from a
	 * stripe over sda/sdb to one over sdc/sdd */
	live_dm(fx->live, "s", "VMAP-s", 0,
		"0 8192 linear 8:0 100000;8192 16384 striped 2 128 8:0 2048 8:16 2048", "8:0 8:16");
	spec("  - name: s\n"
	     "    table: |\n"
	     "      0 8192 linear /dev/sda 100000\n"
	     "      8192 16384 striped 2 128 /dev/sdc 2048 /dev/sdd 2048\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), 0);
	assert_int_equal(vp("s")->action, VMAP_ACT_MIGRATE);
	assert_true(vp("s")->migrate_bytes == 24576ull * 512);
	assert_true(vp("s")->remapped_bytes == 16384ull * 512);
}

static void an_overlapping_move_on_the_same_device_is_refused_naming_both(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 65536 linear 8:0 2048", "8:0");
	/* 4096 sectors further on the same disk: sectors 4096..67583 are both
	 * old and new places, at other positions of the volume */
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 65536, device: /dev/sda, offset: 6144}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), -1);
	assert_true(vp("a")->refused);
	assert_true(has_error(VMAP_E_POLICY, "cannot be migrated: its new table puts sectors "
					     "0..61439 on 'linear 8:0' sectors 6144..67583, which "
					     "its old table uses for sectors 4096..65535 ('linear 8:0')"));
	assert_int_equal(fx->plan.n_steps, 0);
	/* right after the old range on the same disk: no overlap, it moves */
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 65536, device: /dev/sda, offset: 67584}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_MIGRATE);
}

static void targets_other_than_linear_and_striped_and_resizes_are_not_migrated(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_dm(fx->live, "a", "VMAP-a", 0, "0 65536 linear 8:0 2048", "8:0");
	live_dm(fx->live, "c", "VMAP-c", 1,
		"0 65536 crypt aes-xts-plain64 "
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 0 8:0 200000 0",
		"8:0");
	/* the new table of a shows no data: nothing to copy to */
	spec("  - name: a\n"
	     "    targets: [{type: zero, size: 65536}]\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), -1);
	assert_true(has_error(VMAP_E_POLICY, "cannot be migrated: only linear and striped tables "
					     "can be, and line 1 of its new table is 'zero'"));
	/* a crypt volume moving its device */
	spec("  - name: c\n"
	     "    targets:\n"
	     "      - {type: crypt, size: 65536, cipher: aes-xts-plain64, device: /dev/sdb,\n"
	     "         key: {hex: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), -1);
	assert_true(has_error(VMAP_E_POLICY, "line 1 of its current table is 'crypt'"));
	/* moved and grown */
	spec("  - name: a\n"
	     "    targets: [{type: linear, size: 70000, device: /dev/sdb, offset: 2048}]\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), -1);
	assert_true(has_error(VMAP_E_POLICY, "cannot be migrated and resized in one run"));
}

static void a_migration_under_way_is_not_planned_again(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	/* a on its mirror (a run with --no-wait, or a killed one) */
	live_dm(fx->live, "a", "VMAP-a", 0, "0 65536 linear 254:9 0", "254:9");
	live_dm(fx->live, "vmapctl-mig-a-r", "VMAPMIG-254:0-r", 9,
		"0 65536 raid raid1 3 0 rebuild 1 2 254:8 254:6 254:8 254:7", "254:6 254:7 254:8");
	spec("  - name: a\n"
	     "    targets:\n"
	     "      - {type: linear, size: 65536, device: /dev/sdb, offset: 2048}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), 0);
	assert_int_equal(vp("a")->action, VMAP_ACT_MIGRATE);
	assert_true(vp("a")->migrating);
	assert_int_equal(fx->plan.n_steps, 0);
	/* the temporary devices are not volumes to prune */
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true, .prune = true}), 0);
	assert_int_equal(fx->plan.n_steps, 0);
}

static void the_volumes_above_a_migrating_volume_are_refreshed_after_the_copy(void **state)
{
	(void)state;
	live_disk(fx->live, "/dev/sda", 8, 0, 1 << 20, 512);
	live_disk(fx->live, "/dev/sdb", 8, 16, 1 << 20, 512);
	live_stack(4096, 2048, 1024);
	spec("  - name: low\n"
	     "    targets:\n"
	     "      - {type: linear, size: 4096, device: /dev/sdb, offset: 2048}\n"
	     "  - name: mid\n"
	     "    targets:\n"
	     "      - {type: linear, size: 2048, device: {volume: low}}\n"
	     "  - name: top\n"
	     "    targets:\n"
	     "      - {type: linear, size: 1024, device: {volume: mid}, offset: 8}\n");
	assert_int_equal(plan_with((struct vmap_plan_opts){.migrate = true}), 0);
	assert_int_equal(vp("low")->action, VMAP_ACT_MIGRATE);
	assert_int_equal(vp("mid")->action, VMAP_ACT_REFRESH);
	assert_steps("migrate:low load:mid load:top suspend:top suspend:mid resume:mid resume:top");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(stack_from_nothing_is_created_lowest_first),
		T(converged_stack_plans_none_and_no_steps),
		T(growing_a_stack_loads_first_suspends_top_down_resumes_bottom_up),
		T(shrinking_is_refused_without_allow_shrink),
		T(shrinking_a_stack_resumes_the_upper_volume_before_the_lower),
		T(shrinking_below_what_an_upper_volume_maps_is_always_refused),
		T(a_name_taken_by_an_unmanaged_device_is_refused),
		T(prune_removes_only_managed_volumes_and_only_when_asked),
		T(a_suspended_managed_volume_is_resumed),
		T(a_volume_found_suspended_in_a_stack_is_resumed_before_anything_above_it_is_suspended),
		T(suspended_volumes_that_change_are_resumed_lowest_first_then_switched),
		T(integrity_flags_the_superblock_decided_match_a_spec_without_them),
		T(a_tune_change_of_a_spec_that_leaves_defaults_out_is_safe),
		T(a_misaligned_offset_on_a_4k_disk_is_refused_before_anything),
		T(a_length_not_a_multiple_of_the_block_size_is_refused),
		T(changing_a_lower_volumes_device_refreshes_the_volumes_above),
		T(a_table_with_no_data_devices_notes_that_limits_are_kept),
		T(a_missing_device_fails_the_plan_naming_it),
		T(activate_mode_waits_for_missing_devices_and_only_creates),
		T(suspend_policy_auto_uses_noflush_for_thin_and_multipath),
		T(a_remap_is_refused_naming_the_ranges_unless_allowed),
		T(an_unknown_target_type_is_refused_before_anything),
		T(destroy_removes_upper_volumes_first_and_refuses_unmanaged),
		T(destroy_removes_each_device_after_everything_stacked_on_it),
		T(a_remap_migrates_with_migrate_or_on_remap_and_is_safe),
		T(a_striped_volume_migrates_and_only_its_remapped_bytes_count_as_such),
		T(an_overlapping_move_on_the_same_device_is_refused_naming_both),
		T(targets_other_than_linear_and_striped_and_resizes_are_not_migrated),
		T(a_migration_under_way_is_not_planned_again),
		T(the_volumes_above_a_migrating_volume_are_refreshed_after_the_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
