/* vmap-dm: drive reconcile/dm.c from the command line, for the bats tests.
 *
 *   vmap-dm [--udev-timeout SEC] [--no-udev] [--time] CMD ARGS [, CMD ARGS]...
 *
 *   create NAME [--uuid U] [--ro] [--secure] [--table "START LEN TYPE ARGS"]...
 *   load NAME [--ro] [--secure] --table LINE...
 *   suspend NAME [--noflush] [--skip-lockfs]
 *   resume NAME [--noflush] [--skip-lockfs]
 *   remove NAME | clear NAME | set-uuid NAME UUID
 *   info NAME         (params canonical: keys shown as digests)
 *   list | targets | version | sync
 *   lock TIMEOUT HOLD   take the run lock (lock.c) waiting at most TIMEOUT s,
 *                       print "locked pid N", hold it HOLD s; exit 75 when
 *                       another process holds it (VMAP_E_LOCK)
 *
 * Commands separated by "," share one udev batch (one cookie), waited for
 * once at the end with the bounded wait.  --no-udev passes no batch at all;
 * --time prints how long that wait took ("udev wait: 2.004 s") to stderr.
 * Errors go to stderr with errno and the kernel's message; exit 1 on
 * failure, 3 when only the udev wait timed out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "dm.h"
#include "live/canon.h"
#include "live/capture.h"
#include "exec/lock.h"
#include "base/util.h"

static struct vmap_errlist errs;
static struct vmap_udev_batch batch;
static bool no_udev, timing;
static struct sbuf names; /* devices that joined the batch, for the wait */

static void note_name(const char *n)
{
	sbuf_printf(&names, "%s'%s'", names.len ? ", " : "", n);
}

static int usage(void)
{
	fprintf(stderr, "usage: vmap-dm [--udev-timeout SEC] [--no-udev] [--time] CMD ARGS [, CMD ARGS]...\n");
	return 64;
}

/* "START LEN TYPE ARGS..." */
static int parse_line(const char *s, struct vmap_dm_line *l)
{
	size_t n;
	char **w = split_words(s, &n);
	int r = -1;
	if (n >= 3 && parse_u64(w[0], &l->start) && parse_u64(w[1], &l->len)) {
		l->type = xstrdup(w[2]);
		/* the args verbatim after the third word */
		const char *p = s;
		for (int k = 0; k < 3; k++) {
			p += strspn(p, " \t");
			p += strcspn(p, " \t");
		}
		p += strspn(p, " \t");
		l->params = xstrdup(p);
		r = 0;
	}
	strv_free(w);
	return r;
}

static void print_table(const char *label, struct vmap_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		vmap_live_line_canon(&t->lines[i]);
		const char *c = t->lines[i].params;
		printf("%s: %llu %llu %s%s%s\n", label, (unsigned long long)t->lines[i].start,
		       (unsigned long long)t->lines[i].len, t->lines[i].type, *c ? " " : "", c);
	}
}

static int cmd_info(const char *name)
{
	struct vmap_dmdev d;
	bool found;
	if (vmap_dm_get(name, &d, &found, &errs) < 0)
		return -1;
	if (!found) {
		printf("exists: 0\n");
		return 0;
	}
	printf("exists: 1\nname: %s\nuuid: %s\nmajor_minor: %u:%u\n", d.name, d.uuid, d.major,
	       d.minor);
	printf("state: %s\n", d.suspended ? "SUSPENDED" : "ACTIVE");
	printf("tables: %s\n", d.live_table && d.inactive_table ? "LIVE & INACTIVE"
			       : d.live_table			? "LIVE"
			       : d.inactive_table		? "INACTIVE"
								: "None");
	printf("read_only: %d\nopen_count: %d\nevent_nr: %u\n", d.read_only, d.open_count,
	       d.event_nr);
	print_table("live", &d.live);
	print_table("inactive", &d.inactive);
	printf("deps:");
	for (size_t i = 0; i < d.n_deps; i++)
		printf(" %u:%u", d.dep_major[i], d.dep_minor[i]);
	printf("\n");
	vmap_dmdev_free(&d);
	return 0;
}

