/* migrate.c: live migration of a volume's data (see migrate.h and
 * docs/migration.md for what the kernel was seen to do). */
#include "exec/migrate.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "dm.h"
#include "exec/lock.h"
#include "exec/signals.h"

/* The mirror's metadata slots: a zero target (see below). */
#define META_SECTORS 16384

/* How often a copy is looked at while waiting. */
#define POLL_MS 250

const char *vmap_migrate_state_name(enum vmap_migrate_state s)
{
	switch (s) {
	case VMAP_MIG_DONE: return "done";
	case VMAP_MIG_COPYING: return "copying";
	case VMAP_MIG_ROLLED_BACK: return "rolled-back";
	case VMAP_MIG_FAILED: return "failed";
	}
	return "?";
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0)
		;
}

bool vmap_mirror_status_read(const char *status, struct vmap_mirror_status *st)
{
	char type[16], health[8], action[32];
	unsigned n;
	unsigned long long a, b;
	memset(st, 0, sizeof(*st));
	if (!status || sscanf(status, "%15s %u %7s %llu/%llu %31s", type, &n, health, &a, &b,
			      action) != 6 ||
	    strcmp(type, "raid1") || n != 2 || strlen(health) != 2)
		return false;
	memcpy(st->health, health, 3);
	st->in_sync = a;
	st->total = b;
	st->idle = !strcmp(action, "idle");
	return true;
}

/* ---- the temporary devices ---- */

enum { T_R, T_OLD, T_NEW, T_META, T_N };
static const char *const roles[T_N] = {"r", "old", "new", "meta"};

struct temps {
	char *name[T_N];
	char *uuid[T_N];
};

static void temps_init(struct temps *t, const struct vmap_migration *m)
{
	for (int i = 0; i < T_N; i++) {
		t->name[i] = vmap_migrate_temp_name(m->volume, roles[i]);
		t->uuid[i] = xasprintf(VMAP_MIGRATE_UUID_PREFIX "%u:%u-%s", m->major, m->minor,
				       roles[i]);
	}
}

static void temps_free(struct temps *t)
{
	for (int i = 0; i < T_N; i++) {
		free(t->name[i]);
		free(t->uuid[i]);
	}
}

/* Device `name` if it exists and is ours (uuid). */
static int get_ours(const char *name, const char *uuid, struct vmap_dmdev *d, bool *found,
		    struct vmap_errlist *errs)
{
	memset(d, 0, sizeof(*d));
	if (vmap_dm_get(name, d, found, errs) < 0)
		return -1;
	if (*found && (!d->uuid || strcmp(d->uuid, uuid))) {
		vmap_dmdev_free(d);
		*found = false;
	}
	return 0;
}

/* Each udev cookie a migration makes goes into its journal before any
 * task joins it (dm.h), so a run killed before its wait leaves nothing
 * recover cannot release. */
struct cookie_rec {
	struct vmap_migration *m;
	const struct vmap_migrate_opts *o;
};

static void journal_cookie(void *arg, uint32_t cookie)
{
	struct cookie_rec *c = arg;
	/* the test hook: a kill here leaves a cookie the record does not
	 * name (recover finds it by the migration's pid) */
	vmap_test_pause_once(c->o->pause_cookie, c->o->run_dir);
	/* not fatal: the cookie is waited for all the same */
	(void)vmap_migration_add_cookie(c->o->run_dir, c->m, cookie);
}

static void batch_journal(struct vmap_udev_batch *b, struct cookie_rec *c)
{
	b->created = journal_cookie;
	b->created_arg = c;
}

/* Remove what exists of the temporary devices, the mirror first (it
 * holds the others). */
