/* dm.c: the one file that talks to libdevmapper (see dm.h). */
#include "dm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libdevmapper.h>
#include <linux/dm-ioctl.h> /* DM_NAME_LEN, DM_UUID_LEN */

#include "base/util.h"
#include "model/spec.h"

/* ---- capturing libdm's messages ----
 *
 * libdm reports through a log callback; by default it prints to stderr,
 * which library code must never do.  We keep the error-level messages
 * since the last reset (a create's revert can log after the failure that
 * caused it, so the first message must not be overwritten). */

static struct sbuf last_msg;
static int last_errno;

__attribute__((format(printf, 5, 6)))
static void dm_log_capture(int level, const char *file, int line, int dm_errno_or_class,
			   const char *fmt, ...)
{
	(void)file;
	(void)line;
	if ((level & 7) > 3) /* only fatal and error (_LOG_FATAL=2, _LOG_ERR=3) */
		return;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	if (!strstr(sbuf_str(&last_msg), m)) {
		if (last_msg.len)
			sbuf_add(&last_msg, "; ");
		sbuf_add(&last_msg, m);
	}
	free(m);
	if (dm_errno_or_class > 0)
		last_errno = dm_errno_or_class;
}

static void dm_init_once(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	dm_log_with_errno_init(dm_log_capture);
}

static void capture_reset(void)
{
	dm_init_once();
	sbuf_reset(&last_msg);
	last_errno = 0;
}

/* ---- the kernel's own reasons ----
 *
 * When the kernel refuses a table it says why only in its log ("start=1
 * not aligned to h/w logical block size 4096 of loop1"); the ioctl returns
 * a bare EINVAL.  So around every call that changes state we note the end
 * of /dev/kmsg and, on failure, read the device-mapper lines logged since.
 * Reading /dev/kmsg needs the privileges that changing dm state needs
 * anyway; where it cannot be opened the libdm text is all we report. */

struct kwin {
	int fd;
};

/* One descriptor of /dev/kmsg for the whole run, opened at the first
 * window: a create is three state-changing calls and a batch of 1,000
 * creates would otherwise open and close /dev/kmsg 1,000 times (in the
 * test VM that was a tenth of `apply`'s own time over dmsetup's).  A
 * window is its position: seeking to the end marks where it starts.  The
 * windows never overlap (each is collected, if at all, before the next
 * opens), and after vmap_handover_detach's fork only the child goes on. */
static int kmsg_fd = -2; /* -2: not tried yet; -1: cannot be opened */

static struct kwin kwin_open(void)
{
	if (kmsg_fd == -2)
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct kwin w = {kmsg_fd};
	if (w.fd >= 0 && lseek(w.fd, 0, SEEK_END) < 0)
		w.fd = -1;
	return w;
}

/* Append the kernel's device-mapper lines logged since kwin_open. */
static void kwin_collect(struct kwin *w, struct sbuf *out)
{
	if (w->fd < 0)
		return;
	/* One read returns one record; records are at most ~1 KiB of text
	 * plus metadata, so this buffer holds any of them. */
	char rec[8192];
	for (int guard = 0; guard < 4096; guard++) {
		ssize_t n = read(w->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE) /* overwritten while we read: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "PRI,SEQ,USEC,FLAGS;text\n" then optional " KEY=value" lines */
		char *semi = strchr(rec, ';');
		if (!semi || atoi(rec) >> 3 != 0) /* facility 0: the kernel itself */
			continue;
		char *text = semi + 1;
		text[strcspn(text, "\n")] = '\0';
		if (strncmp(text, "device-mapper:", 14) != 0)
			continue;
		if (out->len)
			sbuf_add(out, "; ");
		sbuf_add(out, text);
	}
}

/* Append an error for a failed task: errno from the task (or the log),
 * the kernel's own lines when it logged any, else what libdm said. */
static int task_fail(struct vmap_errlist *errs, struct dm_task *dmt, struct kwin *kw,
		     const char *name, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int task_fail(struct vmap_errlist *errs, struct dm_task *dmt, struct kwin *kw,
		     const char *name, const char *fmt, ...)
{
	int e = dmt ? dm_task_get_errno(dmt) : 0;
	if (!e)
		e = last_errno;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	vmap_err(errs, VMAP_E_FAILED, e, NULL, name, "%s", m);
	free(m);
	struct sbuf k = {0};
	if (kw)
		kwin_collect(kw, &k);
	if (!k.len && last_msg.len)
		sbuf_add(&k, sbuf_str(&last_msg));
	if (k.len)
		errs->v[errs->n - 1].kmsg = sbuf_take(&k);
	sbuf_free(&k);
	return -1;
}

static int check_name(const char *name, struct vmap_errlist *errs)
{
	if (!name || !*name) {
		vmap_err(errs, VMAP_E_FAILED, EINVAL, NULL, NULL, "empty device name");
		return -1;
	}
	if (strlen(name) >= DM_NAME_LEN) {
		vmap_err(errs, VMAP_E_FAILED, EINVAL, NULL, NULL,
			 "device name '%.40s...' is longer than %d characters", name,
			 DM_NAME_LEN - 1);
		return -1;
	}
	return 0;
}

/* libdm 1.02.185 does not check the uuid length itself. */
static int check_uuid(const char *name, const char *uuid, struct vmap_errlist *errs)
{
	if (uuid && strlen(uuid) >= DM_UUID_LEN) {
		vmap_err(errs, VMAP_E_FAILED, EINVAL, NULL, name,
			 "uuid '%.40s...' is longer than %d characters", uuid, DM_UUID_LEN - 1);
		return -1;
	}
	return 0;
}

/* A task for device `name` (NULL for device-less tasks). */
static struct dm_task *task_new(int type, const char *name, struct vmap_errlist *errs)
{
	struct dm_task *dmt = dm_task_create(type);
	if (!dmt) {
		task_fail(errs, NULL, NULL, name, "cannot create a device-mapper task");
		return NULL;
	}
	if (name && !dm_task_set_name(dmt, name)) {
		task_fail(errs, dmt, NULL, name, "cannot name a device-mapper task");
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

/* Apply the VMAP_DM_* flags among `allowed` to `dmt`.  These setters
 * only fail on allocation in libdm, but a 0 is still an error. */
static int task_flags(struct dm_task *dmt, unsigned flags, unsigned allowed, const char *name,
		      struct vmap_errlist *errs)
{
	flags &= allowed;
	if (((flags & VMAP_DM_SECURE) && !dm_task_secure_data(dmt)) ||
	    ((flags & VMAP_DM_READONLY) && !dm_task_set_ro(dmt)) ||
	    ((flags & VMAP_DM_NOFLUSH) && !dm_task_no_flush(dmt)) ||
	    ((flags & VMAP_DM_SKIP_LOCKFS) && !dm_task_skip_lockfs(dmt)))
		return task_fail(errs, dmt, NULL, name, "cannot set the task's flags");
	return 0;
}

int vmap_dm_available(struct vmap_errlist *errs)
{
	struct stat st;
	if (stat(VMAP_DM_CONTROL, &st) == 0 && S_ISCHR(st.st_mode))
		return 0;
	/* libdm can create the control node itself when the kernel has the
	 * driver (it is listed in /proc/misc); without that there is nothing
	 * to talk to. */
	FILE *f = fopen("/proc/misc", "r");
	bool listed = false;
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, f) > 0)
			if (strstr(line, "device-mapper"))
				listed = true;
		free(line);
		fclose(f);
	}
	if (listed)
		return 0;
	vmap_err(errs, VMAP_E_FAILED, 0, NULL, NULL,
		 "device-mapper is not available in this kernel: " VMAP_DM_CONTROL
		 " is missing and /proc/misc has no device-mapper entry (load it with "
		 "'modprobe dm-mod', or run where the kernel has device-mapper)");
	return -1;
}

