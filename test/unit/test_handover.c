/* test_handover.c: concurrent activations hand their devices to one
 * runner (exec/handover.h): the first to announce runs, the others hand
 * over naming it; the runner makes another round exactly when a device was
 * announced since its round began; its last round (the bound) makes
 * later announcers wait and run themselves instead of handing over. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "base/util.h"
#include "exec/handover.h"

static char dir[64];

/* the devices the activations announce */
#define DEV_A makedev(7, 0)
#define DEV_B makedev(7, 1)
#define DEV_C makedev(8, 16)
#define DEV_H makedev(8, 32)

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vmap-handover-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static struct vmap_handover_state read_state(void)
{
	struct vmap_handover_state st;
	struct vmap_errlist errs = {0};
	assert_int_equal(vmap_handover_read(dir, &st, &errs), 0);
	assert_int_equal(errs.n, 0);
	return st;
}

static void a_round_is_due_only_when_the_generation_moved_and_it_was_not_the_last(void **state)
{
	(void)state;
	assert_false(vmap_handover_due(5, 5, false));
	assert_true(vmap_handover_due(5, 6, false));
	assert_true(vmap_handover_due(5, 9, false));
	/* the last round: announcers after it run themselves */
	assert_false(vmap_handover_due(5, 6, true));
}

/* flock conflicts between two open files even in one process, so one
 * process can play several activations. */
static void the_first_runs_the_next_hands_over_and_its_device_gets_a_round(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	struct vmap_handover a, b, c;
	long holder = -1;
	assert_int_equal(read_state().generation, 0); /* no file yet */
	assert_int_equal(vmap_handover_enter(&a, dir, DEV_A, 0, false, -1, &holder, &errs), 1);
	assert_int_equal(holder, 0);
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_int_equal(a.covered, 1);
	/* its round waits for udev on its own device */
	assert_int_equal(a.n_devs, 1);
	assert_true(a.devs[0] == DEV_A);

	/* a disk appears during a's round: handed over, naming a */
	assert_int_equal(vmap_handover_enter(&b, dir, DEV_B, 0, false, -1, &holder, &errs), 0);
	assert_int_equal(holder, (long)getpid());
	vmap_handover_end(&b);
	assert_int_equal(read_state().generation, 2);

	/* a looks again after letting go: b's device needs a round */
	assert_true(vmap_handover_again(&a, &errs));
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_int_equal(a.covered, 2);
	/* and that round waits for udev on b's device, not a's again */
	assert_int_equal(a.n_devs, 1);
	assert_true(a.devs[0] == DEV_B);
	/* nothing came in: done, the runner lock is free */
	assert_false(vmap_handover_again(&a, &errs));
	assert_int_equal(a.runner.fd, -1);
	vmap_handover_end(&a);
	struct vmap_handover_state st = read_state();
	assert_int_equal(st.generation, 2);
	assert_int_equal(st.rounds, 2);
	assert_int_equal(st.closing, 0);

	/* the next disk finds nobody running: it runs */
	assert_int_equal(vmap_handover_enter(&c, dir, DEV_C, 0, false, -1, &holder, &errs), 1);
	vmap_handover_end(&c);
	assert_int_equal(errs.n, 0);
}

/* b announces while a still holds the lock, and a newer runner c takes the
 * lock between a's release and a's try: a stops, c's round covers b. */
static void a_runner_that_loses_the_lock_leaves_the_round_to_the_new_runner(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	struct vmap_handover a, b, c;
	long holder;
	assert_int_equal(vmap_handover_enter(&a, dir, DEV_A, 0, false, -1, &holder, &errs), 1);
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_int_equal(vmap_handover_enter(&b, dir, DEV_B, 0, false, -1, &holder, &errs), 0);
	vmap_handover_end(&b);
	/* a lets go (played by hand here), c comes in and takes the lock */
	char *lock = xstrdup(a.runner.path);
	vmap_lock_release(&a.runner);
	assert_int_equal(vmap_handover_enter(&c, dir, DEV_C, 0, false, -1, &holder, &errs), 1);
	a.runner.path = lock;
	assert_int_equal(a.runner.fd, -1);
	/* what again() does after its release: the try fails */
	struct vmap_lock retry;
	struct vmap_errlist tries = {0};
	assert_int_equal(vmap_lock_acquire(&retry, lock, 0, &tries), -1);
	vmap_errlist_clear(&tries);
	free(lock);
	a.runner.path = NULL;
	vmap_handover_end(&a);
	/* c's round began after b's announcement */
	assert_int_equal(vmap_handover_round(&c, &errs), 0);
	assert_int_equal(c.covered, 3);
	assert_false(vmap_handover_again(&c, &errs));
	vmap_handover_end(&c);
	assert_int_equal(errs.n, 0);
}

