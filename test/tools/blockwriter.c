/* blockwriter: a writer whose every acknowledged write can be checked
 * afterwards, for the kill-matrix and live-migration tests.
 *
 *   blockwriter write DEV LOGFILE [--blocks N] [--seed S] [--span BLOCKS] [--dsync]
 *                     [--interval USEC]
 *   blockwriter verify DEV LOGFILE
 *
 * write: writes 4 KiB blocks with O_DIRECT, cycling over the device (or
 * its first --span blocks): write number G (the generation, counting on
 * from the last one LOGFILE holds) goes to block (G-1) mod span at offset
 * block * 4096.  Each block holds a header (magic, its block number, its
 * generation, the seed) and a payload computed from those, and ends in a
 * checksum over everything before it.  Only once the kernel acknowledged
 * the write is the line "G BLOCK" appended to LOGFILE (O_APPEND, one
 * write(2) per line, so a killed writer never leaves a half-logged write
 * behind).  It runs until killed or until N blocks are written; a failed
 * write ends it with exit 1 (and is not logged).  --interval sleeps that
 * many microseconds after each write: a steady load that leaves the CPU
 * to the rest (on a one-CPU emulated test machine a writer flat out makes
 * every other program several times slower).
 *
 * verify: for every block LOGFILE names, the last acknowledged generation
 * must read back intact; a later generation is accepted too, when it is
 * newer than every logged one (a write that was in flight when the writer
 * was killed).  Prints a summary; exit 0 when every acknowledged block is
 * intact, 1 when one is lost (an older generation) or corrupt, 2 on a
 * usage or I/O error.
 *
 * O_DIRECT needs a file system that has it: on a regular file on tmpfs
 * (which refuses O_DIRECT) the tool says so and does buffered I/O with
 * fsync.  On a block device it never falls back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BS 4096u
#define MAGIC UINT64_C(0x314b4c4257424d56) /* "VMBWBLK1" little-endian */

struct hdr {
	uint64_t magic, block, gen, seed;
};
#define PAYLOAD_OFF sizeof(struct hdr)
#define SUM_OFF (BS - sizeof(uint64_t))

static const char *prog = "blockwriter";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s write DEV LOGFILE [--blocks N] [--seed S] [--span BLOCKS] [--dsync] [--interval USEC]\n"
		"       %s verify DEV LOGFILE\n", prog, prog);
	exit(2);
}

/* FNV-1a, 64 bit: any flipped bit or misplaced block changes it. */
static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* splitmix64: the payload is a function of (seed, block, generation). */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void fill_block(unsigned char *buf, uint64_t block, uint64_t gen, uint64_t seed)
{
	struct hdr h = { MAGIC, block, gen, seed };
	uint64_t s = seed ^ (block * UINT64_C(0x9e3779b97f4a7c15)) ^ (gen << 1);
	memcpy(buf, &h, sizeof(h));
	for (size_t off = PAYLOAD_OFF; off < SUM_OFF; off += sizeof(uint64_t)) {
		uint64_t v = mix(&s);
		memcpy(buf + off, &v, sizeof(v));
	}
	uint64_t sum = checksum(buf, SUM_OFF);
	memcpy(buf + SUM_OFF, &sum, sizeof(sum));
}

/* 0: intact block of that number (its header in *h); 1: not a block we
 * wrote (never written, or torn/corrupt). */
static int check_block(const unsigned char *buf, uint64_t block, struct hdr *h)
{
	static unsigned char want[BS];
	uint64_t sum;
	memcpy(h, buf, sizeof(*h));
	memcpy(&sum, buf + SUM_OFF, sizeof(sum));
	if (h->magic != MAGIC || h->block != block || sum != checksum(buf, SUM_OFF))
		return 1;
	fill_block(want, h->block, h->gen, h->seed);
	return memcmp(want, buf, BS) != 0;
}

static uint64_t parse_u64(const char *what, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: %s '%s' is not a number\n", prog, what, s);
		exit(2);
	}
	return v;
}

/* Open DEV for direct I/O; *direct tells whether that worked. */
static int open_dev(const char *path, int flags, bool *direct, uint64_t *size)
{
	struct stat st;
	int fd = open(path, flags | O_DIRECT);
	*direct = true;
	if (fd < 0 && errno == EINVAL && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: no O_DIRECT on this file system (tmpfs?): "
			"buffered I/O with fsync instead (regular files only)\n", prog, path);
		fd = open(path, flags);
		*direct = false;
	}
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
		exit(2);
	}
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(2);
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) != 0) {
			fprintf(stderr, "%s: %s: size: %s\n", prog, path, strerror(errno));
			exit(2);
		}
	} else if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
	} else {
		fprintf(stderr, "%s: %s is neither a block device nor a file\n", prog, path);
		exit(2);
	}
	return fd;
}

/* The log: "GEN BLOCK" lines.  last[block] = newest generation logged for
 * it (0: none); *maxgen = newest of all.  A last line without its newline
 * (cannot happen with one write(2) a line, but a log may be copied while
 * written) is ignored. */
struct logstate {
	uint64_t *last;
	size_t n;
	uint64_t maxgen, lines;
};

