/* gen-schema: the JSON Schema of the spec format, from the same field
 * tables the C reader uses (target.h), so the two cannot drift apart.
 *
 *   gen-schema            the schema (JSON Schema draft-07) on stdout;
 *                         schema/vmapctl-spec.schema.json is this output
 *   gen-schema --types    the first-class target type names, one a line
 *   gen-schema --dict     a libFuzzer dictionary: every key and choice
 *
 * Draft-07 because that is what YAML editors (yaml-language-server) and
 * Debian 12's python3-jsonschema both handle fully.  What a schema cannot
 * say (duplicate keys, references, cycles, table text, arithmetic on
 * sizes) is left to `vmapctl validate`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model/spec.h"
#include "targets/target.h"
#include "base/util.h"

#define NAME_CHARS "A-Za-z0-9#+.:=@_-"
#define SIZE_PATTERN "^[0-9]+(s|B|KiB|MiB|GiB|TiB|PiB)$"

static json_object *str(const char *s)
{
	return json_object_new_string(s);
}

static json_object *obj(void)
{
	return json_object_new_object();
}

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *ref(const char *def)
{
	char *r = xasprintf("#/definitions/%s", def);
	json_object *o = obj();
	put(o, "$ref", str(r));
	free(r);
	return o;
}

/* A $ref with a description: draft-07 ignores keywords beside $ref, so
 * the reference goes one level down. */
static json_object *described_ref(const char *def, const char *doc)
{
	json_object *o = obj(), *all = json_object_new_array();
	if (doc)
		put(o, "description", str(doc));
	json_object_array_add(all, ref(def));
	put(o, "allOf", all);
	return o;
}

static json_object *strings(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, str(v[i]));
	return a;
}

static json_object *sectors(const char *doc, uint64_t min, uint64_t max)
{
	json_object *o = obj(), *any = json_object_new_array(), *i = obj();
	if (doc)
		put(o, "description", str(doc));
	put(i, "type", str("integer"));
	put(i, "minimum", json_object_new_uint64(min));
	put(i, "maximum", json_object_new_uint64(max ? max : UINT64_MAX));
	json_object_array_add(any, i);
	json_object_array_add(any, ref("sizeString"));
	put(o, "anyOf", any);
	return o;
}

static json_object *objtype(json_object *defs, const char *path, const struct vmap_objtype *t,
			    const struct vmap_target_type *tt);

static json_object *field(json_object *defs, const char *path, const struct vmap_field *f)
{
	json_object *o;
	switch (f->kind) {
	case VMAP_F_U64:
		o = obj();
		put(o, "type", str("integer"));
		put(o, "minimum", json_object_new_uint64(f->min));
		put(o, "maximum", json_object_new_uint64(f->max ? f->max : UINT64_MAX));
		break;
	case VMAP_F_SECTORS: return sectors(f->doc, f->min, f->max);
	case VMAP_F_BOOL:
		o = obj();
		put(o, "type", str("boolean"));
		break;
	case VMAP_F_STRING:
		o = obj();
		put(o, "type", str("string"));
		if (!(f->flags & VMAP_FF_EMPTY))
			put(o, "minLength", json_object_new_int(1));
		/* one word of the kernel's table, unless the field takes several */
		if (!(f->flags & VMAP_FF_WORDS))
			put(o, "pattern", str("^[^ \\t]+$"));
		break;
	case VMAP_F_ENUM: {
		size_t n = 0;
		while (f->choices && f->choices[n])
			n++;
		o = obj();
		put(o, "enum", strings(f->choices, n));
		break;
	}
	case VMAP_F_HEX:
		o = obj();
		put(o, "type", str("string"));
		put(o, "pattern", str("^([0-9a-fA-F]{2})+$"));
		break;
	case VMAP_F_DEVICE: return described_ref("device", f->doc);
	case VMAP_F_SECRET: return described_ref("secret", f->doc);
	case VMAP_F_LIST: {
		char *sub = xasprintf("%s.%s", path, f->key);
		json_object_object_add(defs, sub, objtype(defs, sub, f->item, NULL));
		o = obj();
		put(o, "type", str("array"));
		if (f->flags & VMAP_FF_NONEMPTY)
			put(o, "minItems", json_object_new_int(1));
		put(o, "items", ref(sub));
		free(sub);
		break;
	}
	case VMAP_F_MAP: {
		json_object *v = obj();
		put(v, "type", str("string"));
		put(v, "minLength", json_object_new_int(1));
		o = obj();
		put(o, "type", str("object"));
		if (f->flags & VMAP_FF_NONEMPTY)
			put(o, "minProperties", json_object_new_int(1));
		put(o, "additionalProperties", v);
		break;
	}
	default: o = obj(); break;
	}
	if (f->doc) {
		/* description first, for people reading the file */
		json_object *d = obj();
		put(d, "description", str(f->doc));
		json_object_object_foreach(o, k, val) put(d, k, json_object_get(val));
		json_object_put(o);
		o = d;
	}
	return o;
}

