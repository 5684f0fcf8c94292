/* adopt.c: see adopt.h. */
#include "plan/adopt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "model/spec.h"

/* Who a uuid prefix says owns a device (device-mapper-facts.md). */
static const char *owner(const char *uuid)
{
	static const struct {
		const char *prefix, *tool;
	} owners[] = {
		{"LVM-", "LVM"},        {"CRYPT-", "cryptsetup"}, {"mpath-", "multipathd"},
		{"part", "kpartx"},     {"stratis-", "Stratis"},
	};
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		if (!strncmp(uuid, owners[i].prefix, strlen(owners[i].prefix)))
			return owners[i].tool;
	return "another tool";
}

static const struct vmap_dmdev *find(const struct vmap_dmdev *devs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

enum vmap_adopt_verdict vmap_adopt_check(const struct vmap_dmdev *devs, size_t n,
					 const char *name, struct vmap_errlist *errs)
{
	const struct vmap_dmdev *d = find(devs, n, name);
	if (!d) {
		vmap_err(errs, VMAP_E_FAILED, ENODEV, NULL, name, "no such device");
		return VMAP_ADOPT_REFUSED;
	}
	if (d->uuid && !strncmp(d->uuid, VMAP_UUID_PREFIX, strlen(VMAP_UUID_PREFIX)))
		return VMAP_ADOPT_ALREADY;
	if (d->uuid && *d->uuid) {
		vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
			 "device has uuid '%s' (%s owns it): vmapctl adopts only devices without a uuid",
			 d->uuid, owner(d->uuid));
		return VMAP_ADOPT_REFUSED;
	}
	if (!vmap_name_valid(name)) {
		vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
			 "the name cannot be a volume name (1..127 of A-Z a-z 0-9 # + - . : = @ _)");
		return VMAP_ADOPT_REFUSED;
	}
	if (strlen(VMAP_UUID_PREFIX) + strlen(name) > VMAP_UUID_MAX) {
		vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
			 "the name is too long for the uuid 'VMAP-NAME' (at most %zu characters)",
			 (size_t)VMAP_UUID_MAX - strlen(VMAP_UUID_PREFIX));
		return VMAP_ADOPT_REFUSED;
	}
	char *uuid = xasprintf(VMAP_UUID_PREFIX "%s", name);
	for (size_t i = 0; i < n; i++)
		if (devs[i].uuid && !strcmp(devs[i].uuid, uuid)) {
			vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
				 "device '%s' already has the uuid '%s'", devs[i].name, uuid);
			free(uuid);
			return VMAP_ADOPT_REFUSED;
		}
	free(uuid);
	return VMAP_ADOPT;
}
