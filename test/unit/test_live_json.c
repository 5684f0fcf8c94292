/* test_live_json.c: the live-state snapshot round-trips exactly and
 * refuses malformed input with a clear error, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "live/snapshot.h"
#include "base/util.h"

static void line(struct vmap_table_line *l, uint64_t start, uint64_t len, const char *type,
		 const char *params)
{
	l->start = start;
	l->len = len;
	l->type = xstrdup(type);
	l->params = xstrdup(params);
}

/* A struct with every field set, including the awkward values: NULL
 * strings, "" uuid, the largest uint64, a negative open count (not real,
 * but the type allows it), characters JSON must escape. */
static void build(struct vmap_live *l)
{
	memset(l, 0, sizeof(*l));
	l->kernel_release = xstrdup("6.1.0-56-amd64");
	l->driver_version[0] = 4;
	l->driver_version[1] = 47;
	l->driver_version[2] = 0;
	l->n_targets = 2;
	l->targets = xcalloc(2, sizeof(*l->targets));
	l->targets[0] = (struct vmap_target_version){xstrdup("linear"), {1, 4, 0}};
	l->targets[1] = (struct vmap_target_version){xstrdup("multipath"), {1, 14, 4294967295u}};
	l->n_loadable = 1;
	l->loadable_targets = xcalloc(1, sizeof(char *));
	l->loadable_targets[0] = xstrdup("era");

	l->n_devs = 2;
	l->devs = xcalloc(2, sizeof(*l->devs));
	struct vmap_dmdev *d = &l->devs[0];
	d->name = xstrdup("web");
	d->uuid = xstrdup("VMAP-web");
	d->major = 254;
	d->minor = 1000;
	d->suspended = true;
	d->live_table = true;
	d->inactive_table = true;
	d->read_only = false;
	d->open_count = -3;
	d->event_nr = 4294967295u;
	d->request_based = true;
	d->live.n = 2;
	d->live.lines = xcalloc(2, sizeof(struct vmap_table_line));
	line(&d->live.lines[0], 0, 2048, "linear", "7:0 0");
	d->live.lines[0].status = xstrdup("1 2 3");
	line(&d->live.lines[1], 2048, UINT64_MAX - 2048, "crypt",
	     "aes-xts-plain64 <key:sha256:0123456789abcdef> 0 7:1 0");
	d->inactive.n = 1;
	d->inactive.lines = xcalloc(1, sizeof(struct vmap_table_line));
	line(&d->inactive.lines[0], 0, 1, "odd", "quote\" back\\slash tab\t nl\n /slash \xc3\xa9");
	d->n_deps = 2;
	d->dep_major = xcalloc(2, sizeof(unsigned));
	d->dep_minor = xcalloc(2, sizeof(unsigned));
	d->dep_major[0] = 7;
	d->dep_minor[0] = 0;
	d->dep_major[1] = 259;
	d->dep_minor[1] = 1048575;
	d->limits = (struct vmap_limits){4096, 4096, 1280, 32767, 128, 65536, UINT64_MAX};
	d = &l->devs[1];
	d->name = xstrdup("bare");
	d->uuid = NULL; /* NULL and "" are different and both must survive */

	l->n_blockdevs = 1;
	l->blockdevs = xcalloc(1, sizeof(*l->blockdevs));
	l->blockdevs[0] = (struct vmap_blockdev){
		.major = 7, .minor = 0, .kname = xstrdup("loop0"), .lun = xstrdup("naa.6001405abc"),
		.sectors = 131072, .read_only = true,
		.limits = {512, 512, 1280, 1280, 128, 65536, 4294966784u}};

	l->n_res = 2;
	l->res = xcalloc(2, sizeof(*l->res));
	l->res[0] = (struct vmap_resolution){.ref = xstrdup("/dev/loop0"), .found = true,
					     .major = 7, .minor = 0,
					     .devnode = xstrdup("/dev/loop0")};
	struct vmap_resolution *r = &l->res[1];
	r->ref = xstrdup("udev:ID_FS_UUID=abc");
	r->n_candidates = 2;
	r->candidates = xcalloc(2, sizeof(char *));
	r->candidates[0] = xstrdup("/dev/loop1 (DEVPATH=/devices/virtual/block/loop1)");
	r->candidates[1] = xstrdup("/dev/loop2 (DEVPATH=/devices/virtual/block/loop2)");
	r->error = xstrdup("2 block devices have udev properties ID_FS_UUID=abc");
}

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_limits(const struct vmap_limits *a, const struct vmap_limits *b)
{
	assert_int_equal(a->logical_block_size, b->logical_block_size);
	assert_int_equal(a->physical_block_size, b->physical_block_size);
	assert_int_equal(a->max_sectors_kb, b->max_sectors_kb);
	assert_int_equal(a->max_hw_sectors_kb, b->max_hw_sectors_kb);
	assert_int_equal(a->max_segments, b->max_segments);
	assert_int_equal(a->max_segment_size, b->max_segment_size);
	assert_true(a->discard_max_bytes == b->discard_max_bytes);
}

