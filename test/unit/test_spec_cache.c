/* test_spec_cache.c: parsed spec files kept between runs
 * (specset/ydoc_cache.h): a tree read back is the tree parsed, and
 * anything else (an edit, a damaged or foreign entry, key material) is a
 * miss or is never stored. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec_test.h"

#include "specset/yaml_doc.h"
#include "specset/ydoc_cache.h"

static char *tmpdir(void)
{
	char *d = xstrdup("/tmp/vmap-cache-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void rmtree(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *de;
	while (dh && (de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", d, de->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rmtree(p);
		else
			unlink(p);
		free(p);
	}
	if (dh)
		closedir(dh);
	rmdir(d);
}

/* The start of most tests here: `yaml` parsed as file `file` into *p,
 * not in directory d yet, then stored there. */
static void parse_and_store(const char *d, const char *file, const char *yaml, struct ydoc *p,
			    uint8_t key[YDOC_CACHE_KEY])
{
	struct vmap_errlist errs = {0};
	struct ydoc c;
	assert_int_equal(ydoc_parse(p, file, yaml, strlen(yaml), &errs), 0);
	assert_false(ydoc_cache_load(&c, d, file, yaml, strlen(yaml), key));
	ydoc_cache_store(p, d, file, key);
}

/* A test's directory removed and its name freed. */
static void drop_dir(char *d)
{
	rmtree(d);
	free(d);
}

static size_t entries(const char *d)
{
	size_t n = 0;
	DIR *dh = opendir(d);
	struct dirent *de;
	while (dh && (de = readdir(dh)))
		n += de->d_name[0] != '.';
	if (dh)
		closedir(dh);
	return n;
}

/* The one entry of directory d. */
static char *entry(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *de;
	char *p = NULL;
	while (dh && (de = readdir(dh)))
		if (de->d_name[0] != '.')
			p = xasprintf("%s/%s", d, de->d_name);
	closedir(dh);
	assert_non_null(p);
	return p;
}

/* Nodes a walk visits (aliases expanded); fails past a depth no sound
 * tree of these tests reaches. */
static uint64_t walk(const struct ynode *x, unsigned depth)
{
	assert_true(depth < 300);
	uint64_t w = 1;
	if (x->kind == YNODE_MAP)
		for (size_t i = 0; i < x->n_pairs; i++)
			w += walk(x->pairs[i].key, depth + 1) + walk(x->pairs[i].value, depth + 1);
	else if (x->kind == YNODE_SEQ)
		for (size_t i = 0; i < x->n_items; i++)
			w += walk(x->items[i], depth + 1);
	return w;
}

/* Two trees are the same: kinds, styles, tags, positions, text, and the
 * same sharing (an alias is one node reached twice). */
static void same_tree(const struct ynode *a, const struct ynode *b, const struct ynode *a0,
		      const struct ynode *b0)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->style, b->style);
	assert_int_equal(a->tag_str, b->tag_str);
	assert_int_equal(a->loc.line, b->loc.line);
	assert_int_equal(a->loc.col, b->loc.col);
	/* sharing: a node equal to the first one seen is so in both */
	assert_int_equal(a == a0, b == b0);
	switch (a->kind) {
	case YNODE_SCALAR:
		assert_int_equal(a->len, b->len);
		assert_memory_equal(a->str, b->str, a->len + 1);
		break;
	case YNODE_MAP:
		assert_int_equal(a->n_pairs, b->n_pairs);
		for (size_t i = 0; i < a->n_pairs; i++) {
			same_tree(a->pairs[i].key, b->pairs[i].key, a0, b0);
			same_tree(a->pairs[i].value, b->pairs[i].value, a0, b0);
		}
		break;
	case YNODE_SEQ:
		assert_int_equal(a->n_items, b->n_items);
		for (size_t i = 0; i < a->n_items; i++)
			same_tree(a->items[i], b->items[i], a0, b0);
		break;
	}
}

