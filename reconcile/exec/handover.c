/* handover.c: see handover.h. */
#include "exec/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "exec/rundir.h"

bool vmap_handover_due(uint64_t covered, uint64_t now, bool last)
{
	/* a counter only grows: any difference is an announcement the round
	 * may have missed */
	return !last && now != covered;
}

size_t vmap_handover_parse_devices(const char *text, dev_t **out)
{
	dev_t *v = NULL;
	size_t n = 0, cap = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		unsigned maj, min;
		int used = 0;
		/* a whole line of MAJ:MIN and nothing else (a line cut short
		 * by a full disk is not a device) */
		if (eol && sscanf(p, "%u:%u%n", &maj, &min, &used) == 2 && (size_t)used == len) {
			dev_t d = makedev(maj, min);
			bool seen = false;
			/* a storm is a few hundred devices, announced about twice
			 * each (add, change): a linear look is fine */
			for (size_t i = 0; i < n && !seen; i++)
				seen = v[i] == d;
			if (!seen) {
				if (n == cap) {
					cap = cap ? 2 * cap : 16;
					v = xrealloc(v, cap * sizeof(*v));
				}
				v[n++] = d;
			}
		}
		p += len + (eol ? 1 : 0);
	}
	*out = v;
	return n;
}

static char *devices_path(const char *state)
{
	/* next to the state file */
	const char *slash = strrchr(state, '/');
	int dir = slash ? (int)(slash - state) : 0;
	return slash ? xasprintf("%.*s/activate.devices", dir, state) : xstrdup("activate.devices");
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

/* Open a file of the run directory, made when missing, refusing a symlink
 * or a file someone else made. */
static int open_owned(const char *path, int flags, struct vmap_errlist *errs)
{
	int fd = open(path, flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
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
	return fd;
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
	int fd = open_owned(path, O_RDWR, errs);
	if (fd < 0)
		return -1;
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

/* Under the state's flock: record `dev` for the round that covers this
 * announcement. */
static int devices_add(const char *state, dev_t dev, struct vmap_errlist *errs)
{
	char *path = devices_path(state);
	int fd = open_owned(path, O_WRONLY | O_APPEND, errs);
	int r = -1;
	if (fd >= 0) {
		char line[32];
		int n = snprintf(line, sizeof(line), "%u:%u\n", major(dev), minor(dev));
		r = write(fd, line, (size_t)n) == n ? 0 : -1;
		if (r < 0)
			vmap_fail(errs, errno, NULL, "cannot update '%s'", path);
		close(fd);
	}
	free(path);
	return r;
}

/* The devices of an open activate.devices, from its start to its end, each
 * once (vmap_handover_parse_devices); -1 when a read fails. */
static ssize_t devices_read(int fd, dev_t **out)
{
	struct sbuf text = {0};
	char buf[4096];
	ssize_t got;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		sbuf_addn(&text, buf, (size_t)got);
	ssize_t n = got < 0 ? -1 : (ssize_t)vmap_handover_parse_devices(text.s ? text.s : "", out);
	sbuf_free(&text);
	return n;
}

/* Under the state's flock: take every device recorded so far (the file is
 * emptied: they are this round's). */
static int devices_take(struct vmap_handover *h, struct vmap_errlist *errs)
{
	char *path = devices_path(h->state_path);
	int fd = open_owned(path, O_RDWR, errs);
	int r = -1;
	if (fd >= 0) {
		dev_t *devs = NULL;
		ssize_t n = devices_read(fd, &devs);
		if (n >= 0 && ftruncate(fd, 0) == 0) {
			free(h->devs);
			h->devs = devs;
			h->n_devs = (size_t)n;
			r = 0;
		} else {
			vmap_fail(errs, errno, NULL, "cannot read '%s'", path);
			free(devs);
		}
		close(fd);
	}
	free(path);
	return r;
}

/* What each caller does to the state under its flock. */
enum state_op { OP_READ, OP_ANNOUNCE, OP_ROUND, OP_LEFT };

static int state_update(struct vmap_handover *h, const char *path, const char *dir,
			enum state_op op, dev_t dev, struct vmap_handover_state *out,
			struct vmap_errlist *errs)
{
	int fd = state_open(path, dir, errs);
	if (fd < 0)
		return -1;
	struct vmap_handover_state st;
	int r = state_get(fd, &st);
	if (r == 0 && op != OP_READ) {
		if (op == OP_ANNOUNCE) {
			/* the device first: a round that sees the generation
			 * moved finds it (a failed append leaves the
			 * generation as it was, and the activation fails) */
			if (devices_add(path, dev, errs) < 0)
				goto failed;
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
			if (devices_take(h, errs) < 0)
				goto failed;
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
failed:
	close(fd);
	return -1;
}

int vmap_handover_read(const char *run_dir, struct vmap_handover_state *st,
		       struct vmap_errlist *errs)
{
	memset(st, 0, sizeof(*st));
	char *path = state_path(run_dir);
	int r = 0;
	if (access(path, F_OK) == 0)
		r = state_update(NULL, path, NULL, OP_READ, 0, st, errs);
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

int vmap_handover_detach(struct vmap_errlist *errs)
{
	/* nothing buffered may be written twice (by both processes) */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		vmap_fail(errs, errno, NULL, "cannot continue in the background");
		return -1;
	}
	/* the caller (udev's RUN program) waits for this process only: it
	 * ends here, without exit handlers, which belong to the child now */
	if (pid > 0)
		_exit(0);
	/* a session of its own, out of the caller's process group: what
	 * kills udev's worker and its children does not reach the runner */
	setsid();
	return 0;
}

int vmap_handover_enter(struct vmap_handover *h, const char *run_dir, dev_t dev,
			double wait_s, bool detach, int runner_fd, long *holder,
			struct vmap_errlist *errs)
{
	memset(h, 0, sizeof(*h));
	h->runner.fd = -1;
	*holder = 0;
	h->state_path = state_path(run_dir);
	char *lock_path = runner_path(run_dir);
	struct vmap_handover_state st;
	int r = -1;
	if (state_update(h, h->state_path, vmap_run_dir(run_dir), OP_ANNOUNCE, dev, &st, errs) < 0)
		goto out;
	/* the lock the udev helper took for this process, else a try */
	if (runner_fd > 2 && vmap_lock_adopt(&h->runner, lock_path, runner_fd) == 0)
		r = 1;
	else
		r = try_runner(h, lock_path, errs);
	/* the runner's rounds wait (for udev, for the run lock): not in
	 * the caller's time (the lock, held by the open file, goes along) */
	if (r == 1 && detach) {
		if (vmap_handover_detach(errs) < 0)
			r = -1;
		else /* handed-over activations name the runner by it */
			vmap_lock_record_holder(&h->runner);
	}
	if (r != 0)
		goto out;
	if (st.closing) {
		/* the runner makes its last round, which may have begun before
		 * our announcement: be the next runner instead (waiting for it
		 * in the background, too) */
		if (detach && vmap_handover_detach(errs) < 0)
			r = -1;
		else
			r = vmap_lock_acquire(&h->runner, lock_path, wait_s, errs) == 0 ? 1 : -1;
		goto out;
	}
	*holder = vmap_lock_holder_pid(lock_path);
out:
	free(lock_path);
	return r;
}

int vmap_handover_announce(const char *run_dir, dev_t dev, long *holder, int *runner_fd,
			   struct vmap_errlist *errs)
{
	*runner_fd = -1;
	struct vmap_handover h;
	memset(&h, 0, sizeof(h));
	h.runner.fd = -1;
	*holder = 0;
	h.state_path = state_path(run_dir);
	char *lock_path = runner_path(run_dir);
	struct vmap_handover_state st;
	int r = -1;
	if (state_update(&h, h.state_path, vmap_run_dir(run_dir), OP_ANNOUNCE, dev, &st, errs) == 0)
		r = try_runner(&h, lock_path, errs);
	if (r == 0 && !st.closing) {
		*holder = vmap_lock_holder_pid(lock_path);
	} else if (r == 1) {
		/* no runner: this process is it, and the whole activation it
		 * starts goes on holding the lock (the open file) */
		*runner_fd = h.runner.fd;
		h.runner.fd = -1;
		free(h.runner.path);
		h.runner.path = NULL;
	}
	/* else a runner in its last round: the whole activation's to do */
	else if (r == 0)
		r = 1;
	vmap_handover_end(&h);
	free(lock_path);
	return r;
}

bool vmap_handover_pending(const char *run_dir, dev_t dev)
{
	char *lock_path = runner_path(run_dir);
	long pid = vmap_lock_holder_pid(lock_path);
	free(lock_path);
	/* a runner that is gone owes nobody a round (EPERM: it lives) */
	if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return false;
	/* read without the state's flock: lines are appended whole and a
	 * torn one is skipped; a line taken meanwhile only makes this
	 * announcement one too many */
	char *state = state_path(run_dir);
	char *path = devices_path(state);
	free(state);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return false;
	dev_t *devs = NULL;
	ssize_t n = devices_read(fd, &devs);
	close(fd);
	bool found = false;
	for (ssize_t i = 0; i < n && !found; i++)
		found = devs[i] == dev;
	free(devs);
	return found;
}

int vmap_handover_round(struct vmap_handover *h, struct vmap_errlist *errs)
{
	return state_update(h, h->state_path, NULL, OP_ROUND, 0, NULL, errs);
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
		state_update(h, h->state_path, NULL, OP_LEFT, 0, NULL, errs);
	else if (state_update(h, h->state_path, NULL, OP_READ, 0, &st, errs) == 0 &&
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
	free(h->devs);
	h->devs = NULL;
	h->n_devs = 0;
}