static int remove_temps(struct vmap_migration *m, const struct temps *t,
			const struct vmap_migrate_opts *o, struct vmap_errlist *errs)
{
	double udev_timeout = o->udev_timeout;
	struct cookie_rec cr = {m, o};
	struct vmap_udev_batch batch = {0};
	batch_journal(&batch, &cr);
	int r = 0;
	for (int i = 0; i < T_N; i++) {
		struct vmap_dmdev d;
		bool found;
		if (get_ours(t->name[i], t->uuid[i], &d, &found, errs) < 0) {
			r = -1;
			continue;
		}
		if (!found)
			continue;
		/* a device left suspended cannot be removed cleanly */
		if (d.suspended && vmap_dm_resume(t->name[i], 0, &batch, errs) < 0)
			r = -1;
		if (vmap_dm_remove(t->name[i], &batch, errs) < 0)
			r = -1;
		vmap_dmdev_free(&d);
		/* the legs may be held by the mirror until udev is done with
		 * it; the legs themselves go in one batch */
		if (i == T_R && batch.tasks) {
			if (vmap_dm_udev_wait(&batch, udev_timeout, t->name[i], errs) < 0)
				r = -1;
			batch_journal(&batch, &cr); /* the wait cleared it */
		}
	}
	if (batch.tasks && vmap_dm_udev_wait(&batch, udev_timeout, "the migration's legs", errs) < 0)
		r = -1;
	return r;
}

/* ---- tables as text ---- */

struct table {
	struct vmap_dm_line *lines;
	size_t n;
	char *buf;
};

/* "START LEN TYPE PARAMS" lines joined by '\n' (the words point into
 * t->buf). */
