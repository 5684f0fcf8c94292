/* status.c: `status [NAME...]` (vmapctl.h): every managed device and
 * every volume of the spec set, with its state, its drift against the spec
 * (what a plan would do), its size and whether its queue limits went
 * stale (contract 5.7).  A spec set that does not load is reported but
 * does not hide the devices. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dm.h"
#include "exec/migrate.h"
#include "live/snapshot.h"
#include "run/common.h"
#include "run/lastapply.h"
#include "vmapctl.h"

static bool wanted(const struct vmapctl_opts *o, const char *name)
{
	if (!o->n_names)
		return true;
	for (size_t i = 0; i < o->n_names; i++)
		if (!strcmp(o->names[i], name))
			return true;
	return false;
}

static uint64_t live_size(const struct vmap_dmdev *d)
{
	const struct vmap_table *t = &d->live;
	return t->n ? t->lines[t->n - 1].start + t->lines[t->n - 1].len : 0;
}

static const struct vmap_volplan *volplan(const struct vmapctl_run *r, const char *name)
{
	for (size_t k = 0; r->planned && k < r->plan.n_vols; k++)
		if (!strcmp(r->plan.vols[k].name, name))
			return &r->plan.vols[k];
	return NULL;
}

/* The migration of volume `name` under way, from its mirror's status. */
static void migration(const struct vmapctl_opts *o, const struct vmap_live *live,
		      struct vmapctl_volstatus *v)
{
	char *rname = vmap_migrate_temp_name(v->name, "r");
	const struct vmap_dmdev *r = vmap_live_find_dev(live, rname);
	/* the capture lists the mirror without reading it (it is no
	 * volume): its status is asked for here */
	if (!r || !r->uuid || strncmp(r->uuid, VMAP_MIGRATE_UUID_PREFIX,
				      strlen(VMAP_MIGRATE_UUID_PREFIX)) ||
	    (r->live.n != 1 && !r->listed_only)) {
		free(rname);
		return;
	}
	const char *text = r->live.n == 1 ? r->live.lines[0].status : NULL;
	char **st = NULL;
	size_t n = 0;
	struct vmap_errlist ignore = {0};
	/* capture reads raid status lines; a snapshot without one says less */
	if (!text && !o->live_state && vmap_dm_status(rname, &st, &n, &ignore) == 0 && n == 1)
		text = st[0];
	struct vmap_mirror_status ms;
	v->migration = "copying";
	if (vmap_mirror_status_read(text, &ms)) {
		memcpy(v->mig_health, ms.health, 3);
		v->mig_copied = ms.in_sync * 512;
		v->mig_total = ms.total * 512;
		if (ms.health[0] != 'A' || ms.health[1] == 'D')
			v->migration = "failed";
		else if (!strcmp(ms.health, "AA") && ms.idle && ms.in_sync == ms.total)
			v->migration = "copied";
	}
	for (size_t i = 0; i < n; i++)
		free(st[i]);
	free(st);
	vmap_errlist_clear(&ignore);
	free(rname);
}

static void add_row(struct vmapctl_status *st, const char *name, const struct vmap_dmdev *d,
		    size_t *cap, const struct vmapctl_opts *o)
{
	const struct vmapctl_run *r = &st->run;
	struct vmapctl_volstatus v = {.name = name, .dev = d, .vp = volplan(r, name)};
	v.in_spec = r->spec_loaded && vmap_specset_find(&r->set, name);
	v.state = !d ? "missing" : d->suspended ? "suspended" : d->live_table ? "active" : "no-table";
	v.drift = !r->spec_loaded	    ? "unknown"
		  : !v.in_spec		    ? "unmanaged"
		  : v.vp && v.vp->refused ? "refused"
		  : v.vp		    ? vmap_action_name(v.vp->action)
					    : "none";
	v.sectors = d ? live_size(d) : 0;
	if (d) {
		vmap_stale_limits(&r->live, d, &v.stale);
		migration(o, &r->live, &v);
	}
	st->drifted += v.in_spec && v.vp && v.vp->action != VMAP_ACT_NONE;
	st->stale += v.stale.n > 0;
	VEC_PUSH(st->vols, st->n_vols, *cap, v);
}

static int write_snapshot(const char *path, const struct vmap_live *live,
			  struct vmap_errlist *errs)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		vmap_fail(errs, errno, NULL, "cannot write '%s'", path);
		return -1;
	}
	int r = vmap_live_write_json(live, f, errs);
	if (fclose(f) != 0 && r == 0) {
		vmap_fail(errs, errno, NULL, "cannot write '%s'", path);
		r = -1;
	}
	return r;
}

int vmapctl_status(const struct vmapctl_opts *o, struct vmapctl_status *st,
		   struct vmap_errlist *errs)
{
	struct vmapctl_run *r = &st->run;
	memset(st, 0, sizeof(*st));
	if (!o->live_state)
		run_last_apply_read(o->run_dir, &st->last_apply);
	r->spec_loaded = run_load_specs(o, &r->set, true, &st->spec_errs) == 0;
	/* a snapshot has everything; status alone reads what it shows */
	enum run_live_need need = o->live_state_out ? RUN_LIVE_ALL : RUN_LIVE_STATUS;
	if (run_live(o, r->spec_loaded ? &r->set : NULL, need, &r->live, errs) < 0)
		return -1;
	r->captured = true;
	if (o->live_state_out && write_snapshot(o->live_state_out, &r->live, errs) < 0)
		return -1;
	if (r->spec_loaded) {
		struct vmap_plan_opts po = {0};
		struct vmap_errlist plan_errs = {0};
		/* refusals and missing devices are drift too: shown per volume */
		vmap_plan_make(&r->set, &r->live, &po, &r->plan, &plan_errs);
		vmap_errlist_clear(&plan_errs);
		r->planned = true;
	}
	/* every managed device, then spec volumes that do not exist */
	size_t cap = 0;
	for (size_t i = 0; i < r->live.n_devs; i++) {
		const struct vmap_dmdev *d = &r->live.devs[i];
		if (vmap_dmdev_managed(d) && wanted(o, d->name))
			add_row(st, d->name, d, &cap, o);
	}
	for (size_t i = 0; i < r->set.n_vols; i++) {
		const char *name = r->set.vols[i].name;
		if (!vmap_live_find_dev(&r->live, name) && wanted(o, name))
			add_row(st, name, NULL, &cap, o);
	}
	size_t before = errs->n;
	for (size_t i = 0; i < o->n_names; i++)
		if (!vmap_live_find_dev(&r->live, o->names[i]) &&
		    !(r->spec_loaded && vmap_specset_find(&r->set, o->names[i])))
			vmap_fail(errs, 0, o->names[i], "no such volume");
	return errs->n == before ? 0 : -1;
}

void vmapctl_status_free(struct vmapctl_status *st)
{
	for (size_t i = 0; i < st->n_vols; i++)
		vmap_stale_free(&st->vols[i].stale);
	free(st->vols);
	vmap_errlist_clear(&st->spec_errs);
	run_last_apply_free(&st->last_apply);
	vmapctl_run_free(&st->run);
	memset(st, 0, sizeof(*st));
}
