/* journal.c: see journal.h.  JSON through json-c; written to a temporary
 * file, fsync'ed and renamed, so a reader never sees half a journal. */
#include "exec/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/util.h"

const char *vmap_run_dir(const char *dir)
{
	return dir && *dir ? dir : VMAP_RUN_DIR;
}

static char *journal_path(const char *dir)
{
	return xasprintf("%s/journal.json", vmap_run_dir(dir));
}

int vmap_journal_write(const char *run_dir, const struct vmap_journal *j, struct vmap_errlist *errs)
{
	const char *dir = vmap_run_dir(run_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		vmap_fail(errs, errno, NULL, "cannot create the journal directory '%s'", dir);
		return -1;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "format", json_object_new_string("vmapctl-journal/1"));
	json_object_object_add(o, "pid", json_object_new_int(j->pid));
	json_object_object_add(o, "started", json_object_new_int64(j->started));
	json_object *devs = json_object_new_array();
	for (size_t i = 0; i < j->n_devs; i++) {
		json_object *d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(j->devs[i].name));
		json_object_object_add(d, "uuid", json_object_new_string(j->devs[i].uuid ? j->devs[i].uuid : ""));
		json_object_object_add(d, "loaded", json_object_new_boolean(j->devs[i].flags & VMAP_JOURNAL_LOADED));
		json_object_object_add(d, "suspends", json_object_new_boolean(j->devs[i].flags & VMAP_JOURNAL_SUSPENDS));
		json_object_object_add(d, "creates", json_object_new_boolean(j->devs[i].flags & VMAP_JOURNAL_CREATES));
		json_object_object_add(d, "dmFlags", json_object_new_int((int)j->devs[i].dm_flags));
		json_object_array_add(devs, d);
	}
	json_object_object_add(o, "devices", devs);
	json_object *cookies = json_object_new_array();
	for (size_t i = 0; i < j->n_cookies; i++)
		json_object_array_add(cookies, json_object_new_int64((int64_t)j->cookies[i]));
	json_object_object_add(o, "udevCookies", cookies);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);

	char *path = journal_path(run_dir);
	char *tmp = xasprintf("%s.tmp", path);
	int r = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		vmap_fail(errs, errno, NULL, "cannot write the journal '%s'", tmp);
		goto out;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			vmap_fail(errs, errno, NULL, "cannot write the journal '%s'", tmp);
			close(fd);
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		vmap_fail(errs, errno, NULL, "cannot write the journal '%s'", path);
		goto out;
	}
	r = 0;
out:
	json_object_put(o);
	free(tmp);
	free(path);
	return r;
}

int vmap_journal_read(const char *run_dir, struct vmap_journal *j, bool *found,
		      struct vmap_errlist *errs)
{
	memset(j, 0, sizeof(*j));
	*found = false;
	char *path = journal_path(run_dir);
	int r = -1;
	if (access(path, F_OK) < 0) {
		free(path);
		return 0;
	}
	json_object *o = json_object_from_file(path);
	json_object *devs, *v;
	if (!o || !json_object_object_get_ex(o, "devices", &devs) ||
	    !json_object_is_type(devs, json_type_array)) {
		vmap_fail(errs, 0, NULL, "the journal '%s' is unreadable (remove it after checking "
			  "'dmsetup info' for suspended devices)", path);
		goto out;
	}
	if (json_object_object_get_ex(o, "pid", &v))
		j->pid = json_object_get_int(v);
	if (json_object_object_get_ex(o, "started", &v))
		j->started = json_object_get_int64(v);
	size_t n = json_object_array_length(devs);
	j->devs = xcalloc(n ? n : 1, sizeof(*j->devs));
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(devs, i);
		struct vmap_journal_dev *jd = &j->devs[j->n_devs];
		if (!json_object_object_get_ex(d, "name", &v) || !json_object_is_type(v, json_type_string))
			continue;
		jd->name = xstrdup(json_object_get_string(v));
		if (json_object_object_get_ex(d, "uuid", &v))
			jd->uuid = xstrdup(json_object_get_string(v));
		if (json_object_object_get_ex(d, "loaded", &v) && json_object_get_boolean(v))
			jd->flags |= VMAP_JOURNAL_LOADED;
		if (json_object_object_get_ex(d, "suspends", &v) && json_object_get_boolean(v))
			jd->flags |= VMAP_JOURNAL_SUSPENDS;
		if (json_object_object_get_ex(d, "creates", &v) && json_object_get_boolean(v))
			jd->flags |= VMAP_JOURNAL_CREATES;
		if (json_object_object_get_ex(d, "dmFlags", &v))
			jd->dm_flags = (unsigned)json_object_get_int(v);
		j->n_devs++;
	}
	json_object *cookies;
	if (json_object_object_get_ex(o, "udevCookies", &cookies) &&
	    json_object_is_type(cookies, json_type_array)) {
		size_t nc = json_object_array_length(cookies);
		j->cookies = xcalloc(nc ? nc : 1, sizeof(*j->cookies));
		for (size_t i = 0; i < nc; i++) {
			int64_t c = json_object_get_int64(json_object_array_get_idx(cookies, i));
			if (c > 0 && c <= UINT32_MAX)
				j->cookies[j->n_cookies++] = (uint32_t)c;
		}
	}
	*found = true;
	r = 0;
out:
	json_object_put(o);
	free(path);
	return r;
}

int vmap_journal_remove(const char *run_dir, struct vmap_errlist *errs)
{
	char *path = journal_path(run_dir);
	int r = 0;
	if (unlink(path) < 0 && errno != ENOENT) {
		vmap_fail(errs, errno, NULL, "cannot remove the journal '%s'", path);
		r = -1;
	}
	free(path);
	return r;
}

void vmap_journal_free(struct vmap_journal *j)
{
	for (size_t i = 0; i < j->n_devs; i++) {
		free(j->devs[i].name);
		free(j->devs[i].uuid);
	}
	free(j->devs);
	free(j->cookies);
	memset(j, 0, sizeof(*j));
}
