/* load.c: which files make the spec set, and reading them (see
 * vmap_specset_load in spec.h; the rules are written up for users in
 * docs/spec-format.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/spec.h"
#include "specset/build.h"
#include "base/util.h"

/* Files already read, by inode: `-f dir -f dir/a.yaml` reads a.yaml once. */
struct seen {
	dev_t *dev;
	ino_t *ino;
	size_t n, cap_dev, cap_ino;
};

static bool seen_before(struct seen *s, const struct stat *st)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino)
			return true;
	size_t n = s->n;
	VEC_PUSH(s->dev, n, s->cap_dev, st->st_dev);
	VEC_PUSH(s->ino, s->n, s->cap_ino, st->st_ino);
	return false;
}

static void file_error(struct spec_build *b, const char *file, int errnum, const char *what)
{
	struct vmap_loc loc = {file, 0, 0};
	vmap_err(b->errs, VMAP_E_FAILED, errnum, &loc, NULL, "%s", what);
	b->incomplete = true;
}

/* Read one file whole, refusing more than VMAP_SPEC_FILE_MAX bytes (also
 * from a pipe, where the size is not known up front). */
static void load_file(struct spec_build *b, const char *path, struct seen *seen)
{
	const char *file = spec_build_add_file(b, path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		file_error(b, file, errno, "cannot open spec file");
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		file_error(b, file, errno, "cannot read spec file");
		close(fd);
		return;
	}
	if (S_ISREG(st.st_mode) && seen_before(seen, &st)) {
		/* not a second copy of its volumes: forget the name again */
		free(b->set->files[--b->set->n_files]);
		close(fd);
		return;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > VMAP_SPEC_FILE_MAX) {
		struct vmap_loc loc = {file, 0, 0};
		vmap_spec_err(b->errs, &loc, NULL, "spec file is larger than %u MiB (split it into "
						   "several files)", VMAP_SPEC_FILE_MAX >> 20);
		b->incomplete = true;
		close(fd);
		return;
	}
	struct sbuf buf = {0};
	size_t chunk = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	for (;;) {
		buf.s = xgrow(buf.s, &buf.cap, buf.len + chunk + 1, 1);
		ssize_t r = read(fd, buf.s + buf.len, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			file_error(b, file, errno, "cannot read spec file");
			goto out;
		}
		if (r == 0)
			break;
		buf.len += (size_t)r;
		if (buf.len > VMAP_SPEC_FILE_MAX) {
			struct vmap_loc loc = {file, 0, 0};
			vmap_spec_err(b->errs, &loc, NULL, "spec file is larger than %u MiB (split it "
							   "into several files)", VMAP_SPEC_FILE_MAX >> 20);
			b->incomplete = true;
			goto out;
		}
		chunk = 65536;
	}
	spec_build_text(b, file, buf.s ? buf.s : "", buf.len);
out:
	if (buf.s)
		explicit_bzero(buf.s, buf.len); /* it may hold hex keys */
	sbuf_free(&buf);
	close(fd);
}

static bool spec_name(const char *n)
{
	size_t l = strlen(n);
	/* dot files are editor and tool leftovers (".#a.yaml", ".a.yaml.swp") */
	if (n[0] == '.')
		return false;
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: its *.yaml and *.yml files (not dot files, not
 * subdirectories) in byte order of their names, whatever the locale. */
static void load_dir(struct spec_build *b, const char *dir, struct seen *seen)
{
	DIR *d = opendir(dir);
	if (!d) {
		const char *file = spec_build_add_file(b, dir);
		file_error(b, file, errno, "cannot read spec directory");
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (spec_name(de->d_name))
			VEC_PUSH(names, n, cap, xstrdup(de->d_name));
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] == '/';
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s%s%s", dir, slash ? "" : "/", names[i]);
		struct stat st;
		/* a subdirectory named x.yaml is not a spec; a dangling link is
		 * an error (open reports it) */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(path);
			continue;
		}
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			const char *file = spec_build_add_file(b, path);
			struct vmap_loc loc = {file, 0, 0};
			vmap_spec_err(b->errs, &loc, NULL, "not a regular file (a spec directory holds "
							   "only spec files)");
			b->incomplete = true;
		} else {
			load_file(b, path, seen);
		}
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A path given by the user: a directory or a file (any file: a pipe
 * such as /dev/stdin works too). */
