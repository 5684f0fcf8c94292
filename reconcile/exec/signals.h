/* signals.h: SIGINT, SIGTERM, SIGHUP (and SIGQUIT) during a run that
 * changes devices, and the bounded wait of a suspend (contract section 6).
 *
 * While apply or recover runs, those signals are caught instead of
 * killing the process: the handler only records the first one, and the
 * run decides at its next step what it means (apply: roll back, or finish
 * once new tables are live; recover: finish).  The handlers are installed
 * without SA_RESTART, so a signal also interrupts the one wait that can
 * hang, the kernel's flush suspend (drivers/md/dm.c waits for in-flight
 * I/O with TASK_INTERRUPTIBLE and returns -EINTR, undoing the suspend).
 * The same interruption bounds each suspend: a timer (SIGALRM) fires at
 * the deadline, and again every second after it, in case it fired just
 * before the ioctl started to wait.  SIGKILL is what recover is for. */
#ifndef VMAP_SIGNALS_H
#define VMAP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

struct vmap_signals {
	struct sigaction old[5];
	sigset_t oldmask;
	bool active;
};

/* Catch SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGALRM (and unblock them)
 * until vmap_signals_restore; one the process inherited as ignored stays
 * ignored (nohup, or SIGINT in a shell's background job).  Nests: each
 * call saves what it replaced. */
void vmap_signals_catch(struct vmap_signals *s);
void vmap_signals_restore(struct vmap_signals *s);

/* The first signal caught in this process (0: none). */
int vmap_signal_caught(void);
/* "SIGINT", "SIGTERM", ... */
const char *vmap_signal_name(int sig);

/* A documented test hook (VMAPCTL_TEST_HOOK=pause-after-STEP,
 * pause-after-cookie, pause-in-recover; docs/testing.md): the run writes
 * RUN_DIR/paused with its pid and waits for a caught signal, so a test
 * can signal it, or kill it, exactly there. */
void vmap_test_pause(const char *run_dir);
/* vmap_test_pause when *armed (a NULL `armed` never is), disarming it:
 * a hook that stops at the first of several like points. */
void vmap_test_pause_once(bool *armed, const char *run_dir);

/* Arm the deadline of one suspend (`seconds` > 0), and disarm it;
 * vmap_deadline_stop says whether it passed. */
void vmap_deadline_start(double seconds);
bool vmap_deadline_stop(void);

#endif
