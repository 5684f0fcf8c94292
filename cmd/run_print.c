/* run_print.c: see run_print.h. */
#include "run_print.h"

#include <stdio.h>
#include <stdlib.h>

#include "eventlog.h"
#include "output.h"
#include "plan_print.h"

/* Progress for long applies, on stderr, only on a terminal (cli.h). */
struct progress {
	const struct vmap_cli *cli;
	bool on;
	size_t shown;
};

static struct progress prog;

/* After every step: log it (eventlog.h), then redraw the progress line. */
static void show_progress(void *arg, const struct vmap_apply_event *ev, size_t done, size_t total)
{
	struct progress *pr = arg;
	/* a log line on stderr must not land behind the progress line */
	if (pr->shown)
		fputs("\r\033[K", stderr);
	/* a copy's progress is not a step (the migrate step is logged when
	 * it ends) */
	if (!(ev->kind == VMAP_STEP_MIGRATE && ev->copy_total))
		eventlog_step(pr->cli, ev);
	if (!pr->on)
		return;
	if (ev->kind == VMAP_STEP_MIGRATE && ev->copy_total) {
		/* a copy under way: how far, how fast */
		double mib = (double)ev->copied / 1048576, all = (double)ev->copy_total / 1048576;
		fprintf(stderr, "\r\033[K%smigrate %s: %.0f%% (%.1f of %.1f MiB", total ? "" : "recover: ",
			ev->volume, 100.0 * (double)ev->copied / (double)ev->copy_total, mib, all);
		if (ev->copy_rate > 0)
			fprintf(stderr, ", %.1f MiB/s", ev->copy_rate / 1048576);
		fputc(')', stderr);
		(void)done;
	} else {
		fprintf(stderr, "\r\033[K[%zu/%zu] %s%s %s%s", done, total,
			ev->rollback ? "rollback: " : "", vmap_step_name(ev->kind), ev->volume,
			ev->ok ? "" : " failed");
	}
	pr->shown++;
}

void run_progress_opts(const struct vmap_cli *cli, struct vmapctl_opts *o)
{
	prog = (struct progress){.cli = cli, .on = cli->progress && !cli->quiet && !cli->json};
	o->progress = show_progress;
	o->progress_arg = &prog;
}

void run_progress_end(void)
{
	if (prog.shown)
		fprintf(stderr, "\r\033[K");
	prog.shown = 0;
}

json_object *migrations_to_json(const struct vmap_migrate_result *m, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "volume", json_object_new_string(m[i].volume));
		json_object_object_add(o, "state", json_object_new_string(vmap_migrate_state_name(m[i].state)));
		json_object_object_add(o, "bytes", json_object_new_uint64(m[i].bytes));
		json_object_object_add(o, "copiedBytes", json_object_new_uint64(m[i].copied));
		json_object_object_add(o, "seconds", json_object_new_double(m[i].seconds));
		json_object_object_add(o, "longestSuspendMs", json_object_new_double(m[i].suspended_ms));
		json_object_array_add(a, o);
	}
	return a;
}

static void print_recovered(const struct vmap_cli *cli, const struct vmapctl_run *run)
{
	for (size_t i = 0; !cli->quiet && i < run->recovered.n_actions; i++)
		fprintf(stderr, "vmapctl: recover: %s\n", run->recovered.actions[i]);
}

/* apply: the plan is shown before its steps run */
static void show_plan(void *arg, const struct vmapctl_run *run)
{
	const struct vmap_cli *cli = arg;
	eventlog_recovered(cli, &run->recovered);
	print_recovered(cli, run);
	if (!cli->json && !cli->quiet)
		print_plan_human(stdout, cli, &run->plan);
	fflush(stdout);
}

