/* cmd_plan.c: `vmapctl plan` and `vmapctl apply` (and `destroy`, which is
 * apply with a plan that only removes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/apply.h"
#include "cli.h"
#include "engine.h"
#include "output.h"
#include "plan_print.h"
#include "live/udev_ready.h"
#include "base/util.h"

/* Progress for long applies, on stderr, only on a terminal. */
struct progress {
	bool on;
	size_t shown;
};

/* Only where "\r\033[K" redraws a line: a terminal that is not TERM=dumb
 * (an editor's shell buffer, a serial console without a terminal type). */
static bool progress_wanted(const struct vmap_cli *cli)
{
	const char *term = getenv("TERM");
	return isatty(STDERR_FILENO) && !cli->quiet && !cli->json && !(term && !strcmp(term, "dumb"));
}

static void show_progress(void *arg, const struct vmap_apply_event *ev, size_t done, size_t total)
{
	struct progress *pr = arg;
	if (!pr->on)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s%s %s%s", done, total, ev->rollback ? "rollback: " : "",
		vmap_step_name(ev->kind), ev->volume, ev->ok ? "" : " failed");
	pr->shown++;
}

static json_object *result_to_json(const struct vmap_plan *plan,
				   const struct vmap_apply_result *res, bool ok)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "rolledBack", json_object_new_boolean(res->rolled_back));
	json_object *ev = json_object_new_array();
	for (size_t i = 0; i < res->n_events; i++) {
		const struct vmap_apply_event *e = &res->events[i];
		json_object *eo = json_object_new_object();
		json_object_object_add(eo, "action", json_object_new_string(vmap_step_name(e->kind)));
		json_object_object_add(eo, "volume", json_object_new_string(e->volume));
		json_object_object_add(eo, "ok", json_object_new_boolean(e->ok));
		json_object_object_add(eo, "rollback", json_object_new_boolean(e->rollback));
		json_object_object_add(eo, "ms", json_object_new_double(e->ms));
		json_object_array_add(ev, eo);
	}
	json_object_object_add(o, "executed", ev);
	/* how long each volume was suspended (suspend to resume, ms) */
	json_object *sus = json_object_new_array();
	for (size_t v = 0; v < res->n_vols; v++) {
		if (res->suspended_ms[v] <= 0)
			continue;
		json_object *so = json_object_new_object();
		json_object_object_add(so, "volume", json_object_new_string(plan->vols[v].name));
		json_object_object_add(so, "ms", json_object_new_double(res->suspended_ms[v]));
		json_object_array_add(sus, so);
	}
	json_object_object_add(o, "suspended", sus);
	json_object_object_add(o, "memoryLocked", json_object_new_boolean(res->memory_locked));
	return o;
}

static void print_result_human(const struct vmap_cli *cli, const struct vmap_plan *plan,
			       const struct vmap_apply_result *res, bool ok)
{
	if (cli->quiet)
		return;
	if (cli->verbose > 0 || res->rolled_back) {
		printf("\nexecuted:\n");
		for (size_t i = 0; i < res->n_events; i++) {
			const struct vmap_apply_event *e = &res->events[i];
			printf("  %s%-8s %s%s (%.1f ms)\n", e->rollback ? "rollback " : "",
			       vmap_step_name(e->kind), e->volume, e->ok ? "" : " FAILED", e->ms);
		}
	}
	if (cli->verbose > 0)
		for (size_t v = 0; v < res->n_vols; v++)
			if (res->suspended_ms[v] > 0)
				printf("  '%s' was suspended for %.1f ms\n", plan->vols[v].name,
				       res->suspended_ms[v]);
	if (ok)
		printf("\napplied: %zu volume%s changed in %zu steps\n", plan->n_changes,
		       plan->n_changes == 1 ? "" : "s", plan->n_steps);
	else
		printf("\nfailed%s: see the errors below\n",
		       res->rolled_back ? "; the run was rolled back (every device it suspended is "
					  "resumed, what it created is removed)"
					: "");
}

/* activate: what came up and what is still waiting (not an error). */
static void print_activation(const struct vmap_cli *cli, const struct vmap_plan *plan, bool ok)
{
	if (cli->quiet)
		return;
	for (size_t i = 0; i < plan->n_vols; i++) {
		const struct vmap_volplan *vp = &plan->vols[i];
		if (vp->waiting)
			printf("waiting   %s: %s\n", vp->name, vp->n_why ? vp->why[0] : "");
		else if (vp->action == VMAP_ACT_CREATE && !vp->refused)
			printf("%s %s\n", ok ? "activated" : "not activated", vp->name);
		else if (cli->verbose && vp->action == VMAP_ACT_NONE)
			printf("active    %s\n", vp->name);
		for (size_t k = 0; cli->verbose && k < vp->n_notes; k++)
			printf("          note: %s\n", vp->notes[k]);
	}
}

