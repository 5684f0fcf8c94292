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

static bool initialized(struct udev *udev, dev_t dev)
{
	struct udev_device *d = udev_device_new_from_devnum(udev, 'b', dev);
	bool ok = d && udev_device_get_is_initialized(d) > 0;
	if (d)
		udev_device_unref(d);
	return ok;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vmap_udev_wait_ready(const char *devnode, double timeout_s, struct vmap_errlist *errs)
{
	dev_t dev;
	if (devnum_of(devnode, &dev) < 0) {
		vmap_err(errs, VMAP_E_FAILED, ENODEV, NULL, NULL, "'%s' is not a block device", devnode);
		return -1;
	}
	/* No udev, no database to wait for: /run/udev/control is its socket. */
	if (access("/run/udev/control", F_OK) < 0)
		return 0;
	struct udev *udev = udev_new();
	if (!udev) {
		vmap_err(errs, VMAP_E_FAILED, errno, NULL, NULL, "cannot talk to udev");
		return -1;
	}
	int r = -1;
	/* Listen first, then look: an event between the two is not lost. */
	struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "udev");
	if (mon) {
		udev_monitor_filter_add_match_subsystem_devtype(mon, "block", NULL);
		if (udev_monitor_enable_receiving(mon) < 0) {
			udev_monitor_unref(mon);
			mon = NULL;
		}
	}
	double deadline = now_s() + timeout_s;
	while (!initialized(udev, dev)) {
		double left = deadline - now_s();
		if (left <= 0) {
			vmap_err(errs, VMAP_E_TIMEOUT, 0, NULL, NULL,
				 "udev did not finish processing '%s' within %.0f s (its udev "
				 "properties are not known yet)", devnode, timeout_s);
			goto out;
		}
		if (!mon) {
			/* no monitor (no netlink here): fall back to a short nap */
			usleep(50000);
			continue;
		}
		struct pollfd pfd = {udev_monitor_get_fd(mon), POLLIN, 0};
		int ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
		if (poll(&pfd, 1, ms) > 0) {
			struct udev_device *d = udev_monitor_receive_device(mon);
			if (d)
				udev_device_unref(d);
		}
	}
	r = 0;
out:
	if (mon)
		udev_monitor_unref(mon);
	udev_unref(udev);
	return r;
}