static const char rich[] =
	"a: &x {p: 1, q: [u, 'v w', \"x\\0y\"]}\n"
	"b: *x\n"
	"c: *x\n"
	"d: |\n  line one\n  line two\n"
	"e: >\n  folded\n  text\n"
	"f: !!str 12\n"
	"g: []\n"
	"h: {}\n"
	"i: \n";

static void a_tree_read_back_is_the_tree_parsed(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY], key2[YDOC_CACHE_KEY];
	parse_and_store(d, "r.yaml", rich, &p, key);
	assert_int_equal(entries(d), 1);
	assert_true(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key2));
	assert_memory_equal(key, key2, sizeof(key));
	/* b and c are the anchored node itself, in both trees */
	const struct ynode *x = p.root->pairs[0].value;
	assert_ptr_equal(p.root->pairs[1].value, x);
	assert_ptr_equal(c.root->pairs[1].value, c.root->pairs[0].value);
	assert_ptr_equal(c.root->pairs[2].value, c.root->pairs[0].value);
	same_tree(p.root, c.root, x, c.root->pairs[0].value);
	/* the reader's weights are the parser's */
	assert_int_equal(c.root->weight, p.root->weight);
	assert_int_equal(walk(c.root, 0), p.root->weight);
	/* the text is the file's: a literal block's lines still point into it */
	struct vmap_loc l1 = ydoc_scalar_line_loc(&p, p.root->pairs[3].value, 1);
	struct vmap_loc l2 = ydoc_scalar_line_loc(&c, c.root->pairs[3].value, 1);
	assert_int_equal(l1.line, l2.line);
	assert_int_equal(l1.col, l2.col);
	assert_ptr_equal(c.root->loc.file, "r.yaml");
	ydoc_free(&p);
	ydoc_free(&c);
	drop_dir(d);
}

static void an_empty_document_is_kept_too(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY];
	parse_and_store(d, "e", "", &p, key);
	assert_null(p.root);
	assert_true(ydoc_cache_load(&c, d, "e", "", 0, key));
	assert_null(c.root);
	ydoc_free(&p);
	ydoc_free(&c);
	drop_dir(d);
}

/* One byte changed in the file, or another file's name: a miss. */
static void an_edited_file_or_another_name_misses(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY];
	parse_and_store(d, "r.yaml", rich, &p, key);
	char *edited = xstrdup(rich);
	edited[4] = 'z';
	assert_false(ydoc_cache_load(&c, d, "r.yaml", edited, strlen(edited), key));
	assert_false(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich) - 1, key));
	assert_false(ydoc_cache_load(&c, d, "other.yaml", rich, strlen(rich), key));
	assert_true(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key));
	ydoc_free(&c);
	free(edited);
	ydoc_free(&p);
	drop_dir(d);
}

static void write_file(const char *path, const char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

static char *slurp(const char *path, size_t *n)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	char *buf = xmalloc((size_t)st.st_size);
	int fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return buf;
}

/* Every truncation is a miss; every byte of the entry changed in turn
 * never crashes, never loops, and what does load is a finite tree (the
 * walk below ends).  Run under ASan/UBSan by `make check`. */
static void a_damaged_entry_is_a_miss_or_a_sound_tree(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY];
	parse_and_store(d, "r.yaml", rich, &p, key);
	char *path = entry(d);
	size_t n;
	char *good = slurp(path, &n);
	for (size_t cut = 0; cut < n; cut += 7) {
		write_file(path, good, cut);
		assert_false(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key));
	}
	char *bad = xmalloc(n);
	for (size_t i = 0; i < n; i++) {
		for (unsigned v = 0; v < 256; v += 85) {
			memcpy(bad, good, n);
			bad[i] = (char)(bad[i] ^ (v | 1));
			write_file(path, bad, n);
			if (ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key)) {
				/* a change of a position, a text or a kind can
				 * still be a tree: a finite one, as cheap to walk
				 * as its weight says */
				assert_int_equal(walk(c.root, 0), c.root->weight);
				assert_true(c.root->weight < 1000);
				ydoc_free(&c);
			}
		}
	}
	write_file(path, good, n);
	assert_true(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key));
	ydoc_free(&c);
	free(bad);
	free(good);
	free(path);
	ydoc_free(&p);
	drop_dir(d);
}

