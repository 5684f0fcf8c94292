/* metrics.c: see metrics.h.  Prometheus' text exposition format 0.0.4: a
 * family's # HELP and # TYPE lines, then its samples; families without a
 * sample are left out.  Every metric is a gauge.  What is one of a fixed
 * set of values (a state, a risk, a result) is one sample per value, 1 for
 * the one that holds (as node_exporter's systemd collector does), so that
 * an alert can select it and the series do not come and go. */
#include "metrics.h"

#include <string.h>

#include "plan/plan.h"

void metrics_label_value(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			sbuf_add(b, "\\\\");
		else if (*s == '"')
			sbuf_add(b, "\\\"");
		else if (*s == '\n')
			sbuf_add(b, "\\n");
		else
			sbuf_addc(b, *s);
	}
}

static void family(struct sbuf *b, const char *name, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{volume="NAME"[,KEY="VALUE"]} */
static void vol_sample(struct sbuf *b, const char *name, const char *vol, const char *key,
		       const char *value)
{
	sbuf_printf(b, "%s{volume=\"", name);
	metrics_label_value(b, vol);
	if (key) {
		sbuf_printf(b, "\",%s=\"", key);
		metrics_label_value(b, value);
	}
	sbuf_add(b, "\"} ");
}

static const char *const states[] = {"active", "suspended", "no-table", "missing"};
static const char *const risks[] = {"none", "safe", "destructive"};
static const char *const results[] = {"ok", "failed", "refused", "invalid-spec"};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* drift counts as 1 where `status --detailed-exitcode` counts it */
static bool drifted(const struct vmapctl_volstatus *v)
{
	return v->in_spec && v->vp && v->vp->action != VMAP_ACT_NONE;
}

void metrics_status(struct sbuf *b, const struct vmapctl_status *st, bool ok)
{
	const struct vmapctl_run *r = &st->run;
	const size_t n = st->n_vols;

	family(b, "vmapctl_spec_loaded", "Whether the spec set loaded (0: it is invalid or "
	       "unreadable, and drift is unknown).");
	sbuf_printf(b, "vmapctl_spec_loaded %d\n", r->spec_loaded ? 1 : 0);

	if (n) {
		family(b, "vmapctl_volume_state", "The state the volume is in: 1 for its state "
		       "(active, suspended, no-table, missing), 0 for the others.");
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < N_OF(states); k++) {
				vol_sample(b, "vmapctl_volume_state", st->vols[i].name, "state", states[k]);
				sbuf_printf(b, "%d\n", !strcmp(st->vols[i].state, states[k]));
			}
		family(b, "vmapctl_volume_suspended", "Whether the volume is suspended (I/O to it "
		       "waits).");
		for (size_t i = 0; i < n; i++) {
			vol_sample(b, "vmapctl_volume_suspended", st->vols[i].name, NULL, NULL);
			sbuf_printf(b, "%d\n", st->vols[i].dev && st->vols[i].dev->suspended);
		}
		family(b, "vmapctl_volume_drift", "Whether a plan would change the volume: 1 with "
		       "what it would do in drift (create, reload, recreate, remove, refresh, resume, "
		       "refused), else 0 (drift none, unmanaged or unknown).");
		for (size_t i = 0; i < n; i++) {
			vol_sample(b, "vmapctl_volume_drift", st->vols[i].name, "drift", st->vols[i].drift);
			sbuf_printf(b, "%d\n", drifted(&st->vols[i]));
		}
		family(b, "vmapctl_volume_in_spec", "Whether the spec set has a volume of this name.");
		for (size_t i = 0; i < n; i++) {
			vol_sample(b, "vmapctl_volume_in_spec", st->vols[i].name, NULL, NULL);
			sbuf_printf(b, "%d\n", st->vols[i].in_spec);
		}
		family(b, "vmapctl_volume_openers", "How many openers the device has (its open "
		       "count; 0 when it is missing).");
		for (size_t i = 0; i < n; i++) {
			vol_sample(b, "vmapctl_volume_openers", st->vols[i].name, NULL, NULL);
			sbuf_printf(b, "%d\n", st->vols[i].dev ? st->vols[i].dev->open_count : 0);
		}
		family(b, "vmapctl_volume_limits_stale", "Whether the volume's queue limits are "
		       "looser than those of the devices below it.");
		for (size_t i = 0; i < n; i++) {
			vol_sample(b, "vmapctl_volume_limits_stale", st->vols[i].name, NULL, NULL);
			sbuf_printf(b, "%d\n", st->vols[i].stale.n > 0);
		}
		family(b, "vmapctl_volume_size_bytes", "The size the live table maps (0 when the "
		       "volume is missing).");
		for (size_t i = 0; i < n; i++) {
			vol_sample(b, "vmapctl_volume_size_bytes", st->vols[i].name, NULL, NULL);
			sbuf_printf(b, "%llu\n", (unsigned long long)st->vols[i].sectors * 512ull);
		}
	}
	/* without a plan (the spec set did not load) the risk is unknown */
	if (n && r->planned) {
		family(b, "vmapctl_volume_pending_change_risk", "What the change a plan would make "
		       "risks: 1 for its risk, 0 for the others (none: no change; safe: every sector "
		       "keeps its data; destructive: other data, fewer sectors or the volume removed).");
		for (size_t i = 0; i < n; i++) {
			const struct vmap_volplan *vp = st->vols[i].vp;
			const char *risk = vmap_risk_name(vp ? vp->risk : VMAP_RISK_NONE);
			for (size_t k = 0; k < N_OF(risks); k++) {
				vol_sample(b, "vmapctl_volume_pending_change_risk", st->vols[i].name,
					   "risk", risks[k]);
				sbuf_printf(b, "%d\n", !strcmp(risk, risks[k]));
			}
		}
	}

	const struct vmapctl_last_apply *la = &st->last_apply;
	if (la->known) {
		family(b, "vmapctl_last_apply_timestamp_seconds", "When the last apply on this host "
		       "ended (unix time).");
		sbuf_printf(b, "vmapctl_last_apply_timestamp_seconds %.3f\n", la->finished);
		family(b, "vmapctl_last_apply_success", "Whether the last apply succeeded.");
		sbuf_printf(b, "vmapctl_last_apply_success %d\n", !strcmp(la->result, "ok"));
		family(b, "vmapctl_last_apply_result", "The last apply's result: 1 for its result "
		       "(ok, failed, refused, invalid-spec), 0 for the others.");
		for (size_t k = 0; k < N_OF(results); k++)
			sbuf_printf(b, "vmapctl_last_apply_result{result=\"%s\"} %d\n", results[k],
				    !strcmp(la->result, results[k]));
		family(b, "vmapctl_last_apply_duration_seconds", "How long the last apply took.");
		sbuf_printf(b, "vmapctl_last_apply_duration_seconds %.6f\n", la->duration_ms / 1e3);
		family(b, "vmapctl_last_apply_changed_volumes", "How many volumes the last apply's "
		       "plan changed.");
		sbuf_printf(b, "vmapctl_last_apply_changed_volumes %zu\n", la->changes);
	}

	family(b, "vmapctl_status_success", "Whether status read the live state and the spec "
	       "set without an error (the errors are on its stderr).");
	sbuf_printf(b, "vmapctl_status_success %d\n", ok ? 1 : 0);
}
