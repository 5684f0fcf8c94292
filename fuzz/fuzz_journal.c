/* fuzz_journal.c: libFuzzer target for the journals recover reads
 * (exec/journal.h): /run/vmapctl/journal.json and migration-*.json.  A
 * run killed at any point, a full /run or a hand edit can leave any bytes
 * there, and recover is what must then not crash.
 *
 * The first byte picks the file: even, the run's journal; odd, a
 * migration's.  The rest is written as that file and read.  What reads
 * is written back and read again, and must come back the same (the
 * devices, cookies and workers recover acts on). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "exec/journal.h"
#include "fuzz_target.h"

static char dir[] = "/tmp/fuzz-journal-XXXXXX";

static void put(const char *name, const uint8_t *d, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f);
	CHECK(fwrite(d, 1, n, f) == n);
	CHECK(fclose(f) == 0);
	free(path);
}

static void same_pids(const struct vmap_journal_pids *a, const struct vmap_journal_pids *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		CHECK(a->v[i] == b->v[i]);
}

static void run_journal(const uint8_t *d, size_t n)
{
	put("journal.json", d, n);
	struct vmap_journal j, k;
	bool found = false;
	struct vmap_errlist errs = {0};
	int r = vmap_journal_read(dir, &j, &found, &errs);
	vmap_errlist_clear(&errs);
	if (r < 0) {
		CHECK(!found);
		return;
	}
	CHECK(found);
	CHECK(vmap_journal_write(dir, &j, &errs) == 0);
	CHECK(vmap_journal_read(dir, &k, &found, &errs) == 0 && found);
	CHECK(j.pid == k.pid && j.started == k.started);
	CHECK(j.n_devs == k.n_devs);
	for (size_t i = 0; i < j.n_devs; i++) {
		CHECK(!strcmp(j.devs[i].name, k.devs[i].name));
		CHECK(!strcmp(j.devs[i].uuid ? j.devs[i].uuid : "", k.devs[i].uuid));
		CHECK(j.devs[i].flags == k.devs[i].flags);
		CHECK(j.devs[i].dm_flags == k.devs[i].dm_flags);
	}
	CHECK(j.n_cookies == k.n_cookies);
	for (size_t i = 0; i < j.n_cookies; i++)
		CHECK(j.cookies[i] == k.cookies[i]);
	same_pids(&j.workers, &k.workers);
	vmap_journal_free(&j);
	vmap_journal_free(&k);
	CHECK(errs.n == 0);
}

static void run_migration(const uint8_t *d, size_t n)
{
	put("migration-v.json", d, n);
	struct vmap_migration *m = NULL, *k = NULL;
	size_t nm = 0, nk = 0;
	struct vmap_errlist errs = {0};
	vmap_migrations_read(dir, &m, &nm, &errs);
	vmap_errlist_clear(&errs);
	CHECK(nm <= 1);
	if (nm == 1) {
		/* written back under its own volume's name, read with it */
		char *path = xasprintf("%s/migration-v.json", dir);
		unlink(path);
		free(path);
		CHECK(vmap_migration_write(dir, &m[0], &errs) == 0);
		vmap_migrations_read(dir, &k, &nk, &errs);
		CHECK(nk == 1);
		CHECK(!strcmp(m[0].volume, k[0].volume) && !strcmp(m[0].phase, k[0].phase));
		CHECK(!strcmp(m[0].old_table, k[0].old_table));
		CHECK(!strcmp(m[0].new_table, k[0].new_table));
		CHECK(m[0].sectors == k[0].sectors && m[0].pid == k[0].pid);
		CHECK(m[0].n_cookies == k[0].n_cookies);
		same_pids(&m[0].workers, &k[0].workers);
		vmap_migration_remove(dir, k[0].volume, &errs);
		vmap_migration_free(&k[0]);
		free(k);
		vmap_migration_free(&m[0]);
	}
	free(m);
	vmap_errlist_clear(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	if (!strcmp(dir + sizeof(dir) - 7, "XXXXXX") && !mkdtemp(dir))
		abort();
	if (d[0] & 1)
		run_migration(d + 1, n - 1);
	else
		run_journal(d + 1, n - 1);
	return 0;
}
