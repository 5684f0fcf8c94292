/* fuzz_cache.c: libFuzzer target for the parsed-spec cache
 * (specset/ydoc_cache.h), which reads files back into trees.
 *
 * The first byte picks what the rest is:
 *   even: YAML text.  When it parses, its tree is stored in a fresh
 *         directory and read back, and the tree read back must be the
 *         tree parsed (kinds, styles, tags, positions, text, and the
 *         sharing that aliases make);
 *   odd:  an entry's bytes, with a header that passes the checks of
 *         magic, format and key patched in (the first 32 bytes: the
 *         layout of struct hdr in ydoc_cache.c), so that the fuzzer works
 *         on the counts, the references and the text.  Whatever reads
 *         back must be a finite tree a walk can afford: the walk below
 *         visits at most the weight the reader bounded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "specset/yaml_doc.h"
#include "specset/ydoc_cache.h"
#include "fuzz_target.h"

static void same(const struct ynode *a, const struct ynode *b, const struct ynode *pa,
		 const struct ynode *pb, unsigned depth)
{
	CHECK(depth < 1000);
	CHECK(a->kind == b->kind && a->style == b->style && a->tag_str == b->tag_str);
	CHECK(a->loc.line == b->loc.line && a->loc.col == b->loc.col);
	/* sharing: a node is its parent's other child in both or in neither */
	CHECK((a == pa) == (b == pb));
	switch (a->kind) {
	case YNODE_SCALAR:
		CHECK(a->len == b->len && !memcmp(a->str, b->str, a->len + 1));
		break;
	case YNODE_MAP:
		CHECK(a->n_pairs == b->n_pairs);
		for (size_t i = 0; i < a->n_pairs; i++) {
			same(a->pairs[i].key, b->pairs[i].key, a, b, depth + 1);
			same(a->pairs[i].value, b->pairs[i].value, a->pairs[i].key, b->pairs[i].key,
			     depth + 1);
		}
		break;
	case YNODE_SEQ:
		CHECK(a->n_items == b->n_items);
		for (size_t i = 0; i < a->n_items; i++)
			same(a->items[i], b->items[i], i ? a->items[i - 1] : a,
			     i ? b->items[i - 1] : b, depth + 1);
		break;
	}
}

/* Nodes visited, aliases expanded, stopping past `budget`. */
static uint64_t walk(const struct ynode *x, uint64_t budget)
{
	uint64_t w = 1;
	if (x->kind == YNODE_MAP)
		for (size_t i = 0; i < x->n_pairs && w <= budget; i++)
			w += walk(x->pairs[i].key, budget - w) + walk(x->pairs[i].value, budget - w);
	else if (x->kind == YNODE_SEQ)
		for (size_t i = 0; i < x->n_items && w <= budget; i++)
			w += walk(x->items[i], budget - w);
	return w;
}

static char dir[] = "/tmp/fuzz-cache-XXXXXX";

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	if (!strcmp(dir + sizeof(dir) - 7, "XXXXXX") && !mkdtemp(dir))
		abort();
	const char *text = (const char *)d + 1;
	size_t len = n - 1;
	uint8_t key[YDOC_CACHE_KEY];
	struct ydoc p, c;
	if (!(d[0] & 1)) {
		struct vmap_errlist errs = {0};
		int r = ydoc_parse(&p, "f", text, len, &errs);
		vmap_errlist_clear(&errs);
		if (r < 0)
			return 0;
		/* an earlier input of the same text may have stored it */
		if (ydoc_cache_load(&c, dir, "f", text, len, key))
			ydoc_free(&c);
		ydoc_cache_store(&p, dir, "f", key);
		CHECK(ydoc_cache_load(&c, dir, "f", text, len, key));
		CHECK(!p.root == !c.root);
		if (p.root) {
			same(p.root, c.root, NULL, NULL, 0);
			CHECK(c.root->weight == p.root->weight);
		}
		ydoc_free(&c);
		ydoc_free(&p);
		return 0;
	}
	static const char txt[] = "x";
	ydoc_cache_key(txt, 1, key);
	if (len < 32)
		return 0;
	char *buf = xmalloc(len);
	memcpy(buf, text, len);
	uint32_t format = 1, rec = 24;
	memcpy(buf, "VMAPYDC1", 8);
	memcpy(buf + 8, &format, 4);
	memcpy(buf + 12, &rec, 4);
	memcpy(buf + 16, key, YDOC_CACHE_KEY);
	if (ydoc_cache_read(&c, buf, len, key, "f", txt, 1)) {
		if (c.root)
			CHECK(walk(c.root, c.root->weight) == c.root->weight);
		ydoc_free(&c);
	}
	return 0;
}
