/* udev_ready.c: see udev_ready.h. */
#include "live/udev_ready.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "base/util.h"

static int devnum_of(const char *spec, dev_t *out)
{
	unsigned maj, min;
	char tail;
	if (sscanf(spec, "%u:%u%c", &maj, &min, &tail) == 2) {
		*out = makedev(maj, min);
		return 0;
	}
	char *path = spec[0] == '/' ? xstrdup(spec) : xasprintf("/dev/%s", spec);
	struct stat st;
	int r = stat(path, &st);
	free(path);
	if (r < 0 || !S_ISBLK(st.st_mode))
		return -1;
	*out = st.st_rdev;
	return 0;
}

/* 1: udev has a database entry for the device; 0: not yet; -1: the device
 * is gone (no sysfs entry: nothing will ever make it ready). */
static int ready_state(struct udev *udev, dev_t dev)
{
	struct udev_device *d = udev_device_new_from_devnum(udev, 'b', dev);
	if (!d) {
		char *sys = xasprintf("/sys/dev/block/%u:%u", major(dev), minor(dev));
		int gone = access(sys, F_OK) < 0 && errno == ENOENT;
		free(sys);
		return gone ? -1 : 0;
	}
	int ok = udev_device_get_is_initialized(d) > 0;
	udev_device_unref(d);
	return ok;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vmap_udev_devnum(const char *devnode, dev_t *out, struct vmap_errlist *errs)
{
	if (devnum_of(devnode, out) < 0) {
		vmap_err(errs, VMAP_E_FAILED, ENODEV, NULL, NULL, "'%s' is not a block device", devnode);
		return -1;
	}
	return 0;
}

/* Drop the devices udev is done with (or that are gone) from devs[0..n);
 * returns how many are left, at the front. */
static size_t not_ready(struct udev *udev, dev_t *devs, size_t n)
{
	size_t left = 0;
	for (size_t i = 0; i < n; i++)
		if (ready_state(udev, devs[i]) == 0)
			devs[left++] = devs[i];
	return left;
}

int vmap_udev_wait_devices(const dev_t *devs, size_t n, double timeout_s,
			   struct vmap_errlist *errs)
{
	if (n == 0)
		return 0;
	/* No udev, no database to wait for: /run/udev/control is its socket. */
	if (access("/run/udev/control", F_OK) < 0)
		return 0;
	struct udev *udev = udev_new();
	if (!udev) {
		vmap_err(errs, VMAP_E_FAILED, errno, NULL, NULL, "cannot talk to udev");
		return -1;
	}
	dev_t *todo = xmalloc(n * sizeof(*todo));
	memcpy(todo, devs, n * sizeof(*todo));
	int r = 0;
	/* the common case (udev started us after it wrote the entries): no
	 * monitor, whose every block event would wake us */
	size_t left = not_ready(udev, todo, n);
	struct udev_monitor *mon = NULL;
	if (left) {
		/* Listen first, then look again: an event between the two is
		 * not lost. */
		mon = udev_monitor_new_from_netlink(udev, "udev");
		if (mon) {
			udev_monitor_filter_add_match_subsystem_devtype(mon, "block", NULL);
			if (udev_monitor_enable_receiving(mon) < 0) {
				udev_monitor_unref(mon);
				mon = NULL;
			}
		}
		left = not_ready(udev, todo, left);
	}
	double deadline = now_s() + timeout_s;
	while (left) {
		double rest = deadline - now_s();
		if (rest <= 0) {
			vmap_err(errs, VMAP_E_TIMEOUT, 0, NULL, NULL,
				 "udev did not finish processing '%u:%u' within %.0f s (its udev "
				 "properties are not known yet)", major(todo[0]), minor(todo[0]),
				 timeout_s);
			r = -1;
			break;
		}
		if (!mon) {
			/* no monitor (no netlink here): fall back to a short nap */
			usleep(50000);
		} else {
			struct pollfd pfd = {udev_monitor_get_fd(mon), POLLIN, 0};
			int ms = rest > 1.0 ? 1000 : (int)(rest * 1000) + 1;
			if (poll(&pfd, 1, ms) > 0) {
				struct udev_device *d = udev_monitor_receive_device(mon);
				if (d)
					udev_device_unref(d);
			}
		}
		left = not_ready(udev, todo, left);
	}
	if (mon)
		udev_monitor_unref(mon);
	udev_unref(udev);
	free(todo);
	return r;
}