static void same_table(const struct vmap_table *a, const struct vmap_table *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_true(a->lines[i].start == b->lines[i].start);
		assert_true(a->lines[i].len == b->lines[i].len);
		same_str(a->lines[i].type, b->lines[i].type);
		same_str(a->lines[i].params, b->lines[i].params);
		same_str(a->lines[i].status, b->lines[i].status);
	}
}

static void same_live(const struct vmap_live *a, const struct vmap_live *b)
{
	same_str(a->kernel_release, b->kernel_release);
	assert_memory_equal(a->driver_version, b->driver_version, sizeof(a->driver_version));
	assert_int_equal(a->n_targets, b->n_targets);
	for (size_t i = 0; i < a->n_targets; i++) {
		same_str(a->targets[i].name, b->targets[i].name);
		assert_memory_equal(a->targets[i].version, b->targets[i].version,
				    sizeof(a->targets[i].version));
	}
	assert_int_equal(a->n_loadable, b->n_loadable);
	for (size_t i = 0; i < a->n_loadable; i++)
		same_str(a->loadable_targets[i], b->loadable_targets[i]);
	assert_int_equal(a->n_devs, b->n_devs);
	for (size_t i = 0; i < a->n_devs; i++) {
		const struct vmap_dmdev *x = &a->devs[i], *y = &b->devs[i];
		same_str(x->name, y->name);
		same_str(x->uuid, y->uuid);
		assert_int_equal(x->major, y->major);
		assert_int_equal(x->minor, y->minor);
		assert_int_equal(x->suspended, y->suspended);
		assert_int_equal(x->live_table, y->live_table);
		assert_int_equal(x->inactive_table, y->inactive_table);
		assert_int_equal(x->read_only, y->read_only);
		assert_int_equal(x->open_count, y->open_count);
		assert_int_equal(x->event_nr, y->event_nr);
		assert_int_equal(x->request_based, y->request_based);
		same_table(&x->live, &y->live);
		same_table(&x->inactive, &y->inactive);
		assert_int_equal(x->n_deps, y->n_deps);
		for (size_t k = 0; k < x->n_deps; k++) {
			assert_int_equal(x->dep_major[k], y->dep_major[k]);
			assert_int_equal(x->dep_minor[k], y->dep_minor[k]);
		}
		same_limits(&x->limits, &y->limits);
	}
	assert_int_equal(a->n_blockdevs, b->n_blockdevs);
	for (size_t i = 0; i < a->n_blockdevs; i++) {
		const struct vmap_blockdev *x = &a->blockdevs[i], *y = &b->blockdevs[i];
		assert_int_equal(x->major, y->major);
		assert_int_equal(x->minor, y->minor);
		same_str(x->kname, y->kname);
		same_str(x->lun, y->lun);
		assert_true(x->sectors == y->sectors);
		assert_int_equal(x->read_only, y->read_only);
		same_limits(&x->limits, &y->limits);
	}
	assert_int_equal(a->n_res, b->n_res);
	for (size_t i = 0; i < a->n_res; i++) {
		const struct vmap_resolution *x = &a->res[i], *y = &b->res[i];
		same_str(x->ref, y->ref);
		assert_int_equal(x->found, y->found);
		assert_int_equal(x->major, y->major);
		assert_int_equal(x->minor, y->minor);
		same_str(x->devnode, y->devnode);
		assert_int_equal(x->n_candidates, y->n_candidates);
		for (size_t k = 0; k < x->n_candidates; k++)
			same_str(x->candidates[k], y->candidates[k]);
		same_str(x->error, y->error);
	}
}

static void every_field_round_trips_exactly(void **state)
{
	(void)state;
	struct vmap_live a, b;
	struct vmap_errlist errs = {0};
	build(&a);
	char *text = vmap_live_to_json(&a);
	assert_int_equal(vmap_live_from_json(&b, text, strlen(text), "snap.json", &errs), 0);
	assert_int_equal(errs.n, 0);
	same_live(&a, &b);
	/* and writing what was read gives the same bytes */
	char *again = vmap_live_to_json(&b);
	assert_string_equal(text, again);
	assert_non_null(strstr(text, "\"format\": \"vmapctl-live/1\""));
	free(text);
	free(again);
	vmap_live_free(&a);
	vmap_live_free(&b);
}

