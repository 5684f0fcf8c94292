/* reconcile.c: plan, apply, activate, destroy and recover (vmapctl.h). */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dm.h"
#include "exec/apply.h"
#include "exec/handover.h"
#include "exec/signals.h"
#include "live/udev_ready.h"
#include "run/common.h"
#include "run/lastapply.h"
#include "vmapctl.h"

static struct vmap_plan_opts plan_opts(const struct vmapctl_opts *o)
{
	return (struct vmap_plan_opts){.allow_recreate = o->allow_recreate,
				       .allow_shrink = o->allow_shrink,
				       .allow_remap = o->allow_remap,
				       .prune = o->prune,
				       .migrate = o->migrate,
				       .skip_predict = o->hook_skip_predict};
}

/* The one pipeline behind plan, apply, activate and destroy. */
static int run(const struct vmapctl_opts *o, struct vmap_plan_opts *po, bool apply,
	       struct vmapctl_run *r, struct vmap_errlist *errs)
{
	struct vmap_lock lock = {.fd = -1};
	int rc = -1;
	memset(r, 0, sizeof(*r));
	if (!po->destroy) {
		if (run_load_specs(o, &r->set, true, errs) < 0)
			goto out;
		r->spec_loaded = true;
	}
	if (apply && run_lock(o, &lock, errs) < 0)
		goto out;
	/* An interrupted run is finished before anything is planned, so the
	 * plan starts from a clean state (activate only ever creates). */
	/* a migration still copying is waited for (the plan starts from
	 * its end), unless --no-wait: then it is left running and planned
	 * as under way */
	struct vmap_recover_opts ro = {.run_dir = o->run_dir, .udev_timeout = o->udev_timeout,
				       .wait = !o->no_wait, .progress = o->progress,
				       .progress_arg = o->progress_arg,
				       .pause = o->hook_pause_recover};
	if (apply && !po->create_only && vmap_recover(&ro, &r->recovered, errs) < 0)
		goto out;
	/* a signal while recover finished an interrupted run: stop there */
	if (apply && vmap_signal_caught()) {
		vmap_fail(errs, 0, NULL, "interrupted by %s: nothing was planned%s",
			  vmap_signal_name(vmap_signal_caught()),
			  r->recovered.had_journal ? " (the interrupted run was recovered first)" : "");
		goto out;
	}
	if (run_live(o, po->destroy ? NULL : &r->set, RUN_LIVE_PLAN, &r->live, errs) < 0)
		goto out;
	r->captured = true;
	rc = vmap_plan_make(&r->set, &r->live, po, &r->plan, errs);
	r->planned = true;
	if (rc < 0 || !apply || !r->plan.n_steps)
		goto out;
	if (o->planned)
		o->planned(o->planned_arg, r);
	struct vmap_apply_opts ao = {.udev_timeout = o->udev_timeout,
				     .suspend_timeout = o->suspend_timeout,
				     .run_dir = o->run_dir,
				     .pause_after = o->hook_pause_after,
				     .pause_cookie = o->hook_pause_cookie,
				     .progress = o->progress,
				     .progress_arg = o->progress_arg,
				     .migrate_rate = o->migrate_rate,
				     .migrate_no_wait = o->no_wait};
	rc = vmap_apply(&r->plan, &ao, &r->result, errs);
	r->applied = true;
	r->ok = rc == 0;
out:
	vmap_lock_release(&lock);
	return rc;
}

int vmapctl_plan(const struct vmapctl_opts *o, struct vmapctl_run *r, struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = plan_opts(o);
	return run(o, &po, false, r, errs);
}

int vmapctl_apply(const struct vmapctl_opts *o, struct vmapctl_run *r, struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = plan_opts(o);
	double started = run_monotonic_ms();
	int rc = run(o, &po, true, r, errs);
	/* for status and its metrics: when, and how it went */
	run_last_apply_record(o, r, rc, started, errs);
	return errs->n ? -1 : rc;
}

/* One round of an activation: a whole create-only run, appended to `a`. */
static int activate_round(const struct vmapctl_opts *o, struct vmapctl_activation *a,
			  struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = {.create_only = true, .skip_predict = o->hook_skip_predict};
	a->rounds = xrealloc(a->rounds, (a->n_rounds + 1) * sizeof(*a->rounds));
	struct vmapctl_run *r = &a->rounds[a->n_rounds++];
	return run(o, &po, true, r, errs);
}

