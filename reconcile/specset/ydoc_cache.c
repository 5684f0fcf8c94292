/* ydoc_cache.c: see ydoc_cache.h.
 *
 * An entry, in this machine's byte order (the key covers the binary, so
 * an entry is only ever read by the build that wrote it):
 *   struct hdr
 *   struct rec[n_nodes]      the nodes in depth-first order of first visit
 *   struct rpair[n_pairs]    every mapping's pairs, as node numbers
 *   uint32_t[n_items]        every sequence's items, as node numbers
 *   char[arena_len]          every scalar's text, NUL-terminated
 * The tree read back keeps the whole entry as its arena: the scalars
 * point into it.
 * A node reached again through an alias is the same number again.  `end`
 * of a node is the last number of its subtree; the reader checks that
 * every reference goes into the node's own subtree or back to a subtree
 * already finished, which is what makes the tree acyclic.  Then it
 * bounds what a walk of the tree costs as the parser does (the nodes a
 * walk visits, aliases expanded, and how deep it goes), so an entry can
 * never be an alias bomb or a recursion the builder cannot afford. */
#include "specset/ydoc_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/umac.h>

#include "base/util.h"

#define MAGIC "VMAPYDC1"
#define FORMAT 1u
#define ENTRY_MAX (512u << 20)
#define NONE UINT32_MAX
/* deeper than the parser's nesting bound, for chains of aliases; a parsed
 * tree deeper than this is simply not read back */
#define WALK_DEPTH_MAX (4 * YDOC_MAX_DEPTH)

struct hdr {
	char magic[8];
	uint32_t format, rec_size;
	uint8_t key[YDOC_CACHE_KEY];
	uint32_t root, pad;
	uint64_t n_nodes, n_pairs, n_items, arena_len;
};

/* (a node's weight is not kept: the reader works it out again) */
struct rec {
	uint8_t kind, style, tag_str, pad;
	uint32_t line, col, end;
	uint32_t first, count; /* SCALAR: offset in the text, length; else in pairs/items */
};

struct rpair {
	uint32_t key, value;
};

/* ---- the key: the file's bytes and this binary ----
 *
 * A fingerprint, not a defence (only the cache's owner writes entries,
 * and whoever can write a spec decides what it says anyway): UMAC-128
 * with a fixed key, nettle's fastest hash, 2 instructions a byte where
 * SHA-256 takes 47; two different texts share one with a chance of about
 * 2^-120. */

static void fingerprint(const void *a, size_t alen, const void *b, size_t blen,
			uint8_t out[YDOC_CACHE_KEY])
{
	static const uint8_t key[UMAC_KEY_SIZE], nonce[UMAC_MAX_NONCE_SIZE];
	struct umac128_ctx c;
	umac128_set_key(&c, key);
	umac128_set_nonce(&c, sizeof(nonce), nonce);
	umac128_update(&c, alen, a);
	umac128_update(&c, blen, b);
	umac128_digest(&c, YDOC_CACHE_KEY, out);
}

void ydoc_cache_key(const char *data, size_t len, uint8_t key[YDOC_CACHE_KEY])
{
	struct {
		char salt[40];
		uint64_t exe[5];
	} id = {.salt = "vmapctl parsed-spec cache " VMAP_VERSION};
	struct stat st;
	if (stat("/proc/self/exe", &st) == 0) {
		id.exe[0] = st.st_dev;
		id.exe[1] = st.st_ino;
		id.exe[2] = (uint64_t)st.st_size;
		id.exe[3] = (uint64_t)st.st_mtim.tv_sec;
		id.exe[4] = (uint64_t)st.st_mtim.tv_nsec;
	}
	fingerprint(&id, sizeof(id), data, len, key);
}

/* dir/<hex fingerprint of the file's name> */
static char *entry_path(const char *dir, const char *file)
{
	uint8_t h[YDOC_CACHE_KEY];
	fingerprint("", 0, file, strlen(file), h);
	char hex[2 * YDOC_CACHE_KEY + 1];
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return xasprintf("%s/%s", dir, hex);
}

/* Ours and writable by us alone. */
static bool private_to_us(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & 022);
}