/* After VMAP_HANDOVER_MAX_ROUNDS rounds the runner stops, even with
 * announcements coming; one that comes during the last round waits for the
 * lock and runs itself. */
static void the_bound_ends_the_runner_and_a_late_device_runs_itself(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	struct vmap_handover a, b;
	long holder;
	assert_int_equal(vmap_handover_enter(&a, dir, DEV_A, 0, false, -1, &holder, &errs), 1);
	for (unsigned i = 1; i < VMAP_HANDOVER_MAX_ROUNDS; i++) {
		assert_int_equal(vmap_handover_round(&a, &errs), 0);
		assert_false(a.last);
		/* a trickle: one disk every round */
		assert_int_equal(vmap_handover_enter(&b, dir, DEV_B, 0, false, -1, &holder, &errs), 0);
		vmap_handover_end(&b);
		assert_true(vmap_handover_again(&a, &errs));
	}
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_true(a.last);
	assert_int_equal(read_state().closing, (long)getpid());

	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct vmap_handover h;
		struct vmap_errlist e = {0};
		long who;
		if (write(ready[1], "x", 1) != 1)
			_exit(9);
		int r = vmap_handover_enter(&h, dir, DEV_H, 10, false, -1, &who, &e);
		/* the runner now: its first round clears the closing mark */
		if (r == 1 && vmap_handover_round(&h, &e) == 0 && !vmap_handover_again(&h, &e))
			_exit(h.rounds == 1 && h.covered == VMAP_HANDOVER_MAX_ROUNDS + 1 ? 1 : 8);
		_exit(r == 0 ? 0 : 7);
	}
	char x;
	assert_int_equal(read(ready[0], &x, 1), 1);
	/* the child announces and finds the lock held by a closing runner */
	for (int i = 0; i < 200 && read_state().generation < VMAP_HANDOVER_MAX_ROUNDS + 1; i++)
		usleep(10000);
	usleep(100000);
	/* announced after the last round began: not a's, although it moved */
	assert_false(vmap_handover_again(&a, &errs));
	vmap_handover_end(&a);
	/* a's mark is gone once it let go: later announcers hand over again */
	assert_int_not_equal(read_state().closing, (long)getpid());
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1); /* it ran, its round covered itself */
	assert_int_equal(read_state().closing, 0);
	assert_int_equal(read_state().rounds, VMAP_HANDOVER_MAX_ROUNDS + 1);
	assert_int_equal(errs.n, 0);
	close(ready[0]);
	close(ready[1]);
}

/* The udev helper's hand-over (vmap_handover_announce): with no runner it
 * takes the runner lock and passes it on to the whole activation it
 * becomes, so a disk announced meanwhile hands over to it; with a runner it
 * hands over; with a runner in its last round the whole activation is due,
 * and the helper leaves the runner's lock alone. */
static void the_udev_helper_hands_over_to_a_runner_and_passes_the_lock_it_took_to_the_whole_activation(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	struct vmap_handover a, b;
	long holder = -1;
	int fd = -1, fd2 = -1;
	/* nobody runs: the whole activation is due, and the helper holds
	 * the lock for it */
	assert_int_equal(vmap_handover_announce(dir, DEV_B, &holder, &fd, &errs), 1);
	assert_true(fd > 2);
	assert_int_equal(read_state().generation, 1);
	/* a disk appearing while the whole activation starts hands over */
	assert_int_equal(vmap_handover_announce(dir, DEV_C, &holder, &fd2, &errs), 0);
	assert_int_equal(holder, (long)getpid());
	assert_int_equal(fd2, -1);
	/* a descriptor that is not the lock's is not taken for it: the try
	 * fails, the lock being held through fd */
	int other = open("/dev/null", O_RDONLY);
	assert_true(other > 2);
	assert_int_equal(vmap_handover_enter(&b, dir, DEV_A, 0, false, other, &holder, &errs), 0);
	vmap_handover_end(&b);
	close(other);
	/* the whole activation announces again and takes the lock over; its
	 * round takes every device announced so far, each once */
	assert_int_equal(vmap_handover_enter(&a, dir, DEV_B, 0, false, fd, &holder, &errs), 1);
	assert_int_equal(a.runner.fd, fd);
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_int_equal(a.n_devs, 3);
	assert_true(a.devs[0] == DEV_B);
	assert_true(a.devs[1] == DEV_C);
	assert_true(a.devs[2] == DEV_A);

	/* a runner in its last round owes later devices nothing: the whole
	 * activation is due (it waits for the lock and runs), and the
	 * helper did not take the lock from the runner */
	while (!a.last) {
		assert_int_equal(vmap_handover_announce(dir, DEV_A, &holder, &fd2, &errs), 0);
		assert_true(vmap_handover_again(&a, &errs));
		assert_int_equal(vmap_handover_round(&a, &errs), 0);
	}
	assert_int_equal(vmap_handover_announce(dir, DEV_H, &holder, &fd2, &errs), 1);
	assert_int_equal(fd2, -1);
	assert_true(a.runner.fd >= 0);
	assert_false(vmap_handover_again(&a, &errs));
	vmap_handover_end(&a);
	assert_int_equal(errs.n, 0);
}