/* The errors from `from` on include one of the spec (or the usage). */
static bool round_spec_error(const struct vmap_errlist *errs, size_t from)
{
	for (size_t i = from; i < errs->n; i++)
		if (errs->v[i].kind == VMAP_E_SPEC || errs->v[i].kind == VMAP_E_USAGE)
			return true;
	return false;
}

int vmapctl_activate(const struct vmapctl_opts *o, struct vmapctl_activation *a,
		     struct vmap_errlist *errs)
{
	memset(a, 0, sizeof(*a));
	/* without a device (boot: vmapctl.service, the initramfs scripts) one
	 * run, waiting for the lock as any run: it is run once, not per disk,
	 * and its callers read what it reports */
	if (!o->device)
		return activate_round(o, a, errs);
	/* Announce first and wait for nothing: in a storm hundreds of
	 * activations start at once, and each that hands over should cost
	 * no more than its start, a stat and two flocks.  The device must
	 * exist (else exit 1, as before); udev's work on it is the runner's
	 * to wait for (below). */
	dev_t dev;
	if (vmap_udev_devnum(o->device, &dev, errs) < 0)
		return -1;
	struct vmap_handover h;
	int r = vmap_handover_enter(&h, o->run_dir, dev, o->lock_timeout, o->detach, o->runner_fd,
				    &a->runner_pid, errs);
	a->handed_over = r == 0;
	/* the runner: rounds until no disk was announced during the last one
	 * (at most VMAP_HANDOVER_MAX_ROUNDS) */
	while (r == 1) {
		if (vmap_handover_round(&h, errs) < 0) {
			r = -1;
			break;
		}
		/* The devices this round covers may be named by udev
		 * properties (a filesystem UUID, a serial) that udev records
		 * once it has processed their events: wait for their database
		 * entries, each device's own, not for udev's queue.  The
		 * queue is never empty in a storm (the other disks' events,
		 * and with the non-systemd helper the very events whose RUN
		 * started these activations, queued until udev reaps them),
		 * while udev writes a device's entry before it runs the
		 * event's RUN programs and systemd starts the unit only after
		 * the event, so for udev-started activations this is a read
		 * per device; it waits only for a `vmapctl activate --device`
		 * run by hand ahead of udev.  A device udev is too slow for is
		 * an error of this round (exit 1), the others still come up. */
		vmap_udev_wait_devices(h.devs, h.n_devs, o->udev_timeout, errs);
		size_t before = errs->n;
		activate_round(o, a, errs);
		/* A round that failed (udev too slow for the batch, an apply
		 * holding the run lock past --lock-timeout) does not end the
		 * runner: the devices handed to it since still need their
		 * round, and their activations have exited 0.  Its errors stay
		 * for the exit status.  A spec that does not load fails every
		 * round the same way, and a signal means stop. */
		if (vmap_signal_caught() || round_spec_error(errs, before))
			break;
		r = vmap_handover_again(&h, errs) ? 1 : 0;
	}
	vmap_handover_end(&h);
	return errs->n ? -1 : 0;
}

void vmapctl_activation_free(struct vmapctl_activation *a)
{
	for (size_t i = 0; i < a->n_rounds; i++)
		vmapctl_run_free(&a->rounds[i]);
	free(a->rounds);
	memset(a, 0, sizeof(*a));
}

int vmapctl_destroy(const struct vmapctl_opts *o, struct vmapctl_run *r,
		    struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = {.destroy = o->names, .n_destroy = o->n_names};
	return run(o, &po, true, r, errs);
}

void vmapctl_run_free(struct vmapctl_run *r)
{
	vmap_apply_result_free(&r->result);
	if (r->planned)
		vmap_plan_free(&r->plan);
	vmap_live_free(&r->live);
	vmap_recover_result_free(&r->recovered);
	vmap_specset_free(&r->set);
	memset(r, 0, sizeof(*r));
}

int vmapctl_recover(const struct vmapctl_opts *o, struct vmap_recover_result *res,
		    struct vmap_errlist *errs)
{
	struct vmap_lock lock = {.fd = -1};
	int r = -1;
	memset(res, 0, sizeof(*res));
	struct vmap_recover_opts ro = {.run_dir = o->run_dir, .udev_timeout = o->udev_timeout,
				       .wait = o->wait, .progress = o->progress,
				       .progress_arg = o->progress_arg,
				       .pause = o->hook_pause_recover};
	if (run_lock(o, &lock, errs) == 0 && vmap_dm_available(errs) == 0)
		r = vmap_recover(&ro, res, errs);
	vmap_lock_release(&lock);
	return r;
}
