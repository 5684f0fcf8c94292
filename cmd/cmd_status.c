/* cmd_status.c: `vmapctl status [NAME...]` and `vmapctl recover`.
 *
 * status shows every managed volume (uuid VMAP-...) and every volume of
 * the spec set: active or suspended, drift against the spec (what a plan
 * would do), open count, size, and queue limits, flagging limits looser
 * than the volume's component devices as stale (the kernel never
 * recomputes a stacked device's limits by itself: contract 5.7). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/apply.h"
#include "cli.h"
#include "dm.h"
#include "engine.h"
#include "live/snapshot.h"
#include "output.h"
#include "plan_print.h"
#include "base/util.h"

struct stale {
	char **why;
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void stale_add(struct stale *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	s->why = xrealloc(s->why, (s->n + 1) * sizeof(char *));
	s->why[s->n++] = m;
}

/* Limits a stacked device should have: the strictest of its components. */
static void check_stale(const struct vmap_live *live, const struct vmap_dmdev *d, struct stale *s)
{
	if (!d->live_table || !d->n_deps)
		return;
	unsigned max_lbs = 0, max_pbs = 0, min_sectors_kb = 0, min_hw_kb = 0, min_segs = 0;
	for (size_t i = 0; i < d->n_deps; i++) {
		const struct vmap_blockdev *b = vmap_live_find_blockdev(live, d->dep_major[i],
									 d->dep_minor[i]);
		if (!b)
			continue;
		const struct vmap_limits *l = &b->limits;
		if (l->logical_block_size > max_lbs)
			max_lbs = l->logical_block_size;
		if (l->physical_block_size > max_pbs)
			max_pbs = l->physical_block_size;
		if (l->max_sectors_kb && (!min_sectors_kb || l->max_sectors_kb < min_sectors_kb))
			min_sectors_kb = l->max_sectors_kb;
		if (l->max_hw_sectors_kb && (!min_hw_kb || l->max_hw_sectors_kb < min_hw_kb))
			min_hw_kb = l->max_hw_sectors_kb;
		if (l->max_segments && (!min_segs || l->max_segments < min_segs))
			min_segs = l->max_segments;
	}
	const struct vmap_limits *m = &d->limits;
	if (m->logical_block_size && m->logical_block_size < max_lbs)
		stale_add(s, "logical block size %u is smaller than its devices' %u",
			  m->logical_block_size, max_lbs);
	if (m->physical_block_size && m->physical_block_size < max_pbs)
		stale_add(s, "physical block size %u is smaller than its devices' %u",
			  m->physical_block_size, max_pbs);
	if (min_hw_kb && m->max_hw_sectors_kb > min_hw_kb)
		stale_add(s, "max_hw_sectors_kb %u is larger than its devices' %u",
			  m->max_hw_sectors_kb, min_hw_kb);
	if (min_sectors_kb && m->max_sectors_kb > min_sectors_kb)
		stale_add(s, "max_sectors_kb %u is larger than its devices' %u", m->max_sectors_kb,
			  min_sectors_kb);
	if (min_segs && m->max_segments > min_segs)
		stale_add(s, "max_segments %u is larger than its devices' %u", m->max_segments,
			  min_segs);
}

static bool wanted(const struct vmap_cli *cli, const char *name)
{
	if (!cli->n_args)
		return true;
	for (int i = 0; i < cli->n_args; i++)
		if (!strcmp(cli->args[i], name))
			return true;
	return false;
}

static uint64_t live_size(const struct vmap_dmdev *d)
{
	const struct vmap_table *t = &d->live;
	return t->n ? t->lines[t->n - 1].start + t->lines[t->n - 1].len : 0;
}

static json_object *limits_json(const struct vmap_limits *l)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "logicalBlockSize", json_object_new_int((int)l->logical_block_size));
	json_object_object_add(o, "physicalBlockSize", json_object_new_int((int)l->physical_block_size));
	json_object_object_add(o, "maxSectorsKb", json_object_new_int((int)l->max_sectors_kb));
	json_object_object_add(o, "maxHwSectorsKb", json_object_new_int((int)l->max_hw_sectors_kb));
	json_object_object_add(o, "maxSegments", json_object_new_int((int)l->max_segments));
	json_object_object_add(o, "discardMaxBytes", json_object_new_uint64(l->discard_max_bytes));
	return o;
}

