/* adopt.c: `adopt NAME...` (vmapctl.h): make existing devices managed by
 * giving them the uuid "VMAP-NAME" (contract section 4).  With `export`
 * this turns a hand-made setup into a spec.  Every name is checked
 * (plan/adopt.c) before any uuid is set, so a refused name leaves every
 * device as it was. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dm.h"
#include "exec/journal.h"
#include "exec/signals.h"
#include "plan/adopt.h"
#include "run/common.h"
#include "vmapctl.h"

static bool listed(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* adopt's udev cookie is journaled as a run's is, so adopt killed before
 * its wait leaves nothing recover does not release; the journal names no
 * device (a uuid set is nothing to undo). */
struct adopt_journal {
	struct vmap_journal j;
	const char *run_dir;
	bool written;
	bool pause; /* the test hook pause-after-cookie */
};

static void journal_cookie(void *arg, uint32_t cookie)
{
	struct adopt_journal *aj = arg;
	if (aj->pause) {
		aj->pause = false;
		vmap_test_pause(aj->run_dir);
	}
	vmap_journal_add_cookie(aj->run_dir, &aj->j, cookie);
}

int vmapctl_adopt(const struct vmapctl_opts *o, struct vmapctl_adopted *res,
		  struct vmap_errlist *errs)
{
	struct vmap_lock lock = {.fd = -1};
	struct vmap_dmdev *devs = NULL;
	size_t n_devs = 0, before = errs->n, n_adopt = 0;
	char **adopt = xcalloc(o->n_names + 1, sizeof(char *));
	memset(res, 0, sizeof(*res));
	res->adopted = xcalloc(o->n_names + 1, sizeof(char *));
	res->unchanged = xcalloc(o->n_names + 1, sizeof(char *));

	if (run_lock(o, &lock, errs) < 0 || vmap_dm_available(errs) < 0 ||
	    vmap_dm_list(&devs, &n_devs, errs) < 0)
		goto out;
	for (size_t i = 0; i < o->n_names; i++) {
		const char *name = o->names[i];
		if (listed(adopt, n_adopt, name) || listed(res->unchanged, res->n_unchanged, name))
			continue;
		switch (vmap_adopt_check(devs, n_devs, name, errs)) {
		case VMAP_ADOPT: adopt[n_adopt++] = xstrdup(name); break;
		case VMAP_ADOPT_ALREADY: res->unchanged[res->n_unchanged++] = xstrdup(name); break;
		case VMAP_ADOPT_REFUSED: break;
		}
	}
	if (errs->n > before)
		goto out; /* nothing is touched while any name is refused */

	/* on disk with this pid before the cookie exists (journal.h) */
	if (!n_adopt)
		goto out;
	struct adopt_journal aj = {.run_dir = o->run_dir, .pause = o->hook_pause_cookie};
	struct vmap_journal prior = {0};
	bool had_prior = false;
	if (vmap_journal_begin(o->run_dir, &prior, &had_prior, 0, &aj.j, errs) < 0 ||
	    vmap_journal_write(o->run_dir, &aj.j, errs) < 0)
		goto out_journal;
	aj.written = true;
	struct vmap_udev_batch batch = {.created = journal_cookie, .created_arg = &aj};
	struct sbuf what = {0};
	for (size_t i = 0; i < n_adopt; i++) {
		char *uuid = xasprintf(VMAP_UUID_PREFIX "%s", adopt[i]);
		int r = vmap_dm_set_uuid(adopt[i], uuid, &batch, errs);
		free(uuid);
		if (r < 0)
			break;
		sbuf_printf(&what, "%s'%s'", res->n_adopted ? ", " : "", adopt[i]);
		res->adopted[res->n_adopted++] = adopt[i];
		adopt[i] = NULL;
	}
	/* RENAME sends a change uevent: wait for udev so /dev/mapper and the
	 * udev database show the new uuid when adopt returns */
	vmap_dm_udev_wait(&batch, o->udev_timeout, sbuf_str(&what), errs);
	sbuf_free(&what);
out_journal:
	if (aj.written)
		vmap_journal_end(o->run_dir, &prior, had_prior, errs);
	free(aj.j.devs);
	free(aj.j.cookies);
	free(aj.j.workers.v);
	vmap_journal_free(&prior);
out:
	vmap_lock_release(&lock);
	for (size_t i = 0; i < n_devs; i++)
		vmap_dmdev_free(&devs[i]);
	free(devs);
	for (size_t i = 0; i < n_adopt; i++)
		free(adopt[i]);
	free(adopt);
	return errs->n > before ? -1 : 0;
}

void vmapctl_adopted_free(struct vmapctl_adopted *res)
{
	for (size_t i = 0; i < res->n_adopted; i++)
		free(res->adopted[i]);
	free(res->adopted);
	for (size_t i = 0; i < res->n_unchanged; i++)
		free(res->unchanged[i]);
	free(res->unchanged);
	memset(res, 0, sizeof(*res));
}