void run_opts(const struct vmap_cli *cli, enum run_kind kind, struct vmapctl_opts *o)
{
	cli_opts(cli, o);
	if (kind == RUN_PLAN)
		return;
	run_progress_opts(cli, o);
	if (kind == RUN_APPLY) {
		o->planned = show_plan;
		o->planned_arg = (void *)cli;
	}
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
	json_object_object_add(o, "migrations", migrations_to_json(res->migrations, res->n_migrations));
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
	for (size_t i = 0; i < res->n_migrations; i++) {
		const struct vmap_migrate_result *m = &res->migrations[i];
		double mib = (double)m->bytes / 1048576;
		if (m->state == VMAP_MIG_DONE)
			printf("\nmigrated '%s': %.1f MiB copied in %.1f s (%.1f MiB/s), longest "
			       "suspend %.1f ms\n", m->volume, mib, m->seconds,
			       m->seconds > 0 ? mib / m->seconds : 0.0, m->suspended_ms);
		else if (m->state == VMAP_MIG_COPYING)
			printf("\nmigrating '%s': copying in the background (%.0f%% of %.1f MiB); "
			       "'vmapctl apply' or 'vmapctl recover --wait' finishes it, 'vmapctl "
			       "status' shows how far it is\n", m->volume,
			       m->bytes ? 100.0 * (double)m->copied / (double)m->bytes : 0.0, mib);
		else if (m->state == VMAP_MIG_ROLLED_BACK)
			printf("\nnot migrated '%s': it is on its old table\n", m->volume);
	}
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

/* plan (null when the run stopped before it) and result (when steps ran) */
static json_object *run_to_json(const struct vmapctl_run *run)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "plan", run->planned ? plan_to_json(&run->plan) : NULL);
	if (run->applied)
		json_object_object_add(o, "result", result_to_json(&run->plan, &run->result, run->ok));
	return o;
}

int activate_finish(const struct vmap_cli *cli, const struct vmapctl_activation *a,
		    struct vmap_errlist *errs)
{
	run_progress_end();
	bool changes = false;
	for (size_t i = 0; i < a->n_rounds; i++) {
		eventlog_recovered(cli, &a->rounds[i].recovered);
		print_recovered(cli, &a->rounds[i]);
		changes = changes || a->rounds[i].plan.n_changes;
	}
	if (cli->json) {
		/* the first round (the only one, mostly) where apply has its
		 * run; the runner's later rounds after it */
		static const struct vmapctl_run none;
		json_object *o = run_to_json(a->n_rounds ? &a->rounds[0] : &none);
		json_object_object_add(o, "errors", errors_to_json(errs));
		json_object_object_add(o, "handedOver", json_object_new_boolean(a->handed_over));
		json_object_object_add(o, "runnerPid", a->handed_over && a->runner_pid
								   ? json_object_new_int64(a->runner_pid)
								   : NULL);
		json_object *later = json_object_new_array();
		for (size_t i = 1; i < a->n_rounds; i++)
			json_object_array_add(later, run_to_json(&a->rounds[i]));
		json_object_object_add(o, "laterRounds", later);
		vmap_print_json(o);
	} else if (a->handed_over && !cli->quiet) {
		/* not an error: the device is in the hands of the running
		 * activation, whose next round sees it */
		if (a->runner_pid)
			printf("handed over to the activation running as pid %ld\n", a->runner_pid);
		else
			printf("handed over to the activation running\n");
	} else {
		for (size_t i = 0; i < a->n_rounds; i++)
			if (a->rounds[i].planned)
				print_activation(cli, &a->rounds[i].plan,
						 a->rounds[i].applied && a->rounds[i].ok);
		if (cli->verbose && a->n_rounds > 1 && !cli->quiet)
			printf("rounds    %zu (for disks that appeared while this activation ran)\n",
			       a->n_rounds);
	}
	fflush(stdout);
	if (errs->n)
		return vmap_report_errors(cli, errs);
	return changes && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK;
}

int run_finish(const struct vmap_cli *cli, enum run_kind kind, const struct vmapctl_run *run,
	       struct vmap_errlist *errs)
{
	run_progress_end();
	eventlog_recovered(cli, &run->recovered);
	/* apply printed these with its plan; a run that stopped before had
	 * nothing to show them with */
	if (kind != RUN_APPLY || !run->applied)
		print_recovered(cli, run);
	if (cli->json) {
		/* one object on stdout, also when the run stopped before there
		 * was a plan (a bad spec, the lock, no device-mapper) */
		json_object *o = run_to_json(run);
		json_object_object_add(o, "errors", errors_to_json(errs));
		vmap_print_json(o);
	} else if (run->planned && !run->applied && !cli->quiet) {
		print_plan_human(stdout, cli, &run->plan);
	} else if (run->applied) {
		print_result_human(cli, &run->plan, &run->result, run->ok);
	}
	fflush(stdout);
	if (errs->n)
		return vmap_report_errors(cli, errs);
	return run->plan.n_changes && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK;
}
