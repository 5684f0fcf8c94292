/* layer_dirs.c: the directories of the default spec set (contract section
 * 7), highest first; declared in model/spec.h.  A file of its own so the
 * udev helper (cmd/udev), which links the core archive without libyaml,
 * looks in the same directories as the loader. */
#include "model/spec.h"

const char *const vmap_spec_layer_dirs[] = {
	"/etc/vmapctl/volumes.d",
	"/run/vmapctl/volumes.d",
	"/usr/lib/vmapctl/volumes.d",
	NULL,
};