const char *vmap_dm_library_version(void)
{
	static char v[80];
	if (!v[0] && !dm_get_library_version(v, sizeof(v)))
		snprintf(v, sizeof(v), "unknown");
	return v;
}

int vmap_dm_driver_version(char **out, unsigned ver[3], struct vmap_errlist *errs)
{
	capture_reset();
	struct dm_task *dmt = task_new(DM_DEVICE_VERSION, NULL, errs);
	int r = -1;
	if (!dmt)
		return -1;
	char v[64];
	if (!dm_task_run(dmt) || !dm_task_get_driver_version(dmt, v, sizeof(v))) {
		task_fail(errs, dmt, NULL, NULL, "cannot read the device-mapper driver version");
		goto out;
	}
	*out = xstrdup(v);
	if (ver && sscanf(v, "%u.%u.%u", &ver[0], &ver[1], &ver[2]) != 3)
		ver[0] = ver[1] = ver[2] = 0;
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

int vmap_dm_targets(struct vmap_target_version **out, size_t *n, struct vmap_errlist *errs)
{
	return vmap_dm_targets_driver(out, n, NULL, errs);
}

/* A request of `size` bytes for the ioctl itself, zeroed, its header
 * set as libdm sets it: the oldest interface of major 4 will do. */
static struct dm_ioctl *raw_new(size_t size)
{
	struct dm_ioctl *io = xcalloc(1, size);
	io->version[0] = 4;
	io->data_size = (uint32_t)size;
	io->data_start = sizeof(*io);
	return io;
}

static int control_fd(void);
static int targets_raw(int fd, struct vmap_target_version **out, size_t *n, unsigned driver[3],
		       struct vmap_errlist *errs);

int vmap_dm_targets_driver(struct vmap_target_version **out, size_t *n, unsigned driver[3],
			   struct vmap_errlist *errs)
{
	capture_reset();
	*out = NULL;
	*n = 0;
	/* asked directly, as tables are (below): a converged run then
	 * needs nothing of libdm at all */
	int fd = control_fd();
	if (fd >= 0)
		return targets_raw(fd, out, n, driver, errs);
	struct dm_task *dmt = task_new(DM_DEVICE_LIST_VERSIONS, NULL, errs);
	if (!dmt)
		return -1;
	int r = -1;
	struct dm_versions *v;
	if (!dm_task_run(dmt) || !(v = dm_task_get_versions(dmt))) {
		task_fail(errs, dmt, NULL, NULL, "cannot list the kernel's target types");
		goto out;
	}
	size_t cap = 0;
	for (;;) {
		struct vmap_target_version t = {xstrdup(v->name),
						{v->version[0], v->version[1], v->version[2]}};
		VEC_PUSH(*out, *n, cap, t);
		if (!v->next)
			break;
		v = (struct dm_versions *)((char *)v + v->next);
	}
	/* every reply carries the interface's version: no VERSION of its own */
	char dv[64];
	if (driver && (!dm_task_get_driver_version(dmt, dv, sizeof(dv)) ||
		       sscanf(dv, "%u.%u.%u", &driver[0], &driver[1], &driver[2]) != 3))
		driver[0] = driver[1] = driver[2] = 0;
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

/* ---- reading devices ---- */

/* The kernel reports dev_t in its "huge" encoding (new_encode_dev). */
static void decode_dev(uint64_t dev, unsigned *maj, unsigned *min)
{
	*maj = (unsigned)((dev & 0xfff00) >> 8);
	*min = (unsigned)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

/* Run a TABLE task; *gone when the device vanished meanwhile (ENXIO). */
static int read_table(const char *name, bool inactive, struct dm_task **out, bool *gone,
		      struct vmap_errlist *errs)
{
	*out = NULL;
	*gone = false;
	struct dm_task *dmt = task_new(DM_DEVICE_TABLE, name, errs);
	if (!dmt)
		return -1;
	/* the reply may carry keys: have libdm and the kernel wipe their
	 * buffers */
	if (task_flags(dmt, VMAP_DM_SECURE, VMAP_DM_SECURE, name, errs) < 0) {
		dm_task_destroy(dmt);
		return -1;
	}
	if (inactive && !dm_task_query_inactive_table(dmt)) {
		task_fail(errs, dmt, NULL, name, "cannot ask for the inactive table");
		dm_task_destroy(dmt);
		return -1;
	}
	if (!dm_task_run(dmt)) {
		if (dm_task_get_errno(dmt) == ENXIO) {
			*gone = true;
			dm_task_destroy(dmt);
			return 0;
		}
		task_fail(errs, dmt, NULL, name, "cannot read the %s table",
			  inactive ? "inactive" : "live");
		dm_task_destroy(dmt);
		return -1;
	}
	*out = dmt;
	return 0;
}

static void copy_table(struct dm_task *dmt, struct vmap_table *t)
{
	size_t cap = 0;
	void *next = NULL;
	do {
		uint64_t start, len;
		char *type = NULL, *params = NULL;
		next = dm_get_next_target(dmt, next, &start, &len, &type, &params);
		if (!type)
			break;
		struct vmap_table_line l = {.start = start, .len = len, .type = xstrdup(type),
					    .params = xstrdup(params ? params : "")};
		VEC_PUSH(t->lines, t->n, cap, l);
	} while (next);
}

static int read_deps(const char *name, struct vmap_dmdev *d, bool *gone, struct vmap_errlist *errs)
{
	*gone = false;
	struct dm_task *dmt = task_new(DM_DEVICE_DEPS, name, errs);
	if (!dmt)
		return -1;
	int r = -1;
	struct dm_deps *deps;
	if (!dm_task_run(dmt)) {
		if (dm_task_get_errno(dmt) == ENXIO) {
			*gone = true;
			r = 0;
		} else {
			task_fail(errs, dmt, NULL, name, "cannot read the dependencies");
		}
		goto out;
	}
	if (!(deps = dm_task_get_deps(dmt))) {
		task_fail(errs, dmt, NULL, name, "cannot read the dependencies");
		goto out;
	}
	d->n_deps = deps->count;
	d->dep_major = xcalloc(deps->count, sizeof(unsigned));
	d->dep_minor = xcalloc(deps->count, sizeof(unsigned));
	for (uint32_t i = 0; i < deps->count; i++)
		decode_dev(deps->device[i], &d->dep_major[i], &d->dep_minor[i]);
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

/* Read one device: info and live table from one TABLE call, then the
 * inactive table and deps only when there is something to read. */
int vmap_dm_status(const char *name, char ***out, size_t *n, struct vmap_errlist *errs)
{
	*out = NULL;
	*n = 0;
	capture_reset();
	struct dm_task *dmt = task_new(DM_DEVICE_STATUS, name, errs);
	if (!dmt)
		return -1;
	if (!dm_task_run(dmt)) {
		int e = dm_task_get_errno(dmt);
		if (e != ENXIO)
			task_fail(errs, dmt, NULL, name, "cannot read the status");
		dm_task_destroy(dmt);
		return e == ENXIO ? 0 : -1;
	}
	size_t cap = 0;
	void *next = NULL;
	do {
		uint64_t start, len;
		char *type = NULL, *params = NULL;
		next = dm_get_next_target(dmt, next, &start, &len, &type, &params);
		if (!type)
			break;
		char *s = xstrdup(params ? params : "");
		VEC_PUSH(*out, *n, cap, s);
	} while (next);
	dm_task_destroy(dmt);
	return 0;
}

/* The end of reading a device whose tables are in `out`: its DEPS when
 * asked for, then *found; a device gone meanwhile is not found. */
static int with_deps(const char *name, bool deps, struct vmap_dmdev *out, bool *found,
		     struct vmap_errlist *errs)
{
	bool gone = false;
	if (deps && out->live_table && read_deps(name, out, &gone, errs) < 0) {
		vmap_dmdev_free(out);
		return -1;
	}
	if (gone) {
		vmap_dmdev_free(out);
		return 0;
	}
	*found = true;
	return 0;
}

/* ---- TABLE without libdm ----
 *
 * A converged run reads one TABLE per managed device and nothing else,
 * so what each read costs is most of what the run costs.  libdm hands
 * the kernel a 16 KiB buffer for every TABLE, zeroes it, and wipes it
 * again when the task is destroyed; with the secure flag (a table may
 * hold keys) the kernel also clears the caller's buffer after copying it
 * in and wipes its own copy, all 16 KiB however short the table.  So the
 * TABLE is asked here with the ioctl itself, as the list is (below), in a
 * buffer sized for a table of a few lines that grows when the kernel
 * says the table did not fit; every copy is wiped all the same.  Where
 * the control node cannot be opened, libdm does it (get_one). */

static int ctl_fd = -2; /* -2: not tried yet; -1: cannot be opened */

static int control_fd(void)
{
	if (ctl_fd == -2)
		ctl_fd = open(VMAP_DM_CONTROL, O_RDWR | O_CLOEXEC);
	return ctl_fd;
}

/* A reply raw_table handed out: the kernel wrote data_size bytes of it
 * (raw_table checked that they are within the buffer) and cleared the
 * rest, so those are what may hold a key. */
static void raw_free(struct dm_ioctl *io)
{
	explicit_bzero(io, io->data_size);
	free(io);
}

/* A request not handed out: wiped whole (the kernel may have written a
 * key anywhere in it before saying it did not fit). */
static void raw_discard(struct dm_ioctl *io, size_t size)
{
	explicit_bzero(io, size);
	free(io);
}

/* `cmd` asked with the ioctl itself: a request from raw_new with `flags`
 * and `name` (NULL: none; check_name made sure it fits), in a buffer of
 * `size` bytes that grows `grow` times while the kernel says the reply
 * did not fit.  The reply (*got: its buffer's size), or NULL with *err
 * the errno, EPROTO when not even 1 GiB was enough.  With `wipe` (a reply
 * may hold a key) a buffer not handed out is wiped whole; the kernel
 * rewrites data_size to what it used, so raw_free could not. */
static struct dm_ioctl *raw_ask(int fd, unsigned long cmd, const char *name, uint32_t flags,
				size_t size, size_t grow, bool wipe, size_t *got, int *err)
{
	for (; size <= ((size_t)1 << 30); size *= grow) {
		struct dm_ioctl *io = raw_new(size);
		io->flags = flags;
		if (name)
			memcpy(io->name, name, strlen(name) + 1);
		int r = ioctl(fd, cmd, io);
		*err = errno;
		if (r == 0 && !(io->flags & DM_BUFFER_FULL_FLAG)) {
			*got = size;
			return io;
		}
		if (wipe)
			raw_discard(io, size);
		else
			free(io);
		if (r < 0)
			return NULL;
	}
	*err = EPROTO;
	return NULL;
}

/* The kernel's target types (LIST_VERSIONS) and, from the same reply, the
 * interface's version, as libdm reads them. */
static int targets_raw(int fd, struct vmap_target_version **out, size_t *n, unsigned driver[3],
		       struct vmap_errlist *errs)
{
	/* some twenty types of a few dozen bytes each fit the first buffer */
	size_t size;
	int e;
	struct dm_ioctl *io = raw_ask(fd, DM_LIST_VERSIONS, NULL, 0, 4096, 4, false, &size, &e);
	if (!io && e != EPROTO) {
		vmap_err(errs, VMAP_E_FAILED, e, NULL, NULL, "cannot list the kernel's target types");
		return -1;
	}
	if (io) {
		const char *p = (const char *)io + io->data_start;
		const char *end = (const char *)io + (io->data_size < size ? io->data_size : size);
		size_t cap = 0;
		bool ok = io->data_start >= sizeof(*io) && p <= end;
		while (ok) {
			const struct dm_target_versions *v = (const void *)p;
			if ((size_t)(end - p) < sizeof(*v) ||
			    !memchr(v->name, '\0', (size_t)(end - v->name))) {
				ok = false;
				break;
			}
			struct vmap_target_version t = {xstrdup(v->name),
							{v->version[0], v->version[1], v->version[2]}};
			VEC_PUSH(*out, *n, cap, t);
			if (!v->next)
				break;
			if (v->next > (size_t)(end - p)) {
				ok = false;
				break;
			}
			p += v->next;
		}
		if (ok && driver) {
			driver[0] = io->version[0];
			driver[1] = io->version[1];
			driver[2] = io->version[2];
		}
		free(io);
		if (ok)
			return 0;
	}
	for (size_t i = 0; i < *n; i++)
		free((*out)[i].name);
	free(*out);
	*out = NULL;
	*n = 0;
	vmap_err(errs, VMAP_E_FAILED, EPROTO, NULL, NULL,
		 "cannot list the kernel's target types: the kernel's reply does not parse");
	return -1;
}

/* TABLE of `name` (the inactive slot with `inactive`) into *out, a buffer
 * the caller frees with raw_free; *gone when the device vanished
 * (ENXIO). */
static int raw_table(int fd, const char *name, bool inactive, struct dm_ioctl **out, bool *gone,
		     struct vmap_errlist *errs)
{
	*out = NULL;
	*gone = false;
	/* a linear or striped line is well under 100 bytes: 2 KiB holds
	 * tables of a dozen lines, and a larger one costs one more call */
	uint32_t flags = DM_STATUS_TABLE_FLAG | DM_SECURE_DATA_FLAG |
			 (inactive ? DM_QUERY_INACTIVE_TABLE_FLAG : 0);
	size_t size;
	int e;
	struct dm_ioctl *io = raw_ask(fd, DM_TABLE_STATUS, name, flags, 2048, 8, true, &size, &e);
	if (!io && e == ENXIO) {
		*gone = true;
		return 0;
	}
	/* a device without the table asked for (created, nothing loaded
	 * yet; or only an inactive table) answers with the header alone,
	 * its data_size short of data_start: no lines */
	if (io && (io->data_size > size ||
		   (io->target_count != 0 &&
		    (io->data_start > io->data_size || io->data_start < sizeof(*io))))) {
		raw_discard(io, size);
		io = NULL;
		e = EPROTO;
	}
	if (!io) {
		vmap_err(errs, VMAP_E_FAILED, e, NULL, name, "cannot read the %s table",
			 inactive ? "inactive" : "live");
		return -1;
	}
	/* from here on raw_free wipes what the kernel wrote */
	*out = io;
	return 0;
}

/* The lines of a TABLE reply, as libdm's dm_get_next_target walks them:
 * each target spec is followed by its text, and `next` is the offset of
 * the following spec from the start of the data.  false when the reply
 * does not hold together. */
static bool raw_lines(const struct dm_ioctl *io, struct vmap_table *t)
{
	const char *data = (const char *)io + io->data_start;
	const char *end = (const char *)io + io->data_size;
	size_t off = 0, cap = 0;
	for (uint32_t i = 0; i < io->target_count; i++) {
		const struct dm_target_spec *sp = (const void *)(data + off);
		if (off > (size_t)(end - data) || (size_t)(end - data) - off < sizeof(*sp))
			return false;
		const char *params = (const char *)(sp + 1);
		size_t tlen = strnlen(sp->target_type, sizeof(sp->target_type));
		if (tlen == sizeof(sp->target_type) || !memchr(params, '\0', (size_t)(end - params)))
			return false;
		struct vmap_table_line l = {.start = sp->sector_start, .len = sp->length,
					    .type = xstrndup(sp->target_type, tlen),
					    .params = xstrdup(params)};
		VEC_PUSH(t->lines, t->n, cap, l);
		if (i + 1 < io->target_count) {
			if (sp->next <= off)
				return false;
			off = sp->next;
		}
	}
	return true;
}

/* get_one through raw_table: 1 when done (*found as get_one sets it), 0
 * when the control node cannot be opened (libdm is to do it), -1 with an
 * error. */
static int get_one_raw(const char *name, bool deps, struct vmap_dmdev *out, bool *found,
		       struct vmap_errlist *errs)
{
	/* A name with a character outside the plain set is kept mangled in
	 * the kernel ('"' as \x22), and libdm's list hands it out
	 * unmangled: libdm mangles it again on the way in, so such a
	 * device (never a volume's: their names are plain) is read there. */
	if (!vmap_name_valid(name))
		return 0;
	int fd = control_fd();
	if (fd < 0)
		return 0;
	struct dm_ioctl *io;
	bool gone;
	if (raw_table(fd, name, false, &io, &gone, errs) < 0)
		return -1;
	if (gone)
		return 1;
	out->name = xstrdup(name);
	out->uuid = xstrndup(io->uuid, strnlen(io->uuid, sizeof(io->uuid)));
	decode_dev(io->dev, &out->major, &out->minor);
	out->suspended = (io->flags & DM_SUSPEND_FLAG) != 0;
	out->live_table = (io->flags & DM_ACTIVE_PRESENT_FLAG) != 0;
	out->inactive_table = (io->flags & DM_INACTIVE_PRESENT_FLAG) != 0;
	out->read_only = (io->flags & DM_READONLY_FLAG) != 0;
	out->open_count = io->open_count;
	out->event_nr = io->event_nr;
	bool ok = raw_lines(io, &out->live);
	raw_free(io);
	if (!ok)
		goto bad;
	if (out->inactive_table) {
		if (raw_table(fd, name, true, &io, &gone, errs) < 0)
			goto fail;
		if (gone)
			goto vanished;
		ok = raw_lines(io, &out->inactive);
		raw_free(io);
		if (!ok)
			goto bad;
	}
	return with_deps(name, deps, out, found, errs) < 0 ? -1 : 1;
bad:
	vmap_err(errs, VMAP_E_FAILED, EPROTO, NULL, name,
		 "cannot read the table: the kernel's reply does not parse");
fail:
	vmap_dmdev_free(out);
	return -1;
vanished:
	vmap_dmdev_free(out);
	return 1;
}

static int get_one(const char *name, bool deps, struct vmap_dmdev *out, bool *found,
		   struct vmap_errlist *errs)
{
	memset(out, 0, sizeof(*out));
	*found = false;
	struct dm_task *dmt;
	bool gone;
	int raw = get_one_raw(name, deps, out, found, errs);
	if (raw != 0)
		return raw < 0 ? -1 : 0;
	if (read_table(name, false, &dmt, &gone, errs) < 0)
		return -1;
	if (gone)
		return 0;
	struct dm_info info;
	if (!dm_task_get_info(dmt, &info)) {
		task_fail(errs, dmt, NULL, name, "cannot read the device's info");
		dm_task_destroy(dmt);
		return -1;
	}
	if (!info.exists) {
		dm_task_destroy(dmt);
		return 0;
	}
	const char *uuid = dm_task_get_uuid(dmt);
	out->name = xstrdup(name);
	out->uuid = xstrdup(uuid ? uuid : "");
	out->major = info.major;
	out->minor = info.minor;
	out->suspended = info.suspended;
	out->live_table = info.live_table;
	out->inactive_table = info.inactive_table;
	out->read_only = info.read_only;
	out->open_count = info.open_count;
	out->event_nr = info.event_nr;
	copy_table(dmt, &out->live);
	dm_task_destroy(dmt);

	if (out->inactive_table) {
		if (read_table(name, true, &dmt, &gone, errs) < 0)
			goto fail;
		if (gone)
			goto vanished;
		copy_table(dmt, &out->inactive);
		dm_task_destroy(dmt);
	}
	return with_deps(name, deps, out, found, errs);
vanished:
	vmap_dmdev_free(out);
	return 0;
fail:
	vmap_dmdev_free(out);
	return -1;
}

int vmap_dm_get(const char *name, struct vmap_dmdev *out, bool *found, struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0)
		return -1;
	return get_one(name, true, out, found, errs);
}

int vmap_dm_read(const char *name, struct vmap_dmdev *out, bool *found, struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0)
		return -1;
	return get_one(name, false, out, found, errs);
}

int vmap_dm_deps(struct vmap_dmdev *d, bool *gone, struct vmap_errlist *errs)
{
	capture_reset();
	free(d->dep_major);
	free(d->dep_minor);
	d->dep_major = d->dep_minor = NULL;
	d->n_deps = 0;
	return read_deps(d->name, d, gone, errs);
}

/* ---- the list with uuids ----
 *
 * Since kernel 5.13 (dm ioctl 4.45) DM_LIST_DEVICES reports each device's
 * uuid when asked with DM_UUID_FLAG, so the devices a run need not look
 * into cost nothing beyond the list.  libdevmapper asks for it only from
 * 1.02.198 on (dm_task_get_device_list); older ones, like Debian 12's
 * 1.02.185, cannot set the flag, so the list is read here with the ioctl
 * itself, the way libdm lays it out.  Where that is not possible (no
 * control node yet, an older kernel) the caller falls back to libdm's list
 * and one TABLE per device for the uuids. */

static void *align8(const void *p)
{
	return (void *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
}

/* Parse a DM_LIST_DEVICES reply; false when it does not carry uuids. */
static bool parse_list(const struct dm_ioctl *io, struct vmap_dm_name **out, size_t *n)
{
	const char *base = (const char *)io, *end = base + io->data_size;
	if (io->data_start < sizeof(*io) || io->data_start > io->data_size)
		return false;
	const char *p = base + io->data_start;
	size_t cap = 0;
	for (;;) {
		const struct dm_name_list *nl = (const void *)p;
		if (p + sizeof(*nl) > end)
			return false;
		if (!nl->dev) /* dev 0: the list is empty */
			return true;
		const char *name = nl->name;
		size_t nlen = strnlen(name, (size_t)(end - name));
		const uint32_t *ev = align8(name + nlen + 1);
		if ((const char *)(ev + 2) > end)
			return false;
		/* exactly one of the two flags, or this is an older kernel's
		 * padding (zero: the buffer went in zeroed) */
		if (ev[1] != DM_NAME_LIST_FLAG_HAS_UUID &&
		    ev[1] != DM_NAME_LIST_FLAG_DOESNT_HAVE_UUID)
			return false;
		const char *uuid = "";
		if (ev[1] & DM_NAME_LIST_FLAG_HAS_UUID) {
			uuid = align8(ev + 2);
			if (uuid >= end || !memchr(uuid, '\0', (size_t)(end - uuid)))
				return false;
		}
		/* the name as libdm's own list gives it (get_one_raw) */
		char *kname = xstrndup(name, nlen);
		struct vmap_dm_name d = {.name = vmap_name_unmangle(kname), .uuid = xstrdup(uuid)};
		free(kname);
		decode_dev(nl->dev, &d.major, &d.minor);
		VEC_PUSH(*out, *n, cap, d);
		if (!nl->next)
			return true;
		p += nl->next;
	}
}

/* 1 with the list, 0 when it carries no uuids or cannot be had this way
 * (the caller falls back), -1 with an error when the kernel refused. */
static int list_with_uuids(struct vmap_dm_name **out, size_t *n, struct vmap_errlist *errs)
{
	int fd = control_fd();
	if (fd < 0)
		return 0;
	int r = 0;
	/* about 200 devices fit in the first buffer; the kernel says when
	 * the list did not fit, and it is asked again with four times more */
	size_t size;
	int e;
	struct dm_ioctl *io = raw_ask(fd, DM_LIST_DEVICES, NULL, DM_UUID_FLAG, 32 * 1024, 4, false,
				      &size, &e);
	if (io) {
		r = parse_list(io, out, n) ? 1 : 0;
		free(io);
	} else if (e != EPROTO) {
		vmap_err(errs, VMAP_E_FAILED, e, NULL, NULL, "cannot list device-mapper devices");
		r = -1;
	}
	if (r != 1) {
		vmap_dm_names_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void vmap_dm_names_free(struct vmap_dm_name *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].uuid);
	}
	free(v);
}

int vmap_dm_names(struct vmap_dm_name **out, size_t *n, bool *have_uuids,
		  struct vmap_errlist *errs)
{
	capture_reset();
	*out = NULL;
	*n = 0;
	*have_uuids = false;
	int r = list_with_uuids(out, n, errs);
	if (r != 0) {
		*have_uuids = r == 1;
		return r == 1 ? 0 : -1;
	}
	struct dm_task *dmt = task_new(DM_DEVICE_LIST, NULL, errs);
	if (!dmt)
		return -1;
	struct dm_names *names;
	if (!dm_task_run(dmt) || !(names = dm_task_get_names(dmt))) {
		task_fail(errs, dmt, NULL, NULL, "cannot list device-mapper devices");
		dm_task_destroy(dmt);
		return -1;
	}
	size_t cap = 0;
	while (names->dev) { /* dev 0: the list is empty */
		struct vmap_dm_name d = {.name = xstrdup(names->name), .uuid = xstrdup("")};
		decode_dev(names->dev, &d.major, &d.minor);
		VEC_PUSH(*out, *n, cap, d);
		if (!names->next)
			break;
		names = (struct dm_names *)((char *)names + names->next);
	}
	dm_task_destroy(dmt);
	return 0;
}

int vmap_dm_list(struct vmap_dmdev **out, size_t *n, struct vmap_errlist *errs)
{
	capture_reset();
	*out = NULL;
	*n = 0;
	struct dm_task *dmt = task_new(DM_DEVICE_LIST, NULL, errs);
	if (!dmt)
		return -1;
	int r = -1;
	struct dm_names *names;
	if (!dm_task_run(dmt) || !(names = dm_task_get_names(dmt))) {
		task_fail(errs, dmt, NULL, NULL, "cannot list device-mapper devices");
		goto out;
	}
	size_t cap = 0;
	/* dev == 0 means the list is empty */
	while (names->dev) {
		struct vmap_dmdev d;
		bool found;
		if (get_one(names->name, true, &d, &found, errs) < 0)
			goto fail;
		/* a device removed since LIST is simply not there */
		if (found)
			VEC_PUSH(*out, *n, cap, d);
		if (!names->next)
			break;
		names = (struct dm_names *)((char *)names + names->next);
	}
	r = 0;
	goto out;
fail:
	for (size_t i = 0; i < *n; i++)
		vmap_dmdev_free(&(*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

/* ---- udev synchronisation ---- */

#define UDEV_CONTROL "/run/udev/control"

/* Is udevd really there?  libudev (and so libdm) only checks that
 * /run/udev/control exists, but a udevd stopped with `udevadm control
 * --exit` leaves the socket file behind: libdm would then wait for rules
 * nobody runs and, worse, leave the nodes to udev.  A connect() tells: it
 * is refused when no udevd listens.  Anything else (EACCES, ...) we leave
 * to libdm's own answer. */
static bool udevd_listening(void)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return true;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", UDEV_CONTROL);
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	return r == 0 || (e != ECONNREFUSED && e != ENOENT);
}

/* libdm's sync decision, corrected once per process for a dead udevd. */
static bool udev_sync(void)
{
	static int checked;
	dm_init_once();
	if (!checked) {
		checked = 1;
		if (dm_udev_get_sync_support() && !udevd_listening())
			dm_udev_set_sync_support(0);
	}
	return dm_udev_get_sync_support();
}

bool vmap_dm_udev_sync(void)
{
	return udev_sync();
}

/* Put `dmt` on the batch's cookie (creating it with the first task). */
static int udev_join(struct dm_task *dmt, struct vmap_udev_batch *b, const char *name,
		     unsigned vflags, struct vmap_errlist *errs)
{
	if (!b)
		return 0;
	bool sync = udev_sync();
	if (!b->cookie && !b->tasks)
		b->disabled = !sync;
	/* Without sync libdm must create the nodes itself: only tell it to
	 * rely on udev when udev will really run the rules. */
	uint16_t flags = sync ? DM_UDEV_DISABLE_LIBRARY_FALLBACK : 0;
	if (vflags & VMAP_DM_PRIVATE)
		flags |= DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | DM_UDEV_DISABLE_DISK_RULES_FLAG |
			 DM_UDEV_DISABLE_OTHER_RULES_FLAG;
	/* the cookie made first and handed to the caller (the journal), then
	 * joined: dm_task_set_cookie takes an existing cookie as it is */
	if (sync && !b->cookie) {
		if (!dm_udev_create_cookie(&b->cookie))
			return task_fail(errs, dmt, NULL, name, "cannot set up udev synchronisation");
		if (b->cookie && b->created)
			b->created(b->created_arg, b->cookie);
	}
	if (!dm_task_set_cookie(dmt, &b->cookie, flags))
		return task_fail(errs, dmt, NULL, name, "cannot set up udev synchronisation");
	/* counted with or without sync: "something joined, so wait" must
	 * hold either way (without sync the wait makes libdm's nodes) */
	b->tasks++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Release a cookie udev has not finished with, so no semaphore is left
 * behind.  libdm's protocol (libdm-common.c): the semaphore starts at 1,
 * each task adds 1, udev's rule subtracts 1 per processed event, and
 * dm_udev_wait_immediate, once the value is down to 1, takes the last 1
 * and destroys the semaphore.  So we subtract what udev still owes
 * (dm_udev_complete, as udev would) until wait_immediate finds the value
 * at 1 and destroys it.  If udev completes an event meanwhile, the value
 * can reach 0 first: wait_immediate's own decrement then fails and it
 * destroys the semaphore on that path too.  Returns how many events we
 * completed in udev's place. */
static unsigned udev_release(uint32_t cookie, unsigned tasks)
{
	unsigned forced = 0;
	for (unsigned i = 0; i <= tasks + 1; i++) {
		int ready = 0;
		if (!dm_udev_wait_immediate(cookie, &ready) || ready)
			break;
		if (!dm_udev_complete(cookie))
			break;
		forced++;
	}
	return forced;
}

int vmap_dm_udev_wait(struct vmap_udev_batch *b, double timeout_s, const char *what,
		      struct vmap_errlist *errs)
{
	if (!b)
		return 0;
	capture_reset();
	if (!b->cookie) {
		/* No sync: libdm queued the node changes; do them now.  (Not
		 * dm_udev_wait_immediate: with cookie 0 it never says ready.) */
		dm_task_update_nodes();
		b->tasks = 0;
		return 0;
	}
	uint32_t cookie = b->cookie;
	unsigned tasks = b->tasks;
	b->cookie = 0;
	b->tasks = 0;
	double deadline = now_s() + (timeout_s > 0 ? timeout_s : 0);
	/* udev needs a few ms per event when idle: poll fast first, then back
	 * off so a slow rule does not cost a busy loop */
	double pause = 0.001;
	for (;;) {
		int ready = 0;
		if (!dm_udev_wait_immediate(cookie, &ready)) {
			vmap_err(errs, VMAP_E_FAILED, 0, NULL, NULL,
				 "udev synchronisation failed for %s", what ? what : "devices");
			if (last_msg.len)
				errs->v[errs->n - 1].kmsg = xstrdup(sbuf_str(&last_msg));
			return -1;
		}
		if (ready)
			return 0;
		double left = deadline - now_s();
		if (left <= 0)
			break;
		sleep_s(pause < left ? pause : left);
		if (pause < 0.05)
			pause *= 2;
	}
	unsigned pending = udev_release(cookie, tasks);
	capture_reset(); /* the release's own complaints are not the news */
	vmap_err(errs, VMAP_E_TIMEOUT, 0, NULL, NULL,
		 "udev did not finish processing %s within %g s: %u of %u uevents still pending, "
		 "so device nodes and /dev/mapper links may be missing or late (nothing waits for "
		 "them any more; a udev rule may be blocked, e.g. blkid reading a device that "
		 "queues I/O; raise --udev-timeout or check 'udevadm monitor')",
		 what ? what : "the devices", timeout_s, pending ? pending : 1, tasks);
	return -1;
}

int vmap_dm_udev_reclaim(uint32_t cookie, double timeout_s, bool *released,
			 struct vmap_errlist *errs)
{
	*released = false;
	if (!cookie)
		return 0;
	/* libdm's cookie is the semaphore's IPC key */
	int semid = semget((key_t)cookie, 1, 0);
	if (semid < 0)
		return 0;
	int val = semctl(semid, 0, GETVAL);
	if (val < 0)
		return 0;
	*released = true;
	/* the value is 1 plus the events udev still owes */
	struct vmap_udev_batch b = {.cookie = cookie, .tasks = val > 1 ? (unsigned)val - 1 : 0};
	char *what = xasprintf("the devices of cookie 0x%x", (unsigned)cookie);
	struct vmap_errlist e = {0};
	int r = vmap_dm_udev_wait(&b, timeout_s, what, &e);
	free(what);
	/* a timeout released it all the same: the devices are there, only
	 * udev is late, which is not recover's failure */
	if (r < 0 && vmap_errlist_worst(&e) == VMAP_E_TIMEOUT && semget((key_t)cookie, 1, 0) < 0)
		r = 0;
	if (r < 0) {
		vmap_errlist_move(errs, &e);
		vmap_fail(errs, 0, NULL, "cannot release udev cookie 0x%x (release it with "
			  "'dmsetup udevcomplete 0x%x')", (unsigned)cookie, (unsigned)cookie);
	}
	vmap_errlist_clear(&e);
	return r;
}

/* libdm's semaphores no semop ever touched (otime 0): none joined by a
 * task, since a join adds 1 first.  Their cookies and semids in *out
 * (allocated; free it); returns how many. */
struct sem_ref {
	uint32_t cookie;
	int semid;
};

static size_t never_joined(struct sem_ref **out)
{
	*out = NULL;
	size_t n = 0, ncap = 0;
	/* every SysV semaphore set of the IPC namespace: key semid perms
	 * nsems uid gid cuid cgid otime ctime */
	FILE *f = fopen("/proc/sysvipc/sem", "re");
	if (!f)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		long long key, semid, otime;
		if (sscanf(line, "%lld %lld %*s %*s %*s %*s %*s %*s %lld", &key, &semid, &otime) != 3)
			continue; /* the header */
		/* libdm's keys carry its magic in the upper half */
		uint32_t cookie = (uint32_t)key;
		if ((cookie >> 16) != DM_COOKIE_MAGIC || otime != 0)
			continue;
		VEC_PUSH(*out, n, ncap, ((struct sem_ref){cookie, (int)semid}));
	}
	free(line);
	fclose(f);
	return n;
}

void vmap_dm_udev_cookies_of(int pid, uint32_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct sem_ref *s;
	size_t ns = never_joined(&s), cap = 0;
	/* the pid of a set never operated on is the one that set its value,
	 * i.e. its maker (Linux records it on SETVAL) */
	for (size_t i = 0; i < ns; i++)
		if (semctl(s[i].semid, 0, GETPID) == pid)
			VEC_PUSH(*out, *n, cap, s[i].cookie);
	free(s);
}

/* Made and never set: value 0 and no pid (no SETVAL yet). */
static bool unset(const struct sem_ref *r)
{
	return semctl(r->semid, 0, GETPID) == 0 && semctl(r->semid, 0, GETVAL) == 0;
}

void vmap_dm_udev_drop_unset(double settle_s, uint32_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct sem_ref *s;
	size_t ns = never_joined(&s), k = 0, cap = 0;
	for (size_t i = 0; i < ns; i++)
		if (unset(&s[i]))
			s[k++] = s[i];
	if (k) {
		/* whoever is between the two steps now goes on within
		 * microseconds: unset again after a pause, it never will */
		sleep_s(settle_s);
		for (size_t i = 0; i < k; i++)
			if (semget((key_t)s[i].cookie, 1, 0) == s[i].semid && unset(&s[i]) &&
			    semctl(s[i].semid, 0, IPC_RMID) == 0)
				VEC_PUSH(*out, *n, cap, s[i].cookie);
	}
	free(s);
}

/* ---- changing state ---- */

static int add_lines(struct dm_task *dmt, const char *name, const struct vmap_dm_line *lines,
		     size_t n, struct vmap_errlist *errs)
{
	for (size_t i = 0; i < n; i++)
		if (!dm_task_add_target(dmt, lines[i].start, lines[i].len, lines[i].type,
					lines[i].params ? lines[i].params : ""))
			return task_fail(errs, dmt, NULL, name, "cannot add table line %zu", i + 1);
	return 0;
}

/* RELOAD `lines` into `name`'s inactive slot. */
static int do_load(const char *name, const struct vmap_dm_line *lines, size_t n, unsigned flags,
		   struct kwin *kw, struct vmap_errlist *errs)
{
	struct dm_task *dmt = task_new(DM_DEVICE_RELOAD, name, errs);
	if (!dmt)
		return -1;
	int r = -1;
	if (task_flags(dmt, flags, VMAP_DM_SECURE | VMAP_DM_READONLY, name, errs) < 0)
		goto out;
	if (add_lines(dmt, name, lines, n, errs) < 0)
		goto out;
	if (!dm_task_run(dmt)) {
		task_fail(errs, dmt, kw, name, "cannot load the table");
		goto out;
	}
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

static int do_resume(const char *name, unsigned flags, struct vmap_udev_batch *udev,
		     struct kwin *kw, struct vmap_errlist *errs)
{
	struct dm_task *dmt = task_new(DM_DEVICE_RESUME, name, errs);
	if (!dmt)
		return -1;
	int r = -1;
	if (task_flags(dmt, flags, VMAP_DM_NOFLUSH | VMAP_DM_SKIP_LOCKFS, name, errs) < 0)
		goto out;
	/* the cookie last: from here libdm balances it whatever happens */
	if (udev_join(dmt, udev, name, flags, errs) < 0)
		goto out;
	if (!dm_task_run(dmt)) {
		task_fail(errs, dmt, kw, name, "cannot resume");
		goto out;
	}
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

static int do_remove(const char *name, struct vmap_udev_batch *udev, struct kwin *kw,
		     struct vmap_errlist *errs)
{
	struct dm_task *dmt = task_new(DM_DEVICE_REMOVE, name, errs);
	if (!dmt)
		return -1;
	int r = -1;
	/* udev's blkid probe briefly holds a new device open: EBUSY retries */
	if (!dm_task_retry_remove(dmt)) {
		task_fail(errs, dmt, NULL, name, "cannot set the task's flags");
		goto out;
	}
	if (udev_join(dmt, udev, name, 0, errs) < 0)
		goto out;
	if (!dm_task_run(dmt)) {
		task_fail(errs, dmt, kw, name, "cannot remove");
		goto out;
	}
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

/* CREATE, then (with a table) RELOAD and RESUME, removing the device
 * again when a step fails.  This is the sequence libdm runs for a CREATE
 * carrying targets (_create_and_load_v4); we run the steps ourselves so
 * the error names the step that failed and carries its own errno (libdm's
 * revert REMOVE would overwrite it). */
int vmap_dm_create(const char *name, const char *uuid, const struct vmap_dm_line *lines,
		   size_t n, unsigned flags, struct vmap_udev_batch *udev,
		   struct vmap_errlist *errs)
{
	return vmap_dm_create_dev(name, uuid, lines, n, flags, udev, NULL, NULL, errs);
}

int vmap_dm_create_dev(const char *name, const char *uuid, const struct vmap_dm_line *lines,
		       size_t n, unsigned flags, struct vmap_udev_batch *udev, unsigned *major,
		       unsigned *minor, struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0 || check_uuid(name, uuid, errs) < 0)
		return -1;
	struct kwin kw = kwin_open();
	int r = -1;
	struct dm_task *dmt = task_new(DM_DEVICE_CREATE, name, errs);
	if (!dmt)
		goto out;
	if (uuid && *uuid && !dm_task_set_uuid(dmt, uuid)) {
		task_fail(errs, dmt, NULL, name, "cannot set uuid '%s'", uuid);
		dm_task_destroy(dmt);
		goto out;
	}
	/* No cookie: CREATE sends no uevent (the device appears on resume),
	 * so nothing would ever complete it. */
	if (!dm_task_run(dmt)) {
		task_fail(errs, dmt, &kw, name, "cannot create");
		dm_task_destroy(dmt);
		goto out;
	}
	/* the reply carries the new device's number: no TABLE to ask it */
	struct dm_info info;
	if ((major || minor) && dm_task_get_info(dmt, &info)) {
		if (major)
			*major = info.major;
		if (minor)
			*minor = info.minor;
	}
	dm_task_destroy(dmt);
	if (n == 0) {
		r = 0;
		goto out;
	}
	if (do_load(name, lines, n, flags, &kw, errs) == 0 &&
	    do_resume(name, flags & (VMAP_DM_NOFLUSH | VMAP_DM_SKIP_LOCKFS | VMAP_DM_PRIVATE), udev,
		      &kw, errs) == 0) {
		r = 0;
		goto out;
	}
	/* revert: a failed create leaves nothing behind */
	capture_reset();
	kw = kwin_open();
	if (do_remove(name, udev, &kw, errs) < 0)
		vmap_err(errs, VMAP_E_FAILED, 0, NULL, name,
			 "the half-created device is still there (remove it with 'dmsetup remove %s')",
			 name);
out:
	return r;
}

int vmap_dm_load(const char *name, const struct vmap_dm_line *lines, size_t n, unsigned flags,
		 struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0)
		return -1;
	struct kwin kw = kwin_open();
	return do_load(name, lines, n, flags, &kw, errs);
}

/* A task on `name` with nothing but flags. */
static int simple_task(int type, const char *name, unsigned flags, const char *what,
		       struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0)
		return -1;
	struct kwin kw = kwin_open();
	int r = -1;
	struct dm_task *dmt = task_new(type, name, errs);
	if (!dmt)
		goto out;
	if (task_flags(dmt, flags, VMAP_DM_NOFLUSH | VMAP_DM_SKIP_LOCKFS, name, errs) < 0)
		goto destroy;
	if (!dm_task_run(dmt)) {
		task_fail(errs, dmt, &kw, name, "cannot %s", what);
		goto destroy;
	}
	r = 0;
destroy:
	dm_task_destroy(dmt);
out:
	return r;
}

int vmap_dm_clear(const char *name, struct vmap_errlist *errs)
{
	return simple_task(DM_DEVICE_CLEAR, name, 0, "clear the inactive table", errs);
}

int vmap_dm_suspend(const char *name, unsigned flags, struct vmap_errlist *errs)
{
	return simple_task(DM_DEVICE_SUSPEND, name, flags, "suspend", errs);
}

int vmap_dm_resume(const char *name, unsigned flags, struct vmap_udev_batch *udev,
		   struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0)
		return -1;
	struct kwin kw = kwin_open();
	int r = do_resume(name, flags, udev, &kw, errs);
	return r;
}

int vmap_dm_remove(const char *name, struct vmap_udev_batch *udev, struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0)
		return -1;
	struct kwin kw = kwin_open();
	int r = do_remove(name, udev, &kw, errs);
	return r;
}

int vmap_dm_set_uuid(const char *name, const char *uuid, struct vmap_udev_batch *udev,
		     struct vmap_errlist *errs)
{
	capture_reset();
	if (check_name(name, errs) < 0 || check_uuid(name, uuid, errs) < 0)
		return -1;
	if (!uuid || !*uuid) {
		vmap_err(errs, VMAP_E_FAILED, EINVAL, NULL, name, "empty uuid");
		return -1;
	}
	struct kwin kw = kwin_open();
	int r = -1;
	struct dm_task *dmt = task_new(DM_DEVICE_RENAME, name, errs);
	if (!dmt)
		goto out;
	if (!dm_task_set_newuuid(dmt, uuid)) {
		task_fail(errs, dmt, NULL, name, "cannot set uuid '%s'", uuid);
		goto destroy;
	}
	/* RENAME sends a change uevent, so it takes the cookie too */
	if (udev_join(dmt, udev, name, 0, errs) < 0)
		goto destroy;
	if (!dm_task_run(dmt)) {
		task_fail(errs, dmt, &kw, name, "cannot set uuid '%s'", uuid);
		goto destroy;
	}
	r = 0;
destroy:
	dm_task_destroy(dmt);
out:
	return r;
}
