/* dm.c: the one file that talks to libdevmapper (see dm.h). */
#include "dm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libdevmapper.h>

#include "util.h"

/* ---- capturing libdm's messages ----
 *
 * libdm reports through a log callback; by default it prints to stderr,
 * which library code must never do.  We keep the last error-level message
 * and errno so the failing call can attach them to its error record. */

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
	sbuf_reset(&last_msg);
	sbuf_add(&last_msg, m);
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

/* Append an error for a failed task: errno from the task (or the log),
 * and what libdm/the kernel said. */
static int task_fail(struct vmap_errlist *errs, struct dm_task *dmt, const char *name,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int task_fail(struct vmap_errlist *errs, struct dm_task *dmt, const char *name,
		     const char *fmt, ...)
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
	if (last_msg.len)
		errs->v[errs->n - 1].kmsg = xstrdup(sbuf_str(&last_msg));
	return -1;
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
	struct dm_task *dmt = dm_task_create(DM_DEVICE_VERSION);
	int r = -1;
	if (!dmt)
		return task_fail(errs, NULL, NULL, "cannot create a device-mapper task");
	char v[64];
	if (!dm_task_run(dmt) || !dm_task_get_driver_version(dmt, v, sizeof(v))) {
		task_fail(errs, dmt, NULL, "cannot read the device-mapper driver version");
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