static void print_json_errors_only(bool have_set, const struct vmap_errlist *errs)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "volumes", json_object_new_array());
	json_object_object_add(o, "specLoaded", json_object_new_boolean(have_set));
	json_object_object_add(o, "errors", errors_to_json(errs));
	vmap_print_json(o);
}

int cmd_status(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_specset set = {0};
	struct vmap_live live = {0};
	struct vmap_plan plan = {0};
	int rc = EXIT_OK;
	bool have_plan = false;

	/* Drift needs the spec set; status of the live devices does not, so
	 * a broken spec set is reported but does not hide the devices. */
	struct vmap_errlist spec_errs = {0};
	bool have_set = engine_load_specs(cli, &set, &spec_errs) == 0;
	if (engine_live(cli, have_set ? &set : NULL, true, &live, errs) < 0) {
		vmap_errlist_move(errs, &spec_errs);
		rc = vmap_report_errors(cli, errs);
		if (cli->json) /* one object on stdout, whatever happened */
			print_json_errors_only(have_set, errs);
		goto out;
	}
	if (cli->live_state_out) {
		FILE *f = fopen(cli->live_state_out, "w");
		if (!f || vmap_live_write_json(&live, f, errs) < 0) {
			if (!f)
				vmap_fail(errs, errno, NULL, "cannot write '%s'", cli->live_state_out);
			if (f)
				fclose(f);
			rc = vmap_report_errors(cli, errs);
			goto out;
		}
		fclose(f);
	}
	if (have_set) {
		struct vmap_plan_opts po = {0};
		struct vmap_errlist plan_errs = {0};
		/* refusals and missing devices are drift too: shown per volume */
		vmap_plan_make(&set, &live, &po, &plan, &plan_errs);
		vmap_errlist_clear(&plan_errs);
		have_plan = true;
	}

	json_object *arr = json_object_new_array();
	size_t shown = 0, drifted = 0, stale_count = 0;
	if (!cli->json && !cli->quiet)
		printf("%-24s %-10s %-9s %5s %12s  %s\n", "NAME", "STATE", "DRIFT", "OPEN", "SECTORS", "NOTES");
	/* every managed device, then spec volumes that do not exist */
	for (size_t pass = 0; pass < 2; pass++) {
		size_t n = pass == 0 ? live.n_devs : set.n_vols;
		for (size_t i = 0; i < n; i++) {
			const struct vmap_dmdev *d = pass == 0 ? &live.devs[i] : NULL;
			const char *name = d ? d->name : set.vols[i].name;
			if (d && !vmap_dmdev_managed(d))
				continue;
			if (!d && vmap_live_find_dev(&live, name))
				continue;
			if (!wanted(cli, name))
				continue;
			const struct vmap_volplan *vp = NULL;
			for (size_t k = 0; have_plan && k < plan.n_vols; k++)
				if (!strcmp(plan.vols[k].name, name))
					vp = &plan.vols[k];
			bool in_spec = have_set && vmap_specset_find(&set, name);
			const char *state = !d ? "missing" : d->suspended ? "suspended"
							  : d->live_table ? "active" : "no-table";
			const char *drift = !have_set   ? "unknown"
					    : !in_spec  ? "unmanaged"
					    : vp && vp->refused ? "refused"
					    : vp ? vmap_action_name(vp->action) : "none";
			struct stale st = {0};
			if (d)
				check_stale(&live, d, &st);
			shown++;
			drifted += in_spec && vp && vp->action != VMAP_ACT_NONE;
			stale_count += st.n > 0;
			if (cli->json) {
				json_object *o = json_object_new_object();
				json_object_object_add(o, "name", json_object_new_string(name));
				json_object_object_add(o, "uuid", d ? json_object_new_string(d->uuid) : NULL);
				json_object_object_add(o, "inSpec", json_object_new_boolean(in_spec));
				json_object_object_add(o, "state", json_object_new_string(state));
				json_object_object_add(o, "drift", json_object_new_string(drift));
				json_object_object_add(o, "openCount", json_object_new_int(d ? d->open_count : 0));
				json_object_object_add(o, "readOnly", json_object_new_boolean(d && d->read_only));
				json_object_object_add(o, "sectors", json_object_new_uint64(d ? live_size(d) : 0));
				char *dn = d ? xasprintf("%u:%u", d->major, d->minor) : NULL;
				json_object_object_add(o, "device", dn ? json_object_new_string(dn) : NULL);
				free(dn);
				json_object_object_add(o, "limits", d ? limits_json(&d->limits) : NULL);
				json_object_object_add(o, "limitsStale", json_object_new_boolean(st.n > 0));
				json_object *why = json_object_new_array();
				for (size_t k = 0; k < st.n; k++)
					json_object_array_add(why, json_object_new_string(st.why[k]));
				json_object_object_add(o, "staleReasons", why);
				json_object *reasons = json_object_new_array();
				for (size_t k = 0; vp && k < vp->n_why; k++)
					json_object_array_add(reasons, json_object_new_string(vp->why[k]));
				json_object_object_add(o, "driftReasons", reasons);
				json_object_array_add(arr, o);
			} else if (!cli->quiet) {
				struct sbuf notes = {0};
				if (st.n)
					sbuf_printf(&notes, "limits stale: %s", st.why[0]);
				if (vp && vp->n_why && vp->action != VMAP_ACT_NONE)
					sbuf_printf(&notes, "%s%s", notes.len ? "; " : "", vp->why[0]);
				printf("%-24s %-10s %-9s %5d %12llu  %s\n", name, state, drift,
				       d ? d->open_count : 0, (unsigned long long)(d ? live_size(d) : 0),
				       sbuf_str(&notes));
				sbuf_free(&notes);
			}
			for (size_t k = 0; k < st.n; k++)
				free(st.why[k]);
			free(st.why);
		}
	}
	if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "volumes", arr);
		json_object_object_add(o, "specLoaded", json_object_new_boolean(have_set));
		json_object_object_add(o, "errors", errors_to_json(&spec_errs));
		vmap_print_json(o);
	} else {
		json_object_put(arr);
		if (!cli->quiet && !shown)
			printf("(no managed volumes)\n");
	}
	for (int i = 0; i < cli->n_args; i++)
		if (!vmap_live_find_dev(&live, cli->args[i]) &&
		    !(have_set && vmap_specset_find(&set, cli->args[i])))
			vmap_fail(errs, 0, cli->args[i], "no such volume");
	vmap_errlist_move(errs, &spec_errs);
	if (errs->n)
		rc = vmap_report_errors(cli, errs);
	else if (cli->detailed_exitcode && (drifted || stale_count))
		rc = EXIT_CHANGES;
