/* yaml.c: export as a spec (--format yaml): a volume per device, typed
 * targets from the parsed live tables, {volume: X} for devices of the
 * export, key files named where keys go (never the keys). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/exporter.h"

#include <yaml.h>

#include "model/secret.h"
#include "model/spec.h"
#include "specset/yaml_doc.h"
#include "targets/target.h"

struct yw {
	yaml_emitter_t em;
	struct sbuf *out;
	bool failed;
};

static int yw_write(void *data, unsigned char *buf, size_t size)
{
	sbuf_addn(data, (const char *)buf, size);
	return 1;
}

static void yw_emit(struct yw *w, yaml_event_t *ev, int made)
{
	/* libyaml fails only on misuse (events out of order) or a string that
	 * is not UTF-8; either way the output is unusable.  The emitter owns
	 * the event once given; one not given is freed here. */
	if (!made) {
		w->failed = true;
	} else if (w->failed) {
		yaml_event_delete(ev);
	} else if (!yaml_emitter_emit(&w->em, ev)) {
		w->failed = true;
	}
}

/* A string as plain text where every YAML reader reads it back as the
 * same string (vmapctl's own reader decides, see yaml_doc.h), quoted
 * otherwise: "7:0", "yes", "0010" and "1e3" must stay strings. */
static void yw_str(struct yw *w, const char *s)
{
	struct ynode n = {.kind = YNODE_SCALAR, .style = YSTYLE_PLAIN};
	n.str = (char *)s;
	n.len = strlen(s);
	yaml_scalar_style_t style = ynode_scalar_type(&n) == YS_STR ? YAML_ANY_SCALAR_STYLE
								     : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	yaml_event_t ev;
	yw_emit(w, &ev,
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n.len, 1, 1,
					     style));
}

/* A typed value (integer, boolean): plain, never quoted. */
static void yw_plain(struct yw *w, const char *s)
{
	yaml_event_t ev;
	yw_emit(w, &ev,
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1,
					     0, YAML_PLAIN_SCALAR_STYLE));
}

static void yw_u64(struct yw *w, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	yw_plain(w, buf);
}

/* Sectors as the largest binary unit they are a whole number of (from
 * KiB up, as people write sizes: "64MiB", "128KiB"), else as sectors. */
static void yw_sectors(struct yw *w, uint64_t sectors)
{
	static const char *const units[] = {"PiB", "TiB", "GiB", "MiB", "KiB"};
	static const unsigned shifts[] = {41, 31, 21, 11, 1}; /* log2(unit / 512) */
	for (size_t i = 0; sectors && i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t unit = (uint64_t)1 << shifts[i];
		if (sectors % unit == 0) {
			char buf[40];
			snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)(sectors / unit),
				 units[i]);
			yw_str(w, buf);
			return;
		}
	}
	yw_u64(w, sectors);
}

static void yw_map(struct yw *w, bool flow)
{
	yaml_event_t ev;
	yw_emit(w, &ev,
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    flow ? YAML_FLOW_MAPPING_STYLE
							 : YAML_BLOCK_MAPPING_STYLE));
}

