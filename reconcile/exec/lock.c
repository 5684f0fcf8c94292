/* lock.c: see lock.h. */
#include "exec/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

#if defined(__SANITIZE_ADDRESS__)
#define VMAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMAP_ASAN 1
#endif
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pid the holder wrote, or 0. */
static long holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	return pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
}

long vmap_lock_holder_pid(const char *path)
{
	int fd = open(path ? path : VMAP_LOCK_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	long pid = holder_pid(fd);
	close(fd);
	return pid;
}

static void record_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	/* best effort: the pid only makes a waiter's message better */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) != n && ftruncate(fd, 0) < 0)
		return;
}

void vmap_lock_record_holder(struct vmap_lock *lk)
{
	if (lk->fd >= 0)
		record_pid(lk->fd);
}

int vmap_lock_adopt(struct vmap_lock *lk, const char *path, int fd)
{
	lk->fd = -1;
	lk->path = NULL;
	/* the very file (not a symlink, not one someone else made), and the
	 * flock ours: a no-op on the open file that holds it, taken now when
	 * nobody holds it, refused when another open file does */
	struct stat a, b;
	if (fd < 0 || fstat(fd, &a) < 0 || lstat(path, &b) < 0 || !S_ISREG(a.st_mode) ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino || a.st_uid != geteuid() ||
	    flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -1;
	/* the children this process starts do not hold it */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	record_pid(fd);
	lk->fd = fd;
	lk->path = xstrdup(path);
	return 0;
}

int vmap_lock_acquire(struct vmap_lock *lk, const char *path, double timeout_s,
		      struct vmap_errlist *errs)
{
	if (!path || !*path)
		path = VMAP_LOCK_FILE;
	lk->fd = -1;
	lk->path = NULL;
	/* /run/lock is world-writable: never follow a symlink planted there,
	 * and refuse a file someone else made (they could hold it forever) */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		vmap_err(errs, VMAP_E_FAILED, errno, NULL, NULL, "cannot open lock file '%s'", path);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		vmap_err(errs, VMAP_E_FAILED, 0, NULL, NULL,
			 "lock file '%s' is not a regular file owned by this user (remove it)", path);
		close(fd);
		return -1;
	}
	double deadline = now_s() + (timeout_s > 0 ? timeout_s : 0);
	double pause = 0.01;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			vmap_err(errs, VMAP_E_FAILED, errno, NULL, NULL, "cannot lock '%s'", path);
			close(fd);
			return -1;
		}
		double left = deadline - now_s();
		if (left <= 0) {
			long pid = holder_pid(fd);
			char *who = pid ? xasprintf("pid %ld", pid) : xstrdup("pid unknown");
			char *waited = timeout_s > 0 ? xasprintf("gave up after %g s", timeout_s)
						     : xstrdup("tried once, no wait allowed");
			vmap_err(errs, VMAP_E_LOCK, 0, NULL, NULL,
				 "lock '%s' is held by another vmapctl run (%s); %s (wait for it to "
				 "finish, or raise --lock-timeout)",
				 path, who, waited);
			free(waited);
			free(who);
			close(fd);
			return -1;
		}
		/* flock has no timed wait; a blocking flock under alarm() would
		 * take a signal from the library's caller.  Back off instead. */
		double s = pause < left ? pause : left;
		struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
		nanosleep(&ts, NULL);
		if (pause < 0.2)
			pause *= 2;
	}
	record_pid(fd);
	lk->fd = fd;
	lk->path = xstrdup(path);
	return 0;
}

void vmap_lock_release(struct vmap_lock *lk)
{
	if (!lk || lk->fd < 0)
		return;
	/* clear the pid while still holding the lock, so nobody reads ours
	 * after we let go */
	if (ftruncate(lk->fd, 0) < 0) {
		/* nothing to do about it: the lock itself goes either way */
	}
	flock(lk->fd, LOCK_UN);
	close(lk->fd);
	lk->fd = -1;
	free(lk->path);
	lk->path = NULL;
}

enum vmap_memlock vmap_memlock_all(int *errnum)
{
	if (errnum)
		*errnum = 0;
#ifdef VMAP_ASAN
	return VMAP_MEMLOCK_SKIPPED;
#else
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
		return VMAP_MEMLOCK_LOCKED;
	if (errnum)
		*errnum = errno;
	return VMAP_MEMLOCK_FAILED;
#endif
}

void vmap_memunlock_all(void)
{
#ifndef VMAP_ASAN
	munlockall();
#endif
}
