/* raw.c: `type: raw`: any kernel target, arguments verbatim. */
#include "targets/target.h"

static const struct vmap_field raw_fields[] = {
	{"target", VMAP_F_STRING, VMAP_FF_REQUIRED, NULL, NULL, 0, 0,
	 "kernel target name (dmsetup targets lists them)"},
	{"args", VMAP_F_STRING, VMAP_FF_WORDS | VMAP_FF_EMPTY, NULL, NULL, 0, 0,
	 "target arguments verbatim; /dev paths in them are resolved to MAJ:MIN"},
};

const struct vmap_target_type vmap_tt_raw = {
	.name = "raw",
	.args = {"raw", raw_fields, sizeof(raw_fields) / sizeof(raw_fields[0]),
		 "any kernel target, arguments passed verbatim"},
};
