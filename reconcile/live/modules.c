/* modules.c: which target types a kernel module could provide (see
 * capture.h).  Only /lib/modules files are read; nothing is loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "live/capture.h"
#include "targets/target.h"

/* Module and alias names, '-' and '_' made equal as modprobe does. */
struct modidx {
	char **names;
	size_t n, cap;
};

static void modname_norm(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static bool modidx_has(const struct modidx *m, const char *name)
{
	char *n = xstrdup(name);
	modname_norm(n);
	bool r = false;
	for (size_t i = 0; i < m->n && !r; i++)
		r = !strcmp(m->names[i], n);
	free(n);
	return r;
}

/* Only names starting with "dm" matter, which keeps the index tiny. */
static void modidx_add(struct modidx *m, const char *name, size_t len)
{
	if (len < 3 || strncmp(name, "dm", 2) != 0 || (name[2] != '-' && name[2] != '_'))
		return;
	char *n = xstrndup(name, len);
	modname_norm(n);
	VEC_PUSH(m->names, m->n, m->cap, n);
}

static void modidx_load(struct modidx *m, const char *moddir)
{
	char *path = xasprintf("%s/modules.alias", moddir);
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	free(path);
	if (f) {
		/* "alias dm-raid1 dm_raid" */
		while (getline(&line, &cap, f) > 0) {
			if (strncmp(line, "alias dm", 8) != 0)
				continue;
			const char *a = line + 6;
			modidx_add(m, a, strcspn(a, " \t\n"));
		}
		fclose(f);
	}
	path = xasprintf("%s/modules.dep", moddir);
	f = fopen(path, "re");
	free(path);
	if (f) {
		/* "kernel/drivers/md/dm-zero.ko.xz: deps..." */
		while (getline(&line, &cap, f) > 0) {
			line[strcspn(line, ":\n")] = '\0';
			const char *base = strrchr(line, '/');
			base = base ? base + 1 : line;
			const char *ko = strstr(base, ".ko");
			if (ko)
				modidx_add(m, base, (size_t)(ko - base));
		}
		fclose(f);
	}
	free(line);
}

static void modidx_free(struct modidx *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	memset(m, 0, sizeof(*m));
}

static bool modidx_provides(const struct modidx *m, const char *type)
{
	char *want = xasprintf("dm-%s", type);
	bool r = modidx_has(m, want);
	free(want);
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	if (!r && tt && tt->module)
		r = modidx_has(m, tt->module);
	return r;
}

bool vmap_module_provides(const char *moddir, const char *type)
{
	struct modidx m = {0};
	modidx_load(&m, moddir);
	bool r = modidx_provides(&m, type);
	modidx_free(&m);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_candidate(char ***v, size_t *n, size_t *cap, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	char *s = xstrdup(name);
	VEC_PUSH(*v, *n, *cap, s);
}

/* Target types that are not registered but that a module provides: of
 * those the spec set uses and those vmapctl has first-class support for.
 * Only files are read; nothing is loaded. */
void vmap_capture_loadable(struct vmap_live *l, const struct vmap_capture_req *req)
{
	char **want = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	for (size_t i = 0; req && i < req->n_types; i++)
		if (req->types[i] && *req->types[i])
			add_candidate(&want, &n, &cap, req->types[i]);
	for (const struct vmap_target_type *const *t = vmap_target_types; *t; t++)
		add_candidate(&want, &n, &cap, (*t)->name);
	struct modidx m = {0};
	char *moddir = xasprintf("/lib/modules/%s", l->kernel_release ? l->kernel_release : "");
	modidx_load(&m, moddir);
	free(moddir);
	for (size_t i = 0; i < n; i++) {
		if (!vmap_live_has_target(l, want[i]) && modidx_provides(&m, want[i]))
			add_candidate(&l->loadable_targets, &l->n_loadable, &lcap, want[i]);
		free(want[i]);
	}
	free(want);
	modidx_free(&m);
	if (l->n_loadable)
		qsort(l->loadable_targets, l->n_loadable, sizeof(char *), cmp_str);
}
