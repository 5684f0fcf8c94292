/* eventlog.c: see eventlog.h.
 *
 * Journal entries carry a MESSAGE_ID per kind of event (fixed: monitoring
 * and `journalctl MESSAGE_ID=...` rely on them; vmapctl(8) lists them) and
 * the fields VMAPCTL_COMMAND, VMAPCTL_VOLUME, VMAPCTL_ACTION, VMAPCTL_RESULT
 * and VMAPCTL_DURATION_MS.  Whether journald runs is found out once, by
 * connecting to its socket (sd_journal_sendv cannot tell: it drops an
 * entry silently when the socket is not there); without it, or when an
 * entry cannot be sent, the entry's message goes to stderr instead, so each
 * entry is written exactly once. */
#include "eventlog.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "base/util.h"

enum log_kind {
	LOG_DONE,     /* a change made */
	LOG_FAILED,   /* a change the kernel refused (the run rolls back) */
	LOG_ROLLBACK, /* an operation undoing a failed run */
	LOG_RECOVER,  /* an operation finishing an interrupted run */
};

/* Made once with `journalctl --new-id128`; never change them. */
static const char *const message_ids[] = {
	[LOG_DONE] = "b8501646f1e7416e8b65a87e75da325b",
	[LOG_FAILED] = "8ec57379d7504047aad52ddcc14e9156",
	[LOG_ROLLBACK] = "044dae75d58d4e72bd19e085cdb48821",
	[LOG_RECOVER] = "613a6e9a6f3245a29b24b96a68ec3bb8",
};

/* sd-journal's native socket (systemd's journal-send.c sends there) */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Whether journald takes entries: a datagram socket connects to a socket
 * only while someone is bound to it (else ENOENT, or ECONNREFUSED when
 * journald left its socket behind). */
static bool journald_runs(void)
{
	static int runs = -1;
	if (runs >= 0)
		return runs;
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	runs = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return runs;
}

/* sd_journal_sendv, from libsystemd loaded the first time a run logs a
 * change: libsystemd and the six libraries it pulls in are most of what
 * the dynamic loader does at startup, and a converged run, the one a
 * fleet makes every few minutes, logs nothing.  NULL without libsystemd
 * (then stderr has the entries). */
typedef int (*journal_sendv_fn)(const struct iovec *iov, int n);
static journal_sendv_fn journal_sendv(void)
{
	static bool tried;
	static journal_sendv_fn fn;
	if (!tried) {
		tried = true;
		void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		/* POSIX's way from a data pointer to a function pointer */
		if (h)
			*(void **)&fn = dlsym(h, "sd_journal_sendv");
	}
	return fn;
}

static void log_one(const struct vmap_cli *cli, enum log_kind kind,
		    const struct vmap_apply_event *ev)
{
	/* without journald a quiet run shows nothing: nothing to format (a
	 * batch of 1,000 creates formatted 10,000 strings for no one) */
	journal_sendv_fn sendv = journald_runs() ? journal_sendv() : NULL;
	if (!sendv && cli->quiet)
		return;
	const char *command = cli->command ? cli->command : "vmapctl";
	const char *action = vmap_step_name(ev->kind);
	const char *result = ev->ok ? "ok" : "failed";
	int prio = !ev->ok ? LOG_ERR : kind == LOG_DONE ? LOG_NOTICE : LOG_WARNING;
	/* "apply: resume 'low' (0.3 ms)", "apply: rollback: clear 'low' failed (0.1 ms)" */
	const char *what = kind == LOG_ROLLBACK				      ? "rollback: "
			   : kind == LOG_RECOVER && strcmp(command, "recover") ? "recover: "
									      : "";
	char *msg = xasprintf("%s: %s%s '%s'%s (%.1f ms)", command, what, action, ev->volume,
			      ev->ok ? "" : " failed", ev->ms);
	char *fields[] = {
		xasprintf("MESSAGE=%s", msg),
		xasprintf("MESSAGE_ID=%s", message_ids[kind]),
		xasprintf("PRIORITY=%d", prio),
		xasprintf("SYSLOG_IDENTIFIER=vmapctl"),
		xasprintf("VMAPCTL_COMMAND=%s", command),
		xasprintf("VMAPCTL_VOLUME=%s", ev->volume),
		xasprintf("VMAPCTL_ACTION=%s", action),
		xasprintf("VMAPCTL_RESULT=%s", result),
		xasprintf("VMAPCTL_DURATION_MS=%.3f", ev->ms),
	};
	enum { N = sizeof(fields) / sizeof(fields[0]) };
	struct iovec iov[N];
	for (size_t i = 0; i < N; i++)
		iov[i] = (struct iovec){fields[i], strlen(fields[i])};
	/* as journalctl shows it: a log line, not an error ("vmapctl: ..."),
	 * and concurrent runs (activations) told apart */
	if ((!sendv || sendv(iov, N) < 0) && !cli->quiet)
		fprintf(stderr, "vmapctl[%d]: %s\n", (int)getpid(), msg);
	for (size_t i = 0; i < N; i++)
		free(fields[i]);
	free(msg);
}

void eventlog_step(const struct vmap_cli *cli, const struct vmap_apply_event *ev)
{
	log_one(cli, ev->rollback ? LOG_ROLLBACK : ev->ok ? LOG_DONE : LOG_FAILED, ev);
}

void eventlog_recovered(const struct vmap_cli *cli, const struct vmap_recover_result *rec)
{
	/* apply logs its recover before its own steps, or at its end when
	 * there were none: whichever comes first */
	static const struct vmap_recover_result *logged;
	if (rec == logged)
		return;
	logged = rec;
	for (size_t i = 0; i < rec->n_events; i++)
		log_one(cli, LOG_RECOVER, &rec->events[i]);
}
