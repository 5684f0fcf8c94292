/* names.c: valid device-mapper names and uuids (contract section 1). */
#include <string.h>

#include "model/spec.h"

/* The characters udev and libdevmapper pass through unmangled: with only
 * these, /dev/mapper/NAME is exactly NAME and no tool has to escape it. */
static bool name_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("#+-.:=@_", c) != NULL;
}

/* Words of a uuid or a name: the characters, the length. */
const char *vmap_uuid_problem(const char *name, size_t max)
{
	size_t len = strlen(name);
	if (len == 0)
		return "is empty";
	if (len > max)
		return "is too long";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "cannot be '.' or '..'";
	for (const char *p = name; *p; p++)
		if (!name_char((unsigned char)*p))
			return "has a character that is not allowed";
	return NULL;
}

const char *vmap_name_problem(const char *name, size_t max)
{
	/* /dev/mapper/control is device-mapper's own node: a volume of that
	 * name would sit beside it with nothing to tell them apart */
	if (!strcmp(name, "control"))
		return "is reserved (/dev/mapper/control is device-mapper's control node)";
	return vmap_uuid_problem(name, max);
}

bool vmap_name_valid(const char *name)
{
	return name && !vmap_name_problem(name, VMAP_NAME_MAX);
}