static void yw_map_end(struct yw *w)
{
	yaml_event_t ev;
	yw_emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void yw_seq(struct yw *w)
{
	yaml_event_t ev;
	yw_emit(w, &ev,
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
}

static void yw_seq_end(struct yw *w)
{
	yaml_event_t ev;
	yw_emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* What the YAML of one target needs to know about where it is. */
struct tctx {
	struct ex *x;
	struct yw *w;
	const char *volume;
	size_t target;     /* index in the volume's table */
	size_t n_targets;
};

static void yw_device(struct tctx *t, const struct vmap_devref *d)
{
	struct yw *w = t->w;
	if (d->kind == VMAP_DEV_MAJMIN) {
		const struct vmap_dmdev *vol = export_selected(t->x, d->major, d->minor);
		if (vol) {
			yw_map(w, true);
			yw_str(w, "volume");
			yw_str(w, vol->name);
			yw_map_end(w);
			return;
		}
		char *mm = xasprintf("%u:%u", d->major, d->minor);
		yw_str(w, mm);
		free(mm);
	} else {
		/* parsers only make MAJMIN or PATH refs from kernel text */
		yw_str(w, d->path ? d->path : "");
	}
}

/* A key: only its digest is known here, so the export points at a file
 * and says where the key must go.  Keyring references are not secret. */
static void yw_secret(struct tctx *t, const char *field, const struct vmap_secret *s)
{
	struct yw *w = t->w;
	yw_map(w, true);
	if (s->kind == VMAP_SECRET_KEYRING) {
		yw_str(w, "keyring");
		yw_str(w, s->value);
		yw_map_end(w);
		return;
	}
	/* "NAME.key" for the usual one key of a one-target volume; suffixes
	 * keep the names apart where a volume has more */
	struct sbuf path = {0};
	const char *dir = t->x->opts->key_dir ? t->x->opts->key_dir : VMAP_EXPORT_KEY_DIR;
	sbuf_printf(&path, "%s/%s", dir, t->volume);
	if (t->n_targets > 1)
		sbuf_printf(&path, "-%zu", t->target);
	if (strcmp(field, "key"))
		sbuf_printf(&path, "-%s", field);
	sbuf_add(&path, ".key");
	yw_str(w, "file");
	yw_str(w, sbuf_str(&path));
	yw_map_end(w);
	export_warn(t->x,
	     "volume '%s': export does not write keys: put the key for '%s' (raw bytes) in '%s' "
	     "before applying this spec",
	     t->volume, field, sbuf_str(&path));
	sbuf_free(&path);
}

static void yw_obj(struct tctx *t, const struct vmap_obj *o);

static void yw_value(struct tctx *t, const struct vmap_field *f, const struct vmap_value *v)
{
	struct yw *w = t->w;
	switch (f->kind) {
	case VMAP_F_U64: yw_u64(w, v->u); break;
	case VMAP_F_SECTORS: yw_sectors(w, v->u); break;
	case VMAP_F_BOOL: yw_plain(w, v->u ? "true" : "false"); break;
	case VMAP_F_STRING:
	case VMAP_F_ENUM:
	case VMAP_F_HEX: yw_str(w, v->s ? v->s : ""); break;
	case VMAP_F_DEVICE: yw_device(t, v->dev); break;
	case VMAP_F_SECRET: yw_secret(t, f->key, v->secret); break;
	case VMAP_F_LIST:
		yw_seq(w);
		for (size_t i = 0; i < v->n_items; i++) {
			yw_map(w, false);
			yw_obj(t, &v->items[i]);
			yw_map_end(w);
		}
		yw_seq_end(w);
		break;
	case VMAP_F_MAP:
		yw_map(w, false);
		for (size_t i = 0; i < v->n_kv; i++) {
			yw_str(w, v->kv[i].key);
			yw_str(w, v->kv[i].value);
		}
		yw_map_end(w);
		break;
	}
}

/* The set fields of `o`, in field-table order (inside an open mapping). */
static void yw_obj(struct tctx *t, const struct vmap_obj *o)
{
	for (size_t i = 0; i < o->type->n_fields; i++) {
		const struct vmap_field *f = &o->type->fields[i];
		const struct vmap_value *v = &o->v[i];
		if (!v->set)
			continue;
		/* an empty list or map would not validate; the parsers leave
		 * optional ones unset, so this only skips what means nothing */
		if ((f->kind == VMAP_F_LIST && !v->n_items) || (f->kind == VMAP_F_MAP && !v->n_kv))
			continue;
		if ((f->kind == VMAP_F_DEVICE && !v->dev) || (f->kind == VMAP_F_SECRET && !v->secret))
			continue;
		yw_str(t->w, f->key);
		yw_value(t, f, v);
	}
}

/* Raw arguments of a target type vmapctl does not know: words that are
 * the number of an exported volume become /dev/mapper/NAME, which the
 * spec reader counts as a reference, so the stack survives here too. */
static char *raw_args(struct ex *x, const struct vmap_opaque *o)
{
	struct sbuf b = {0};
	size_t k = 0;
	for (size_t i = 0; i < o->n_words; i++) {
		const struct vmap_dmdev *vol = NULL;
		if (k < o->n_refs && o->ref_word[k] == i) {
			const struct vmap_devref *ref = &o->refs[k++];
			if (ref->kind == VMAP_DEV_MAJMIN)
				vol = export_selected(x, ref->major, ref->minor);
		}
		if (i)
			sbuf_addc(&b, ' ');
		if (vol)
			sbuf_printf(&b, "/dev/mapper/%s", vol->name);
		else
			sbuf_add(&b, o->words[i]);
	}
	return sbuf_take(&b);
}

static int yw_target(struct tctx *t, const struct vmap_table_line *l)
{
	struct yw *w = t->w;
	const struct vmap_target *tg = &l->target;
	if (tg->opaque && vmap_target_type_find(l->type)) {
		/* a kernel newer than vmapctl; raw would be refused too, as
		 * the reader parses raw args of known types */
		vmap_err(t->x->errs, VMAP_E_FAILED, 0, NULL, t->volume,
			 "cannot read target %zu (%s) back into fields: its arguments are not what "
			 "vmapctl knows of the type", t->target, l->type);
		return -1;
	}
	if (tg->opaque && strstr(l->params ? l->params : "", "<key:")) {
		vmap_err(t->x->errs, VMAP_E_FAILED, 0, NULL, t->volume,
			 "target %zu (%s) holds a key, which export never writes, and vmapctl does "
			 "not know the type well enough to point at a key file",
			 t->target, l->type);
		return -1;
	}
	yw_map(w, false);
	yw_str(w, "type");
	yw_str(w, tg->opaque ? "raw" : tg->tt->name);
	if (tg->opaque) {
		yw_str(w, "target");
		yw_str(w, l->type);
	}
	yw_str(w, "size");
	yw_sectors(w, l->len);
	if (!tg->opaque) {
		yw_obj(t, &tg->args);
	} else if (tg->opaque->n_words) {
		char *args = raw_args(t->x, tg->opaque);
		yw_str(w, "args");
		yw_str(w, args);
		free(args);
	}
	yw_map_end(w);
	return 0;
}

static int yw_volume(struct ex *x, struct yw *w, const struct vmap_dmdev *d)
{
	int r = 0;
	/* a device made by other means may have a name or uuid a spec
	 * cannot hold; an export that does not validate helps nobody */
	const char *u = d->uuid + strlen(VMAP_UUID_PREFIX);
	bool name_ok = vmap_name_valid(d->name);
	if (!name_ok || (strcmp(u, d->name) && !vmap_name_valid(u))) {
		vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, d->name,
			 "cannot write it as a spec volume: its %s '%s' has characters a spec does not "
			 "allow (use --format concise)",
			 name_ok ? "uuid" : "name", name_ok ? d->uuid : d->name);
		return -1;
	}
	yw_map(w, false);
	yw_str(w, "name");
	yw_str(w, d->name);
	/* the uuid only when it is not the default "VMAP-" + name */
	if (strcmp(u, d->name)) {
		yw_str(w, "uuid");
		yw_str(w, u);
	}
	if (d->read_only) {
		yw_str(w, "readOnly");
		yw_plain(w, "true");
	}
	yw_str(w, "targets");
	yw_seq(w);
	for (size_t i = 0; i < d->live.n; i++) {
		struct tctx t = {x, w, d->name, i, d->live.n};
		if (yw_target(&t, &d->live.lines[i]) < 0)
			r = -1;
	}
	yw_seq_end(w);
	yw_map_end(w);
	return r;
}

int export_yaml(struct ex *x, struct sbuf *out)
{
	struct yw w = {.out = out};
	yaml_event_t ev;
	int r = 0;
	if (!yaml_emitter_initialize(&w.em))
		abort(); /* allocation failure, as util.h does */
	yaml_emitter_set_output(&w.em, yw_write, out);
	yaml_emitter_set_unicode(&w.em, 1);
	yaml_emitter_set_width(&w.em, -1); /* never fold long args strings */
	yaml_emitter_set_indent(&w.em, 2);
	yw_emit(&w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	yw_emit(&w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	yw_map(&w, false);
	yw_str(&w, "apiVersion");
	yw_str(&w, "vmapctl/v1");
	yw_str(&w, "volumes");
	yw_seq(&w);
	for (size_t i = 0; i < x->n; i++)
		if (yw_volume(x, &w, x->devs[i]) < 0)
			r = -1;
	yw_seq_end(&w);
	yw_map_end(&w);
	yw_emit(&w, &ev, yaml_document_end_event_initialize(&ev, 1));
	yw_emit(&w, &ev, yaml_stream_end_event_initialize(&ev));
	if (w.failed && r == 0) {
		vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, NULL, "cannot write YAML: %s",
			 w.em.problem ? w.em.problem : "libyaml failed");
		r = -1;
	}
	yaml_emitter_delete(&w.em);
	return r;
}
