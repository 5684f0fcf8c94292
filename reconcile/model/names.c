/* names.c: valid device-mapper names and uuids (contract section 1). */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
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

char *vmap_name_unmangle(const char *kernel_name)
{
	for (const char *p = kernel_name; *p; p++)
		if (!name_char((unsigned char)*p) && *p != '\\')
			return xstrdup(kernel_name); /* not libdm's mangling */
	char *out = xmalloc(strlen(kernel_name) + 1), *o = out;
	for (const char *p = kernel_name; *p;) {
		int hi = p[0] == '\\' && p[1] == 'x' ? hex_digit((unsigned char)p[2]) : -1;
		int lo = hi >= 0 ? hex_digit((unsigned char)p[3]) : -1;
		if (lo >= 0 && (hi || lo)) {
			*o++ = (char)(hi << 4 | lo);
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}