/* Run one command: argv[0] is its name, argc counts up to the next ",". */
static int run(int argc, char **argv)
{
	const char *cmd = argv[0], *name = argc > 1 ? argv[1] : NULL, *uuid = NULL;
	unsigned flags = 0;
	struct vmap_dm_line *lines = NULL;
	size_t n = 0, cap = 0;
	int r = -1;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--uuid") && i + 1 < argc) {
			uuid = argv[++i];
		} else if (!strcmp(argv[i], "--ro")) {
			flags |= VMAP_DM_READONLY;
		} else if (!strcmp(argv[i], "--secure")) {
			flags |= VMAP_DM_SECURE;
		} else if (!strcmp(argv[i], "--noflush")) {
			flags |= VMAP_DM_NOFLUSH;
		} else if (!strcmp(argv[i], "--skip-lockfs")) {
			flags |= VMAP_DM_SKIP_LOCKFS;
		} else if (!strcmp(argv[i], "--table") && i + 1 < argc) {
			struct vmap_dm_line l;
			if (parse_line(argv[++i], &l) < 0) {
				fprintf(stderr, "vmap-dm: bad table line '%s'\n", argv[i]);
				goto out;
			}
			VEC_PUSH(lines, n, cap, l);
		} else if (!strcmp(cmd, "set-uuid") && i == 2) {
			uuid = argv[i];
		} else {
			fprintf(stderr, "vmap-dm: unknown argument '%s'\n", argv[i]);
			goto out;
		}
	}
	struct vmap_udev_batch *b = no_udev ? NULL : &batch;
	if (!strcmp(cmd, "version")) {
		char *v;
		if ((r = vmap_dm_driver_version(&v, NULL, &errs)) == 0) {
			printf("%s\n", v);
			free(v);
		}
	} else if (!strcmp(cmd, "sync")) {
		printf("%d\n", vmap_dm_udev_sync());
		r = 0;
	} else if (!strcmp(cmd, "targets")) {
		struct vmap_target_version *t;
		size_t nt;
		if ((r = vmap_dm_targets(&t, &nt, &errs)) == 0) {
			for (size_t i = 0; i < nt; i++) {
				printf("%s v%u.%u.%u\n", t[i].name, t[i].version[0], t[i].version[1],
				       t[i].version[2]);
				free(t[i].name);
			}
			free(t);
		}
	} else if (!strcmp(cmd, "list")) {
		struct vmap_dmdev *d;
		size_t nd;
		if ((r = vmap_dm_list(&d, &nd, &errs)) == 0) {
			for (size_t i = 0; i < nd; i++) {
				printf("%s %u:%u\n", d[i].name, d[i].major, d[i].minor);
				vmap_dmdev_free(&d[i]);
			}
			free(d);
		}
	} else if (!name) {
		fprintf(stderr, "vmap-dm: %s needs a device name\n", cmd);
	} else if (!strcmp(cmd, "create")) {
		note_name(name);
		r = vmap_dm_create(name, uuid, lines, n, flags, b, &errs);
	} else if (!strcmp(cmd, "load")) {
		r = vmap_dm_load(name, lines, n, flags, &errs);
	} else if (!strcmp(cmd, "suspend")) {
		r = vmap_dm_suspend(name, flags, &errs);
	} else if (!strcmp(cmd, "resume")) {
		note_name(name);
		r = vmap_dm_resume(name, flags, b, &errs);
	} else if (!strcmp(cmd, "remove")) {
		note_name(name);
		r = vmap_dm_remove(name, b, &errs);
	} else if (!strcmp(cmd, "clear")) {
		r = vmap_dm_clear(name, &errs);
	} else if (!strcmp(cmd, "set-uuid")) {
		note_name(name);
		r = vmap_dm_set_uuid(name, uuid, b, &errs);
	} else if (!strcmp(cmd, "info")) {
		r = cmd_info(name);
	} else {
		fprintf(stderr, "vmap-dm: unknown command '%s'\n", cmd);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free((char *)lines[i].type);
		explicit_bzero((char *)lines[i].params, strlen(lines[i].params));
		free((char *)lines[i].params);
	}
	free(lines);
	return r;
}

static int cmd_lock(double timeout, double hold)
{
	struct vmap_lock lk;
	if (vmap_lock_acquire(&lk, getenv("VMAPCTL_LOCK_FILE"), timeout, &errs) < 0) {
		char *m = vmap_error_format(&errs.v[0]);
		fprintf(stderr, "vmap-dm: %s\n", m);
		free(m);
		int rc = errs.v[0].kind == VMAP_E_LOCK ? 75 : 1;
		vmap_errlist_clear(&errs);
		return rc;
	}
	printf("locked pid %ld\n", (long)getpid());
	fflush(stdout);
	struct timespec ts = {(time_t)hold, (long)((hold - (double)(time_t)hold) * 1e9)};
	nanosleep(&ts, NULL);
	vmap_lock_release(&lk);
	return 0;
}

int main(int argc, char **argv)
{
	double timeout = 30;
	if (argc == 4 && !strcmp(argv[1], "lock"))
		return cmd_lock(atof(argv[2]), atof(argv[3]));
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--udev-timeout") && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "--no-udev"))
			no_udev = true;
		else if (!strcmp(argv[i], "--time"))
			timing = true;
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	int failed = 0;
	while (i < argc) {
		int j = i;
		while (j < argc && strcmp(argv[j], ","))
			j++;
		if (j == i)
			return usage();
		/* later commands of a batch still run, as apply's rollback would */
		if (run(j - i, argv + i) < 0)
			failed = 1;
		i = j + 1;
	}
	int timed_out = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (vmap_dm_udev_wait(&batch, timeout, names.len ? sbuf_str(&names) : NULL, &errs) < 0)
		timed_out = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timing)
		fprintf(stderr, "udev wait: %.3f s\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (size_t k = 0; k < errs.n; k++) {
		char *m = vmap_error_format(&errs.v[k]);
		fprintf(stderr, "vmap-dm: %s%s\n", m,
			errs.v[k].kind == VMAP_E_TIMEOUT ? " [timeout]" : "");
		free(m);
	}
	vmap_errlist_clear(&errs);
	sbuf_free(&names);
	return failed ? 1 : timed_out ? 3 : 0;
}
