/* sysfs.c: see sysfs.h. */
#include "live/sysfs.h"

#include <errno.h>
#include <fcntl.h>
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

/* The first line of a sysfs attribute without its newline, or NULL.  An
 * attribute holds at most one page (the kernel's bound for what show()
 * writes), so one read takes it whole: open, read, close, where stdio
 * would add a stat and a buffer for each of the thousands of attributes
 * a capture reads on a host with a device per volume. */
static char *read_line(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096;
	char *line = xmalloc(cap + 1);
	ssize_t n;
	do
		n = read(fd, line, cap);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* DIR/ATTR as a number into *v: false when it cannot be read (0 where it
 * is not a number). */
static bool read_u64_ok(const char *dir, const char *attr, uint64_t *v)
{
	char *p = xasprintf("%s/%s", dir, attr);
	char *s = read_line(p);
	free(p);
	*v = 0;
	if (s && !parse_u64(s, v))
		*v = 0;
	free(s);
	return s != NULL;
}

static uint64_t read_u64(const char *dir, const char *attr)
{
	uint64_t v;
	read_u64_ok(dir, attr, &v);
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

/* MAJ:MIN's queue limits, from its queue/ directory or, for a partition
 * (which has none), its disk's: the logical block size, never 0 where it
 * can be read, tells which, where a stat of the directory would cost
 * every device one call more.  The others as `what` (enum
 * vmap_sysfs_read) asks. */
void vmap_sysfs_limits(unsigned major, unsigned minor, unsigned what, struct vmap_limits *out)
{
	char *d = dev_dir(major, minor);
	char *q = xasprintf("%s/queue", d);
	out->logical_block_size = read_uint(q, "logical_block_size");
	if (!out->logical_block_size) {
		free(q);
		q = xasprintf("%s/../queue", d); /* ".." resolves from the link's target */
		out->logical_block_size = read_uint(q, "logical_block_size");
	}
	if (what & VMAP_SYSFS_LIMITS) {
		out->physical_block_size = read_uint(q, "physical_block_size");
		out->max_sectors_kb = read_uint(q, "max_sectors_kb");
		out->max_hw_sectors_kb = read_uint(q, "max_hw_sectors_kb");
		out->max_segments = read_uint(q, "max_segments");
		out->discard_max_bytes = read_u64(q, "discard_max_bytes");
	}
	if (what & VMAP_SYSFS_RECORD)
		out->max_segment_size = read_uint(q, "max_segment_size");
	free(q);
	free(d);
}

/* The kernel name of the device /sys/dev/block/MAJ:MIN links to: the
 * link's last component, one readlink where realpath() would read every
 * component of the path (a dozen calls deep in /sys/devices); realpath
 * only for a link that does not end in a name, which sysfs never makes. */
static char *kernel_name(const char *link)
{
	char *t = NULL;
	size_t cap = 256;
	for (;;) {
		t = xrealloc(t, cap);
		ssize_t n = readlink(link, t, cap);
		if (n < 0) {
			free(t);
			return NULL;
		}
		if ((size_t)n < cap) {
			t[n] = '\0';
			break;
		}
		cap *= 2;
	}
	const char *slash = strrchr(t, '/');
	const char *base = slash ? slash + 1 : t;
	char *name = NULL;
	if (*base && strcmp(base, ".") && strcmp(base, "..")) {
		name = xstrdup(base);
	} else {
		char *real = realpath(link, NULL);
		if (real && (slash = strrchr(real, '/')) && slash[1])
			name = xstrdup(slash + 1);
		free(real);
	}
	free(t);
	return name;
}

int vmap_sysfs_blockdev(unsigned major, unsigned minor, unsigned what, struct vmap_blockdev *out,
			struct vmap_errlist *errs)
{
	memset(out, 0, sizeof(*out));
	char *d = dev_dir(major, minor);
	/* the size is there for every block device: where it cannot be read
	 * (nor, when asked, the link's name), the device is not there */
	char *name = (what & VMAP_SYSFS_RECORD) ? kernel_name(d) : NULL;
	if (((what & VMAP_SYSFS_RECORD) && !name) || !read_u64_ok(d, "size", &out->sectors)) {
		int e = errno;
		vmap_err(errs, VMAP_E_FAILED, e, NULL, NULL, "no block device %u:%u in %s/dev/block",
			 major, minor, sys_root);
		free(name);
		free(d);
		return -1;
	}
	out->major = major;
	out->minor = minor;
	out->kname = name;
	if (what & VMAP_SYSFS_RECORD)
		out->read_only = read_u64(d, "ro") != 0;
	vmap_sysfs_limits(major, minor, what, &out->limits);
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
