/* spec.h: the spec set as plain C data, after parsing and validation.
 *
 * A target's arguments are a generic object (struct vmap_obj) shaped by a
 * field table (struct vmap_objtype, below; a target type's in targets/).  One table per target
 * type drives everything that touches arguments: the YAML reader (keys,
 * types, unknown-key errors), the kernel-text parser, the normaliser, the
 * JSON Schema generator and export, so they cannot drift apart.
 *
 * Every value keeps the file, line and column it came from. */
#ifndef VMAP_SPEC_H
#define VMAP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct vmap_target_type;

/* A string -> string pair (udev properties, free-form options). */
struct vmap_kv {
	char *key, *value;
	struct vmap_loc loc;
};

enum vmap_devref_kind {
	VMAP_DEV_PATH,   /* "/dev/..." */
	VMAP_DEV_MAJMIN, /* "MAJ:MIN" */
	VMAP_DEV_VOLUME, /* {volume: NAME} */
	VMAP_DEV_UDEV,   /* {udev: {PROP: VALUE, ...}} */
};

/* A device reference as the user wrote it.  Resolution (to MAJ:MIN) is
 * not stored here: it depends on the live system, see live.h. */
struct vmap_devref {
	enum vmap_devref_kind kind;
	char *path;              /* PATH */
	unsigned major, minor;   /* MAJMIN */
	char *volume;            /* VOLUME */
	struct vmap_kv *props;   /* UDEV, sorted by key */
	size_t n_props;
	struct vmap_loc loc;
};

enum vmap_secret_kind {
	VMAP_SECRET_HEX,     /* {hex: "..."}: the key itself */
	VMAP_SECRET_FILE,    /* {file: PATH}: raw key bytes in a file */
	VMAP_SECRET_KEYRING, /* {keyring: "logon:desc"}: kernel keyring */
};

/* A key.  `value` is the hex string, the file path or the keyring
 * description; key bytes read from a file are held only in
 * struct vmap_resolved (live.h) and are wiped when freed. */
struct vmap_secret {
	enum vmap_secret_kind kind;
	char *value;
	struct vmap_loc loc;
};

enum vmap_field_kind {
	VMAP_F_U64,     /* unsigned integer */
	VMAP_F_SECTORS, /* size or offset: integer sectors or "<n>s|B|KiB|..." */
	VMAP_F_BOOL,
	VMAP_F_STRING,
	VMAP_F_ENUM,    /* one of the field's `choices` */
	VMAP_F_HEX,     /* a hex string that is not secret (salt, digest) */
	VMAP_F_DEVICE,  /* a device reference */
	VMAP_F_SECRET,  /* a key */
	VMAP_F_LIST,    /* a list of objects of the field's `item` type */
	VMAP_F_MAP,     /* a string -> string map */
};

struct vmap_obj;

/* One field's value; which members are meaningful depends on the kind. */
struct vmap_value {
	bool set;
	struct vmap_loc loc;
	uint64_t u;                 /* U64, SECTORS, BOOL (0/1) */
	char *s;                    /* STRING, ENUM, HEX */
	struct vmap_devref *dev;    /* DEVICE */
	struct vmap_secret *secret; /* SECRET */
	struct vmap_obj *items;     /* LIST */
	size_t n_items;
	struct vmap_kv *kv;         /* MAP, in the order written */
	size_t n_kv;
};

/* The field table of an object type: what keys a spec may give, with
 * their kinds (for a target type: its arguments, targets/target.h). */
#define VMAP_FF_REQUIRED 0x1u /* the key must be present */
#define VMAP_FF_NONEMPTY 0x2u /* LIST/MAP: at least one entry */
/* STRING: several blank-separated words of the kernel's table (any other
 * STRING is one word: a blank in it would add arguments to the table) */
#define VMAP_FF_WORDS 0x4u
#define VMAP_FF_EMPTY 0x8u    /* STRING: may be "" (no words at all) */

struct vmap_field {
	const char *key;                 /* camelCase YAML key */
	enum vmap_field_kind kind;
	unsigned flags;                  /* VMAP_FF_* */
	const char *const *choices;      /* ENUM: NULL-terminated */
	const struct vmap_objtype *item; /* LIST: the items' type */
	uint64_t min, max;               /* U64/SECTORS bounds; max 0 = no bound */
	const char *doc;                 /* one line, for the schema and man page */
};

struct vmap_objtype {
	const char *name;
	const struct vmap_field *fields;
	size_t n_fields;
	const char *doc;
};

/* An object: v[i] is the value of type->fields[i]. */
struct vmap_obj {
	const struct vmap_objtype *type;
	struct vmap_value *v;
	struct vmap_loc loc;
};

