/* plan_print.c: a plan for people (a review: what changes, why, in what
 * order) and for machines (JSON, schema/plan.schema.json). */
#include "plan_print.h"

#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

static const char *col(const struct vmap_cli *cli, const char *c)
{
	return cli->use_color ? c : "";
}

static const char *action_mark(enum vmap_action a)
{
	switch (a) {
	case VMAP_ACT_NONE: return "=";
	case VMAP_ACT_CREATE: return "+";
	case VMAP_ACT_RELOAD: return "~";
	case VMAP_ACT_RECREATE: return "±";
	case VMAP_ACT_REMOVE: return "-";
	case VMAP_ACT_REFRESH: return "↻";
	case VMAP_ACT_RESUME: return ">";
	case VMAP_ACT_MIGRATE: return "»";
	}
	return "?";
}

static const char *action_color(enum vmap_action a)
{
	switch (a) {
	case VMAP_ACT_CREATE: return C_GREEN;
	case VMAP_ACT_RELOAD:
	case VMAP_ACT_REFRESH:
	case VMAP_ACT_RESUME:
	case VMAP_ACT_MIGRATE: return C_YELLOW;
	case VMAP_ACT_RECREATE:
	case VMAP_ACT_REMOVE: return C_RED;
	case VMAP_ACT_NONE: return C_DIM;
	}
	return "";
}

static void print_loc(FILE *f, const struct vmap_loc *l)
{
	if (l->file)
		fprintf(f, "  (%s:%u)", l->file, l->line);
}

static void print_table_lines(FILE *f, const struct vmap_cli *cli, const char *mark,
			      const char *color, const struct vmap_volplan *vp, bool desired)
{
	if (desired) {
		const struct vmap_desired *d = &vp->desired;
		for (size_t i = 0; i < d->n_lines; i++)
			fprintf(f, "      %s%s %llu %llu %s %s%s\n", col(cli, color), mark,
				(unsigned long long)d->lines[i].start,
				(unsigned long long)d->lines[i].len, d->lines[i].type,
				d->lines[i].params, col(cli, C_RESET));
	} else if (vp->live) {
		const struct vmap_table *t = &vp->live->live;
		for (size_t i = 0; i < t->n; i++)
			fprintf(f, "      %s%s %llu %llu %s %s%s\n", col(cli, color), mark,
				(unsigned long long)t->lines[i].start,
				(unsigned long long)t->lines[i].len, t->lines[i].type,
				t->lines[i].params, col(cli, C_RESET));
	}
}

static bool same_line(const struct vmap_desired_line *a, const struct vmap_table_line *b)
{
	return a->start == b->start && a->len == b->len && !strcmp(a->type, b->type) &&
	       !strcmp(a->params, b->params);
}

/* A reload shows the table as a diff: unchanged lines once, changed ones
 * as - old / + new. */
static void print_table_diff(FILE *f, const struct vmap_cli *cli, const struct vmap_volplan *vp)
{
	const struct vmap_desired *d = &vp->desired;
	const struct vmap_table *t = &vp->live->live;
	size_t n = d->n_lines > t->n ? d->n_lines : t->n;
	for (size_t i = 0; i < n; i++) {
		const struct vmap_desired_line *a = i < d->n_lines ? &d->lines[i] : NULL;
		const struct vmap_table_line *b = i < t->n ? &t->lines[i] : NULL;
		if (a && b && same_line(a, b)) {
			fprintf(f, "        %llu %llu %s %s\n", (unsigned long long)a->start,
				(unsigned long long)a->len, a->type, a->params);
			continue;
		}
		if (b)
			fprintf(f, "      %s- %llu %llu %s %s%s\n", col(cli, C_RED),
				(unsigned long long)b->start, (unsigned long long)b->len, b->type,
				b->params, col(cli, C_RESET));
		if (a)
			fprintf(f, "      %s+ %llu %llu %s %s%s\n", col(cli, C_GREEN),
				(unsigned long long)a->start, (unsigned long long)a->len, a->type,
				a->params, col(cli, C_RESET));
	}
}

/* What the new table does to the data (contract 5.9): a review wants the
 * ranges that do not keep their data, with old and new backing. */