static void load_path(struct spec_build *b, const char *path, const char *what, bool missing_ok,
		      struct seen *seen)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT && missing_ok)
			return;
		const char *file = spec_build_add_file(b, path);
		file_error(b, file, errno, what);
		return;
	}
	if (S_ISDIR(st.st_mode))
		load_dir(b, path, seen);
	else
		load_file(b, path, seen);
}

/* ---- the default set: layered directories (contract section 7) ---- */

/* (the directories: layer_dirs.c) */

/* A masking entry: a symlink to /dev/null (as systemd's *.d directories;
 * the link is read, not followed, so it masks under --root too). */
static bool is_mask(const char *path)
{
	char target[16];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "/dev/null");
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vmap_spec_file *)a)->name,
		      ((const struct vmap_spec_file *)b)->name);
}

static char *join(const char *root, const char *path)
{
	size_t rl = root ? strlen(root) : 0;
	while (rl && root[rl - 1] == '/')
		rl--;
	return xasprintf("%.*s%s", (int)rl, root ? root : "", path);
}

void vmap_spec_layers(const char *root, struct vmap_spec_file **out, size_t *n_out)
{
	struct vmap_spec_file *v = NULL;
	size_t n = 0, cap = 0;
	/* highest precedence first: a name seen before is overridden */
	for (size_t d = 0; vmap_spec_layer_dirs[d]; d++) {
		char *dir = join(root, vmap_spec_layer_dirs[d]);
		DIR *dh = opendir(dir);
		struct dirent *de;
		while (dh && (de = readdir(dh))) {
			if (!spec_name(de->d_name))
				continue;
			char *path = xasprintf("%s/%s", dir, de->d_name);
			struct stat st;
			if (!is_mask(path) && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				free(path);
				continue;
			}
			size_t k;
			for (k = 0; k < n && strcmp(v[k].name, de->d_name); k++)
				;
			if (k < n) {
				VEC_PUSH(v[k].overrides, v[k].n_overrides, v[k].cap_overrides, path);
				continue;
			}
			struct vmap_spec_file f = {.name = xstrdup(de->d_name), .path = path,
						   .dir = vmap_spec_layer_dirs[d],
						   .masked = is_mask(path)};
			VEC_PUSH(v, n, cap, f);
		}
		if (dh)
			closedir(dh);
		free(dir);
	}
	if (n)
		qsort(v, n, sizeof(*v), file_cmp);
	*out = v;
	*n_out = n;
}

void vmap_spec_files_free(struct vmap_spec_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
		for (size_t k = 0; k < v[i].n_overrides; k++)
			free(v[i].overrides[k]);
		free(v[i].overrides);
	}
	free(v);
}

int vmap_specset_load(struct vmap_specset *set, const struct vmap_spec_source *src,
		      struct vmap_errlist *errs)
{
	struct spec_build b;
	struct seen seen = {0};
	spec_build_init(&b, set, errs);
	b.cache_dir = src->cache_dir;
	if (src->n_paths) {
		for (size_t i = 0; i < src->n_paths; i++)
			load_path(&b, src->paths[i], "cannot read spec file", false, &seen);
	} else if (src->spec_dir && *src->spec_dir) {
		/* it must exist: a typo there must not read as "no volumes
		 * wanted" */
		load_path(&b, src->spec_dir, "cannot read spec directory $VMAPCTL_SPEC_DIR", false,
			  &seen);
	} else {
		/* the layered directories may all be missing: nothing is
		 * managed yet */
		struct vmap_spec_file *files;
		size_t n;
		vmap_spec_layers(src->root, &files, &n);
		for (size_t i = 0; i < n; i++)
			if (!files[i].masked)
				load_file(&b, files[i].path, &seen);
		vmap_spec_files_free(files, n);
	}
	free(seen.dev);
	free(seen.ino);
	return spec_build_finish(&b);
}

int vmap_specset_load_buffer(struct vmap_specset *set, const char *name, const char *data,
			     size_t len, struct vmap_errlist *errs)
{
	struct spec_build b;
	spec_build_init(&b, set, errs);
	const char *file = spec_build_add_file(&b, name);
	if (len > VMAP_SPEC_FILE_MAX) {
		struct vmap_loc loc = {file, 0, 0};
		vmap_spec_err(errs, &loc, NULL, "spec file is larger than %u MiB (split it into "
						"several files)", VMAP_SPEC_FILE_MAX >> 20);
		b.incomplete = true;
	} else {
		spec_build_text(&b, file, data, len);
	}
	return spec_build_finish(&b);
}
