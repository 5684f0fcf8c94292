/* test_spec_yaml.c: the YAML layer: positions, typing of plain scalars,
 * and the limits that keep hostile input cheap. */
#include <time.h>

#include "spec_test.h"

#include "specset/yaml_doc.h"

static enum yscalar_type type_of(const char *yaml)
{
	struct ydoc doc;
	struct vmap_errlist errs = {0};
	assert_int_equal(ydoc_parse(&doc, "y", yaml, strlen(yaml), &errs), 0);
	assert_non_null(doc.root);
	enum yscalar_type t = ynode_scalar_type(doc.root);
	ydoc_free(&doc);
	return t;
}

static void plain_scalars_are_typed_like_every_yaml_reader_would(void **state)
{
	(void)state;
	assert_int_equal(type_of("hello"), YS_STR);
	assert_int_equal(type_of("1GiB"), YS_STR);
	assert_int_equal(type_of("/dev/sdb"), YS_STR);
	assert_int_equal(type_of("8:64x"), YS_STR);
	assert_int_equal(type_of("2024-01-01-backup"), YS_STR);
	assert_int_equal(type_of("\"123\""), YS_STR);
	assert_int_equal(type_of("'true'"), YS_STR);
	assert_int_equal(type_of("!!str 123"), YS_STR);
	assert_int_equal(type_of("123"), YS_INT);
	assert_int_equal(type_of("-5"), YS_INT);
	assert_int_equal(type_of("0"), YS_INT);
	assert_int_equal(type_of("true"), YS_BOOL);
	assert_int_equal(type_of("FALSE"), YS_BOOL);
	assert_int_equal(type_of("~"), YS_NULL);
	assert_int_equal(type_of("null"), YS_NULL);
	/* YAML 1.1 readers (PyYAML, libyaml users) see these as non-strings */
	static const char *const other[] = {"yes", "Off", "010", "0x1F", "0o17", "0b101", "1_000",
					    "8:16", "190:20:30", "1.5", "1e3", ".5", ".inf", "-.Inf",
					    ".NaN", "2024-01-01", "2001-12-14t21:59:43.10-05:00",
					    "2001-12-14 21:59:43.10 -5", "=", NULL};
	for (const char *const *s = other; *s; s++)
		if (type_of(*s) != YS_OTHER)
			fail_msg("'%s' should be YS_OTHER", *s);
}

/* Each word YAML gives a meaning, in every spelling, and words that only
 * start like one: the typing looks at a value's first character before
 * comparing it with the lists. */