static void print_ranges(FILE *f, const struct vmap_cli *cli, const struct vmap_volplan *vp)
{
	uint64_t kept = 0;
	for (size_t i = 0; i < vp->ranges.n; i++)
		kept += vp->ranges.v[i].cls == VMAP_RANGE_KEPT ? vp->ranges.v[i].len : 0;
	if (!vp->ranges.n)
		return;
	fprintf(f, "      data: %s%s%s", col(cli, vp->risk == VMAP_RISK_DESTRUCTIVE ? C_RED : ""),
		vmap_risk_name(vp->risk), col(cli, C_RESET));
	if (kept)
		fprintf(f, ", %llu sector%s kept", (unsigned long long)kept, kept == 1 ? "" : "s");
	fputc('\n', f);
	for (size_t i = 0; i < vp->ranges.n; i++) {
		const struct vmap_range *r = &vp->ranges.v[i];
		if (r->cls == VMAP_RANGE_KEPT)
			continue;
		struct sbuf t = {0};
		vmap_range_text(&t, r);
		fprintf(f, "      %s%s%s %s\n", col(cli, r->cls == VMAP_RANGE_REMAPPED || r->cls == VMAP_RANGE_SHRUNK ? C_RED : C_YELLOW),
			vmap_range_class_name(r->cls), col(cli, C_RESET), sbuf_str(&t));
		sbuf_free(&t);
	}
}

/* Bytes for people: "64 MiB", "1.5 GiB". */
static void human_bytes(struct sbuf *b, uint64_t n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	sbuf_printf(b, "%.*f %s", v == (double)(uint64_t)v ? 0 : 1, v, units[u]);
}

static const char *phase_name(enum vmap_phase p)
{
	switch (p) {
	case VMAP_PHASE_PRELOAD: return "preload";
	case VMAP_PHASE_SWITCH: return "switch";
	case VMAP_PHASE_POST: return "post";
	case VMAP_PHASE_MIGRATE: return "migrate";
	}
	return "?";
}

static void step_flags(struct sbuf *b, const struct vmap_step *s)
{
	if (s->kind == VMAP_STEP_SUSPEND || s->kind == VMAP_STEP_RESUME)
		sbuf_add(b, s->flags & VMAP_DM_NOFLUSH ? "noflush" : "flush");
	if (s->flags & VMAP_DM_SECURE)
		sbuf_add(b, b->len ? ", key material" : "key material");
}