/* An object type: its fields; for a target type also `type` and `size`. */
static json_object *objtype(json_object *defs, const char *path, const struct vmap_objtype *t,
			    const struct vmap_target_type *tt)
{
	json_object *o = obj(), *props = obj(), *req = json_object_new_array();
	if (t->doc)
		put(o, "description", str(t->doc));
	put(o, "type", str("object"));
	if (tt) {
		json_object *ty = obj();
		put(ty, "const", str(tt->name));
		put(props, "type", ty);
		json_object_array_add(req, str("type"));
		put(props, "size", sectors(tt->size_device_key
						   ? "length in sectors, or with a unit; may be left out: "
						     "then the rest of the device"
						   : "length in sectors, or with a unit",
					   1, 0));
		if (!tt->size_device_key)
			json_object_array_add(req, str("size"));
	}
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct vmap_field *f = &t->fields[i];
		put(props, f->key, field(defs, path, f));
		if (f->flags & VMAP_FF_REQUIRED)
			json_object_array_add(req, str(f->key));
	}
	put(o, "properties", props);
	if (json_object_array_length(req))
		put(o, "required", req);
	else
		json_object_put(req);
	put(o, "additionalProperties", json_object_new_boolean(0));
	return o;
}

static json_object *raw_target(json_object *defs)
{
	json_object *o = objtype(defs, "target-raw", &vmap_tt_raw.args, &vmap_tt_raw);
	json_object *props = json_object_object_get(o, "properties");
	json_object *target = json_object_object_get(props, "target");
	put(target, "pattern", str("^[A-Za-z0-9_-]{1,15}$"));
	return o;
}

static json_object *name_schema(const char *doc, unsigned max)
{
	json_object *o = obj(), *no = obj();
	char *pat = xasprintf("^[" NAME_CHARS "]{1,%u}$", max);
	const char *dots[] = {".", ".."};
	put(o, "description", str(doc));
	put(o, "type", str("string"));
	put(o, "pattern", str(pat));
	put(no, "enum", strings(dots, 2));
	put(o, "not", no);
	free(pat);
	return o;
}

static json_object *one_key(const char *key, json_object *value, const char *doc)
{
	json_object *o = obj(), *props = obj(), *req = json_object_new_array();
	if (doc)
		put(o, "description", str(doc));
	put(o, "type", str("object"));
	put(props, key, value);
	put(o, "properties", props);
	json_object_array_add(req, str(key));
	put(o, "required", req);
	put(o, "additionalProperties", json_object_new_boolean(0));
	return o;
}

static json_object *string_pattern(const char *pattern, const char *doc)
{
	json_object *o = obj();
	if (doc)
		put(o, "description", str(doc));
	put(o, "type", str("string"));
	put(o, "pattern", str(pattern));
	return o;
}