/* What the run of a plan exits with when everything worked. */
static int changes_exit(const struct vmap_cli *cli, const struct vmap_plan *plan)
{
	return plan->n_changes && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK;
}

static int plan_or_apply(struct vmap_cli *cli, struct vmap_errlist *errs, bool apply,
			 const struct vmap_plan_opts *popts)
{
	struct vmap_specset set = {0};
	struct vmap_live live = {0};
	struct vmap_plan plan = {0};
	struct vmap_apply_result res = {0};
	bool locked = false, planned = false, ran = false, ok = false;
	int rc;

	if (apply && cli->dry_run)
		apply = false;
	if (!popts->destroy && engine_load_specs(cli, &set, errs) < 0) {
		rc = vmap_report_errors(cli, errs);
		goto out;
	}
	/* activate: udev ran us for this device; its properties (which a
	 * spec may match on) are recorded once udev is done with it; waited
	 * for before taking the lock, so other runs are not held up */
	if (popts->create_only && cli->device &&
	    vmap_udev_wait_ready(cli->device, cli->udev_timeout, errs) < 0) {
		rc = vmap_report_errors(cli, errs);
		goto out;
	}
	if (apply) {
		if (engine_lock(cli, errs) < 0) {
			rc = vmap_report_errors(cli, errs);
			goto out;
		}
		locked = true;
	}
	/* An interrupted run is finished before anything is planned, so the
	 * plan starts from a clean state (activate only ever creates). */
	if (apply && !popts->create_only) {
		struct vmap_recover_result rec;
		int rr = vmap_recover(cli->udev_timeout, &rec, errs);
		if (!cli->quiet)
			for (size_t i = 0; i < rec.n_actions; i++)
				fprintf(stderr, "vmapctl: recover: %s\n", rec.actions[i]);
		vmap_recover_result_free(&rec);
		if (rr < 0) {
			rc = vmap_report_errors(cli, errs);
			goto out;
		}
	}
	if (engine_live(cli, popts->destroy ? NULL : &set, false, &live, errs) < 0) {
		rc = vmap_report_errors(cli, errs);
		goto out;
	}
	int pr = vmap_plan_make(&set, &live, popts, &plan, errs);
	planned = true;
	if (pr == 0 && apply && plan.n_steps) {
		struct progress prog = {.on = progress_wanted(cli)};
		struct vmap_apply_opts ao = {.udev_timeout = cli->udev_timeout,
					     .progress = show_progress, .progress_arg = &prog};
		if (!cli->json && !cli->quiet)
			print_plan_human(stdout, cli, &plan);
		fflush(stdout);
		ok = vmap_apply(&plan, &ao, &res, errs) == 0;
		ran = true;
		if (prog.shown)
			fprintf(stderr, "\r\033[K");
	}

	if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "plan", plan_to_json(&plan));
		if (ran)
			json_object_object_add(o, "result", result_to_json(&plan, &res, ok));
		json_object_object_add(o, "errors", errors_to_json(errs));
		vmap_print_json(o);
	} else if (popts->create_only) {
		print_activation(cli, &plan, ran && ok);
	} else if (!ran && !cli->quiet) {
		print_plan_human(stdout, cli, &plan);
	} else if (ran) {
		print_result_human(cli, &plan, &res, ok);
	}
	fflush(stdout);
	if (errs->n)
		rc = vmap_report_errors(cli, errs);
	else
		rc = changes_exit(cli, &plan);
out:
	/* --json promises one object on stdout, also when the run stopped
	 * before there was a plan (a bad spec, the lock, no device-mapper) */
	if (cli->json && !planned) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "plan", NULL);
		json_object_object_add(o, "errors", errors_to_json(errs));
		vmap_print_json(o);
	}
	if (locked)
		engine_unlock(0);
	vmap_apply_result_free(&res);
	if (planned)
		vmap_plan_free(&plan);
	vmap_live_free(&live);
	vmap_specset_free(&set);
	return rc;
}

static struct vmap_plan_opts opts_from(const struct vmap_cli *cli)
{
	return (struct vmap_plan_opts){.allow_recreate = cli->allow_recreate,
				       .allow_shrink = cli->allow_shrink,
				       .prune = cli->prune};
}

int cmd_plan(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = opts_from(cli);
	return plan_or_apply(cli, errs, false, &po);
}

int cmd_apply(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = opts_from(cli);
	return plan_or_apply(cli, errs, true, &po);
}

int cmd_activate(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = {.create_only = true};
	return plan_or_apply(cli, errs, true, &po);
}

int cmd_destroy(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_plan_opts po = {.destroy = (const char *const *)cli->args,
				    .n_destroy = (size_t)cli->n_args};
	return plan_or_apply(cli, errs, true, &po);
}
