/* sysfs.c: see sysfs.h. */
#include "live/sysfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

static const char *sys_root = "/sys";

void vmap_sysfs_set_root(const char *root)
{
	sys_root = root ? root : "/sys";
}

static char *dev_dir(unsigned major, unsigned minor)
{
	return xasprintf("%s/dev/block/%u:%u", sys_root, major, minor);
}

/* The first line of a sysfs file without its newline, or NULL. */
static char *read_line(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static uint64_t read_u64(const char *dir, const char *attr)
{
	char *p = xasprintf("%s/%s", dir, attr);
	char *s = read_line(p);
	uint64_t v = 0;
	if (s && !parse_u64(s, &v))
		v = 0;
	free(s);
	free(p);
	return v;
}

static unsigned read_uint(const char *dir, const char *attr)
{
	uint64_t v = read_u64(dir, attr);
	return v > UINT32_MAX ? 0 : (unsigned)v;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool vmap_sysfs_exists(unsigned major, unsigned minor)
{
	char *d = dev_dir(major, minor);
	bool r = is_dir(d);
	free(d);
	return r;
}

/* The queue/ directory that holds MAJ:MIN's limits: its own, or its
 * disk's for a partition (".." resolves from the symlink's target). */
static char *queue_dir(unsigned major, unsigned minor)
{
	char *d = dev_dir(major, minor);
	char *q = xasprintf("%s/queue", d);
	if (!is_dir(q)) {
		free(q);
		q = xasprintf("%s/../queue", d);
	}
	free(d);
	return q;
}

void vmap_sysfs_limits(unsigned major, unsigned minor, struct vmap_limits *out)
{
	char *q = queue_dir(major, minor);
	out->logical_block_size = read_uint(q, "logical_block_size");
	out->physical_block_size = read_uint(q, "physical_block_size");
	out->max_sectors_kb = read_uint(q, "max_sectors_kb");
	out->max_hw_sectors_kb = read_uint(q, "max_hw_sectors_kb");
	out->max_segments = read_uint(q, "max_segments");
	out->max_segment_size = read_uint(q, "max_segment_size");
	out->discard_max_bytes = read_u64(q, "discard_max_bytes");
	free(q);
}

int vmap_sysfs_blockdev(unsigned major, unsigned minor, struct vmap_blockdev *out,
			struct vmap_errlist *errs)
{
	memset(out, 0, sizeof(*out));
	char *d = dev_dir(major, minor);
	char *target = realpath(d, NULL);
	if (!target || !is_dir(target)) {
		int e = errno;
		vmap_err(errs, VMAP_E_FAILED, e, NULL, NULL, "no block device %u:%u in %s/dev/block",
			 major, minor, sys_root);
		free(target);
		free(d);
		return -1;
	}
	const char *slash = strrchr(target, '/');
	out->major = major;
	out->minor = minor;
	out->kname = xstrdup(slash ? slash + 1 : target);
	out->sectors = read_u64(d, "size");
	out->read_only = read_u64(d, "ro") != 0;
	vmap_sysfs_limits(major, minor, &out->limits);
	free(target);
	free(d);
	return 0;
}

bool vmap_sysfs_request_based(unsigned major, unsigned minor)
{
	char *d = dev_dir(major, minor);
	char *mq = xasprintf("%s/mq", d);
	bool r = is_dir(mq);
	free(mq);
	free(d);
	return r;
}

char *vmap_sysfs_devnode(unsigned major, unsigned minor)
{
	char *d = dev_dir(major, minor);
	char *p = xasprintf("%s/uevent", d);
	free(d);
	FILE *f = fopen(p, "re");
	free(p);
	if (!f)
		return NULL;
	char *line = NULL, *node = NULL;
	size_t cap = 0;
	while (!node && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "DEVNAME=", 8) && line[8])
			node = xasprintf("/dev/%s", line + 8);
	}
	free(line);
	fclose(f);
	return node;
}
