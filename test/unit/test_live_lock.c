/* test_live_lock.c: the run lock excludes, times out with VMAP_E_LOCK
 * naming the holder, refuses planted files; memory locking reports; the
 * journal keeps devices and udev cookies; signals are recorded, ignored
 * ones stay ignored, and a deadline interrupts a blocking call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#include "exec/journal.h"
#include "exec/lock.h"
#include "exec/signals.h"
#include "base/util.h"

static char dir[64];
static char *path;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vmap-lock-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path = xasprintf("%s/vmapctl.lock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	free(path);
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* flock conflicts between two open files even in one process, so one
 * process can play both runs. */
static void second_taker_waits_then_fails_naming_the_holder(void **state)
{
	(void)state;
	struct vmap_lock a, b;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_lock_acquire(&a, path, 0, &errs), 0);
	double t0 = now();
	assert_int_equal(vmap_lock_acquire(&b, path, 0.3, &errs), -1);
	double waited = now() - t0;
	assert_true(waited >= 0.3 && waited < 2.0);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].kind, VMAP_E_LOCK);
	char *pid = xasprintf("(pid %ld)", (long)getpid());
	assert_non_null(strstr(errs.v[0].msg, pid));
	assert_non_null(strstr(errs.v[0].msg, "gave up after 0.3 s"));
	assert_non_null(strstr(errs.v[0].msg, path)); /* the lock it was given */
	free(pid);
	vmap_errlist_clear(&errs);

	/* timeout 0: tried once, at once */
	t0 = now();
	assert_int_equal(vmap_lock_acquire(&b, path, 0, &errs), -1);
	assert_true(now() - t0 < 0.2);
	assert_non_null(strstr(errs.v[0].msg, "tried once"));
	vmap_errlist_clear(&errs);

	vmap_lock_release(&a);
	assert_int_equal(vmap_lock_acquire(&b, path, 0, &errs), 0);
	vmap_lock_release(&b);
	vmap_lock_release(&b); /* twice is harmless */
}

/* Another process holds it: refused with its pid; once it is killed
 * (no chance to release) the lock is free at once. */
static void a_killed_holder_frees_the_lock(void **state)
{
	(void)state;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct vmap_lock lk;
		struct vmap_errlist e = {0};
		if (vmap_lock_acquire(&lk, path, 0, &e) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	struct vmap_lock a;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_lock_acquire(&a, path, 0.1, &errs), -1);
	assert_int_equal(errs.v[0].kind, VMAP_E_LOCK);
	char *pid = xasprintf("(pid %ld)", (long)child);
	assert_non_null(strstr(errs.v[0].msg, pid));
	free(pid);
	vmap_errlist_clear(&errs);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(vmap_lock_acquire(&a, path, 0, &errs), 0);
	vmap_lock_release(&a);
	close(ready[0]);
	close(ready[1]);
}