static void empty_state_round_trips(void **state)
{
	(void)state;
	struct vmap_live a = {0}, b;
	struct vmap_errlist errs = {0};
	char *text = vmap_live_to_json(&a);
	assert_int_equal(vmap_live_from_json(&b, text, strlen(text), "e.json", &errs), 0);
	same_live(&a, &b);
	free(text);
	vmap_live_free(&b);
}

static void write_and_read_through_a_file(void **state)
{
	(void)state;
	struct vmap_live a, b;
	struct vmap_errlist errs = {0};
	build(&a);
	char path[] = "/tmp/vmap-live-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_int_equal(vmap_live_write_json(&a, f, &errs), 0);
	fclose(f);
	assert_int_equal(vmap_live_read_json(&b, path, &errs), 0);
	same_live(&a, &b);
	unlink(path);
	vmap_live_free(&a);
	vmap_live_free(&b);
}

/* Parse `text`; it must fail with one error whose text contains `want`. */
static void refused(const char *text, const char *want)
{
	struct vmap_live l;
	struct vmap_errlist errs = {0};
	int r = vmap_live_from_json(&l, text, strlen(text), "bad.json", &errs);
	if (r == 0)
		fail_msg("accepted: %s", text);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].kind, VMAP_E_SPEC);
	char *m = vmap_error_format(&errs.v[0]);
	if (!strstr(m, want))
		fail_msg("error '%s' does not say '%s'", m, want);
	assert_true(!strncmp(m, "bad.json", 8));
	free(m);
	vmap_errlist_clear(&errs);
	/* nothing half-read is left behind */
	assert_null(l.devs);
	assert_null(l.kernel_release);
}

#define F "{\"format\": \"vmapctl-live/1\", "

static void type_and_range_errors_name_the_place(void **state)
{
	(void)state;
	refused(F "\"devices\": [{\"name\": \"a\", \"live\": [{\"type\": \"linear\", \"len\": \"9\"}]}]}",
		"bad.json: devices[0].live[0].len: expected an unsigned integer, found string");
	refused(F "\"devices\": [{\"name\": \"a\", \"major\": -1}]}",
		"devices[0].major: expected an unsigned integer, found -1");
	refused(F "\"devices\": [{\"name\": \"a\", \"minor\": 4294967296}]}",
		"devices[0].minor: 4294967296 is out of range");
	refused(F "\"devices\": [{\"name\": \"a\", \"event_nr\": 4294967296}]}",
		"devices[0].event_nr: out of range");
	refused(F "\"devices\": [{\"name\": \"a\", \"open_count\": 2147483648}]}",
		"devices[0].open_count: out of range");
	refused(F "\"devices\": [{\"name\": \"a\", \"suspended\": 1}]}",
		"devices[0].suspended: expected true or false, found int");
	refused(F "\"devices\": [{\"name\": \"a\", \"deps\": [\"7:x\"]}]}",
		"devices[0].deps[0]: expected \"MAJ:MIN\"");
	refused(F "\"devices\": [{\"uuid\": \"x\"}]}", "devices[0].name: missing");
	refused(F "\"devices\": [{\"name\": null}]}", "devices[0].name: must not be null");
	refused(F "\"devices\": [{\"name\": \"a\", \"sise\": 1}]}",
		"devices[0].sise: unknown key");
	refused(F "\"devices\": {}}", "devices: expected an array, found object");
	refused(F "\"devices\": [7]}", "devices[0]: expected an object, found int");
	refused(F "\"driver_version\": [4, 47]}", "driver_version: expected 3 numbers, found 2");
	refused(F "\"blockdevs\": [{\"major\": 7}]}", "blockdevs[0].minor: missing");
	refused(F "\"blockdevs\": [{\"major\": 7, \"minor\": 0, \"sectors\": 1.5}]}",
		"blockdevs[0].sectors: expected an unsigned integer, found double");
	refused(F "\"resolutions\": [{\"ref\": \"x\", \"candidates\": [1]}]}",
		"resolutions[0].candidates[0]: expected a string or null, found int");
	refused(F "\"loadable_targets\": [null]}", "loadable_targets[0]: expected a string");
	refused(F "\"targets\": [{\"name\": \"a\", \"version\": [1, 2, null]}]}",
		"targets[0].version[2]: expected an unsigned integer, found null");
	refused(F "\"devices\": [{\"name\": \"a\", \"limits\": {\"max_segments\": true}}]}",
		"devices[0].limits.max_segments: expected an unsigned integer, found boolean");
	refused(F "\"devices\": [{\"name\": \"a\\u0000b\"}]}", "devices[0].name: the string holds a NUL");
}

