/* handover.h: concurrent activations hand their devices to one runner.
 *
 * When many disks appear at once, udev starts one `activate --device` per
 * disk.  Each used to take the run lock in turn and make a whole run
 * (load, capture, plan, create), so M disks cost M runs in series and most
 * waiters gave up on the lock.  Instead, each activation announces its
 * device by bumping a generation counter (and recording the device),
 * then tries the runner lock without waiting: the one that gets it is the
 * runner, the others hand over and end.  A handed-over activation costs
 * its process start, a stat and two flocks: it waits for nothing, udev
 * included; the runner waits for udev to be done with the devices each
 * round covers (live/udev_ready.h) before the round reads anything.  The runner makes rounds (each a whole create-only run,
 * under the run lock as before) until, after letting the runner lock go,
 * no activation announced itself since its last round began.
 *
 * In the run directory (journal.h: /run/vmapctl or $VMAPCTL_RUN_DIR):
 *   activate.lock   the runner lock (flock; the runner's pid inside)
 *   activate.state  "GENERATION ROUNDS CLOSING\n", read and written under
 *                   its own short flock: the generation, the rounds every
 *                   runner made (for tests and benchmarks), and the pid of
 *                   a runner in its last round (0 when none)
 *   activate.devices  "MAJ:MIN\n" per announcement not yet covered by a
 *                   round, appended and emptied under the state's flock
 *
 * Why nothing is lost: an activation bumps at time t, then fails to take
 * the runner lock because H holds it.  H lets go after t and re-reads the
 * generation: unchanged means H's last round began after t (so that round
 * took the device from activate.devices, in the same critical section as
 * the generation, and waited for udev to be done with it before its
 * capture); changed means H takes the lock again for another round, or
 * fails to because a newer runner took it after t and will begin its
 * round after that.
 *
 * The bound: a runner makes at most VMAP_HANDOVER_MAX_ROUNDS rounds, so a
 * steady trickle of disks cannot keep it forever.  Its last round is
 * announced in the state file in the same critical section that reads the
 * generation it covers: an activation that bumped before is covered by
 * that round; one that bumps after sees the runner closing and, when the
 * lock is still held, waits for it (--lock-timeout) and becomes the next
 * runner instead of handing over.  The mark is taken away once that round
 * is over and the lock let go. */
#ifndef VMAP_HANDOVER_H
#define VMAP_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "exec/lock.h"

#define VMAP_HANDOVER_MAX_ROUNDS 8

struct vmap_handover_state {
	uint64_t generation; /* activations announced, ever (since the run directory was made) */
	uint64_t rounds;     /* rounds runners made */
	long closing;        /* pid of a runner in its last round, or 0 */
};

struct vmap_handover {
	struct vmap_lock runner; /* held while this process is the runner */
	char *state_path;
	uint64_t covered;        /* the generation the current round began at */
	unsigned rounds;         /* rounds this runner began */
	bool last;               /* the current round is this runner's last */
	dev_t *devs;             /* the devices announced for the current round */
	size_t n_devs;
};

/* Announce device `dev` and try to become the runner (or, with
 * `runner_fd` > 2, take over the runner lock held through that open file,
 * as vmap_handover_announce passes it; one that is not falls back to the
 * try).  1: this process is the runner (h->runner held); 0: handed over
 * to the runner, whose pid is in *holder (0 when unknown); -1: error (VMAP_E_LOCK when a closing runner
 * was waited for `wait_s` seconds in vain).  With `detach`, an activation
 * that is to make rounds (it became the runner, or waits for a closing
 * one) goes on in a child in a session of its own (vmap_handover_detach)
 * before it waits for anything; one that hands over never forks.  For
 * udev's RUN, which waits for its program: the announcement is made before
 * the program returns, and costs no process beyond it. */
int vmap_handover_enter(struct vmap_handover *h, const char *run_dir, dev_t dev,
			double wait_s, bool detach, int runner_fd, long *holder,
			struct vmap_errlist *errs);

/* The announcement alone, for the udev helper (cmd/udev): announce `dev`
 * and try the runner lock, as above.  0: handed over to the runner, whose pid is in *holder (0 when unknown);
 * 1: the whole activation (`vmapctl activate --device`) is due, which
 * announces again and goes on as above: either this process took the
 * runner lock, held through *runner_fd, which the whole activation this
 * process becomes (exec) takes over (runner_fd of vmap_handover_enter), or
 * the runner makes its last round (*runner_fd -1); -1: error (the whole
 * activation meets it again and reports it).
 *
 * Keeping the lock across the exec is what makes the helper worth it:
 * the disks of a storm that appear while the whole activation starts
 * hand over to it, instead of finding no runner and each starting a whole
 * activation too.  And an activation that handed over to this process is
 * covered: the round of the activation it becomes begins after. */
int vmap_handover_announce(const char *run_dir, dev_t dev, long *holder, int *runner_fd,
			   struct vmap_errlist *errs);

/* A later event of a disk needs no announcement while its last one still
 * waits in activate.devices for the round of a runner that lives (its pid
 * in activate.lock): that round begins after the event's udev database
 * entry was written (udev writes it before it runs RUN programs), so it
 * sees what the event brought.  true: so (the udev helper starts nothing);
 * false: announce (also when the runner is gone, killed say: the
 * announcement makes a new runner, whose round takes the old lines too). */
bool vmap_handover_pending(const char *run_dir, dev_t dev);

/* Go on in the background: fork; the calling process exits 0 at once
 * (_exit: no output, no exit handlers), the child, in a new session,
 * returns 0 and keeps what the process held (a flock belongs to the open
 * file, which the child shares).  -1 when fork fails (the caller goes
 * on). */
int vmap_handover_detach(struct vmap_errlist *errs);

/* Begin a round: note the generation it covers (everything announced so
 * far), take the devices announced so far into h->devs (each once) and
 * count the round; the last round the bound allows is announced as
 * closing.  Call before the round reads anything, then wait for udev to
 * be done with h->devs. */
int vmap_handover_round(struct vmap_handover *h, struct vmap_errlist *errs);

/* After a round: let the runner lock go and decide.  true: announcements
 * came in since the round began and this process took the lock again (make
 * another round); false: nothing came in, or another runner took over, or
 * that was the last round (the lock is released either way). */
bool vmap_handover_again(struct vmap_handover *h, struct vmap_errlist *errs);

/* Release whatever is still held (idempotent). */
void vmap_handover_end(struct vmap_handover *h);

/* Read the state (all zero when there is no state file yet). */
int vmap_handover_read(const char *run_dir, struct vmap_handover_state *st,
		       struct vmap_errlist *errs);

/* The decision of vmap_handover_again, pure: another round is due when the
 * round was not the last and the generation moved since it began. */
bool vmap_handover_due(uint64_t covered, uint64_t now, bool last);

/* The devices of activate.devices text `text`, each once, in the order
 * first announced (lines that are not MAJ:MIN are skipped); pure.  Returns
 * how many, the array in *out (free it). */
size_t vmap_handover_parse_devices(const char *text, dev_t **out);

#endif