static void common_defs(json_object *defs)
{
	put(defs, "name", name_schema("a device-mapper name: 1..127 characters of A-Z a-z 0-9 "
				      "# + - . : = @ _, not . or ..", VMAP_NAME_MAX));
	json_object *size = string_pattern(SIZE_PATTERN, "a size with a unit: s (sectors), B "
					   "(bytes, a multiple of 512), KiB, MiB, GiB, TiB, PiB");
	put(defs, "sizeString", size);

	json_object *dev = obj(), *forms = json_object_new_array();
	json_object *udev = obj(), *uv = obj();
	put(dev, "description", str("a device: a /dev path, \"MAJ:MIN\" (quoted), {volume: NAME} "
				    "(another volume of the set) or {udev: {PROPERTY: VALUE, ...}}"));
	json_object_array_add(forms, string_pattern("^/", "a device path"));
	json_object_array_add(forms, string_pattern("^[0-9]+:[0-9]+$", "a device number MAJ:MIN"));
	json_object_array_add(forms, one_key("volume", ref("name"), "another volume of the spec set"));
	put(uv, "type", str("string"));
	put(uv, "minLength", json_object_new_int(1));
	put(udev, "type", str("object"));
	put(udev, "minProperties", json_object_new_int(1));
	put(udev, "additionalProperties", uv);
	json_object_array_add(forms, one_key("udev", udev, "the one block device whose udev "
							   "properties all match"));
	put(dev, "oneOf", forms);
	put(defs, "device", dev);

	json_object *sec = obj(), *kinds = json_object_new_array();
	put(sec, "description", str("a key: never printed; sent to the kernel as secure data"));
	json_object_array_add(kinds, one_key("file", string_pattern("^/", "absolute path"),
					     "a file holding the raw key bytes"));
	json_object_array_add(kinds, one_key("keyring",
					     string_pattern("^(logon|user|encrypted|trusted):[^ \t]+$",
							    "TYPE:DESCRIPTION"),
					     "a key in the kernel keyring"));
	json_object_array_add(kinds, one_key("hex", string_pattern("^([0-9a-fA-F]{2})+$", NULL),
					     "the key itself, in hex (quote it)"));
	put(sec, "oneOf", kinds);
	put(defs, "secret", sec);
}

static json_object *target_def(json_object *defs)
{
	size_t n = 0;
	while (vmap_target_types[n])
		n++;
	json_object *o = obj(), *props = obj(), *ty = obj(), *names = json_object_new_array();
	json_object *req = json_object_new_array(), *all = json_object_new_array();
	put(o, "description", str("a typed target: `type` decides the other keys"));
	put(o, "type", str("object"));
	for (size_t i = 0; i <= n; i++) {
		const struct vmap_target_type *tt = i < n ? vmap_target_types[i] : &vmap_tt_raw;
		char *def = xasprintf("target-%s", tt->name);
		json_object_array_add(names, str(tt->name));
		put(defs, def, tt == &vmap_tt_raw ? raw_target(defs)
						  : objtype(defs, def, &tt->args, tt));
		json_object *cond = obj(), *ifs = obj(), *ip = obj(), *c = obj(),
			    *ireq = json_object_new_array();
		put(c, "const", str(tt->name));
		put(ip, "type", c);
		put(ifs, "properties", ip);
		json_object_array_add(ireq, str("type"));
		put(ifs, "required", ireq);
		put(cond, "if", ifs);
		put(cond, "then", ref(def));
		json_object_array_add(all, cond);
		free(def);
	}
	put(ty, "description", str("the target type (raw: any kernel target, arguments verbatim)"));
	put(ty, "enum", names);
	put(props, "type", ty);
	put(o, "properties", props);
	json_object_array_add(req, str("type"));
	put(o, "required", req);
	put(o, "allOf", all);
	return o;
}

static json_object *volume_def(void)
{
	static const char *const policies[] = {"auto", "noflush", "flush"};
	json_object *o = obj(), *p = obj(), *req = json_object_new_array();
	json_object *one = json_object_new_array();
	put(o, "description", str("one device-mapper device"));
	put(o, "type", str("object"));
	put(p, "name", described_ref("name", "the device's name (/dev/mapper/NAME), unique in the set"));
	char *upat = xasprintf("^[" NAME_CHARS "]{1,%zu}$", VMAP_UUID_MAX - strlen(VMAP_UUID_PREFIX));
	put(p, "uuid", string_pattern(upat, "the device's uuid is \"VMAP-\" + this (default: the name)"));
	free(upat);
	json_object *ro = obj(), *su = obj(), *tg = obj(), *tb = obj();
	put(ro, "description", str("make the device read-only"));
	put(ro, "type", str("boolean"));
	put(p, "readOnly", ro);
	put(su, "description", str("how to suspend for a reload: auto (noflush for multipath, thin, "
				   "mirror), noflush, flush"));
	put(su, "enum", strings(policies, 3));
	put(p, "suspend", su);
	static const char *const allows[] = {"remap", "shrink", "recreate"};
	static const char *const on_remap[] = {"refuse", "migrate"};
	json_object *al = obj(), *ai = obj(), *orp = obj();
	put(al, "description", str("changes this volume may take without a command-line flag: "
				   "remap (show other data), shrink, recreate"));
	put(al, "type", str("array"));
	put(al, "uniqueItems", json_object_new_boolean(1));
	put(ai, "enum", strings(allows, 3));
	put(al, "items", ai);
	put(p, "allow", al);
	put(orp, "description", str("what a change that would show other data does: refuse it "
				    "(default), or migrate the data to the new backing while the "
				    "volume stays online"));
	put(orp, "enum", strings(on_remap, 2));
	put(p, "onRemap", orp);
	put(tg, "description", str("typed targets, laid out back to back from sector 0"));
	put(tg, "type", str("array"));
	put(tg, "minItems", json_object_new_int(1));
	put(tg, "items", ref("target"));
	put(p, "targets", tg);
	put(tb, "description", str("dmsetup table text, one 'START LENGTH TARGET ARGUMENTS' a line "
				   "(instead of targets)"));
	put(tb, "type", str("string"));
	put(p, "table", tb);
	put(o, "properties", p);
	json_object_array_add(req, str("name"));
	put(o, "required", req);
	put(o, "additionalProperties", json_object_new_boolean(0));
	const char *t1[] = {"targets"}, *t2[] = {"table"};
	json_object *a = obj(), *b = obj();
	put(a, "required", strings(t1, 1));
	put(b, "required", strings(t2, 1));
	json_object_array_add(one, a);
	json_object_array_add(one, b);
	put(o, "oneOf", one);
	return o;
}

