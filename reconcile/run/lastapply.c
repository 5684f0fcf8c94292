/* lastapply.c: see lastapply.h.  The record is last-apply.json in the run
 * directory (journal.h: /run/vmapctl, or $VMAPCTL_RUN_DIR), written to a
 * temporary file beside it and renamed over it, so a reader sees the old
 * record or the new one, never half of one, and of two runs ending together
 * the later rename wins whole. */
#include "run/lastapply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/util.h"
#include "exec/journal.h"

#define LAST_APPLY_FORMAT "vmapctl-last-apply/1"

double run_monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *record_path(const char *run_dir)
{
	return xasprintf("%s/last-apply.json", vmap_run_dir(run_dir));
}

/* What the worst error says about the run, in the record's words. */
static const char *result_name(int rc, const struct vmap_errlist *errs)
{
	if (rc == 0)
		return "ok";
	switch (vmap_errlist_worst(errs)) {
	case VMAP_E_POLICY: return "refused";
	case VMAP_E_SPEC: return "invalid-spec";
	default: return "failed";
	}
}

static int write_record(const char *run_dir, const struct vmapctl_last_apply *la,
			struct vmap_errlist *errs)
{
	const char *dir = vmap_run_dir(run_dir);
	/* the journal's directory, made as the journal makes it */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		vmap_fail(errs, errno, NULL, "cannot create the run directory '%s'", dir);
		return -1;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "format", json_object_new_string(LAST_APPLY_FORMAT));
	json_object_object_add(o, "finished", json_object_new_double(la->finished));
	json_object_object_add(o, "durationMs", json_object_new_double(la->duration_ms));
	json_object_object_add(o, "result", json_object_new_string(la->result));
	json_object_object_add(o, "changes", json_object_new_uint64(la->changes));
	json_object_object_add(o, "steps", json_object_new_uint64(la->steps));
	json_object_object_add(o, "rolledBack", json_object_new_boolean(la->rolled_back));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	char *path = record_path(run_dir);
	char *tmp = xasprintf("%s.XXXXXX", path);
	int r = -1;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		vmap_fail(errs, errno, NULL, "cannot record the apply's result in '%s'", dir);
		goto out;
	}
	/* status may run as another user than apply did */
	if (fchmod(fd, 0644) < 0 || !write_full(fd, text, strlen(text)) || !write_full(fd, "\n", 1) ||
	    fsync(fd) < 0) {
		vmap_fail(errs, errno, NULL, "cannot record the apply's result in '%s'", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		vmap_fail(errs, errno, NULL, "cannot record the apply's result in '%s'", path);
		unlink(tmp);
		goto out;
	}
	r = 0;
out:
	json_object_put(o);
	free(tmp);
	free(path);
	return r;
}

void run_last_apply_record(const struct vmapctl_opts *o, const struct vmapctl_run *r, int rc,
			   double started_ms, struct vmap_errlist *errs)
{
	if (rc < 0 && vmap_errlist_worst(errs) == VMAP_E_LOCK)
		return;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct vmapctl_last_apply la = {
		.known = true,
		.finished = (double)now.tv_sec + (double)now.tv_nsec / 1e9,
		.duration_ms = run_monotonic_ms() - started_ms,
		.result = (char *)result_name(rc, errs),
		.changes = r->planned ? r->plan.n_changes : 0,
		.rolled_back = r->applied && r->result.rolled_back,
	};
	for (size_t i = 0; r->applied && i < r->result.n_events; i++)
		la.steps += !r->result.events[i].rollback && r->result.events[i].ok;
	struct vmap_errlist werrs = {0};
	if (write_record(o->run_dir, &la, &werrs) < 0 && rc == 0)
		vmap_errlist_move(errs, &werrs);
	else
		vmap_errlist_clear(&werrs);
}

void run_last_apply_read(const char *run_dir, struct vmapctl_last_apply *la)
{
	memset(la, 0, sizeof(*la));
	char *path = record_path(run_dir);
	json_object *o = access(path, F_OK) == 0 ? json_object_from_file(path) : NULL;
	json_object *v;
	free(path);
	if (!o || !json_object_object_get_ex(o, "format", &v) ||
	    strcmp(json_object_get_string(v), LAST_APPLY_FORMAT) ||
	    !json_object_object_get_ex(o, "result", &v) || !json_object_is_type(v, json_type_string))
		goto out;
	la->result = xstrdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "finished", &v))
		la->finished = json_object_get_double(v);
	if (json_object_object_get_ex(o, "durationMs", &v))
		la->duration_ms = json_object_get_double(v);
	if (json_object_object_get_ex(o, "changes", &v))
		la->changes = (size_t)json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "steps", &v))
		la->steps = (size_t)json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "rolledBack", &v))
		la->rolled_back = json_object_get_boolean(v);
	la->known = true;
out:
	json_object_put(o);
}

void run_last_apply_free(struct vmapctl_last_apply *la)
{
	free(la->result);
	memset(la, 0, sizeof(*la));
}