static void read_log(const char *path, struct logstate *ls, bool must_exist)
{
	FILE *f = fopen(path, "r");
	memset(ls, 0, sizeof(*ls));
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return;
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
		exit(2);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] != '\n')
			break;
		if (line[0] == '#')
			continue;
		uint64_t gen, block;
		if (sscanf(line, "%" SCNu64 " %" SCNu64, &gen, &block) != 2 || gen == 0) {
			fprintf(stderr, "%s: %s:%" PRIu64 ": not a log line\n", prog, path, lineno);
			exit(2);
		}
		if (block >= ls->n) {
			size_t nn = ls->n ? ls->n : 64;
			while (nn <= block)
				nn *= 2;
			ls->last = realloc(ls->last, nn * sizeof(*ls->last));
			if (!ls->last)
				abort();
			memset(ls->last + ls->n, 0, (nn - ls->n) * sizeof(*ls->last));
			ls->n = nn;
		}
		if (gen > ls->last[block])
			ls->last[block] = gen;
		if (gen > ls->maxgen)
			ls->maxgen = gen;
		ls->lines++;
	}
	free(line);
	fclose(f);
}

static int do_write(int argc, char **argv)
{
	const char *dev = argv[0], *logpath = argv[1];
	uint64_t nblocks = 0, seed = 1, span = 0, interval = 0;
	bool dsync = false, direct;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--blocks") && i + 1 < argc)
			nblocks = parse_u64("--blocks", argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = parse_u64("--seed", argv[++i]);
		else if (!strcmp(argv[i], "--span") && i + 1 < argc)
			span = parse_u64("--span", argv[++i]);
		else if (!strcmp(argv[i], "--interval") && i + 1 < argc)
			interval = parse_u64("--interval", argv[++i]);
		else if (!strcmp(argv[i], "--dsync"))
			dsync = true;
		else
			usage();
	}
	uint64_t size;
	int fd = open_dev(dev, O_WRONLY | (dsync ? O_DSYNC : 0), &direct, &size);
	uint64_t blocks = size / BS;
	if (span == 0 || span > blocks)
		span = blocks;
	if (span == 0) {
		fprintf(stderr, "%s: %s holds no whole 4 KiB block\n", prog, dev);
		return 2;
	}
	/* go on from the last generation an earlier run logged */
	struct logstate ls;
	read_log(logpath, &ls, false);
	free(ls.last);
	int logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (logfd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, logpath, strerror(errno));
		return 2;
	}
	unsigned char *buf;
	if (posix_memalign((void **)&buf, BS, BS) != 0)
		abort();
	uint64_t gen = ls.maxgen, written = 0;
	while (nblocks == 0 || written < nblocks) {
		gen++;
		uint64_t block = (gen - 1) % span;
		fill_block(buf, block, gen, seed);
		ssize_t w = pwrite(fd, buf, BS, (off_t)(block * BS));
		if (w == (ssize_t)BS && !direct && fdatasync(fd) != 0)
			w = -1;
		if (w != (ssize_t)BS) {
			fprintf(stderr, "%s: write of block %" PRIu64 " (generation %" PRIu64 ") failed: %s\n",
				prog, block, gen, w < 0 ? strerror(errno) : "short write");
			return 1;
		}
		/* acknowledged: now, and only now, it is logged */
		char line[48];
		int n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n", gen, block);
		if (write(logfd, line, (size_t)n) != n) {
			fprintf(stderr, "%s: cannot log to %s: %s\n", prog, logpath, strerror(errno));
			return 2;
		}
		written++;
		if (interval) {
			struct timespec ts = {(time_t)(interval / 1000000), (long)(interval % 1000000) * 1000};
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
	}
	printf("wrote %" PRIu64 " blocks, generations up to %" PRIu64 "\n", written, gen);
	free(buf);
	close(fd);
	close(logfd);
	return 0;
}

static int do_verify(const char *dev, const char *logpath)
{
	struct logstate ls;
	bool direct;
	uint64_t size;
	read_log(logpath, &ls, true);
	int fd = open_dev(dev, O_RDONLY, &direct, &size);
	unsigned char *buf;
	if (posix_memalign((void **)&buf, BS, BS) != 0)
		abort();
	uint64_t ok = 0, inflight = 0, lost = 0, corrupt = 0;
	for (uint64_t b = 0; b < ls.n; b++) {
		uint64_t want = ls.last[b];
		if (!want)
			continue;
		struct hdr h;
		ssize_t r = (b + 1) * BS <= size ? pread(fd, buf, BS, (off_t)(b * BS)) : 0;
		if (r != (ssize_t)BS) {
			printf("block %" PRIu64 ": unreadable (%s): generation %" PRIu64 " lost\n", b,
			       r < 0 ? strerror(errno) : "beyond the end", want);
			lost++;
		} else if (check_block(buf, b, &h) != 0) {
			printf("block %" PRIu64 ": corrupt (want generation %" PRIu64 ")\n", b, want);
			corrupt++;
		} else if (h.gen == want) {
			ok++;
		} else if (h.gen > ls.maxgen) {
			inflight++; /* written, killed before it was logged */
		} else {
			printf("block %" PRIu64 ": generation %" PRIu64 " where %" PRIu64
			       " was acknowledged: lost\n", b, h.gen, want);
			lost++;
		}
	}
	printf("%" PRIu64 " acknowledged writes logged, %" PRIu64 " blocks: %" PRIu64 " intact, %" PRIu64
	       " newer (in flight), %" PRIu64 " lost, %" PRIu64 " corrupt%s\n",
	       ls.lines, ok + inflight + lost + corrupt, ok, inflight, lost, corrupt,
	       direct ? "" : " (read without O_DIRECT)");
	free(buf);
	free(ls.last);
	close(fd);
	return lost || corrupt ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		usage();
	if (!strcmp(argv[1], "write"))
		return do_write(argc - 2, argv + 2);
	if (!strcmp(argv[1], "verify") && argc == 4)
		return do_verify(argv[2], argv[3]);
	usage();
	return 2;
}
