/* test_spec_corpus.c: every malformed spec of test/bad-specs/, in process
 * on the host: the error its "# expect: LINE:COL: MESSAGE" line names is
 * reported, at that place, as a spec error, in well under a second, and no
 * key material is shown.  (test/bats/validate.bats checks the same through
 * the command in the VM; timing is only reliable here.) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "spec_test.h"

#include "targets/target.h"

#define CORPUS "test/bad-specs"

static char *slurp_first_lines(const char *path, char **requires)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *expect = NULL;
	size_t cap = 0;
	*requires = NULL;
	if (!f)
		return NULL;
	for (int i = 0; i < 4 && getline(&line, &cap, f) > 0; i++) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "# expect: ", 10))
			expect = xstrdup(line + 10);
		else if (!strncmp(line, "# requires: ", 12))
			*requires = xstrdup(line + 12);
	}
	free(line);
	fclose(f);
	return expect;
}

/* The file of an entry holding "# expect:" (a directory entry: one of its files). */
static char *expect_file(const char *entry, char **expect, char **requires)
{
	struct stat st;
	assert_int_equal(stat(entry, &st), 0);
	if (!S_ISDIR(st.st_mode)) {
		*expect = slurp_first_lines(entry, requires);
		return xstrdup(entry);
	}
	DIR *d = opendir(entry);
	struct dirent *de;
	char *found = NULL;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", entry, de->d_name);
		char *req;
		char *e = slurp_first_lines(p, &req);
		if (e) {
			found = p;
			*expect = e;
			*requires = req;
		} else {
			free(p);
			free(req);
		}
	}
	closedir(d);
	return found;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool check_entry(const char *entry, size_t *skipped)
{
	char *expect = NULL, *requires = NULL;
	char *file = expect_file(entry, &expect, &requires);
	bool ok = true;
	if (!file || !expect) {
		fprintf(stderr, "# %s: no '# expect:' line\n", entry);
		ok = false;
		goto out;
	}
	if (requires && !vmap_target_type_find(requires)) {
		(*skipped)++;
		goto out;
	}
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	const char *paths[] = {entry};
	double t0 = now();
	int r = vmap_specset_load(&set, &(struct vmap_spec_source){.paths = (const char *const *)paths, .n_paths = 1}, &errs);
	double secs = now() - t0;
	char *want = xasprintf("%s:%s", file, expect);
	bool found = false;
	for (size_t i = 0; i < errs.n; i++) {
		char *m = vmap_error_format(&errs.v[i]);
		if (strstr(m, want))
			found = true;
		if (strstr(m, "0011223344")) {
			fprintf(stderr, "# %s: key material in '%s'\n", entry, m);
			ok = false;
		}
		free(m);
	}
	if (r != -1 || !found || vmap_errlist_worst(&errs) != VMAP_E_SPEC || secs >= 1.0) {
		fprintf(stderr, "# %s: wanted '%s' (%.3f s, %zu errors):\n", entry, want, secs, errs.n);
		dump_errors(&errs);
		ok = false;
	}
	free(want);
	vmap_errlist_clear(&errs);
	if (r == 0)
		vmap_specset_free(&set);
out:
	free(file);
	free(expect);
	free(requires);
	return ok;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void every_bad_spec_fails_where_it_says_in_under_a_second(void **state)
{
	(void)state;
	/* from inside the corpus, as the bats test runs it: messages name
	 * other files by the paths given */
	int top = open(".", O_RDONLY | O_DIRECTORY);
	if (chdir(CORPUS) < 0)
		fail_msg("cannot enter %s (run from the top of the tree)", CORPUS);
	DIR *d = opendir(".");
	char **names = NULL;
	size_t n = 0, cap = 0, skipped = 0, bad = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* entries: *.yaml files and directories (README.md is not one) */
		size_t l = strlen(de->d_name);
		struct stat st;
		if (de->d_name[0] == '.' || stat(de->d_name, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) || (l > 5 && !strcmp(de->d_name + l - 5, ".yaml")))
			VEC_PUSH(names, n, cap, xstrdup(de->d_name));
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!check_entry(names[i], &skipped))
			bad++;
		free(names[i]);
	}
	free(names);
	assert_int_equal(fchdir(top), 0);
	close(top);
	fprintf(stderr, "# %zu bad specs, %zu waiting for target types\n", n, skipped);
	assert_true(n >= 40);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_bad_spec_fails_where_it_says_in_under_a_second),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