static void every_null_and_boolean_word_is_typed_and_near_misses_are_strings(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum yscalar_type want;
	} cases[] = {
		{"~", YS_NULL}, {"null", YS_NULL}, {"Null", YS_NULL}, {"NULL", YS_NULL},
		{"true", YS_BOOL}, {"True", YS_BOOL}, {"TRUE", YS_BOOL},
		{"false", YS_BOOL}, {"False", YS_BOOL}, {"FALSE", YS_BOOL},
		{"yes", YS_OTHER}, {"Yes", YS_OTHER}, {"YES", YS_OTHER},
		{"no", YS_OTHER}, {"No", YS_OTHER}, {"NO", YS_OTHER},
		{"on", YS_OTHER}, {"On", YS_OTHER}, {"ON", YS_OTHER},
		{"off", YS_OTHER}, {"Off", YS_OTHER}, {"OFF", YS_OTHER},
		{".inf", YS_OTHER}, {"+.INF", YS_OTHER}, {".nan", YS_OTHER},
		{"nul", YS_STR}, {"nULL", YS_STR}, {"tRUE", YS_STR}, {"truex", YS_STR},
		{"fals", YS_STR}, {"y", YS_STR}, {"n", YS_STR}, {"offset", YS_STR},
		{"one", YS_STR}, {"Ok", YS_STR}, {"~x", YS_STR}, {".info", YS_STR},
		{"linear", YS_STR}, {"v0", YS_STR}, {"/dev/loop0", YS_STR}, {"2048", YS_INT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (type_of(cases[i].text) != cases[i].want)
			fail_msg("'%s' typed %d, want %d", cases[i].text, type_of(cases[i].text),
				 cases[i].want);
}

static void positions_are_one_based_lines_and_columns(void **state)
{
	(void)state;
	struct ydoc doc;
	struct vmap_errlist errs = {0};
	const char *y = "a: 1\nb:\n  - x\n  - {c: d}\n";
	assert_int_equal(ydoc_parse(&doc, "y", y, strlen(y), &errs), 0);
	const struct ynode *b = doc.root->pairs[1].value;
	assert_int_equal(b->loc.line, 3);
	assert_int_equal(b->loc.col, 3);
	assert_int_equal(b->items[1]->loc.col, 5);
	assert_int_equal(b->items[1]->pairs[0].value->loc.col, 9);
	assert_int_equal(doc.root->pairs[0].key->loc.line, 1);
	ydoc_free(&doc);
}

/* Thousands of values (the nodes are allocated in blocks) keep their
 * text, kinds and positions, an empty value is "", and a quoted value
 * with an escaped NUL keeps its length. */
static void many_values_keep_their_text_and_positions(void **state)
{
	(void)state;
	struct sbuf y = {0};
	enum { N = 5000 };
	for (int i = 0; i < N; i++)
		sbuf_printf(&y, "- {k%d: v%d, e: , q: \"a\\0b\"}\n", i, i);
	struct ydoc doc;
	struct vmap_errlist errs = {0};
	assert_int_equal(ydoc_parse(&doc, "y", y.s, y.len, &errs), 0);
	assert_int_equal(doc.root->kind, YNODE_SEQ);
	assert_int_equal(doc.root->n_items, N);
	assert_int_equal(doc.n_nodes, 1 + N * 7);
	for (int i = 0; i < N; i++) {
		const struct ynode *m = doc.root->items[i];
		char want[32];
		assert_int_equal(m->kind, YNODE_MAP);
		assert_int_equal(m->n_pairs, 3);
		assert_int_equal(m->loc.line, i + 1);
		snprintf(want, sizeof(want), "k%d", i);
		assert_string_equal(m->pairs[0].key->str, want);
		snprintf(want, sizeof(want), "v%d", i);
		assert_string_equal(m->pairs[0].value->str, want);
		assert_int_equal(m->pairs[0].value->len, strlen(want));
		assert_int_equal(m->pairs[0].value->loc.line, i + 1);
		assert_int_equal(m->pairs[1].value->len, 0);
		assert_string_equal(m->pairs[1].value->str, "");
		assert_int_equal(ynode_scalar_type(m->pairs[1].value), YS_NULL);
		assert_int_equal(m->pairs[2].value->len, 3);
		assert_memory_equal(m->pairs[2].value->str, "a\0b", 4);
	}
	ydoc_free(&doc);
	sbuf_free(&y);
}

static void syntax_errors_are_one_error_with_a_position(void **state)
{
	(void)state;
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_text(&set, &errs, HDR "  - name: x\n    bad: : x\n  - name: [\n"), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 4);
	assert_int_equal(errs.v[0].col, 10);
	assert_non_null(strstr(errs.v[0].msg, "invalid YAML: mapping values are not allowed"));
	vmap_errlist_clear(&errs);
	assert_spec_error(HDR "  - name: \"a\xff\"\n", 3, 13, "the file is not UTF-8 text (invalid leading UTF-8 octet)");
	assert_spec_error(HDR "  - name: \"a\x01\"\n", 3, 13, "control characters are not allowed");
	assert_spec_error(HDR "\t- name: x\n", 3, 1, "invalid YAML");
}

static void one_document_per_file(void **state)
{
	(void)state;
	assert_spec_error(HDR "  []\n---\n" HDR "  []\n", 4, 1, "a spec file holds one YAML document");
	assert_spec_error("---\n" HDR "  []\n...\n---\n", 6, 1, "a spec file holds one YAML document");
}

