/* journal.c: see journal.h.  JSON through json-c; written to a temporary
 * file, fsync'ed and renamed, so a reader never sees half a journal. */
#include "exec/journal.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/util.h"
#include "model/spec.h"

static char *journal_path(const char *dir)
{
	return xasprintf("%s/journal.json", vmap_run_dir(dir));
}

/* Write `text` to `path` atomically: a temporary file, fsync'ed, renamed. */
static int write_atomic(const char *run_dir, const char *path, const char *text,
			struct vmap_errlist *errs)
{
	const char *dir = vmap_run_dir(run_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		vmap_fail(errs, errno, NULL, "cannot create the journal directory '%s'", dir);
		return -1;
	}
	char *tmp = xasprintf("%s.tmp", path);
	int r = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		vmap_fail(errs, errno, NULL, "cannot write the journal '%s'", tmp);
		goto out;
	}
	if (!write_full(fd, text, strlen(text))) {
		vmap_fail(errs, errno, NULL, "cannot write the journal '%s'", tmp);
		close(fd);
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		vmap_fail(errs, errno, NULL, "cannot write the journal '%s'", path);
		goto out;
	}
	r = 0;
out:
	free(tmp);
	return r;
}

/* The udev cookies a run or a migration made, as a JSON array and back
 * (both journals keep them the same way). */
static void cookies_add(json_object *o, const uint32_t *cookies, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int64((int64_t)cookies[i]));
	json_object_object_add(o, "udevCookies", a);
}

static void cookies_get(json_object *o, uint32_t **cookies, size_t *n)
{
	json_object *a;
	if (!json_object_object_get_ex(o, "udevCookies", &a) || !json_object_is_type(a, json_type_array))
		return;
	size_t na = json_object_array_length(a);
	*cookies = xcalloc(na ? na : 1, sizeof(**cookies));
	for (size_t i = 0; i < na; i++) {
		int64_t c = json_object_get_int64(json_object_array_get_idx(a, i));
		if (c > 0 && c <= UINT32_MAX)
			(*cookies)[(*n)++] = (uint32_t)c;
	}
}

/* The later workers' pids (journal.h), written only when there are any. */
static void pids_add(json_object *o, const struct vmap_journal_pids *p)
{
	if (!p->n)
		return;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(a, json_object_new_int(p->v[i]));
	json_object_object_add(o, "workers", a);
}

static void pids_get(json_object *o, struct vmap_journal_pids *p)
{
	json_object *a;
	if (!json_object_object_get_ex(o, "workers", &a) || !json_object_is_type(a, json_type_array))
		return;
	size_t na = json_object_array_length(a);
	p->v = xcalloc(na ? na : 1, sizeof(*p->v));
	for (size_t i = 0; i < na; i++) {
		int64_t pid = json_object_get_int64(json_object_array_get_idx(a, i));
		if (pid > 0 && pid <= INT32_MAX)
			p->v[p->n++] = (int)pid;
	}
}

bool vmap_journal_pids_add(struct vmap_journal_pids *p, int first, int pid)
{
	if (pid == first)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == pid)
			return false;
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n++] = pid;
	return true;
}

/* A key a new object does not have yet, from a literal: json-c neither
 * looks it up nor copies it. */
