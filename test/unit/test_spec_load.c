/* test_spec_load.c: which files make a spec set, and reading them. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec_test.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vmap-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int r = system(cmd);
	free(cmd);
	return r;
}

static char *path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void put(const char *name, const char *text)
{
	char *p = path(name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static char *vol(const char *name)
{
	return xasprintf(HDR "  - name: %s\n    table: \"0 8 zero\"\n", name);
}

static void put_vol(const char *file, const char *name)
{
	char *t = vol(name);
	put(file, t);
	free(t);
}

static void a_directory_is_its_yaml_files_in_name_order(void **state)
{
	(void)state;
	char *sub = path("10-sub.yaml");
	assert_int_equal(mkdir(sub, 0755), 0);
	put_vol("20-b.yaml", "b");
	put_vol("03-a.yml", "a");
	put_vol("1-c.yaml", "c");
	put_vol(".hidden.yaml", "hidden");
	put_vol("notes.txt", "txt");
	put_vol("x.yaml.bak", "bak");
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	const char *paths[] = {dir};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 1}, &errs), 0);
	assert_int_equal(set.n_files, 3);
	assert_int_equal(set.n_vols, 3);
	/* byte order: "03-a" < "1-c" < "20-b" */
	assert_string_equal(set.vols[0].name, "a");
	assert_string_equal(set.vols[1].name, "c");
	assert_string_equal(set.vols[2].name, "b");
	char *want = path("03-a.yml");
	assert_string_equal(set.files[0], want);
	assert_ptr_equal(set.vols[0].loc.file, set.files[0]);
	free(want);
	vmap_specset_free(&set);
	rmdir(sub);
	free(sub);
}

static void the_same_name_in_two_files_names_both_files(void **state)
{
	(void)state;
	put_vol("a.yaml", "data");
	put_vol("b.yaml", "data");
	char *a = path("a.yaml"), *b = path("b.yaml");
	const char *paths[] = {a, b};
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 2}, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].file, b);
	assert_int_equal(errs.v[0].line, 3);
	char *want = xasprintf("name is already used by the volume at %s:3:11", a);
	assert_non_null(strstr(errs.v[0].msg, want));
	free(want);
	vmap_errlist_clear(&errs);
	free(a);
	free(b);
}

static void a_file_given_twice_is_read_once(void **state)
{
	(void)state;
	put_vol("once.yaml", "once");
	char *f = path("once.yaml");
	const char *paths[] = {dir, f, f};
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 3}, &errs), 0);
	assert_int_equal(set.n_vols, 1);
	assert_int_equal(set.n_files, 1);
	vmap_specset_free(&set);
	free(f);
}

static void a_missing_path_fails_with_its_errno(void **state)
{
	(void)state;
	char *f = path("nope.yaml");
	const char *paths[] = {f};
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 1}, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].kind, VMAP_E_FAILED);
	assert_int_equal(errs.v[0].errnum, ENOENT);
	assert_string_equal(errs.v[0].file, f);
	vmap_errlist_clear(&errs);
	free(f);
}

static void an_empty_directory_is_an_empty_set(void **state)
{
	(void)state;
	const char *paths[] = {dir};
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 1}, &errs), 0);
	assert_int_equal(set.n_vols, 0);
	assert_int_equal(set.n_files, 0);
	vmap_specset_free(&set);
}

static void without_paths_the_spec_dir_is_used(void **state)
{
	(void)state;
	put_vol("v.yaml", "from-env");
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.spec_dir = dir}, &errs), 0);
	assert_int_equal(set.n_vols, 1);
	assert_string_equal(set.vols[0].name, "from-env");
	vmap_specset_free(&set);
	/* a spec dir that was named but is not there is an error, not "no volumes" */
	char *gone = path("gone");
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.spec_dir = gone}, &errs),
			 -1);
	assert_int_equal(errs.v[0].errnum, ENOENT);
	vmap_errlist_clear(&errs);
	free(gone);
}

/* The default set under a root: /etc over /run over /usr/lib, by file
 * name; a link to /dev/null masks; read in file name order. */
