/* handover.c: see handover.h. */
#include "exec/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "exec/journal.h"

bool vmap_handover_due(uint64_t covered, uint64_t now, bool last)
{
	/* a counter only grows: any difference is an announcement the round
	 * may have missed */
	return !last && now != covered;
}

static char *state_path(const char *run_dir)
{
	return xasprintf("%s/activate.state", vmap_run_dir(run_dir));
}

static char *runner_path(const char *run_dir)
{
	return xasprintf("%s/activate.lock", vmap_run_dir(run_dir));
}

static void parse_state(const char *buf, struct vmap_handover_state *st)
{
	memset(st, 0, sizeof(*st));
	unsigned long long g = 0, r = 0;
	long c = 0;
	/* a file just made is empty: all zero */
	if (sscanf(buf, "%llu %llu %ld", &g, &r, &c) >= 1) {
		st->generation = g;
		st->rounds = r;
		st->closing = c > 0 ? c : 0;
	}
}

/* Open the state file (made when missing) and lock it for a short
 * read-modify-write.  Like the run lock, never follow a symlink nor use a
 * file someone else made. */
static int state_open(const char *path, const char *dir, struct vmap_errlist *errs)
{
	/* the journal's directory, made as the journal makes it (when
	 * announcing: later calls find it there) */
	if (dir && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		vmap_fail(errs, errno, NULL, "cannot create the run directory '%s'", dir);
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		vmap_fail(errs, errno, NULL, "cannot open '%s'", path);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		vmap_fail(errs, 0, NULL, "'%s' is not a regular file owned by this user (remove it)",
			  path);
		close(fd);
		return -1;
	}
	/* held for a few syscalls only: a blocking wait is fine */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			vmap_fail(errs, errno, NULL, "cannot lock '%s'", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int state_get(int fd, struct vmap_handover_state *st)
{
	char buf[96];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	parse_state(buf, st);
	return 0;
}

static int state_put(int fd, const struct vmap_handover_state *st)
{
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 " %ld\n", st->generation,
			 st->rounds, st->closing);
	/* readers hold the flock too: they never see half of it */
	if (pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n) < 0)
		return -1;
	return 0;
}

/* What each caller does to the state under its flock. */
enum state_op { OP_READ, OP_ANNOUNCE, OP_ROUND, OP_LEFT };

static int state_update(struct vmap_handover *h, const char *path, const char *dir,
			enum state_op op, struct vmap_handover_state *out,
			struct vmap_errlist *errs)
{
	int fd = state_open(path, dir, errs);
	if (fd < 0)
		return -1;
	struct vmap_handover_state st;
	int r = state_get(fd, &st);
	if (r == 0 && op != OP_READ) {
		if (op == OP_ANNOUNCE) {
			st.generation++;
		} else if (op == OP_LEFT) {
			/* the last round is over and the lock let go: whoever
			 * announces from now on may take it or hand over to
			 * whoever did (a mark left behind would make them wait
			 * for a runner that owes them nothing) */
			if (st.closing == (long)getpid())
				st.closing = 0;
		} else {
			/* the generation this round covers and, in the same
			 * critical section, whether it is the last: see the
			 * bound in handover.h */
			h->rounds++;
			h->last = h->rounds >= VMAP_HANDOVER_MAX_ROUNDS;
			h->covered = st.generation;
			st.rounds++;
			st.closing = h->last ? (long)getpid() : 0;
		}
		r = state_put(fd, &st);
	}
	if (r < 0)
		vmap_fail(errs, errno, NULL, "cannot update '%s'", path);
	else if (out)
		*out = st;
	close(fd); /* lets the flock go */
	return r;
}

int vmap_handover_read(const char *run_dir, struct vmap_handover_state *st,
		       struct vmap_errlist *errs)
{
	memset(st, 0, sizeof(*st));
	char *path = state_path(run_dir);
	int r = 0;
	if (access(path, F_OK) == 0)
		r = state_update(NULL, path, NULL, OP_READ, st, errs);
	free(path);
	return r;
}

/* Try the runner lock once.  1 taken, 0 held by another, -1 error. */
static int try_runner(struct vmap_handover *h, const char *path, struct vmap_errlist *errs)
{
	struct vmap_errlist tries = {0};
	int r = vmap_lock_acquire(&h->runner, path, 0, &tries);
	if (r == 0)
		return 1;
	bool held = vmap_errlist_worst(&tries) == VMAP_E_LOCK;
	if (!held)
		vmap_errlist_move(errs, &tries);
	vmap_errlist_clear(&tries);
	return held ? 0 : -1;
}

int vmap_handover_enter(struct vmap_handover *h, const char *run_dir, double wait_s,
			long *holder, struct vmap_errlist *errs)
{
	memset(h, 0, sizeof(*h));
	h->runner.fd = -1;
	*holder = 0;
	h->state_path = state_path(run_dir);
	char *lock_path = runner_path(run_dir);
	struct vmap_handover_state st;
	int r = -1;
	if (state_update(h, h->state_path, vmap_run_dir(run_dir), OP_ANNOUNCE, &st, errs) < 0)
		goto out;
	r = try_runner(h, lock_path, errs);
	if (r != 0)
		goto out;
	if (st.closing) {
		/* the runner makes its last round, which may have begun before
		 * our announcement: be the next runner instead */
		r = vmap_lock_acquire(&h->runner, lock_path, wait_s, errs) == 0 ? 1 : -1;
		goto out;
	}
	*holder = vmap_lock_holder_pid(lock_path);
out:
	free(lock_path);
	return r;
}

int vmap_handover_round(struct vmap_handover *h, struct vmap_errlist *errs)
{
	return state_update(h, h->state_path, NULL, OP_ROUND, NULL, errs);
}

bool vmap_handover_again(struct vmap_handover *h, struct vmap_errlist *errs)
{
	char *lock_path = xstrdup(h->runner.path);
	bool again = false;
	/* let go first, then look: an activation that failed to take the
	 * lock before this point has announced itself already */
	vmap_lock_release(&h->runner);
	struct vmap_handover_state st;
	if (h->last)
		state_update(h, h->state_path, NULL, OP_LEFT, NULL, errs);
	else if (state_update(h, h->state_path, NULL, OP_READ, &st, errs) == 0 &&
		 vmap_handover_due(h->covered, st.generation, h->last))
		again = try_runner(h, lock_path, errs) == 1;
	free(lock_path);
	return again;
}

void vmap_handover_end(struct vmap_handover *h)
{
	vmap_lock_release(&h->runner);
	free(h->state_path);
	h->state_path = NULL;
}