static void duplicate_keys_are_errors_at_every_level(void **state)
{
	(void)state;
	assert_spec_error("apiVersion: vmapctl/v1\napiVersion: vmapctl/v1\nvolumes: []\n", 2, 1,
			  "duplicate key 'apiVersion' (first given at 1:1)");
	assert_spec_error(HDR "  - name: a\n    name: b\n    table: \"0 1 zero\"\n", 4, 5,
			  "duplicate key 'name'");
	assert_spec_error(HDR "  - name: a\n    targets:\n      - type: zero\n        size: 1\n"
			      "        size: 2\n", 7, 9, "duplicate key 'size' (first given at 6:9)");
	assert_spec_error(HDR "  - name: a\n    targets:\n      - type: linear\n        size: 1\n"
			      "        device: {udev: {A: b, A: c}}\n", 7, 31, "duplicate key 'A'");
}

static void aliases_work_within_a_budget(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: a\n    targets:\n"
				 "      - &z {type: zero, size: 8}\n      - *z\n"
				 "  - name: b\n    targets:\n      - *z\n");
	assert_int_equal(set.vols[0].n_targets, 2);
	assert_true(set.vols[0].targets[1].start == 8);
	assert_int_equal(set.vols[1].n_targets, 1);
	vmap_specset_free(&set);
	assert_spec_error(HDR "  - *nothing\n", 3, 5, "alias to an anchor that is not defined");
	assert_spec_error(HDR "  - &x [*x]\n", 3, 9, "alias to an anchor that is not defined");
	assert_spec_error(HDR "  - name: a\n    <<: {table: \"0 1 zero\"}\n", 4, 5,
			  "YAML merge keys ('<<') are not supported");
}

static void an_alias_bomb_is_refused_at_once(void **state)
{
	(void)state;
	struct sbuf b = {0};
	sbuf_add(&b, "apiVersion: vmapctl/v1\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 30; i++) {
		sbuf_printf(&b, "l%d: &l%d [", i, i);
		for (int k = 0; k < 10; k++)
			sbuf_printf(&b, "%s*l%d", k ? ", " : "", i - 1);
		sbuf_add(&b, "]\n");
	}
	sbuf_add(&b, "volumes: [*l29]\n");
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	clock_t t0 = clock();
	assert_int_equal(load_text(&set, &errs, sbuf_str(&b)), -1);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_true(secs < 0.5);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0].msg, "YAML aliases expand to more than"));
	assert_int_equal(errs.v[0].line, 7);
	vmap_errlist_clear(&errs);
	sbuf_free(&b);
}

static void nesting_is_bounded(void **state)
{
	(void)state;
	struct sbuf b = {0};
	sbuf_add(&b, "apiVersion: vmapctl/v1\nvolumes: ");
	for (int i = 0; i < 100000; i++)
		sbuf_addc(&b, '[');
	/* the top mapping is one level, so the 64th '[' is one too many */
	assert_spec_error(sbuf_str(&b), 2, 73, "nesting deeper than 64 levels");
	sbuf_free(&b);
}

static void tags_other_than_str_are_refused(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - name: !!int \"12\"\n", 3, 11, "YAML tags are not supported");
	assert_spec_error(HDR "  - !vol {name: a}\n", 3, 5, "YAML tags are not supported");
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: !!str 12\n    table: \"0 1 zero\"\n");
	assert_string_equal(set.vols[0].name, "12");
	vmap_specset_free(&set);
}

static void complex_keys_are_refused(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - ? [a]\n    : b\n", 3, 7, "a mapping key must be a string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_scalars_are_typed_like_every_yaml_reader_would),
		cmocka_unit_test(every_null_and_boolean_word_is_typed_and_near_misses_are_strings),
		cmocka_unit_test(positions_are_one_based_lines_and_columns),
		cmocka_unit_test(many_values_keep_their_text_and_positions),
		cmocka_unit_test(syntax_errors_are_one_error_with_a_position),
		cmocka_unit_test(one_document_per_file),
		cmocka_unit_test(duplicate_keys_are_errors_at_every_level),
		cmocka_unit_test(aliases_work_within_a_budget),
		cmocka_unit_test(an_alias_bomb_is_refused_at_once),
		cmocka_unit_test(nesting_is_bounded),
		cmocka_unit_test(tags_other_than_str_are_refused),
		cmocka_unit_test(complex_keys_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