static void holder_pid_is_cleared_on_release(void **state)
{
	(void)state;
	struct vmap_lock a;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_lock_acquire(&a, path, 0, &errs), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	vmap_lock_release(&a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void a_planted_symlink_is_not_followed(void **state)
{
	(void)state;
	char *target = xasprintf("%s/elsewhere", dir);
	assert_int_equal(symlink(target, path), 0);
	struct vmap_lock a;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_lock_acquire(&a, path, 0, &errs), -1);
	assert_int_equal(errs.v[0].kind, VMAP_E_FAILED);
	assert_int_equal(errs.v[0].errnum, ELOOP);
	assert_int_equal(access(target, F_OK), -1); /* nothing was created there */
	vmap_errlist_clear(&errs);
	free(target);
}

static void memlock_reports_what_it_did(void **state)
{
	(void)state;
	int e = -1;
	enum vmap_memlock r = vmap_memlock_all(&e);
#if defined(__SANITIZE_ADDRESS__)
	assert_int_equal(r, VMAP_MEMLOCK_SKIPPED);
#else
	if (r == VMAP_MEMLOCK_FAILED)
		assert_true(e == EPERM || e == ENOMEM || e == EAGAIN);
	else
		assert_int_equal(r, VMAP_MEMLOCK_LOCKED);
#endif
	vmap_memunlock_all();
}

static void the_journal_keeps_devices_and_udev_cookies(void **state)
{
	(void)state;
	char low[] = "low", lowu[] = "VMAP-low", nw[] = "new", nwu[] = "VMAP-new";
	struct vmap_journal_dev devs[2] = {
		{low, lowu, VMAP_JOURNAL_LOADED | VMAP_JOURNAL_SUSPENDS, 3},
		{nw, nwu, VMAP_JOURNAL_CREATES, 0},
	};
	uint32_t cookies[2] = {0x0d4d1234u, 0xffffffffu};
	struct vmap_journal j = {.pid = 42, .started = 1700000000, .devs = devs, .n_devs = 2,
				 .cookies = cookies, .n_cookies = 2};
	struct vmap_errlist e = {0};
	assert_int_equal(vmap_journal_write(dir, &j, &e), 0);
	struct vmap_journal r;
	bool found = false;
	assert_int_equal(vmap_journal_read(dir, &r, &found, &e), 0);
	assert_true(found);
	assert_int_equal(r.pid, 42);
	assert_int_equal(r.n_devs, 2);
	assert_string_equal(r.devs[0].name, "low");
	assert_int_equal(r.devs[0].flags, VMAP_JOURNAL_LOADED | VMAP_JOURNAL_SUSPENDS);
	assert_int_equal(r.devs[0].dm_flags, 3);
	assert_int_equal(r.devs[1].flags, VMAP_JOURNAL_CREATES);
	assert_int_equal(r.n_cookies, 2);
	assert_int_equal(r.cookies[0], 0x0d4d1234u);
	assert_int_equal(r.cookies[1], 0xffffffffu);
	vmap_journal_free(&r);
	assert_int_equal(vmap_journal_remove(dir, &e), 0);
	assert_int_equal(e.n, 0);
}

/* The processes that worked under a journal after its run (a recover):
 * each once, never the run's own pid, and kept through a write and a
 * read, so a later recover can look for the cookies each one made. */
static void the_journal_keeps_the_pids_of_later_workers(void **state)
{
	(void)state;
	struct vmap_journal j = {.pid = 42, .started = 1700000000};
	assert_false(vmap_journal_pids_add(&j.workers, j.pid, 42));
	assert_true(vmap_journal_pids_add(&j.workers, j.pid, 43));
	assert_false(vmap_journal_pids_add(&j.workers, j.pid, 43));
	assert_true(vmap_journal_pids_add(&j.workers, j.pid, 44));
	struct vmap_errlist e = {0};
	assert_int_equal(vmap_journal_write(dir, &j, &e), 0);
	free(j.workers.v);
	struct vmap_journal r;
	bool found = false;
	assert_int_equal(vmap_journal_read(dir, &r, &found, &e), 0);
	assert_true(found);
	assert_int_equal(r.pid, 42);
	assert_int_equal(r.workers.n, 2);
	assert_int_equal(r.workers.v[0], 43);
	assert_int_equal(r.workers.v[1], 44);
	vmap_journal_free(&r);
	assert_int_equal(e.n, 0);
}

/* A migration journal is read back as written; one whose volume is a
 * path (recover rewrites and removes the file the volume names) or whose
 * size is negative is unreadable, never acted on. */
static void a_migration_journal_naming_a_path_is_unreadable(void **state)
{
	(void)state;
	char v[] = "v", u[] = "VMAP-v", ot[] = "0 8 linear 7:0 0", nt[] = "0 8 linear 7:1 0",
	     ph[] = "copying";
	struct vmap_migration m = {.volume = v, .uuid = u, .sectors = 8, .old_table = ot,
				   .new_table = nt, .phase = ph, .pid = 7};
	assert_true(vmap_journal_pids_add(&m.workers, m.pid, 9));
	struct vmap_errlist e = {0};
	assert_int_equal(vmap_migration_write(dir, &m, &e), 0);
	free(m.workers.v);
	struct vmap_migration *r;
	size_t n;
	assert_int_equal(vmap_migrations_read(dir, &r, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].volume, "v");
	assert_int_equal(r[0].workers.n, 1);
	assert_int_equal(r[0].workers.v[0], 9);
	vmap_migration_free(&r[0]);
	free(r);
	assert_int_equal(vmap_migration_remove(dir, "v", &e), 0);
	static const char *const bad[] = {
		"{\"volume\":\"../x\",\"oldTable\":\"a\",\"newTable\":\"b\",\"phase\":\"copying\","
		"\"sectors\":8}",
		"{\"volume\":\"v\",\"oldTable\":\"a\",\"newTable\":\"b\",\"phase\":\"copying\","
		"\"sectors\":-8}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *jp = xasprintf("%s/migration-v.json", dir);
		FILE *f = fopen(jp, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		assert_int_equal(vmap_migrations_read(dir, &r, &n, &e), -1);
		assert_int_equal(n, 0);
		free(r);
		unlink(jp);
		free(jp);
		assert_true(e.n > 0);
		vmap_errlist_clear(&e);
	}
}

/* A journal left by an earlier vmapctl, which wrote every flag (false
 * ones too) and dmFlags 0, pretty-printed: recover must read it as the
 * writer meant it. */
static void a_journal_with_every_flag_written_reads_the_same(void **state)
{
	(void)state;
	char *jp = xasprintf("%s/journal.json", dir);
	FILE *f = fopen(jp, "w");
	assert_non_null(f);
	fputs("{\n  \"format\":\"vmapctl-journal/1\",\n  \"pid\":7,\n  \"started\":1700000000,\n"
	      "  \"devices\":[\n"
	      "    { \"name\":\"a\", \"uuid\":\"VMAP-a\", \"loaded\":true, \"suspends\":false,"
	      " \"creates\":false, \"dmFlags\":0 },\n"
	      "    { \"name\":\"b\", \"uuid\":\"\", \"loaded\":false, \"suspends\":false,"
	      " \"creates\":true, \"dmFlags\":2 }\n  ],\n  \"udevCookies\":[ 222 ]\n}\n", f);
	assert_int_equal(fclose(f), 0);
	struct vmap_journal r;
	bool found = false;
	struct vmap_errlist e = {0};
	assert_int_equal(vmap_journal_read(dir, &r, &found, &e), 0);
	assert_true(found);
	assert_int_equal(r.pid, 7);
	assert_int_equal(r.n_devs, 2);
	assert_int_equal(r.devs[0].flags, VMAP_JOURNAL_LOADED);
	assert_int_equal(r.devs[0].dm_flags, 0);
	assert_int_equal(r.devs[1].flags, VMAP_JOURNAL_CREATES);
	assert_int_equal(r.devs[1].dm_flags, 2);
	assert_int_equal(r.n_cookies, 1);
	assert_int_equal(r.cookies[0], 222);
	vmap_journal_free(&r);
	assert_int_equal(vmap_journal_remove(dir, &e), 0);
	free(jp);
}

/* The suspend's bound: the deadline's SIGALRM interrupts a call that
 * would wait for ever (here a read of an empty pipe; in a run, the
 * kernel's flush suspend), and fires again if it came too early. */
static void a_deadline_interrupts_a_blocking_call(void **state)
{
	(void)state;
	struct vmap_signals s = {0};
	vmap_signals_catch(&s);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	char c;
	double t0 = now();
	vmap_deadline_start(0.2);
	ssize_t n = read(fds[0], &c, 1);
	int err = errno;
	bool late = vmap_deadline_stop();
	double took = now() - t0;
	assert_int_equal(n, -1);
	assert_int_equal(err, EINTR);
	assert_true(late);
	assert_true(took >= 0.19 && took < 3);
	/* disarmed: nothing fires any more */
	vmap_deadline_start(0);
	assert_false(vmap_deadline_stop());
	close(fds[0]);
	close(fds[1]);
	vmap_signals_restore(&s);
}

static void a_caught_signal_is_recorded_and_an_ignored_one_stays_ignored(void **state)
{
	(void)state;
	signal(SIGHUP, SIG_IGN);
	struct vmap_signals s = {0};
	vmap_signals_catch(&s);
	raise(SIGHUP);
	assert_int_equal(vmap_signal_caught(), 0);
	raise(SIGTERM);
	raise(SIGINT);
	/* the first one counts */
	assert_int_equal(vmap_signal_caught(), SIGTERM);
	assert_string_equal(vmap_signal_name(SIGTERM), "SIGTERM");
	vmap_signals_restore(&s);
	struct sigaction sa;
	sigaction(SIGHUP, NULL, &sa);
	assert_true(sa.sa_handler == SIG_IGN);
	sigaction(SIGTERM, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(second_taker_waits_then_fails_naming_the_holder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_killed_holder_frees_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(holder_pid_is_cleared_on_release, setup, teardown),
		cmocka_unit_test_setup_teardown(a_planted_symlink_is_not_followed, setup, teardown),
		cmocka_unit_test(memlock_reports_what_it_did),
		cmocka_unit_test_setup_teardown(the_journal_keeps_devices_and_udev_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(the_journal_keeps_the_pids_of_later_workers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_migration_journal_naming_a_path_is_unreadable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_journal_with_every_flag_written_reads_the_same, setup,
						teardown),
		cmocka_unit_test(a_deadline_interrupts_a_blocking_call),
		cmocka_unit_test(a_caught_signal_is_recorded_and_an_ignored_one_stays_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