static void add_new(json_object *o, const char *key, json_object *v)
{
	json_object_object_add_ex(o, key, v,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

/* The journal is written before the first change of every run that makes
 * one, and again for each udev cookie, so its cost grows with the run:
 * a device's flags are written only when set and dmFlags only when not 0
 * (the reader takes a missing one as false or 0, which it did already),
 * and the text is plain, not pretty (contract section 9). */
int vmap_journal_write(const char *run_dir, const struct vmap_journal *j, struct vmap_errlist *errs)
{
	json_object *o = json_object_new_object();
	add_new(o, "format", json_object_new_string("vmapctl-journal/1"));
	add_new(o, "pid", json_object_new_int(j->pid));
	add_new(o, "started", json_object_new_int64(j->started));
	json_object *devs = json_object_new_array();
	for (size_t i = 0; i < j->n_devs; i++) {
		const struct vmap_journal_dev *jd = &j->devs[i];
		json_object *d = json_object_new_object();
		add_new(d, "name", json_object_new_string(jd->name));
		add_new(d, "uuid", json_object_new_string(jd->uuid ? jd->uuid : ""));
		if (jd->flags & VMAP_JOURNAL_LOADED)
			add_new(d, "loaded", json_object_new_boolean(1));
		if (jd->flags & VMAP_JOURNAL_SUSPENDS)
			add_new(d, "suspends", json_object_new_boolean(1));
		if (jd->flags & VMAP_JOURNAL_CREATES)
			add_new(d, "creates", json_object_new_boolean(1));
		if (jd->dm_flags)
			add_new(d, "dmFlags", json_object_new_int((int)jd->dm_flags));
		json_object_array_add(devs, d);
	}
	add_new(o, "devices", devs);
	cookies_add(o, j->cookies, j->n_cookies);
	pids_add(o, &j->workers);
	char *path = journal_path(run_dir);
	int r = write_atomic(run_dir, path,
			     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE),
			     errs);
	json_object_put(o);
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
	cookies_get(o, &j->cookies, &j->n_cookies);
	pids_get(o, &j->workers);
	*found = true;
	r = 0;
out:
	json_object_put(o);
	free(path);
	return r;
}

int vmap_journal_begin(const char *run_dir, struct vmap_journal *prior, bool *had_prior,
		       size_t n_devs, struct vmap_journal *j, struct vmap_errlist *errs)
{
	memset(j, 0, sizeof(*j));
	if (vmap_journal_read(run_dir, prior, had_prior, errs) < 0)
		return -1;
	j->devs = xcalloc(prior->n_devs + n_devs + 1, sizeof(*j->devs));
	j->cookies = xcalloc(prior->n_cookies + 1, sizeof(*j->cookies));
	if (!*had_prior) {
		j->pid = (int)getpid();
		j->started = (long long)time(NULL);
		return 0;
	}
	j->pid = prior->pid;
	j->started = prior->started;
	if (prior->n_devs)
		memcpy(j->devs, prior->devs, prior->n_devs * sizeof(*j->devs));
	j->n_devs = prior->n_devs;
	if (prior->n_cookies)
		memcpy(j->cookies, prior->cookies, prior->n_cookies * sizeof(*j->cookies));
	j->n_cookies = prior->n_cookies;
	for (size_t i = 0; i < prior->workers.n; i++)
		vmap_journal_pids_add(&j->workers, j->pid, prior->workers.v[i]);
	vmap_journal_pids_add(&j->workers, j->pid, (int)getpid());
	return 0;
}

static void append_cookie(uint32_t **v, size_t *n, uint32_t cookie)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = cookie;
}

int vmap_journal_add_cookie(const char *run_dir, struct vmap_journal *j, uint32_t cookie)
{
	append_cookie(&j->cookies, &j->n_cookies, cookie);
	struct vmap_errlist e = {0};
	int r = vmap_journal_write(run_dir, j, &e);
	vmap_errlist_clear(&e);
	return r;
}

int vmap_migration_add_cookie(const char *run_dir, struct vmap_migration *m, uint32_t cookie)
{
	append_cookie(&m->cookies, &m->n_cookies, cookie);
	struct vmap_errlist e = {0};
	int r = vmap_migration_write(run_dir, m, &e);
	vmap_errlist_clear(&e);
	return r;
}

int vmap_journal_end(const char *run_dir, const struct vmap_journal *prior, bool had_prior,
		     struct vmap_errlist *errs)
{
	return had_prior ? vmap_journal_write(run_dir, prior, errs)
			 : vmap_journal_remove(run_dir, errs);
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
	free(j->workers.v);
	memset(j, 0, sizeof(*j));
}

/* ---- migrations ---- */

#define MIG_PREFIX "migration-"

static char *migration_path(const char *run_dir, const char *volume)
{
	return xasprintf("%s/" MIG_PREFIX "%s.json", vmap_run_dir(run_dir), volume);
}

