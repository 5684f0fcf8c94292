/* cmd_status.c: `vmapctl status [NAME...]`: managed volumes and the spec
 * set's volumes with their state, drift, open count, size and stale queue
 * limits, and the last apply (the library decides all of it: vmapctl.h);
 * as a table, JSON (--json) or Prometheus metrics (--format prometheus,
 * metrics.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "metrics.h"
#include "output.h"
#include "plan_print.h"
#include "base/util.h"
#include "vmapctl.h"

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

static json_object *row_json(const struct vmapctl_volstatus *v, bool planned)
{
	const struct vmap_dmdev *d = v->dev;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "uuid", d ? json_object_new_string(d->uuid) : NULL);
	json_object_object_add(o, "inSpec", json_object_new_boolean(v->in_spec));
	json_object_object_add(o, "state", json_object_new_string(v->state));
	json_object_object_add(o, "drift", json_object_new_string(v->drift));
	json_object_object_add(o, "openCount", json_object_new_int(d ? d->open_count : 0));
	json_object_object_add(o, "readOnly", json_object_new_boolean(d && d->read_only));
	json_object_object_add(o, "sectors", json_object_new_uint64(v->sectors));
	char *dn = d ? xasprintf("%u:%u", d->major, d->minor) : NULL;
	json_object_object_add(o, "device", dn ? json_object_new_string(dn) : NULL);
	free(dn);
	json_object_object_add(o, "limits", d ? limits_json(&d->limits) : NULL);
	json_object_object_add(o, "limitsStale", json_object_new_boolean(v->stale.n > 0));
	json_object_object_add(o, "staleReasons", strv_json(v->stale.why, v->stale.n));
	json_object *mig = NULL;
	if (v->migration) {
		mig = json_object_new_object();
		json_object_object_add(mig, "state", json_object_new_string(v->migration));
		json_object_object_add(mig, "copiedBytes", json_object_new_uint64(v->mig_copied));
		json_object_object_add(mig, "totalBytes", json_object_new_uint64(v->mig_total));
		json_object_object_add(mig, "health", json_object_new_string(v->mig_health));
	}
	json_object_object_add(o, "migration", mig);
	json_object_object_add(o, "driftReasons",
			       v->vp ? strv_json(v->vp->why, v->vp->n_why) : json_object_new_array());
	/* without a plan (the spec set did not load) the risk is unknown */
	json_object_object_add(o, "risk", !planned ? NULL
				   : json_object_new_string(vmap_risk_name(v->vp ? v->vp->risk
										 : VMAP_RISK_NONE)));
	return o;
}

static json_object *last_apply_json(const struct vmapctl_last_apply *la)
{
	if (!la->known)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "finished", json_object_new_double(la->finished));
	json_object_object_add(o, "durationMs", json_object_new_double(la->duration_ms));
	json_object_object_add(o, "result", json_object_new_string(la->result));
	json_object_object_add(o, "changes", json_object_new_uint64(la->changes));
	json_object_object_add(o, "steps", json_object_new_uint64(la->steps));
	json_object_object_add(o, "rolledBack", json_object_new_boolean(la->rolled_back));
	return o;
}

static void row_human(const struct vmapctl_volstatus *v)
{
	struct sbuf notes = {0};
	if (v->stale.n)
		sbuf_printf(&notes, "limits stale: %s", v->stale.why[0]);
	if (v->migration)
		sbuf_printf(&notes, "%smigration %s: %.0f%% of %.1f MiB", notes.len ? "; " : "",
			    v->migration, v->mig_total ? 100.0 * (double)v->mig_copied /
							 (double)v->mig_total : 0.0,
			    (double)v->mig_total / 1048576);
	if (v->vp && v->vp->n_why && v->vp->action != VMAP_ACT_NONE)
		sbuf_printf(&notes, "%s%s", notes.len ? "; " : "", v->vp->why[0]);
	printf("%-24s %-10s %-9s %5d %12llu  %s\n", v->name, v->state, v->drift,
	       v->dev ? v->dev->open_count : 0, (unsigned long long)v->sectors, sbuf_str(&notes));
	sbuf_free(&notes);
}

enum status_format { STATUS_TABLE, STATUS_PROMETHEUS };

int cmd_status(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_status st;
	enum status_format format = STATUS_TABLE;
	/* --json is an output format of its own: with --format it would be
	 * unclear which one is meant (export differs: there --format picks
	 * what is exported, and --json wraps it) */
	if (cli->format && cli->json) {
		vmap_err(errs, VMAP_E_USAGE, 0, NULL, NULL,
			 "status takes --json or --format, not both (--json is an output format too)");
		return vmap_report_errors(cli, errs);
	}
	if (cli->format && !strcmp(cli->format, "prometheus")) {
		format = STATUS_PROMETHEUS;
	} else if (cli->format && strcmp(cli->format, "table")) {
		vmap_err(errs, VMAP_E_USAGE, 0, NULL, NULL,
			 "status --format takes table or prometheus, not '%s'", cli->format);
		return vmap_report_errors(cli, errs);
	}
	cli_opts(cli, &o);
	vmapctl_status(&o, &st, errs);
	/* a spec set that did not load fails the command, after the devices
	 * were shown; with no devices to show, it is just one more error */
	if (!st.run.captured)
		vmap_errlist_move(errs, &st.spec_errs);
	if (cli->json) {
		/* one object on stdout, whatever happened */
		json_object *j = json_object_new_object();
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < st.n_vols; i++)
			json_object_array_add(arr, row_json(&st.vols[i], st.run.planned));
		json_object_object_add(j, "volumes", arr);
		json_object_object_add(j, "specLoaded", json_object_new_boolean(st.run.spec_loaded));
		json_object_object_add(j, "lastApply", last_apply_json(&st.last_apply));
		json_object_object_add(j, "errors", errors_to_json(st.run.captured ? &st.spec_errs : errs));
		vmap_print_json(j);
	} else if (format == STATUS_PROMETHEUS) {
		/* whatever happened: the metrics say it (vmapctl_status_success
		 * 0, the errors on stderr), so a timer can still publish them */
		struct sbuf b = {0};
		metrics_status(&b, &st, !errs->n && !st.spec_errs.n);
		fputs(sbuf_str(&b), stdout);
		sbuf_free(&b);
	} else if (!cli->quiet && st.run.captured) {
		printf("%-24s %-10s %-9s %5s %12s  %s\n", "NAME", "STATE", "DRIFT", "OPEN",
		       "SECTORS", "NOTES");
		for (size_t i = 0; i < st.n_vols; i++)
			row_human(&st.vols[i]);
		if (!st.n_vols)
			printf("(no managed volumes)\n");
	}
	vmap_errlist_move(errs, &st.spec_errs);
	if (fflush(stdout) != 0)
		vmap_fail(errs, errno, NULL, "cannot write the output");
	int rc = errs->n ? vmap_report_errors(cli, errs)
			 : cli->detailed_exitcode && (st.drifted || st.stale) ? EXIT_CHANGES : EXIT_OK;
	vmapctl_status_free(&st);
	return rc;
}