/* A loop made by hand (a node its own child) is refused: the reader
 * checks every reference before it follows one. */
static void an_entry_whose_references_loop_is_refused(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY];
	const char *y = "[[a]]";
	parse_and_store(d, "l", y, &p, key);
	char *path = entry(d);
	size_t n;
	char *buf = slurp(path, &n);
	/* three nodes (seq 0, seq 1, scalar 2), 24 bytes each after an
	 * 72-byte header, then no pairs, then the items: 1 (of node 0), 2
	 * (of node 1), then "a" */
	assert_int_equal(n, 72 + 3 * 24 + 2 * 4 + 2);
	uint32_t *items = (uint32_t *)(buf + 72 + 3 * 24);
	assert_int_equal(items[0], 1);
	assert_int_equal(items[1], 2);
	items[1] = 0; /* node 1's item: the root, its parent */
	write_file(path, buf, n);
	assert_false(ydoc_cache_load(&c, d, "l", y, strlen(y), key));
	items[1] = 1; /* itself */
	write_file(path, buf, n);
	assert_false(ydoc_cache_load(&c, d, "l", y, strlen(y), key));
	free(buf);
	free(path);
	ydoc_free(&p);
	drop_dir(d);
}

/* Two mappings made to share their pairs (which could point one at the
 * other's children, or at its own parent) are refused: each node's pairs
 * must follow the previous node's. */
static void an_entry_whose_nodes_share_pairs_is_refused(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY];
	const char *y = "[{a: b}, {c: d}]";
	parse_and_store(d, "s", y, &p, key);
	assert_true(ydoc_cache_load(&c, d, "s", y, strlen(y), key));
	ydoc_free(&c);
	char *path = entry(d);
	size_t n;
	char *buf = slurp(path, &n);
	/* node 4 is the second mapping; its record's `first` (pairs) is at
	 * byte 16 of the record, after kind/style/tag, line, col and end */
	uint32_t *first = (uint32_t *)(buf + 72 + 4 * 24 + 16);
	assert_int_equal(buf[72 + 4 * 24], YNODE_MAP);
	assert_int_equal(*first, 1);
	*first = 0;
	write_file(path, buf, n);
	assert_false(ydoc_cache_load(&c, d, "s", y, strlen(y), key));
	free(buf);
	free(path);
	ydoc_free(&p);
	drop_dir(d);
}

/* An entry or a directory that someone else could have written is not
 * used. */
static void an_entry_others_may_write_is_not_used(void **state)
{
	(void)state;
	char *run = tmpdir();
	char *d = ydoc_cache_dir(run);
	assert_non_null(d);
	struct stat st;
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	struct ydoc p, c;
	uint8_t key[YDOC_CACHE_KEY];
	parse_and_store(d, "r.yaml", rich, &p, key);
	char *path = entry(d);
	assert_int_equal(chmod(path, 0622), 0);
	assert_false(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key));
	assert_int_equal(chmod(path, 0600), 0);
	assert_true(ydoc_cache_load(&c, d, "r.yaml", rich, strlen(rich), key));
	ydoc_free(&c);
	assert_int_equal(chmod(d, 0777), 0);
	char *again = ydoc_cache_dir(run);
	assert_null(again);
	assert_int_equal(chmod(d, 0700), 0);
	free(path);
	ydoc_free(&p);
	drop_dir(run);
	free(d);
}

static int load_cached(const char *dir, const char *file, struct vmap_specset *set,
		       struct vmap_errlist *errs)
{
	const char *paths[] = {file};
	struct vmap_spec_source src = {.paths = paths, .n_paths = 1, .cache_dir = dir};
	return vmap_specset_load(set, &src, errs);
}