int vmap_migration_write(const char *run_dir, const struct vmap_migration *m,
			 struct vmap_errlist *errs)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "format", json_object_new_string("vmapctl-migration/1"));
	json_object_object_add(o, "volume", json_object_new_string(m->volume));
	json_object_object_add(o, "uuid", json_object_new_string(m->uuid ? m->uuid : ""));
	json_object_object_add(o, "major", json_object_new_int((int)m->major));
	json_object_object_add(o, "minor", json_object_new_int((int)m->minor));
	json_object_object_add(o, "sectors", json_object_new_uint64(m->sectors));
	json_object_object_add(o, "oldTable", json_object_new_string(m->old_table));
	json_object_object_add(o, "newTable", json_object_new_string(m->new_table));
	json_object_object_add(o, "dmFlags", json_object_new_int((int)m->dm_flags));
	json_object_object_add(o, "readOnly", json_object_new_boolean(m->read_only));
	json_object_object_add(o, "rateKiB", json_object_new_int64(m->rate_kib));
	json_object_object_add(o, "phase", json_object_new_string(m->phase));
	json_object_object_add(o, "pid", json_object_new_int(m->pid));
	json_object_object_add(o, "started", json_object_new_int64(m->started));
	cookies_add(o, m->cookies, m->n_cookies);
	pids_add(o, &m->workers);
	char *path = migration_path(run_dir, m->volume);
	int r = write_atomic(run_dir, path,
			     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY), errs);
	free(path);
	json_object_put(o);
	return r;
}

static char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

int vmap_migrations_read(const char *run_dir, struct vmap_migration **out, size_t *n,
			 struct vmap_errlist *errs)
{
	*out = NULL;
	*n = 0;
	const char *dir = vmap_run_dir(run_dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : (vmap_fail(errs, errno, NULL, "cannot read '%s'", dir), -1);
	size_t cap = 0;
	int r = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, MIG_PREFIX, strlen(MIG_PREFIX)) || len < 5 ||
		    strcmp(e->d_name + len - 5, ".json"))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		json_object *o = json_object_from_file(path);
		struct vmap_migration m = {0};
		if (o) {
			m.volume = jstr(o, "volume");
			m.uuid = jstr(o, "uuid");
			m.old_table = jstr(o, "oldTable");
			m.new_table = jstr(o, "newTable");
			m.phase = jstr(o, "phase");
			m.major = (unsigned)jint(o, "major");
			m.minor = (unsigned)jint(o, "minor");
			int64_t sectors = jint(o, "sectors");
			m.sectors = sectors > 0 ? (uint64_t)sectors : 0;
			m.dm_flags = (unsigned)jint(o, "dmFlags");
			m.rate_kib = (unsigned)jint(o, "rateKiB");
			m.pid = (int)jint(o, "pid");
			m.started = jint(o, "started");
			json_object *v;
			m.read_only = json_object_object_get_ex(o, "readOnly", &v) &&
				      json_object_get_boolean(v);
			cookies_get(o, &m.cookies, &m.n_cookies);
			pids_get(o, &m.workers);
			json_object_put(o);
		}
		/* the volume names the file recover rewrites and removes: a
		 * device name, never a path */
		if (!m.volume || !*m.volume || strchr(m.volume, '/') ||
		    strlen(m.volume) > VMAP_NAME_MAX || !m.old_table ||
		    !m.new_table || !m.phase || !m.sectors) {
			vmap_fail(errs, 0, NULL, "the migration journal '%s' is unreadable (check "
				  "'dmsetup ls' for devices named " "'vmapctl-mig-*' before removing it)",
				  path);
			vmap_migration_free(&m);
			r = -1;
		} else {
			VEC_PUSH(*out, *n, cap, m);
		}
		free(path);
	}
	closedir(d);
	return r;
}

int vmap_migration_remove(const char *run_dir, const char *volume, struct vmap_errlist *errs)
{
	char *path = migration_path(run_dir, volume);
	int r = 0;
	if (unlink(path) < 0 && errno != ENOENT) {
		vmap_fail(errs, errno, NULL, "cannot remove the migration journal '%s'", path);
		r = -1;
	}
	free(path);
	return r;
}

void vmap_migration_free(struct vmap_migration *m)
{
	free(m->volume);
	free(m->uuid);
	free(m->old_table);
	free(m->new_table);
	free(m->phase);
	free(m->cookies);
	free(m->workers.v);
	memset(m, 0, sizeof(*m));
}