static void format_is_checked(void **state)
{
	(void)state;
	refused("{\"devices\": []}", "bad.json: format: missing");
	refused("{\"format\": \"vmapctl-live/2\"}", "'vmapctl-live/2' is not a format this reader knows");
	refused("[1, 2]", "bad.json: expected an object, found array");
}

static void syntax_errors_have_line_and_column(void **state)
{
	(void)state;
	refused("{\n  \"format\": \"vmapctl-live/1\",\n  \"devices\": [}\n", "bad.json:3:15: invalid JSON");
	refused("", "bad.json:1:1: invalid JSON: unexpected end of the file");
	refused("{\"format\": \"vmapctl-live/1\"} {}", "bad.json:1:30: invalid JSON");
	refused("{\"format\": \"vmapctl-live/1\"}\n\n  x", "bad.json:3:3: invalid JSON");
	refused("{\"format\": tru}", "bad.json:1:15: invalid JSON: boolean expected");
}

/* Every prefix of a valid snapshot is refused (only the whole passes),
 * and so is every single-byte corruption we try: errors, never a crash
 * (ASan in CI would catch a bad read or a leak). */
static void truncated_and_garbled_input_is_refused_without_crashing(void **state)
{
	(void)state;
	struct vmap_live a;
	build(&a);
	char *text = vmap_live_to_json(&a);
	vmap_live_free(&a);
	size_t n = strlen(text);
	/* up to the last closing brace; a prefix ending after it is whole */
	size_t whole = (size_t)(strrchr(text, '}') - text) + 1;
	for (size_t len = 0; len < whole; len++) {
		struct vmap_live l;
		struct vmap_errlist errs = {0};
		if (vmap_live_from_json(&l, text, len, "t.json", &errs) == 0)
			fail_msg("a %zu-byte prefix was accepted", len);
		assert_int_equal(errs.n, 1);
		vmap_errlist_clear(&errs);
	}
	unsigned seed = 12345;
	static const char junk[] = "\0\"{}[],:-0x9 \\tnul";
	for (int k = 0; k < 3000; k++) {
		char *t = xstrdup(text);
		seed = seed * 1103515245u + 12345u;
		size_t pos = (seed >> 8) % n;
		seed = seed * 1103515245u + 12345u;
		t[pos] = junk[(seed >> 8) % (sizeof(junk) - 1)];
		struct vmap_live l;
		struct vmap_errlist errs = {0};
		int r = vmap_live_from_json(&l, t, n, "g.json", &errs);
		/* either it still reads (a harmless change) or one error */
		assert_int_equal(errs.n, r == 0 ? 0 : 1);
		if (r == 0)
			vmap_live_free(&l);
		vmap_errlist_clear(&errs);
		free(t);
	}
	free(text);
}

static void missing_file_names_the_file(void **state)
{
	(void)state;
	struct vmap_live l;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_live_read_json(&l, "/nonexistent/snap.json", &errs), -1);
	char *m = vmap_error_format(&errs.v[0]);
	assert_string_equal(m, "cannot open live-state snapshot '/nonexistent/snap.json': "
			       "No such file or directory");
	free(m);
	vmap_errlist_clear(&errs);
}

static void optional_fields_default_to_zero(void **state)
{
	(void)state;
	const char *t = F "\"devices\": [{\"name\": \"a\"}], \"blockdevs\": [{\"major\": 7, "
			  "\"minor\": 1}], \"resolutions\": [{\"ref\": \"/dev/x\"}]}";
	struct vmap_live l;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_live_from_json(&l, t, strlen(t), "o.json", &errs), 0);
	assert_int_equal(l.n_devs, 1);
	assert_string_equal(l.devs[0].name, "a");
	assert_null(l.devs[0].uuid);
	assert_int_equal(l.devs[0].live.n, 0);
	assert_int_equal(l.blockdevs[0].minor, 1);
	assert_false(l.res[0].found);
	vmap_live_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_field_round_trips_exactly),
		cmocka_unit_test(empty_state_round_trips),
		cmocka_unit_test(write_and_read_through_a_file),
		cmocka_unit_test(type_and_range_errors_name_the_place),
		cmocka_unit_test(format_is_checked),
		cmocka_unit_test(syntax_errors_have_line_and_column),
		cmocka_unit_test(truncated_and_garbled_input_is_refused_without_crashing),
		cmocka_unit_test(missing_file_names_the_file),
		cmocka_unit_test(optional_fields_default_to_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