/* A disk's later event needs no announcement while its line waits for the
 * round of a runner that lives; once the round took it, or the runner is
 * gone, it does. */
static void a_disk_is_pending_while_its_line_waits_for_a_living_runner(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	struct vmap_handover a;
	long holder;
	/* nothing announced, nobody runs */
	assert_false(vmap_handover_pending(dir, DEV_A));
	assert_int_equal(vmap_handover_enter(&a, dir, DEV_A, 0, false, -1, &holder, &errs), 1);
	assert_true(vmap_handover_pending(dir, DEV_A));
	assert_false(vmap_handover_pending(dir, DEV_B));
	/* the round took the line */
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_false(vmap_handover_pending(dir, DEV_A));
	int fd;
	assert_int_equal(vmap_handover_announce(dir, DEV_B, &holder, &fd, &errs), 0);
	assert_true(vmap_handover_pending(dir, DEV_B));
	/* the runner is gone (a pid that was and is no more in the lock
	 * file): its lines are owed by nobody */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	char *lock = xasprintf("%s/activate.lock", dir);
	FILE *f = fopen(lock, "w");
	assert_non_null(f);
	fprintf(f, "%ld\n", (long)child);
	fclose(f);
	free(lock);
	assert_false(vmap_handover_pending(dir, DEV_B));
	vmap_handover_end(&a);
	assert_int_equal(errs.n, 0);
}

static void announced_devices_are_read_once_each_in_order_and_torn_lines_skipped(void **state)
{
	(void)state;
	dev_t *v;
	size_t n = vmap_handover_parse_devices("7:1\n8:16\n7:1\n259:3\n", &v);
	assert_int_equal(n, 3);
	assert_true(v[0] == makedev(7, 1));
	assert_true(v[1] == makedev(8, 16));
	assert_true(v[2] == makedev(259, 3));
	free(v);
	/* junk, a line with more on it, and one cut short (no newline) */
	n = vmap_handover_parse_devices("x\n7:2 \n\n7:3\n8:4", &v);
	assert_int_equal(n, 1);
	assert_true(v[0] == makedev(7, 3));
	free(v);
	assert_int_equal(vmap_handover_parse_devices("", &v), 0);
	free(v);
}

/* A storm: many announce while the runner works (each disk twice: add,
 * change); its next round takes each device once, and the one after only
 * what came in since. */
static void a_round_takes_every_device_announced_before_it_once(void **state)
{
	(void)state;
	struct vmap_errlist errs = {0};
	struct vmap_handover a, b;
	long holder;
	assert_int_equal(vmap_handover_enter(&a, dir, DEV_A, 0, false, -1, &holder, &errs), 1);
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	for (unsigned i = 1; i <= 50; i++)
		for (int ev = 0; ev < 2; ev++) {
			assert_int_equal(vmap_handover_enter(&b, dir, makedev(7, i), 0, false, -1, &holder, &errs), 0);
			vmap_handover_end(&b);
		}
	assert_true(vmap_handover_again(&a, &errs));
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_int_equal(a.n_devs, 50);
	for (unsigned i = 0; i < 50; i++)
		assert_true(a.devs[i] == makedev(7, i + 1));
	assert_int_equal(vmap_handover_enter(&b, dir, DEV_C, 0, false, -1, &holder, &errs), 0);
	vmap_handover_end(&b);
	assert_true(vmap_handover_again(&a, &errs));
	assert_int_equal(vmap_handover_round(&a, &errs), 0);
	assert_int_equal(a.n_devs, 1);
	assert_true(a.devs[0] == DEV_C);
	assert_false(vmap_handover_again(&a, &errs));
	vmap_handover_end(&a);
	assert_int_equal(errs.n, 0);
}

