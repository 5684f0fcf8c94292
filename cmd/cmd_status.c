/* cmd_status.c: `vmapctl status [NAME...]`: managed volumes and the spec
 * set's volumes with their state, drift, open count, size and stale queue
 * limits (the library decides all of it: vmapctl.h). */
#include <stdio.h>

#include "cli.h"
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

static json_object *row_json(const struct vmapctl_volstatus *v)
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

int cmd_status(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_status st;
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
			json_object_array_add(arr, row_json(&st.vols[i]));
		json_object_object_add(j, "volumes", arr);
		json_object_object_add(j, "specLoaded", json_object_new_boolean(st.run.spec_loaded));
		json_object_object_add(j, "errors", errors_to_json(st.run.captured ? &st.spec_errs : errs));
		vmap_print_json(j);
	} else if (!cli->quiet && st.run.captured) {
		printf("%-24s %-10s %-9s %5s %12s  %s\n", "NAME", "STATE", "DRIFT", "OPEN",
		       "SECTORS", "NOTES");
		for (size_t i = 0; i < st.n_vols; i++)
			row_human(&st.vols[i]);
		if (!st.n_vols)
			printf("(no managed volumes)\n");
	}
	vmap_errlist_move(errs, &st.spec_errs);
	int rc = errs->n ? vmap_report_errors(cli, errs)
			 : cli->detailed_exitcode && (st.drifted || st.stale) ? EXIT_CHANGES : EXIT_OK;
	vmapctl_status_free(&st);
	return rc;
}