static int table_parse(const char *text, struct table *t)
{
	memset(t, 0, sizeof(*t));
	t->buf = xstrdup(text);
	size_t cap = 0;
	for (char *save = NULL, *line = strtok_r(t->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, n;
		int a = 0;
		if (sscanf(line, "%llu %llu %n", &s, &n, &a) < 2 || !a || !line[a])
			return -1;
		char *type = line + a, *params = type + strcspn(type, " ");
		if (*params)
			*params++ = '\0';
		struct vmap_dm_line l = {s, n, type, params};
		VEC_PUSH(t->lines, t->n, cap, l);
	}
	return t->n ? 0 : -1;
}

static void table_free(struct table *t)
{
	free(t->lines);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* Does the live table `lt` say what `text` says? */
static bool table_is(const struct vmap_table *lt, const char *text)
{
	struct sbuf b = {0};
	for (size_t i = 0; i < lt->n; i++)
		sbuf_printf(&b, "%s%llu %llu %s %s", i ? "\n" : "",
			    (unsigned long long)lt->lines[i].start,
			    (unsigned long long)lt->lines[i].len, lt->lines[i].type,
			    lt->lines[i].params);
	/* the kernel leaves no trailing space on linear and striped lines */
	bool eq = !strcmp(sbuf_str(&b), text);
	sbuf_free(&b);
	return eq;
}

/* ---- the volume's own switches ---- */

/* While the volume is suspended: signals held, memory locked (as
 * apply.c does, for the same reasons). */
struct held {
	sigset_t old;
	bool locked;
};

static void hold(struct held *h)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	sigprocmask(SIG_BLOCK, &s, &h->old);
	int e = 0;
	h->locked = vmap_memlock_all(&e) == VMAP_MEMLOCK_LOCKED;
}

static void release(struct held *h)
{
	if (h->locked)
		vmap_memunlock_all();
	sigprocmask(SIG_SETMASK, &h->old, NULL);
}

static void step(const struct vmap_migrate_opts *o, enum vmap_step_kind k, bool ok, double ms)
{
	if (o->step)
		o->step(o->step_arg, k, ok, ms);
}

/* Reload the volume with `text` and switch to it (load, suspend,
 * resume).  On failure the volume is back on the table it had, resumed. */
static int switch_to(struct vmap_migration *m, const char *text,
		     const struct vmap_migrate_opts *o, struct vmap_migrate_result *res,
		     struct vmap_errlist *errs)
{
	struct table t;
	if (table_parse(text, &t) < 0) {
		table_free(&t);
		vmap_fail(errs, 0, m->volume, "the migration's table text is unreadable: '%s'", text);
		return -1;
	}
	const char *v = m->volume;
	double t0 = now_ms();
	int r = vmap_dm_load(v, t.lines, t.n, m->read_only ? VMAP_DM_READONLY : 0, errs);
	step(o, VMAP_STEP_LOAD, r == 0, now_ms() - t0);
	table_free(&t);
	if (r < 0)
		return -1;
	struct held h;
	struct cookie_rec cr = {m, o};
	struct vmap_udev_batch batch = {0};
	batch_journal(&batch, &cr);
	hold(&h);
	t0 = now_ms();
	r = vmap_dm_suspend(v, m->dm_flags, errs);
	double susp = now_ms();
	step(o, VMAP_STEP_SUSPEND, r == 0, susp - t0);
	if (r == 0) {
		t0 = now_ms();
		r = vmap_dm_resume(v, m->dm_flags, &batch, errs);
		step(o, VMAP_STEP_RESUME, r == 0, now_ms() - t0);
	}
	if (r < 0) {
		/* the kernel keeps the old table when the new one fails at
		 * resume; without our inactive table a resume brings it back */
		vmap_dm_clear(v, errs);
		vmap_dm_resume(v, m->dm_flags, &batch, errs);
	}
	double ms = now_ms() - susp;
	release(&h);
	if (ms > res->suspended_ms)
		res->suspended_ms = ms;
	if (batch.tasks && vmap_dm_udev_wait(&batch, o->udev_timeout, v, errs) < 0)
		r = -1;
	return r;
}

static int set_phase(struct vmap_migration *m, const char *phase, const struct vmap_migrate_opts *o,
		     struct vmap_errlist *errs)
{
	free(m->phase);
	m->phase = xstrdup(phase);
	return vmap_migration_write(o->run_dir, m, errs);
}

/* The end of a migration: temporaries gone, then the journal. */
static int cleanup(struct vmap_migration *m, const struct temps *t,
		   const struct vmap_migrate_opts *o, struct vmap_errlist *errs)
{
	if (set_phase(m, "cleanup", o, errs) < 0 || remove_temps(m, t, o, errs) < 0)
		return -1;
	return vmap_migration_remove(o->run_dir, m->volume, errs);
}

/* ---- finishing ---- */

int vmap_migrate_finish(struct vmap_migration *m, const struct vmap_migrate_opts *o,
			struct vmap_migrate_result *res, struct vmap_errlist *errs)
{
	struct temps t;
	temps_init(&t, m);
	double t0 = now_ms();
	int r = -1;
	res->volume = m->volume;
	res->bytes = m->sectors * 512;
	res->state = VMAP_MIG_FAILED;
	/* a process other than the one that started it (a recover): on the
	 * record before it makes a cookie (journal.h) */
	if (vmap_journal_pids_add(&m->workers, m->pid, (int)getpid())) {
		struct vmap_errlist e = {0};
		vmap_migration_write(o->run_dir, m, &e); /* not fatal, as for a cookie */
		vmap_errlist_clear(&e);
	}
	/* the rate: from the first look at the copy (md reports its
	 * position in steps, so the first second says little) */
	uint64_t first = 0;
	double tfirst = -1, rate = 0;
	for (;;) {
		struct vmap_dmdev v;
		bool found;
		if (vmap_dm_get(m->volume, &v, &found, errs) < 0)
			break;
		if (!found || !v.uuid || (m->uuid && *m->uuid && strcmp(v.uuid, m->uuid))) {
			if (found)
				vmap_dmdev_free(&v);
			vmap_fail(errs, 0, m->volume, "the volume is gone (or is another device now) "
				  "while its data was being migrated: removing the migration's "
				  "temporary devices");
			if (remove_temps(m, &t, o, errs) == 0)
				vmap_migration_remove(o->run_dir, m->volume, errs);
			break;
		}
		/* a kill between load and resume: forget our inactive table and
		 * bring the volume back on the table it still has */
		if (v.inactive_table && vmap_dm_clear(m->volume, errs) < 0) {
			vmap_dmdev_free(&v);
			break;
		}
		if (v.suspended) {
			struct cookie_rec cr = {m, o};
			struct vmap_udev_batch b = {0};
			batch_journal(&b, &cr);
			int rr = vmap_dm_resume(m->volume, m->dm_flags, &b, errs);
			if (b.tasks)
				vmap_dm_udev_wait(&b, o->udev_timeout, m->volume, errs);
			if (rr < 0) {
				vmap_dmdev_free(&v);
				break;
			}
		}
		bool on_old = table_is(&v.live, m->old_table);
		bool on_new = table_is(&v.live, m->new_table);
		vmap_dmdev_free(&v);
		if (on_new) {
			if (cleanup(m, &t, o, errs) == 0) {
				res->state = VMAP_MIG_DONE;
				r = 0;
			}
			break;
		}
		if (on_old) {
			bool failed = !strcmp(m->phase, "switch-old");
			if (cleanup(m, &t, o, errs) == 0) {
				res->state = VMAP_MIG_ROLLED_BACK;
				r = 0;
			}
			if (failed) {
				vmap_fail(errs, 0, m->volume, "the new backing failed while the data was "
					  "being copied: the volume is back on its old table, its data "
					  "intact (check the new devices, then apply again)");
				r = -1;
			}
			break;
		}
		/* on the mirror? */
		struct vmap_dmdev rd;
		if (get_ours(t.name[T_R], t.uuid[T_R], &rd, &found, errs) < 0)
			break;
		char **st = NULL;
		size_t nst = 0;
		struct vmap_mirror_status ms;
		memset(&ms, 0, sizeof(ms));
		bool mirror = false;
		if (found) {
			char *lin = xasprintf("0 %llu linear %u:%u 0", (unsigned long long)m->sectors,
					      rd.major, rd.minor);
			struct vmap_dmdev v2;
			bool f2;
			if (vmap_dm_get(m->volume, &v2, &f2, errs) == 0 && f2) {
				mirror = table_is(&v2.live, lin);
				vmap_dmdev_free(&v2);
			}
			free(lin);
			vmap_dmdev_free(&rd);
			if (vmap_dm_status(t.name[T_R], &st, &nst, errs) == 0 && nst == 1)
				vmap_mirror_status_read(st[0], &ms);
			for (size_t i = 0; i < nst; i++)
				free(st[i]);
			free(st);
		}
		if (!mirror) {
			vmap_fail(errs, 0, m->volume, "the volume has a table vmapctl did not expect "
				  "during its migration: left as it is, with the journal (compare "
				  "'dmsetup table %s' with %s/migration-%s.json)", m->volume,
				  vmap_run_dir(o->run_dir), m->volume);
			break;
		}
		res->copied = ms.in_sync * 512;
		res->seconds = (now_ms() - t0) / 1e3;
		if (tfirst < 0) {
			tfirst = now_ms();
			first = res->copied;
		} else if (now_ms() - tfirst >= 1000 && res->copied >= first) {
			rate = (double)(res->copied - first) / ((now_ms() - tfirst) / 1e3);
		}
		if (!ms.health[0] || ms.health[0] != 'A') {
			vmap_fail(errs, 0, m->volume, "the old backing failed during the migration "
				  "(mirror '%s' reports '%s'): left on the mirror, with the journal; "
				  "check 'dmsetup status %s'", t.name[T_R],
				  ms.health[0] ? ms.health : "no status", t.name[T_R]);
			break;
		}
		if (ms.health[1] == 'D') {
			/* the new backing failed: the old one has every write */
			if (set_phase(m, "switch-old", o, errs) < 0 ||
			    switch_to(m, m->old_table, o, res, errs) < 0)
				break;
			continue; /* on the old table now: cleaned up above */
		}
		if (!strcmp(ms.health, "AA") && ms.idle && ms.in_sync == ms.total &&
		    ms.total == m->sectors) {
			if (o->progress)
				o->progress(o->progress_arg, m->volume, res->bytes, res->bytes, rate);
			if (set_phase(m, "switch-new", o, errs) < 0 ||
			    switch_to(m, m->new_table, o, res, errs) < 0)
				break;
			continue; /* on the new table now: cleaned up above */
		}
		/* not waiting, or a signal (signals.h): the kernel goes on
		 * copying, the journal lets a later run finish it */
		if (!o->wait || vmap_signal_caught()) {
			res->state = VMAP_MIG_COPYING;
			r = 0;
			break;
		}
		if (o->progress)
			o->progress(o->progress_arg, m->volume, res->copied, res->bytes, rate);
		sleep_ms(POLL_MS);
	}
	res->seconds = (now_ms() - t0) / 1e3;
	temps_free(&t);
	return r;
}

/* ---- starting ---- */

static int devnum_of(const char *name, char **out, struct vmap_errlist *errs)
{
	struct vmap_dmdev d;
	bool found;
	if (vmap_dm_get(name, &d, &found, errs) < 0)
		return -1;
	if (!found) {
		vmap_fail(errs, 0, name, "device vanished right after it was created");
		return -1;
	}
	*out = xasprintf("%u:%u", d.major, d.minor);
	vmap_dmdev_free(&d);
	return 0;
}

/* The temporary devices under the mirror: the volume's two tables and
 * the metadata slots.  dm-raid keeps the array running after a leg fails
 * only when it can record the failure in metadata (without metadata
 * devices md blocks every write, waiting for a superblock update that
 * never comes: seen on Linux 6.1); the metadata of a mirror that lives
 * for one migration need not persist, so its slots are a zero target,
 * which takes the writes and forgets them.  Returns the mirror's table
 * line (allocated) in *rparams. */
static int make_legs(struct vmap_migration *m, const struct temps *t,
		     const struct vmap_migrate_opts *o, char **rparams, struct vmap_errlist *errs)
{
	struct table old, nw;
	int r = -1;
	if (table_parse(m->old_table, &old) < 0 || table_parse(m->new_table, &nw) < 0) {
		vmap_fail(errs, 0, m->volume, "the migration's table text is unreadable");
		table_free(&old);
		table_free(&nw);
		return -1;
	}
	struct vmap_dm_line meta = {0, META_SECTORS, "zero", ""};
	struct cookie_rec cr = {m, o};
	struct vmap_udev_batch batch = {0};
	batch_journal(&batch, &cr);
	char *dold = NULL, *dnew = NULL, *dmeta = NULL;
	int c = vmap_dm_create(t->name[T_OLD], t->uuid[T_OLD], old.lines, old.n, VMAP_DM_PRIVATE,
			       &batch, errs);
	if (c == 0)
		c = vmap_dm_create(t->name[T_NEW], t->uuid[T_NEW], nw.lines, nw.n, VMAP_DM_PRIVATE,
				   &batch, errs);
	if (c == 0)
		c = vmap_dm_create(t->name[T_META], t->uuid[T_META], &meta, 1, VMAP_DM_PRIVATE,
				   &batch, errs);
	if (batch.tasks && vmap_dm_udev_wait(&batch, o->udev_timeout, m->volume, errs) < 0)
		c = -1;
	if (c < 0)
		goto out;
	if (devnum_of(t->name[T_OLD], &dold, errs) < 0 || devnum_of(t->name[T_NEW], &dnew, errs) < 0 ||
	    devnum_of(t->name[T_META], &dmeta, errs) < 0)
		goto out;
	/* leg 1 rebuilt from leg 0; both recovery rates set, so the copy
	 * neither outruns the limit nor stalls at md's idle-only minimum
	 * while the volume is busy */
	if (m->rate_kib)
		*rparams = xasprintf("raid1 7 0 rebuild 1 min_recovery_rate %u max_recovery_rate %u "
				     "2 %s %s %s %s", m->rate_kib, m->rate_kib, dmeta, dold, dmeta,
				     dnew);
	else
		*rparams = xasprintf("raid1 3 0 rebuild 1 2 %s %s %s %s", dmeta, dold, dmeta, dnew);
	r = 0;
out:
	free(dold);
	free(dnew);
	free(dmeta);
	table_free(&old);
	table_free(&nw);
	return r;
}

/* Put the volume on the mirror.  The mirror starts copying the moment it
 * is resumed, so it is resumed while the volume is suspended: a write
 * that reached the old backing directly after the copy passed its place
 * would be missing from the new one (seen: blockwriter found such blocks
 * lost when the mirror was made before the suspend).  The volume's
 * suspend is longer by the mirror's resume. */
static int switch_to_mirror(struct vmap_migration *m, const struct temps *t,
			    const char *rparams, const struct vmap_migrate_opts *o,
			    struct vmap_migrate_result *res, struct vmap_errlist *errs)
{
	const char *v = m->volume;
	struct vmap_dm_line rl = {0, m->sectors, "raid", rparams};
	struct cookie_rec cr = {m, o};
	struct vmap_udev_batch batch = {0};
	batch_journal(&batch, &cr);
	/* the mirror's device and its table (the array is built at load and
	 * starts copying at resume): the slow part, before the suspend */
	char *rdev = NULL;
	if (vmap_dm_create(t->name[T_R], t->uuid[T_R], NULL, 0, 0, NULL, errs) < 0 ||
	    vmap_dm_load(t->name[T_R], &rl, 1, 0, errs) < 0 ||
	    devnum_of(t->name[T_R], &rdev, errs) < 0) {
		free(rdev);
		return -1;
	}
	struct held h;
	hold(&h);
	double t0 = now_ms();
	int r = vmap_dm_suspend(v, m->dm_flags, errs);
	double susp = now_ms();
	step(o, VMAP_STEP_SUSPEND, r == 0, susp - t0);
	if (r < 0) {
		release(&h);
		free(rdev);
		return -1;
	}
	bool loaded = false;
	r = vmap_dm_resume(t->name[T_R], VMAP_DM_PRIVATE, &batch, errs);
	if (r == 0) {
		char *lin = xasprintf("%s 0", rdev);
		struct vmap_dm_line vl = {0, m->sectors, "linear", lin};
		t0 = now_ms();
		r = vmap_dm_load(v, &vl, 1, m->read_only ? VMAP_DM_READONLY : 0, errs);
		step(o, VMAP_STEP_LOAD, r == 0, now_ms() - t0);
		loaded = r == 0;
		free(lin);
	}
	if (r == 0) {
		t0 = now_ms();
		r = vmap_dm_resume(v, m->dm_flags, &batch, errs);
		step(o, VMAP_STEP_RESUME, r == 0, now_ms() - t0);
	}
	if (r < 0) {
		/* back on the old table: nothing reached the mirror */
		if (loaded)
			vmap_dm_clear(v, errs);
		vmap_dm_resume(v, m->dm_flags, &batch, errs);
	}
	double ms = now_ms() - susp;
	release(&h);
	free(rdev);
	if (ms > res->suspended_ms)
		res->suspended_ms = ms;
	if (batch.tasks && vmap_dm_udev_wait(&batch, o->udev_timeout, v, errs) < 0)
		r = -1;
	return r;
}

int vmap_migrate_start(struct vmap_migration *m, const struct vmap_migrate_opts *o,
		       struct vmap_migrate_result *res, struct vmap_errlist *errs)
{
	struct temps t;
	temps_init(&t, m);
	memset(res, 0, sizeof(*res));
	res->volume = m->volume;
	res->bytes = m->sectors * 512;
	res->state = VMAP_MIG_ROLLED_BACK;
	m->pid = (int)getpid();
	m->started = (long long)time(NULL);
	int r = -1;
	if (set_phase(m, "prepare", o, errs) < 0)
		goto out;
	/* a run killed before it got far may have left some behind */
	char *rparams = NULL;
	if (remove_temps(m, &t, o, errs) < 0 || make_legs(m, &t, o, &rparams, errs) < 0)
		goto undo;
	int sw = set_phase(m, "mirror", o, errs);
	if (sw == 0)
		sw = switch_to_mirror(m, &t, rparams, o, res, errs);
	free(rparams);
	if (sw < 0)
		goto undo;
	if (set_phase(m, "copying", o, errs) < 0)
		goto out;
	/* a destination that fails at once shows as a dead leg 1 there:
	 * finish switches the volume back */
	r = vmap_migrate_finish(m, o, res, errs);
	goto out;
undo:
	/* the volume is on its old table: take the rest away */
	if (remove_temps(m, &t, o, errs) == 0)
		vmap_migration_remove(o->run_dir, m->volume, errs);
	else
		res->state = VMAP_MIG_FAILED;
out:
	temps_free(&t);
	return r;
}