void print_plan_human(FILE *f, const struct vmap_cli *cli, const struct vmap_plan *p)
{
	size_t shown = 0;
	fprintf(f, "%splan:%s %zu volume%s, %zu to change\n", col(cli, C_BOLD), col(cli, C_RESET),
		p->n_vols, p->n_vols == 1 ? "" : "s", p->n_changes);
	for (size_t i = 0; i < p->n_vols; i++) {
		const struct vmap_volplan *vp = &p->vols[i];
		bool quiet = vp->action == VMAP_ACT_NONE && !vp->refused && !vp->waiting &&
			     !vp->n_notes;
		if (quiet && cli->verbose == 0)
			continue;
		shown++;
		const char *word = vp->refused   ? "refused"
				   : vp->waiting ? "waiting"
						 : vmap_action_name(vp->action);
		const char *color = vp->refused ? C_RED : vp->waiting ? C_CYAN : action_color(vp->action);
		fprintf(f, "\n  %s%s %-8s %s%s", col(cli, color), vp->refused ? "!" : action_mark(vp->action),
			word, vp->name, col(cli, C_RESET));
		print_loc(f, &vp->loc);
		fputc('\n', f);
		if (vp->refused && vp->action != VMAP_ACT_NONE)
			fprintf(f, "      would %s\n", vmap_action_name(vp->action));
		for (size_t k = 0; k < vp->n_why; k++)
			fprintf(f, "      because %s\n", vp->why[k]);
		if (vp->action == VMAP_ACT_CREATE || vp->action == VMAP_ACT_RECREATE) {
			if (vp->action == VMAP_ACT_RECREATE)
				print_table_lines(f, cli, "-", C_RED, vp, false);
			print_table_lines(f, cli, "+", C_GREEN, vp, true);
		} else if ((vp->action == VMAP_ACT_RELOAD ||
			    (vp->action == VMAP_ACT_MIGRATE && !vp->migrating)) && vp->live) {
			print_table_diff(f, cli, vp);
		} else if (vp->action == VMAP_ACT_REMOVE) {
			print_table_lines(f, cli, "-", C_RED, vp, false);
		} else if (cli->verbose > 0 && vp->vol >= 0) {
			print_table_lines(f, cli, " ", "", vp, true);
		}
		print_ranges(f, cli, vp);
		if (vp->action == VMAP_ACT_MIGRATE && !vp->migrating) {
			struct sbuf b = {0}, r = {0};
			human_bytes(&b, vp->migrate_bytes);
			human_bytes(&r, vp->remapped_bytes);
			fprintf(f, "      migrate: copies %s online (%llu bytes, %s of it remapped), "
				   "then switches\n", sbuf_str(&b),
				(unsigned long long)vp->migrate_bytes, sbuf_str(&r));
			sbuf_free(&b);
			sbuf_free(&r);
		}
		if (vp->action == VMAP_ACT_RELOAD || vp->action == VMAP_ACT_REFRESH ||
		    (vp->action == VMAP_ACT_MIGRATE && !vp->migrating))
			fprintf(f, "      suspend: %s\n", vp->suspend_policy);
		for (size_t k = 0; k < vp->n_notes; k++)
			fprintf(f, "      %snote: %s%s\n", col(cli, C_CYAN), vp->notes[k], col(cli, C_RESET));
	}
	if (!shown && p->n_vols)
		fprintf(f, "\n  every volume matches its spec\n");
	if (p->n_steps) {
		fprintf(f, "\n%ssteps%s (every table is loaded before any device is suspended):\n",
			col(cli, C_BOLD), col(cli, C_RESET));
		for (size_t i = 0; i < p->n_steps; i++) {
			const struct vmap_step *s = &p->steps[i];
			struct sbuf fl = {0};
			step_flags(&fl, s);
			fprintf(f, "  %3zu. %-8s %-8s %s%s%s%s\n", i + 1, phase_name(s->phase),
				vmap_step_name(s->kind), p->vols[s->vp].name, fl.len ? " (" : "",
				sbuf_str(&fl), fl.len ? ")" : "");
			sbuf_free(&fl);
		}
	}
	for (size_t k = 0; k < p->n_notes; k++)
		fprintf(f, "\n%snote: %s%s", col(cli, C_CYAN), p->notes[k], col(cli, C_RESET));
	if (p->n_notes)
		fputc('\n', f);
}

/* ---- JSON ---- */

static json_object *loc_json(const struct vmap_loc *l)
{
	if (!l->file)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(l->file));
	json_object_object_add(o, "line", json_object_new_int((int)l->line));
	json_object_object_add(o, "column", json_object_new_int((int)l->col));
	return o;
}

static json_object *line_json(uint64_t start, uint64_t len, const char *type, const char *params)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "start", json_object_new_uint64(start));
	json_object_object_add(o, "length", json_object_new_uint64(len));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "params", json_object_new_string(params));
	return o;
}