out:
	vmap_errlist_clear(&spec_errs);
	if (have_plan)
		vmap_plan_free(&plan);
	vmap_live_free(&live);
	vmap_specset_free(&set);
	return rc;
}

int cmd_recover(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_recover_result rec = {0};
	int rc, r = -1;
	bool ran = false;
	/* no early return: --json prints its object whatever happened */
	if (engine_lock(cli, errs) == 0) {
		if (vmap_dm_available(errs) == 0) {
			r = vmap_recover(cli->udev_timeout, &rec, errs);
			ran = true;
		}
		engine_unlock(0);
	}
	if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "journal", json_object_new_boolean(rec.had_journal));
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < rec.n_actions; i++)
			json_object_array_add(a, json_object_new_string(rec.actions[i]));
		json_object_object_add(o, "actions", a);
		json_object_object_add(o, "errors", errors_to_json(errs));
		vmap_print_json(o);
	} else if (!cli->quiet && ran) {
		if (!rec.had_journal)
			printf("nothing to recover: no interrupted run\n");
		else
			printf("recovered the run of pid %d:\n", rec.journal_pid);
		for (size_t i = 0; i < rec.n_actions; i++)
			printf("  %s\n", rec.actions[i]);
	}
	rc = r < 0 ? vmap_report_errors(cli, errs)
		   : (rec.n_actions && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK);
	vmap_recover_result_free(&rec);
	return rc;
}