/* How a target was written.  Whatever the form, a target of a kernel type
 * vmapctl knows holds its typed arguments in `args`: table text (`table:`,
 * `raw`, a live table line) is parsed into them once, where it is read
 * (targets/text.c), and never again. */
enum vmap_target_form {
	VMAP_FORM_TYPED, /* a `targets:` item of a first-class type */
	VMAP_FORM_RAW,   /* a `targets:` item of `type: raw` (kernel name + text) */
	VMAP_FORM_TABLE, /* a line of `table:` */
	VMAP_FORM_LIVE,  /* a line of a table the kernel reported */
};

/* The arguments of a kernel target type vmapctl does not know: its words
 * as written, and which of them name devices (a /dev path or MAJ:MIN),
 * found once when the text was read. */
struct vmap_opaque {
	char **words;
	size_t n_words;
	struct vmap_devref *refs;  /* PATH or MAJMIN refs, in word order */
	size_t *ref_word;          /* the word each ref is */
	size_t n_refs;
};

struct vmap_target {
	const struct vmap_target_type *tt; /* its type (target.h); for an opaque
					    * target the `raw` type */
	enum vmap_target_form form;
	char *kernel_name;     /* the kernel target name: tt->name, or raw's `target` */
	uint64_t start;        /* sector; targets are laid back to back */
	uint64_t size;         /* sectors; 0 while size_auto is unresolved */
	bool size_auto;        /* size omitted: the rest of the device */
	struct vmap_obj args;  /* the typed arguments (unset for opaque targets) */
	struct vmap_opaque *opaque; /* a kernel type vmapctl does not know, else NULL */
	struct vmap_loc loc;   /* the target's "type:" key, or the table line */
	struct vmap_loc size_loc;
	struct vmap_loc args_loc; /* where the argument text is (raw, table) */
};

enum vmap_suspend_policy {
	VMAP_SUSPEND_AUTO,
	VMAP_SUSPEND_NOFLUSH,
	VMAP_SUSPEND_FLUSH,
};

/* What a volume's `allow:` list permits without a command-line flag
 * (contract 5.9): a change that remaps its data, shrinks it, or recreates
 * it. */
#define VMAP_ALLOW_REMAP 0x1u
#define VMAP_ALLOW_SHRINK 0x2u
#define VMAP_ALLOW_RECREATE 0x4u

/* What a remap does (contract 5.10): refuse it, or move the data. */
enum vmap_on_remap {
	VMAP_ON_REMAP_REFUSE,
	VMAP_ON_REMAP_MIGRATE,
};

struct vmap_volume {
	char *name;
	char *uuid;            /* the full DM uuid: "VMAP-" + spec uuid or name */
	bool read_only;
	enum vmap_suspend_policy suspend;
	unsigned allow;        /* VMAP_ALLOW_* */
	enum vmap_on_remap on_remap;
	struct vmap_loc allow_loc, on_remap_loc; /* where they were written */
	struct vmap_target *targets;
	size_t n_targets;
	/* The set volumes it stacks on (indices into the set), each once, in
	 * the order first referenced: {volume: X} references and
	 * /dev/mapper/X paths, in typed fields and in table text alike.  Set
	 * when the set is loaded; the one dependency relation: the loader
	 * checks cycles on it, the planner orders on it. */
	size_t *deps;
	size_t n_deps;
	struct vmap_loc loc;   /* the volume's list item */
	struct vmap_loc name_loc;
};

/* The whole spec set: every volume of every file, in file then list order. */
struct vmap_specset {
	char **files;          /* the file names, owned here; locs point in */
	size_t n_files;
	struct vmap_volume *vols;
	size_t n_vols;
	size_t *by_name;       /* volume indices sorted by name (set by the loader) */
};

#define VMAP_UUID_PREFIX "VMAP-"
#define VMAP_NAME_MAX 127
#define VMAP_UUID_MAX 128

/* Where a spec set comes from: `-f` paths (files and directories: a
 * directory means its *.yaml and *.yml files in name order), else
 * $VMAPCTL_SPEC_DIR, else the default set: the layered directories of
 * vmap_spec_layer_dirs under `root`.  Each of the first two replaces the
 * whole default set. */
struct vmap_spec_source {
	const char *const *paths;
	size_t n_paths;
	const char *spec_dir;  /* $VMAPCTL_SPEC_DIR, or NULL */
	const char *root;      /* --root: prefixed to the default directories */
	/* keep parsed files here and read them back while unchanged
	 * (specset/ydoc_cache.h); NULL: parse every file */
	const char *cache_dir;
};

