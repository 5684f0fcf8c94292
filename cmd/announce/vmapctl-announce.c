/* vmapctl-announce MAJ:MIN: the first step of `vmapctl activate --device
 * MAJ:MIN`, alone, for the udev helper (udev/vmapctl-udev-activate).
 *
 * In a storm udev runs the helper for every event of every disk, one at a
 * time per worker, and nearly every activation only hands its device over
 * to the runner (reconcile/exec/handover.h).  Started as the whole vmapctl
 * that costs its start: the dynamic libraries of libdevmapper, libudev,
 * json-c, libyaml and nettle, which hand-over never uses, and that time is
 * udev's.  This program links the hand-over and libc only.
 *
 * Handed over: exit 0, with the line vmapctl prints for it.  No runner:
 * this process took the runner lock and becomes the whole activation
 * (`vmapctl activate --detach --device MAJ:MIN`, found on PATH), holding
 * the lock across the exec (VMAPCTL_RUNNER_FD names the descriptor), so
 * that the disks appearing while it starts hand over to it.  Else exit
 * 100: the caller starts the whole activation itself (a runner in its last
 * round, or an error, which the whole activation meets again and
 * reports). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "exec/handover.h"

/* "the whole activation is the caller's to start" */
#define EXIT_WHOLE 100

int main(int argc, char **argv)
{
	unsigned maj, min;
	if (argc != 2 || !parse_devno(argv[1], &maj, &min))
		return EXIT_WHOLE;
	struct vmap_errlist errs = {0};
	long holder = 0;
	int fd = -1;
	int r = vmap_handover_announce(getenv("VMAPCTL_RUN_DIR"), makedev(maj, min), &holder, &fd,
				       &errs);
	vmap_errlist_clear(&errs);
	if (r == 0) {
		/* as `vmapctl activate` says it */
		if (holder > 0)
			printf("handed over to the activation running as pid %ld\n", holder);
		else
			printf("handed over to the activation running\n");
		return 0;
	}
	if (r == 1 && fd > 2) {
		char num[16];
		snprintf(num, sizeof(num), "%d", fd);
		/* the open file (and with it the flock) goes along */
		if (fcntl(fd, F_SETFD, 0) == 0 && setenv("VMAPCTL_RUNNER_FD", num, 1) == 0) {
			static char prog[] = "vmapctl", cmd[] = "activate", detach[] = "--detach",
				    device[] = "--device";
			char *whole[] = {prog, cmd, detach, device, argv[1], NULL};
			execvp(whole[0], whole);
		}
		/* no vmapctl to become: the lock goes with this process, and
		 * the caller's whole activation finds it free */
	}
	return EXIT_WHOLE;
}