/* Through the loader: the second load of a file comes from the cache and
 * gives the same volumes; a file with errors or with key material is
 * never stored. */
static void the_loader_keeps_clean_files_without_secrets(void **state)
{
	(void)state;
	char *d = tmpdir();
	char *f = xasprintf("%s/spec.yaml", d);
	char *cache = xasprintf("%s/parsed", d);
	assert_int_equal(mkdir(cache, 0700), 0);
	const char *good = HDR "  - {name: a, targets: [{type: linear, size: 8, device: /dev/sda}]}\n"
			       "  - {name: b, targets: [{type: zero, size: 16}]}\n";
	write_file(f, good, strlen(good));
	struct vmap_specset s1, s2;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_cached(cache, f, &s1, &errs), 0);
	assert_int_equal(entries(cache), 1);
	assert_int_equal(load_cached(cache, f, &s2, &errs), 0);
	assert_int_equal(s1.n_vols, 2);
	assert_int_equal(s2.n_vols, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(s1.vols[i].name, s2.vols[i].name);
		assert_int_equal(s1.vols[i].loc.line, s2.vols[i].loc.line);
		assert_int_equal(s1.vols[i].loc.col, s2.vols[i].loc.col);
	}
	vmap_specset_free(&s1);
	vmap_specset_free(&s2);
	rmtree(cache);
	assert_int_equal(mkdir(cache, 0700), 0);

	const char *typo = HDR "  - {name: a, targts: [{type: zero, size: 8}]}\n";
	write_file(f, typo, strlen(typo));
	assert_int_equal(load_cached(cache, f, &s1, &errs), -1);
	assert_int_equal(entries(cache), 0);
	vmap_errlist_clear(&errs);

	const char *secret =
		HDR "  - name: c\n    targets:\n      - type: crypt\n        size: 8\n"
		    "        cipher: aes-xts-plain64\n"
		    "        key: {hex: \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}\n"
		    "        device: /dev/sda\n";
	write_file(f, secret, strlen(secret));
	if (load_cached(cache, f, &s1, &errs) != 0)
		dump_errors(&errs);
	assert_int_equal(s1.n_vols, 1);
	assert_int_equal(entries(cache), 0);
	vmap_specset_free(&s1);
	vmap_errlist_clear(&errs);
	drop_dir(d);
	free(f);
	free(cache);
}

/* Entries for ever new paths (a tool planning temporary copies) do not
 * pile up: 64 at most, the newest kept. */
static void the_directory_keeps_64_entries_the_newest(void **state)
{
	(void)state;
	char *d = tmpdir();
	struct ydoc p, c;
	struct vmap_errlist errs = {0};
	uint8_t key[YDOC_CACHE_KEY];
	assert_int_equal(ydoc_parse(&p, "r.yaml", rich, strlen(rich), &errs), 0);
	char name[32];
	for (int i = 0; i < 70; i++) {
		snprintf(name, sizeof(name), "/tmp/copy-%d/r.yaml", i);
		assert_false(ydoc_cache_load(&c, d, name, rich, strlen(rich), key));
		ydoc_cache_store(&p, d, name, key);
	}
	assert_int_equal(entries(d), 64);
	assert_true(ydoc_cache_load(&c, d, name, rich, strlen(rich), key));
	ydoc_free(&c);
	ydoc_free(&p);
	drop_dir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_tree_read_back_is_the_tree_parsed),
		cmocka_unit_test(an_empty_document_is_kept_too),
		cmocka_unit_test(an_edited_file_or_another_name_misses),
		cmocka_unit_test(a_damaged_entry_is_a_miss_or_a_sound_tree),
		cmocka_unit_test(an_entry_whose_references_loop_is_refused),
		cmocka_unit_test(an_entry_whose_nodes_share_pairs_is_refused),
		cmocka_unit_test(an_entry_others_may_write_is_not_used),
		cmocka_unit_test(the_loader_keeps_clean_files_without_secrets),
		cmocka_unit_test(the_directory_keeps_64_entries_the_newest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