static void a_planted_state_symlink_is_refused(void **state)
{
	(void)state;
	char *p = xasprintf("%s/activate.state", dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	struct vmap_errlist errs = {0};
	struct vmap_handover h;
	long holder;
	assert_int_equal(vmap_handover_enter(&h, dir, DEV_H, 0, false, -1, &holder, &errs), -1);
	vmap_handover_end(&h);
	assert_true(errs.n >= 1);
	assert_int_equal(errs.v[0].kind, VMAP_E_FAILED);
	vmap_errlist_clear(&errs);
	unlink(p);
	free(p);
}

/* --detach (udev's RUN waits for its program): the runner goes on in a
 * child in a session of its own, holding the lock, while the process
 * udev started exits 0; an activation that hands over forks nothing. */
static void with_detach_the_runner_goes_on_in_its_own_session_and_a_hand_over_forks_nothing(void **state)
{
	(void)state;
	int msg[2], go[2];
	assert_int_equal(pipe(msg), 0);
	assert_int_equal(pipe(go), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(msg[0]);
		close(go[1]);
		struct vmap_handover h;
		struct vmap_errlist e = {0};
		long who;
		int r = vmap_handover_enter(&h, dir, DEV_A, 0, true, -1, &who, &e);
		/* the runner's child only: where it runs and what it holds */
		long out[3] = {getpid(), getsid(0), r};
		if (write(msg[1], out, sizeof(out)) != sizeof(out))
			_exit(9);
		char x;
		/* hold the runner lock until the test has handed over */
		(void)read(go[0], &x, 1);
		vmap_handover_end(&h);
		_exit(0);
	}
	close(go[0]);
	int status;
	/* the process udev would wait for ends at once, with 0 */
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	long got[3];
	assert_int_equal(read(msg[0], got, sizeof(got)), sizeof(got));
	assert_int_equal(got[2], 1);            /* the runner */
	assert_true(got[0] != (long)child);     /* ... in a child */
	assert_int_equal(got[1], got[0]);       /* ... leading a session of its own */
	long runner = got[0];
	/* the next activation hands over in its own process, without a fork:
	 * it reports its own pid and its own exit code */
	pid_t next = fork();
	assert_true(next >= 0);
	if (next == 0) {
		close(msg[0]);
		struct vmap_handover h;
		struct vmap_errlist e = {0};
		long who = 0;
		int r = vmap_handover_enter(&h, dir, DEV_B, 0, true, -1, &who, &e);
		long out[3] = {getpid(), who, r};
		if (write(msg[1], out, sizeof(out)) != sizeof(out))
			_exit(9);
		vmap_handover_end(&h);
		_exit(3);
	}
	assert_int_equal(waitpid(next, &status, 0), next);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_int_equal(read(msg[0], got, sizeof(got)), sizeof(got));
	assert_int_equal(got[0], (long)next);
	assert_int_equal(got[2], 0);            /* handed over ... */
	assert_int_equal(got[1], runner);       /* ... naming the runner's child */
	close(msg[1]);
	close(go[1]);                           /* ... and the runner ends */
	char x;
	/* EOF once the runner (not our child: it cannot be waited for) is gone */
	assert_int_equal(read(msg[0], &x, 1), 0);
	close(msg[0]);
	assert_int_equal(read_state().generation, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_round_is_due_only_when_the_generation_moved_and_it_was_not_the_last),
		cmocka_unit_test_setup_teardown(the_first_runs_the_next_hands_over_and_its_device_gets_a_round, setup, teardown),
		cmocka_unit_test_setup_teardown(a_runner_that_loses_the_lock_leaves_the_round_to_the_new_runner, setup, teardown),
		cmocka_unit_test_setup_teardown(the_bound_ends_the_runner_and_a_late_device_runs_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(the_udev_helper_hands_over_to_a_runner_and_passes_the_lock_it_took_to_the_whole_activation, setup, teardown),
		cmocka_unit_test_setup_teardown(a_disk_is_pending_while_its_line_waits_for_a_living_runner, setup, teardown),
		cmocka_unit_test(announced_devices_are_read_once_each_in_order_and_torn_lines_skipped),
		cmocka_unit_test_setup_teardown(a_round_takes_every_device_announced_before_it_once, setup, teardown),
		cmocka_unit_test_setup_teardown(a_planted_state_symlink_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(with_detach_the_runner_goes_on_in_its_own_session_and_a_hand_over_forks_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