static json_object *ranges_json(const struct vmap_ranges *r)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct vmap_range *x = &r->v[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "start", json_object_new_uint64(x->start));
		json_object_object_add(o, "length", json_object_new_uint64(x->len));
		json_object_object_add(o, "class", json_object_new_string(vmap_range_class_name(x->cls)));
		json_object_object_add(o, "undecided", json_object_new_boolean(x->why != NULL));
		json_object_object_add(o, "why", x->why ? json_object_new_string(x->why) : NULL);
		json_object_object_add(o, "old", x->old_what ? json_object_new_string(x->old_what) : NULL);
		json_object_object_add(o, "oldOffset", x->old_what ? json_object_new_uint64(x->old_rel) : NULL);
		json_object_object_add(o, "new", x->new_what ? json_object_new_string(x->new_what) : NULL);
		json_object_object_add(o, "newOffset", x->new_what ? json_object_new_uint64(x->new_rel) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

json_object *plan_to_json(const struct vmap_plan *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "changes", json_object_new_int((int)p->n_changes));
	json_object *vols = json_object_new_array();
	for (size_t i = 0; i < p->n_vols; i++) {
		const struct vmap_volplan *vp = &p->vols[i];
		json_object *v = json_object_new_object();
		json_object_object_add(v, "name", json_object_new_string(vp->name));
		json_object_object_add(v, "action", json_object_new_string(vmap_action_name(vp->action)));
		json_object_object_add(v, "refused", json_object_new_boolean(vp->refused));
		json_object_object_add(v, "waiting", json_object_new_boolean(vp->waiting));
		json_object_object_add(v, "source", loc_json(&vp->loc));
		json_object_object_add(v, "reasons", strv_json(vp->why, vp->n_why));
		json_object_object_add(v, "notes", strv_json(vp->notes, vp->n_notes));
		json_object_object_add(v, "suspend", json_object_new_string(vp->suspend_policy ? vp->suspend_policy : "flush"));
		json_object_object_add(v, "risk", json_object_new_string(vmap_risk_name(vp->risk)));
		json_object_object_add(v, "ranges", ranges_json(&vp->ranges));
		/* migrate: the bytes the copy moves (the whole volume), the
		 * remapped ones among them, and whether it is under way */
		json_object_object_add(v, "migrateBytes", vp->action == VMAP_ACT_MIGRATE ?
				       json_object_new_uint64(vp->migrate_bytes) : NULL);
		json_object_object_add(v, "remappedBytes", vp->action == VMAP_ACT_MIGRATE ?
				       json_object_new_uint64(vp->remapped_bytes) : NULL);
		json_object_object_add(v, "migrating", json_object_new_boolean(vp->migrating));
		if (vp->live) {
			json_object *cur = json_object_new_array();
			for (size_t k = 0; k < vp->live->live.n; k++) {
				const struct vmap_table_line *l = &vp->live->live.lines[k];
				json_object_array_add(cur, line_json(l->start, l->len, l->type, l->params));
			}
			json_object_object_add(v, "current", cur);
		} else {
			json_object_object_add(v, "current", NULL);
		}
		if (vp->vol >= 0) {
			json_object *des = json_object_new_array();
			for (size_t k = 0; k < vp->desired.n_lines; k++) {
				const struct vmap_desired_line *l = &vp->desired.lines[k];
				json_object_array_add(des, line_json(l->start, l->len, l->type, l->params));
			}
			json_object_object_add(v, "desired", des);
		} else {
			json_object_object_add(v, "desired", NULL);
		}
		json_object_array_add(vols, v);
	}
	json_object_object_add(o, "volumes", vols);
	json_object *steps = json_object_new_array();
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct vmap_step *s = &p->steps[i];
		json_object *so = json_object_new_object();
		json_object_object_add(so, "phase", json_object_new_string(phase_name(s->phase)));
		json_object_object_add(so, "action", json_object_new_string(vmap_step_name(s->kind)));
		json_object_object_add(so, "volume", json_object_new_string(p->vols[s->vp].name));
		if (s->kind == VMAP_STEP_SUSPEND || s->kind == VMAP_STEP_RESUME)
			json_object_object_add(so, "flush", json_object_new_boolean(!(s->flags & VMAP_DM_NOFLUSH)));
		json_object_array_add(steps, so);
	}
	json_object_object_add(o, "steps", steps);
	json_object_object_add(o, "notes", strv_json(p->notes, p->n_notes));
	return o;
}

json_object *errors_to_json(const struct vmap_errlist *errs)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < errs->n; i++) {
		const struct vmap_error *e = &errs->v[i];
		json_object *o = json_object_new_object();
		char *line = vmap_error_format(e);
		json_object_object_add(o, "message", json_object_new_string(line));
		free(line);
		static const char *const kinds[] = {"", "failed", "usage", "spec", "refused", "lock", "timeout"};
		json_object_object_add(o, "kind", json_object_new_string(kinds[e->kind]));
		/* every key always there, null when it does not apply, as in
		 * the rest of the output (schema/plan.schema.json#/definitions/error) */
		json_object_object_add(o, "file", e->file ? json_object_new_string(e->file) : NULL);
		json_object_object_add(o, "line", e->file ? json_object_new_int((int)e->line) : NULL);
		json_object_object_add(o, "column", e->file ? json_object_new_int((int)e->col) : NULL);
		json_object_object_add(o, "volume", e->volume ? json_object_new_string(e->volume) : NULL);
		json_object_object_add(o, "errno", e->errnum ? json_object_new_int(e->errnum) : NULL);
		json_object_object_add(o, "kernel", e->kmsg ? json_object_new_string(e->kmsg) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}
