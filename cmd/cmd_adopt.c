/* cmd_adopt.c: `vmapctl adopt NAME...`: make existing devices managed by
 * giving them the uuid "VMAP-NAME" (contract section 4: a device is
 * managed iff its uuid starts with "VMAP-").  With `export` this turns a
 * hand-made setup into a spec.
 *
 * Only a device without a uuid can be adopted: a uuid can be set once
 * (dm-ioctl RENAME with a new uuid works only while it is empty), and a
 * uuid means another tool owns the device.  A device that already has a
 * "VMAP-" uuid is managed already: nothing to do, not an error.  Every
 * name is checked before any uuid is set, so a refused name leaves every
 * device as it was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dm.h"
#include "engine.h"
#include "output.h"
#include "plan_print.h"
#include "model/spec.h"
#include "base/util.h"

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

enum verdict { ADOPT, ALREADY, REFUSED };

static enum verdict check(const struct vmap_dmdev *devs, size_t n, const char *name,
			  struct vmap_errlist *errs)
{
	const struct vmap_dmdev *d = find(devs, n, name);
	if (!d) {
		vmap_err(errs, VMAP_E_FAILED, ENODEV, NULL, name, "no such device");
		return REFUSED;
	}
	if (d->uuid && !strncmp(d->uuid, VMAP_UUID_PREFIX, strlen(VMAP_UUID_PREFIX)))
		return ALREADY;
	if (d->uuid && *d->uuid) {
		vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
			 "device has uuid '%s' (%s owns it): vmapctl adopts only devices without a uuid",
			 d->uuid, owner(d->uuid));
		return REFUSED;
	}
	if (!vmap_name_valid(name)) {
		vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
			 "the name cannot be a volume name (1..127 of A-Z a-z 0-9 # + - . : = @ _)");
		return REFUSED;
	}
	if (strlen(VMAP_UUID_PREFIX) + strlen(name) > VMAP_UUID_MAX) {
		vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
			 "the name is too long for the uuid 'VMAP-NAME' (at most %zu characters)",
			 (size_t)VMAP_UUID_MAX - strlen(VMAP_UUID_PREFIX));
		return REFUSED;
	}
	char *uuid = xasprintf(VMAP_UUID_PREFIX "%s", name);
	for (size_t i = 0; i < n; i++)
		if (devs[i].uuid && !strcmp(devs[i].uuid, uuid)) {
			vmap_err(errs, VMAP_E_POLICY, 0, NULL, name,
				 "device '%s' already has the uuid '%s'", devs[i].name, uuid);
			free(uuid);
			return REFUSED;
		}
	free(uuid);
	return ADOPT;
}

static void print_result(const struct vmap_cli *cli, char **adopted, size_t n_adopted,
			 char **already, size_t n_already, const struct vmap_errlist *errs)
{
	if (cli->json) {
		json_object *o = json_object_new_object();
		json_object *a = json_object_new_array(), *u = json_object_new_array();
		for (size_t i = 0; i < n_adopted; i++)
			json_object_array_add(a, json_object_new_string(adopted[i]));
		for (size_t i = 0; i < n_already; i++)
			json_object_array_add(u, json_object_new_string(already[i]));
		json_object_object_add(o, "adopted", a);
		json_object_object_add(o, "unchanged", u);
		json_object_object_add(o, "errors", errors_to_json(errs));
		vmap_print_json(o);
		return;
	}
	if (cli->quiet)
		return;
	for (size_t i = 0; i < n_adopted; i++)
		printf("adopted '%s': uuid " VMAP_UUID_PREFIX "%s\n", adopted[i], adopted[i]);
	for (size_t i = 0; i < n_already; i++)
		printf("'%s' is managed already\n", already[i]);
}

int cmd_adopt(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_dmdev *devs = NULL;
	size_t n_devs = 0, n_adopt = 0, n_already = 0, n_done = 0;
	char **adopt = xcalloc((size_t)cli->n_args + 1, sizeof(char *));
	char **already = xcalloc((size_t)cli->n_args + 1, sizeof(char *));
	bool locked = false;

	if (engine_lock(cli, errs) < 0)
		goto out;
	locked = true;
	if (vmap_dm_available(errs) < 0 || vmap_dm_list(&devs, &n_devs, errs) < 0)
		goto out;
	for (int i = 0; i < cli->n_args; i++) {
		const char *name = cli->args[i];
		bool dup = false;
		for (size_t k = 0; k < n_adopt; k++)
			dup |= !strcmp(adopt[k], name);
		for (size_t k = 0; k < n_already; k++)
			dup |= !strcmp(already[k], name);
		if (dup)
			continue;
		switch (check(devs, n_devs, name, errs)) {
		case ADOPT: adopt[n_adopt++] = cli->args[i]; break;
		case ALREADY: already[n_already++] = cli->args[i]; break;
		case REFUSED: break;
		}
	}
	if (errs->n)
		goto out; /* nothing is touched while any name is refused */

	struct vmap_udev_batch batch = {0};
	struct sbuf what = {0};
	for (size_t i = 0; i < n_adopt; i++) {
		char *uuid = xasprintf(VMAP_UUID_PREFIX "%s", adopt[i]);
		int r = vmap_dm_set_uuid(adopt[i], uuid, &batch, errs);
		free(uuid);
		if (r < 0)
			break;
		sbuf_printf(&what, "%s'%s'", n_done ? ", " : "", adopt[i]);
		n_done++;
	}
	/* RENAME sends a change uevent: wait for udev so /dev/mapper and the
	 * udev database show the new uuid when adopt returns */
	vmap_dm_udev_wait(&batch, cli->udev_timeout, sbuf_str(&what), errs);
	sbuf_free(&what);
out:
	if (locked)
		engine_unlock(0);
	print_result(cli, adopt, n_done, already, n_already, errs);
	int rc = errs->n ? vmap_report_errors(cli, errs)
			 : (n_done && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK);
	for (size_t i = 0; i < n_devs; i++)
		vmap_dmdev_free(&devs[i]);
	free(devs);
	free(adopt);
	free(already);
	return rc;
}