char *ydoc_cache_dir(const char *run_dir)
{
	char *dir = xasprintf("%s/parsed", run_dir);
	/* the run directory is made as the journal makes it */
	if ((mkdir(run_dir, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		goto no;
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || !private_to_us(&st) ||
	    (st.st_mode & 077))
		goto no;
	return dir;
no:
	free(dir);
	return NULL;
}

/* ---- reading ---- */

/* Child j of node i: into i's own subtree, or back to one finished before
 * i began. */
static bool edge_ok(const struct rec *recs, uint64_t n, uint32_t i, uint32_t j)
{
	if (j >= n)
		return false;
	if (j > i)
		return j <= recs[i].end && recs[j].end <= recs[i].end;
	return j < i && recs[j].end < i;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The nodes a walk from the root visits (aliases expanded) and its depth,
 * within the parser's bounds.  Each node's children are done before it
 * when nodes go by `end`, and by number downwards for the same `end`
 * (edge_ok's two cases), so one pass in that order does it. */
static bool walk_bounded(const struct rec *recs, struct ynode *v, uint32_t n)
{
	uint32_t *start = xcalloc((size_t)n + 1, sizeof(*start));
	uint32_t *order = xmalloc((size_t)n * sizeof(*order));
	uint32_t *depth = xmalloc((size_t)n * sizeof(*depth));
	for (uint32_t i = 0; i < n; i++)
		start[recs[i].end + 1]++;
	for (uint32_t e = 0; e < n; e++)
		start[e + 1] += start[e];
	for (uint32_t i = n; i-- > 0;)
		order[start[recs[i].end]++] = i;
	bool ok = true;
	for (uint32_t k = 0; k < n && ok; k++) {
		struct ynode *x = &v[order[k]];
		uint64_t w = 1;
		uint32_t d = 1;
		size_t nc = x->kind == YNODE_MAP ? 2 * x->n_pairs : x->kind == YNODE_SEQ ? x->n_items : 0;
		for (size_t c = 0; c < nc; c++) {
			struct ynode *y = x->kind == YNODE_SEQ ? x->items[c]
				    : c % 2 ? x->pairs[c / 2].value : x->pairs[c / 2].key;
			w = sat_add(w, y->weight);
			if (depth[y - v] + 1 > d)
				d = depth[y - v] + 1;
		}
		x->weight = w;
		depth[x - v] = d;
		ok = d <= WALK_DEPTH_MAX;
	}
	ok = ok && v[0].weight <= (uint64_t)YDOC_MAX_NODES + YDOC_MAX_ALIAS_NODES;
	free(start);
	free(order);
	free(depth);
	return ok;
}

static bool build(struct ydoc *doc, const struct hdr *h, const char *body, const char *file)
{
	const struct rec *recs = (const struct rec *)body;
	const struct rpair *pairs = (const struct rpair *)(recs + h->n_nodes);
	const uint32_t *items = (const uint32_t *)(pairs + h->n_pairs);
	char *text = (char *)(items + h->n_items);
	uint64_t n = h->n_nodes;
	if (h->n_pairs)
		doc->arena_pairs = xmalloc(h->n_pairs * sizeof(*doc->arena_pairs));
	if (h->n_items)
		doc->arena_items = xmalloc(h->n_items * sizeof(*doc->arena_items));
	struct ynode *v = n ? ydoc_alloc_nodes(doc, n) : NULL;
	/* the nodes' pairs, items and text follow each other in node order,
	 * as the writer lays them out: no two nodes can share any */
	uint64_t np = 0, ni = 0, na = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct rec *r = &recs[i];
		struct ynode *x = &v[i];
		if (r->end < i || r->end >= n || r->style > YSTYLE_FOLDED || r->tag_str > 1)
			return false;
		x->kind = r->kind;
		x->style = r->style;
		x->tag_str = r->tag_str;
		x->loc = (struct vmap_loc){file, r->line, r->col};
		switch (r->kind) {
		case YNODE_SCALAR:
			if (r->first != na || r->count >= h->arena_len - r->first ||
			    text[r->first + r->count] != '\0')
				return false;
			na += (uint64_t)r->count + 1;
			x->str = text + r->first;
			x->len = r->count;
			break;
		case YNODE_MAP:
			if (r->first != np || r->count > h->n_pairs - r->first)
				return false;
			np += r->count;
			x->n_pairs = r->count;
			if (r->count)
				x->pairs = doc->arena_pairs + r->first;
			for (uint64_t k = 0; k < r->count; k++) {
				const struct rpair *p = &pairs[r->first + k];
				if (!edge_ok(recs, n, i, p->key) || !edge_ok(recs, n, i, p->value) ||
				    recs[p->key].kind != YNODE_SCALAR)
					return false;
				x->pairs[k] = (struct ypair){&v[p->key], &v[p->value]};
			}
			break;
		case YNODE_SEQ:
			if (r->first != ni || r->count > h->n_items - r->first)
				return false;
			ni += r->count;
			x->n_items = r->count;
			if (r->count)
				x->items = doc->arena_items + r->first;
			for (uint64_t k = 0; k < r->count; k++) {
				uint32_t j = items[r->first + k];
				if (!edge_ok(recs, n, i, j))
					return false;
				x->items[k] = &v[j];
			}
			break;
		default:
			return false;
		}
	}
	if (np != h->n_pairs || ni != h->n_items || na != h->arena_len ||
	    (n ? h->root != 0 : h->root != NONE))
		return false;
	doc->root = n ? &v[0] : NULL;
	return n == 0 || walk_bounded(recs, v, (uint32_t)n);
}

bool ydoc_cache_load(struct ydoc *doc, const char *dir, const char *file, const char *data,
		     size_t len, uint8_t key[YDOC_CACHE_KEY])
{
	ydoc_cache_key(data, len, key);
	char *path = entry_path(dir, file);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return false;
	bool ok = false;
	char *buf = NULL;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !private_to_us(&st) ||
	    st.st_size < (off_t)sizeof(struct hdr) || st.st_size > ENTRY_MAX)
		goto out;
	size_t size = (size_t)st.st_size;
	buf = xmalloc(size);
	if (read_full(fd, buf, size)) {
		ok = ydoc_cache_read(doc, buf, size, key, file, data, len);
		buf = NULL;
	}
out:
	free(buf);
	close(fd);
	return ok;
}

bool ydoc_cache_read(struct ydoc *doc, char *buf, size_t size, const uint8_t key[YDOC_CACHE_KEY],
		     const char *file, const char *data, size_t len)
{
	struct hdr h;
	uint64_t want = 0;
	if (size >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		if (!memcmp(h.magic, MAGIC, sizeof(h.magic)) && h.format == FORMAT &&
		    h.rec_size == sizeof(struct rec) && !memcmp(h.key, key, YDOC_CACHE_KEY) &&
		    h.n_nodes <= YDOC_MAX_NODES && h.n_pairs <= YDOC_MAX_NODES &&
		    h.n_items <= YDOC_MAX_NODES && h.arena_len <= ENTRY_MAX)
			/* each count is bounded above: the sum cannot overflow */
			want = sizeof(h) + h.n_nodes * sizeof(struct rec) +
			       h.n_pairs * sizeof(struct rpair) + h.n_items * sizeof(uint32_t) +
			       h.arena_len;
	}
	if (!want || want != size) {
		free(buf);
		return false;
	}
	memset(doc, 0, sizeof(*doc));
	doc->src = data;
	doc->src_len = len;
	doc->arena = buf;
	doc->arena_len = size;
	if (build(doc, &h, doc->arena + sizeof(h), file))
		return true;
	ydoc_free(doc);
	return false;
}

/* ---- writing ---- */

/* What the directory keeps: entries are named by the files' paths, and a
 * configuration tool that plans a temporary copy of the set (the Ansible
 * module's check mode does) names new paths every run; /run is memory. */
#define KEEP_ENTRIES 64
#define KEEP_BYTES (64u << 20)

struct kept {
	char *name;
	struct timespec mtime;
	uint64_t size;
};

static int older_first(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	return (x->mtime.tv_nsec > y->mtime.tv_nsec) - (x->mtime.tv_nsec < y->mtime.tv_nsec);
}

/* Remove the oldest entries (and any temporary file a killed writer
 * left) beyond the bounds, never `keep`.  Runs after a store only: a run
 * that reads its entries back never lists the directory. */
static void prune(const char *dir, const char *keep)
{
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	struct kept *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		struct stat st;
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		struct kept k = {xstrdup(de->d_name), st.st_mtim, (uint64_t)st.st_size};
		VEC_PUSH(v, n, cap, k);
		total += k.size;
	}
	size_t left = n;
	if (n > KEEP_ENTRIES || total > KEEP_BYTES) {
		qsort(v, n, sizeof(*v), older_first);
		for (size_t i = 0; i < n && (left > KEEP_ENTRIES || total > KEEP_BYTES); i++)
			if (strcmp(v[i].name, keep) && unlinkat(dirfd(dh), v[i].name, 0) == 0) {
				left--;
				total -= v[i].size;
			}
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	closedir(dh);
}

struct writer {
	struct ynode **order; /* by number */
	uint32_t *end;
	uint32_t n;
	uint64_t n_pairs, n_items, arena_len;
};

static void number(struct writer *w, struct ynode *x)
{
	if (x->cache_id)
		return;
	uint32_t id = w->n++;
	x->cache_id = id + 1;
	w->order[id] = x;
	if (x->kind == YNODE_MAP) {
		w->n_pairs += x->n_pairs;
		for (size_t k = 0; k < x->n_pairs; k++) {
			number(w, x->pairs[k].key);
			number(w, x->pairs[k].value);
		}
	} else if (x->kind == YNODE_SEQ) {
		w->n_items += x->n_items;
		for (size_t k = 0; k < x->n_items; k++)
			number(w, x->items[k]);
	} else {
		w->arena_len += x->len + 1;
	}
	w->end[id] = w->n - 1;
}

void ydoc_cache_store(struct ydoc *doc, const char *dir, const char *file,
		      const uint8_t key[YDOC_CACHE_KEY])
{
	/* an entry's offsets are 32 bits wide */
	if (doc->n_nodes > YDOC_MAX_NODES || doc->src_len > ENTRY_MAX)
		return;
	struct writer w = {.order = xcalloc(doc->n_nodes + 1, sizeof(*w.order)),
			   .end = xcalloc(doc->n_nodes + 1, sizeof(*w.end))};
	if (doc->root)
		number(&w, doc->root);
	struct hdr h = {.format = FORMAT, .rec_size = sizeof(struct rec),
			.root = doc->root ? 0 : NONE, .n_nodes = w.n, .n_pairs = w.n_pairs,
			.n_items = w.n_items, .arena_len = w.arena_len};
	memcpy(h.magic, MAGIC, sizeof(h.magic));
	memcpy(h.key, key, YDOC_CACHE_KEY);
	size_t size = sizeof(h) + w.n * sizeof(struct rec) + w.n_pairs * sizeof(struct rpair) +
		      w.n_items * sizeof(uint32_t) + w.arena_len;
	char *buf = xcalloc(1, size);
	memcpy(buf, &h, sizeof(h));
	struct rec *recs = (struct rec *)(buf + sizeof(h));
	struct rpair *pairs = (struct rpair *)(recs + w.n);
	uint32_t *items = (uint32_t *)(pairs + w.n_pairs);
	char *text = (char *)(items + w.n_items);
	uint64_t np = 0, ni = 0, na = 0;
	for (uint32_t i = 0; i < w.n; i++) {
		struct ynode *x = w.order[i];
		struct rec *r = &recs[i];
		*r = (struct rec){.kind = (uint8_t)x->kind, .style = (uint8_t)x->style,
				  .tag_str = x->tag_str, .line = x->loc.line, .col = x->loc.col,
				  .end = w.end[i]};
		if (x->kind == YNODE_MAP) {
			r->first = (uint32_t)np;
			r->count = (uint32_t)x->n_pairs;
			for (size_t k = 0; k < x->n_pairs; k++)
				pairs[np++] = (struct rpair){x->pairs[k].key->cache_id - 1,
							     x->pairs[k].value->cache_id - 1};
		} else if (x->kind == YNODE_SEQ) {
			r->first = (uint32_t)ni;
			r->count = (uint32_t)x->n_items;
			for (size_t k = 0; k < x->n_items; k++)
				items[ni++] = x->items[k]->cache_id - 1;
		} else {
			r->first = (uint32_t)na;
			r->count = (uint32_t)x->len;
			memcpy(text + na, x->str, x->len); /* and the NUL calloc left */
			na += x->len + 1;
		}
	}
	for (uint32_t i = 0; i < w.n; i++)
		w.order[i]->cache_id = 0;

	char *path = entry_path(dir, file);
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0) {
		bool ok = write_full(fd, buf, size);
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) < 0)
			unlink(tmp);
		else
			prune(dir, strrchr(path, '/') + 1);
	}
	free(tmp);
	free(path);
	explicit_bzero(text, w.arena_len);
	free(buf);
	free(w.order);
	free(w.end);
}