static void default_set_layers_etc_over_run_over_usr_lib(void **state)
{
	(void)state;
	const char *layers[] = {"etc", "run", "usr", "usr/lib", "etc/vmapctl", "run/vmapctl",
				"usr/lib/vmapctl", "etc/vmapctl/volumes.d", "run/vmapctl/volumes.d",
				"usr/lib/vmapctl/volumes.d"};
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		char *p = path(layers[i]);
		assert_int_equal(mkdir(p, 0755), 0);
		free(p);
	}
	put_vol("usr/lib/vmapctl/volumes.d/10-base.yaml", "vendor");
	put_vol("etc/vmapctl/volumes.d/10-base.yaml", "admin");   /* overrides the vendor's */
	put_vol("usr/lib/vmapctl/volumes.d/20-extra.yaml", "extra");
	put_vol("run/vmapctl/volumes.d/05-early.yml", "early");
	put_vol("usr/lib/vmapctl/volumes.d/30-gone.yaml", "gone");
	char *mask = path("etc/vmapctl/volumes.d/30-gone.yaml");
	assert_int_equal(symlink("/dev/null", mask), 0);
	free(mask);

	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.root = dir}, &errs), 0);
	assert_int_equal(set.n_vols, 3);
	assert_string_equal(set.vols[0].name, "early");
	assert_string_equal(set.vols[1].name, "admin");
	assert_string_equal(set.vols[2].name, "extra");
	/* errors name the file that was really read */
	char *want = path("etc/vmapctl/volumes.d/10-base.yaml");
	assert_string_equal(set.vols[1].loc.file, want);
	free(want);
	vmap_specset_free(&set);

	struct vmap_spec_file *f;
	size_t n;
	vmap_spec_layers(dir, &f, &n);
	assert_int_equal(n, 4);
	assert_string_equal(f[1].name, "10-base.yaml");
	assert_string_equal(f[1].dir, "/etc/vmapctl/volumes.d");
	assert_int_equal(f[1].n_overrides, 1);
	assert_true(f[3].masked);
	assert_string_equal(f[3].name, "30-gone.yaml");
	vmap_spec_files_free(f, n);

	/* a spec directory given replaces the whole layered set */
	char *only = path("run/vmapctl/volumes.d");
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.root = dir,
		.spec_dir = only}, &errs), 0);
	assert_int_equal(set.n_vols, 1);
	vmap_specset_free(&set);
	free(only);
}

static void a_file_over_the_cap_is_refused_unread(void **state)
{
	(void)state;
	char *f = path("huge.yaml");
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	/* sparse: the size is what counts, nothing needs writing */
	assert_int_equal(ftruncate(fileno(fp), (16 << 20) + 1), 0);
	fclose(fp);
	const char *paths[] = {f};
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 1}, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].kind, VMAP_E_SPEC);
	assert_non_null(strstr(errs.v[0].msg, "larger than 16 MiB"));
	vmap_errlist_clear(&errs);
	free(f);
}

static void a_broken_file_does_not_hide_errors_in_others(void **state)
{
	(void)state;
	put("a.yaml", HDR "  - name: [\n");
	put("b.yaml", HDR "  - name: b\n    sise: 1\n    table: \"0 8 zero\"\n"
		      "  - name: c\n    targets:\n      - type: linear\n        size: 8\n"
		      "        device: {volume: in-the-broken-file}\n");
	const char *paths[] = {dir};
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 1}, &errs), -1);
	/* the syntax error, the unknown key; not the reference: it may point
	 * into the file that could not be read */
	if (errs.n != 2)
		dump_errors(&errs);
	assert_int_equal(errs.n, 2);
	assert_non_null(strstr(errs.v[0].msg, "invalid YAML"));
	assert_non_null(strstr(errs.v[1].msg, "unknown key 'sise'"));
	vmap_errlist_clear(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_directory_is_its_yaml_files_in_name_order, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(the_same_name_in_two_files_names_both_files, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_file_given_twice_is_read_once, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_missing_path_fails_with_its_errno, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(an_empty_directory_is_an_empty_set, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(without_paths_the_spec_dir_is_used, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(default_set_layers_etc_over_run_over_usr_lib, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_file_over_the_cap_is_refused_unread, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_broken_file_does_not_hide_errors_in_others, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
