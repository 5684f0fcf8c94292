/* signals.c: see signals.h. */
#include "exec/signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/util.h"
#include "exec/rundir.h"

static const int caught_sigs[5] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM};

static volatile sig_atomic_t first_signal;
static volatile sig_atomic_t deadline_passed;

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		deadline_passed = 1;
	else if (!first_signal)
		first_signal = sig;
}

void vmap_signals_catch(struct vmap_signals *s)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the suspend ioctl must see EINTR */
	sa.sa_flags = 0;
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < 5; i++) {
		/* a signal the parent set to be ignored stays ignored (nohup:
		 * a hangup must not roll the run back) */
		sigaction(caught_sigs[i], NULL, &s->old[i]);
		if (caught_sigs[i] != SIGALRM && s->old[i].sa_handler == SIG_IGN)
			continue;
		sigaction(caught_sigs[i], &sa, NULL);
		sigaddset(&set, caught_sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, &s->oldmask);
	s->active = true;
}

void vmap_signals_restore(struct vmap_signals *s)
{
	if (!s->active)
		return;
	for (size_t i = 0; i < 5; i++)
		sigaction(caught_sigs[i], &s->old[i], NULL);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	s->active = false;
}

int vmap_signal_caught(void)
{
	return first_signal;
}

const char *vmap_signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	}
	return "a signal";
}

void vmap_deadline_start(double seconds)
{
	deadline_passed = 0;
	if (seconds <= 0)
		return;
	struct itimerval it = {
		.it_value = {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)},
		.it_interval = {1, 0},
	};
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

bool vmap_deadline_stop(void)
{
	struct itimerval off;
	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	return deadline_passed != 0;
}

void vmap_test_pause(const char *run_dir)
{
	char *path = xasprintf("%s/paused", vmap_run_dir(run_dir));
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	free(path);
	while (!vmap_signal_caught())
		pause();
}

void vmap_test_pause_once(bool *armed, const char *run_dir)
{
	if (!armed || !*armed)
		return;
	*armed = false;
	vmap_test_pause(run_dir);
}
