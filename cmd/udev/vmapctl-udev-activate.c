/* vmapctl-udev-activate MAJ:MIN: run by 69-vmapctl.rules (RUN+=) where
 * systemd is not init, for each block device that appears or changes.
 *
 * It must not wait: udev runs it inside the worker handling the event, and
 * an activation's rounds wait for udev to process the events of the devices
 * they create, so waiting here would make udev wait on itself.  And it must
 * be cheap: a storm of disks runs it hundreds of times, one at a time per
 * worker, and nearly every run only hands its disk over to the activation
 * already running (reconcile/exec/handover.h).  So it is a program of the
 * hand-over and libc only, not a shell script and not vmapctl, whose
 * libraries (libdevmapper, libudev, json-c, libyaml, nettle) hand-over never
 * uses; and linked statically (the Makefile says why).  100 disks attached
 * at once in the one-CPU test VM, until udev settled: 6.1 s with no RUN,
 * 15.8 s with RUN of /bin/true (udev's own cost of a RUN), 18.3 s with this
 * hand-over as a dynamic program, 24.8 s with it behind a shell script
 * doing the checks below.
 *
 * What it does (vmapctl(8), ACTIVATION STORMS), output to activate.log in
 * the run directory:
 *   - no spec in any of the three spec directories: nothing;
 *   - the disk's last announcement still waits for a living runner's
 *     round: nothing (vmap_handover_pending);
 *   - else it announces the disk; a runner holds the lock: it hands over
 *     (exit 0, the line vmapctl prints for it);
 *   - nobody runs: it took the runner lock and becomes `vmapctl activate
 *     --detach --device MAJ:MIN` (vmapctl on PATH), holding the lock across
 *     the exec (VMAPCTL_RUNNER_FD names the descriptor), so the disks that
 *     appear while vmapctl starts hand over to it;
 *   - a runner in its last round, or an error: `vmapctl activate --detach
 *     --device MAJ:MIN`, which announces again, meets the error again and
 *     reports it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "exec/handover.h"
#include "exec/rundir.h"
#include "model/spec.h"

/* The rule has nothing to start when no directory of the default spec set
 * holds a file. */
static bool any_spec(void)
{
	for (size_t i = 0; vmap_spec_layer_dirs[i]; i++) {
		DIR *d = opendir(vmap_spec_layer_dirs[i]);
		if (!d)
			continue;
		struct dirent *e;
		bool found = false;
		while (!found && (e = readdir(d)))
			found = e->d_name[0] != '.';
		closedir(d);
		if (found)
			return true;
	}
	return false;
}

/* stdin from /dev/null, stdout and stderr appended to activate.log (the
 * run directory made as the hand-over makes it); best effort: udev keeps
 * what is left. */
static void redirect(const char *run_dir)
{
	if (mkdir(run_dir, 0700) < 0 && errno != EEXIST)
		return;
	char *log = xasprintf("%s/activate.log", run_dir);
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(log);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

/* Become `vmapctl activate --detach --device DEV`; with `runner_fd` > 2
 * holding the runner lock for it.  Returns only when the exec failed. */
static int whole_activation(char *dev, int runner_fd)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", runner_fd);
	/* the open file (and with it the flock) goes along; when it cannot,
	 * the lock goes, and vmapctl tries it itself */
	if (runner_fd > 2 &&
	    (fcntl(runner_fd, F_SETFD, 0) < 0 || setenv("VMAPCTL_RUNNER_FD", num, 1) < 0))
		close(runner_fd);
	static char prog[] = "vmapctl", cmd[] = "activate", detach[] = "--detach",
		    device[] = "--device";
	char *argv[] = {prog, cmd, detach, device, dev, NULL};
	execvp(prog, argv);
	fprintf(stderr, "vmapctl-udev-activate: cannot run vmapctl: %m\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2 || !*argv[1])
		return 0;
	/* udev's RUN gets no PATH of ours: where vmapctl is installed */
	setenv("PATH", "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin", 1);
	if (!any_spec())
		return 0;
	const char *run_dir = vmap_run_dir(getenv("VMAPCTL_RUN_DIR"));
	redirect(run_dir);
	unsigned maj, min;
	/* not a device number: vmapctl says what is wrong with it */
	if (!parse_devno(argv[1], &maj, &min))
		return whole_activation(argv[1], -1);
	dev_t dev = makedev(maj, min);
	if (vmap_handover_pending(run_dir, dev))
		return 0;
	struct vmap_errlist errs = {0};
	long holder = 0;
	int fd = -1;
	int r = vmap_handover_announce(run_dir, dev, &holder, &fd, &errs);
	vmap_errlist_clear(&errs);
	if (r != 0)
		return whole_activation(argv[1], fd);
	/* as `vmapctl activate` says it */
	if (holder > 0)
		printf("handed over to the activation running as pid %ld\n", holder);
	else
		printf("handed over to the activation running\n");
	return 0;
}