/* Load a spec set.  Parses and validates everything offline (references,
 * cycles, duplicates) and reports every problem found, at the real
 * file:line:col.  Returns 0, or -1 with errors appended (kind VMAP_E_SPEC
 * for bad specs, VMAP_E_FAILED for unreadable files). */
int vmap_specset_load(struct vmap_specset *set, const struct vmap_spec_source *src,
		      struct vmap_errlist *errs);

/* The default set's directories, highest precedence first (contract
 * section 7): /etc, /run and /usr/lib vmapctl/volumes.d. */
extern const char *const vmap_spec_layer_dirs[];

/* One file of the default set after layering: a file replaces the file of
 * the same name in the directories below its own; a symlink to /dev/null
 * masks it (and adds no volumes). */
struct vmap_spec_file {
	char *name;            /* "10-data.yaml" */
	char *path;            /* where it is read from (with the root) */
	const char *dir;       /* its directory, without the root */
	bool masked;
	char **overrides;      /* the lower files of the same name it replaces */
	size_t n_overrides, cap_overrides;
};

/* The default set's files under `root` (NULL: /), in file name order, the
 * order they are read in. */
void vmap_spec_layers(const char *root, struct vmap_spec_file **files, size_t *n);
void vmap_spec_files_free(struct vmap_spec_file *v, size_t n);

/* Load one YAML document from memory as if it were file `name`.  For tests
 * and the fuzzer; validation is the same as for files. */
int vmap_specset_load_buffer(struct vmap_specset *set, const char *name, const char *data,
			     size_t len, struct vmap_errlist *errs);

void vmap_specset_free(struct vmap_specset *set);

/* The volume called `name`, or NULL. */
const struct vmap_volume *vmap_specset_find(const struct vmap_specset *set, const char *name);

/* Names of valid DM devices and uuids (contract section 1). */
bool vmap_name_valid(const char *name);
/* Why `name` is not a valid DM name of at most `max` characters (also a
 * reserved one: control), or NULL. */
const char *vmap_name_problem(const char *name, size_t max);
/* The same for the part of a uuid after "VMAP-" (no reserved words). */
const char *vmap_uuid_problem(const char *name, size_t max);
/* A name as libdevmapper shows it, from the form the kernel keeps (its
 * own DM_LIST_DEVICES): a name with a character outside the plain set
 * is kept mangled, '"' as \x22, and libdm's list decodes every \xNN
 * when all other characters are plain (its "auto" mode); else the name
 * is as it is.  Newly allocated. */
char *vmap_name_unmangle(const char *kernel_name);

/* Parse a size or offset written as a string ("<n>s", "<n>B", "<n>KiB", ...
 * "<n>PiB"); integers are handled by the caller.  Returns 0, or -1 with a
 * message in *why (static string) on a bad unit, overflow or a byte count
 * that is not a multiple of 512. */
int vmap_parse_size(const char *s, uint64_t *sectors, const char **why);

/* Helpers for code that reads objects by key (abort on a key the object's
 * type does not have: that is a programming error, not bad input). */
const struct vmap_value *vmap_obj_get(const struct vmap_obj *o, const char *key);
struct vmap_value *vmap_obj_getw(struct vmap_obj *o, const char *key);
uint64_t vmap_obj_u64(const struct vmap_obj *o, const char *key, uint64_t dflt);
bool vmap_obj_bool(const struct vmap_obj *o, const char *key);
const char *vmap_obj_str(const struct vmap_obj *o, const char *key, const char *dflt);
bool vmap_obj_has(const struct vmap_obj *o, const char *key);

/* Call `fn` for every device reference in `o`, depth first, in field order. */
void vmap_obj_foreach_device(const struct vmap_obj *o,
			     void (*fn)(const struct vmap_devref *ref, void *arg), void *arg);

/* Allocate the value array for `type` (all unset) / free an object's contents. */
void vmap_obj_init(struct vmap_obj *o, const struct vmap_objtype *type);
void vmap_obj_free(struct vmap_obj *o);
void vmap_devref_free(struct vmap_devref *d);
void vmap_secret_free(struct vmap_secret *s);
void vmap_target_free(struct vmap_target *t);
void vmap_opaque_free(struct vmap_opaque *o);
void vmap_volume_free(struct vmap_volume *v);

/* The key under which live state records how `ref` resolved
 * (struct vmap_resolution.ref): the path, "MAJ:MIN", "udev:K=V,K=V" with
 * the properties sorted, "volume:NAME". */
char *vmap_devref_key(const struct vmap_devref *ref);

/* Index of the set volume that `ref` names ({volume: X}, or the path
 * /dev/mapper/X with X in the set), or -1. */
int vmap_devref_volume(const struct vmap_specset *set, const struct vmap_devref *ref);

#endif
