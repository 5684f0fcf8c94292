/* export.h: live state of managed volumes as text a user can keep.
 *
 *   yaml     a spec (apiVersion vmapctl/v1) that validates and plans as
 *            "no change" against the host it came from: each live table
 *            line is parsed with its target type's parser and written as
 *            that type's named fields (libyaml's emitter does the quoting).
 *            A device that is another exported volume becomes
 *            {volume: NAME}, so stacks survive.
 *   concise  what `dmsetup create --concise` reads and `dmsetup table
 *            --concise` prints: name,uuid,minor,flags,table[,table];...
 *            with ',' ';' '\' escaped by '\'.
 *   dm-init  the value of the kernel's dm-mod.create= parameter
 *            (drivers/md/dm-init.c): the same shape, no escaping, and
 *            what early boot cannot do is refused (see vmap_export).
 *
 * Export never writes key material: live tables only hold key digests
 * (livestate.h).  In YAML a key becomes a {file: ...} reference and a
 * warning says where the key must be put; the text formats refuse a
 * table with a key in it.
 *
 * Volumes come out in dependency order (a volume after the volumes it
 * stacks on), so `dmsetup create --concise` and dm-init, which create the
 * devices one after the other, find every lower device in place. */
#ifndef VMAP_EXPORT_H
#define VMAP_EXPORT_H

#include <stddef.h>

#include "base/error.h"
#include "model/live.h"

enum vmap_export_format {
	VMAP_EXPORT_YAML,
	VMAP_EXPORT_CONCISE,
	VMAP_EXPORT_DM_INIT,
};

/* Where a YAML export says a volume's key file should be. */
#define VMAP_EXPORT_KEY_DIR "/etc/vmapctl/keys"

/* What the kernel's dm-init accepts (Linux 6.1 drivers/md/dm-init.c). */
#define VMAP_DM_INIT_MAX_DEVICES 256
#define VMAP_DM_INIT_MAX_TARGETS 256
#define VMAP_DM_INIT_MAX_CHARS 4095 /* strlen(create) >= 4096 is refused */
/* x86's COMMAND_LINE_SIZE: a longer value is cut off by the boot loader
 * or the kernel before dm-init sees it (a warning, not an error: other
 * architectures allow more). */
#define VMAP_CMDLINE_WARN_CHARS 2048

struct vmap_export_opts {
	enum vmap_export_format format;
	/* Volumes to export; none: every managed device.  A name that is no
	 * device is an error (VMAP_E_FAILED), a device vmapctl does not
	 * manage is refused (VMAP_E_POLICY). */
	const char *const *names;
	size_t n_names;
	const char *key_dir; /* NULL: VMAP_EXPORT_KEY_DIR */
};

struct vmap_export {
	char *text;       /* the whole output, ending in a newline */
	char **warnings;  /* what the user must do or know, one line each */
	size_t n_warnings;
	char **volumes;   /* the exported names, in output order */
	size_t n_volumes;
};

/* "yaml", "concise", "dm-init" -> format; -1 for anything else. */
int vmap_export_format_parse(const char *s, enum vmap_export_format *out);
const char *vmap_export_format_name(enum vmap_export_format f);

/* Export from `live` (captured, or read from a snapshot).  Every selection
 * problem is reported, then nothing is produced.  Returns 0 with `out`
 * filled (free with vmap_export_free), or -1 with errors and `out` empty. */
int vmap_export(const struct vmap_live *live, const struct vmap_export_opts *opts,
		struct vmap_export *out, struct vmap_errlist *errs);
void vmap_export_free(struct vmap_export *e);

#endif