static json_object *schema(void)
{
	json_object *s = obj(), *defs = obj(), *props = obj(), *req = json_object_new_array();
	put(s, "$schema", str("http://json-schema.org/draft-07/schema#"));
	put(s, "title", str("vmapctl spec file"));
	put(s, "description", str("Device-mapper volumes for vmapctl (apiVersion vmapctl/v1).  "
				  "Generated from vmapctl's field tables by gen/gen-schema; "
				  "`vmapctl validate` checks what a schema cannot (duplicate keys, "
				  "references, cycles, table text, sizes that must be whole sectors)."));
	put(s, "type", str("object"));
	json_object *api = obj(), *vols = obj();
	put(api, "description", str("the version of this format"));
	put(api, "const", str("vmapctl/v1"));
	put(props, "apiVersion", api);
	put(vols, "description", str("the volumes of this file; names are unique across the whole set"));
	put(vols, "type", str("array"));
	put(vols, "items", ref("volume"));
	put(props, "volumes", vols);
	put(s, "properties", props);
	json_object_array_add(req, str("apiVersion"));
	json_object_array_add(req, str("volumes"));
	put(s, "required", req);
	put(s, "additionalProperties", json_object_new_boolean(0));
	common_defs(defs);
	put(defs, "volume", volume_def());
	put(defs, "target", target_def(defs));
	put(s, "definitions", defs);
	return s;
}

/* --- the fuzzing dictionary --- */

static void dict_word(const char *w)
{
	putchar('"');
	for (const char *c = w; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u < 0x20 || u > 0x7e)
			printf("\\x%02X", u);
		else if (u == '"' || u == '\\')
			printf("\\%c", u);
		else
			putchar(u);
	}
	puts("\"");
}

static void dict_fields(const struct vmap_objtype *t)
{
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct vmap_field *f = &t->fields[i];
		dict_word(f->key);
		for (size_t k = 0; f->choices && f->choices[k]; k++)
			dict_word(f->choices[k]);
		if (f->item)
			dict_fields(f->item);
	}
}

static void dict(void)
{
	static const char *const words[] = {
		"apiVersion", "vmapctl/v1", "volumes", "name", "uuid", "readOnly", "suspend",
		"allow", "remap", "shrink", "recreate", "onRemap", "refuse", "migrate",
		"targets", "table", "type", "size", "auto", "noflush", "flush", "raw", "volume",
		"udev", "file", "keyring", "hex", "logon:", "/dev/mapper/", "/dev/sdb", "\"8:16\"",
		"KiB", "MiB", "GiB", "TiB", "PiB", "512B", "true", "false", "- ", ": ", "&a", "*a",
		"<<", "---", "!!str", "|\n", NULL};
	for (const char *const *w = words; *w; w++)
		dict_word(*w);
	for (size_t i = 0; vmap_target_types[i]; i++) {
		dict_word(vmap_target_types[i]->name);
		dict_fields(&vmap_target_types[i]->args);
	}
	dict_fields(&vmap_tt_raw.args);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--types")) {
		for (size_t i = 0; vmap_target_types[i]; i++)
			puts(vmap_target_types[i]->name);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--dict")) {
		dict();
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: gen-schema [--types|--dict]\n");
		return 64;
	}
	json_object *s = schema();
	puts(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(s);
	return 0;
}
