/* test_spec_targets.c: volumes and their targets: typed, raw and table:,
 * where each comes from, and the errors about them. */
#include "spec_test.h"

#include "targets/target.h"

static void typed_targets_are_laid_back_to_back_from_zero(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: data\n    readOnly: true\n    suspend: noflush\n"
				 "    targets:\n"
				 "      - type: linear\n        size: 1GiB\n        device: /dev/sdb\n"
				 "      - type: zero\n        size: 2048\n"
				 "      - type: linear\n        device: /dev/sdc\n        offset: 8\n");
	const struct vmap_volume *v = &set.vols[0];
	assert_string_equal(v->name, "data");
	assert_true(v->read_only);
	assert_int_equal(v->suspend, VMAP_SUSPEND_NOFLUSH);
	assert_int_equal(v->targets[0].form, VMAP_FORM_TYPED);
	assert_int_equal(v->n_targets, 3);
	assert_true(v->targets[0].start == 0 && v->targets[0].size == 2097152);
	assert_true(v->targets[1].start == 2097152 && v->targets[1].size == 2048);
	assert_string_equal(v->targets[1].kernel_name, "zero");
	assert_ptr_equal(v->targets[1].tt, vmap_target_type_find("zero"));
	/* size left out on a single-device target: the rest of the device */
	assert_true(v->targets[2].size_auto && v->targets[2].size == 0);
	assert_true(v->targets[2].start == 2097152 + 2048);
	/* locations: the "type:" key, the size value, the volume item, its name */
	assert_int_equal(v->targets[1].loc.line, 10);
	assert_int_equal(v->targets[1].loc.col, 9);
	assert_int_equal(v->targets[1].size_loc.line, 11);
	assert_int_equal(v->targets[1].size_loc.col, 15);
	assert_int_equal(v->loc.line, 3);
	assert_int_equal(v->loc.col, 5);
	assert_int_equal(v->name_loc.col, 11);
	assert_string_equal(v->loc.file, "t.yaml");
	assert_ptr_equal(v->loc.file, set.files[0]);
	vmap_specset_free(&set);
}

static void size_is_required_where_no_device_gives_it(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: zero\n", 5, 9,
			  "missing required key 'size'");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: striped\n        chunkSize: 8\n"
			      "        stripes: [{device: /dev/a}]\n",
			  5, 9, "missing required key 'size'");
}

static void unknown_keys_and_types_suggest_the_right_one(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: zero\n        sise: 8\n", 6, 9,
			  "unknown key 'sise' (did you mean 'size'?)");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: linaer\n        size: 8\n", 5, 15,
			  "unknown target type 'linaer' (did you mean 'linear'?)");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: nope\n        size: 8\n", 5, 15,
			  "unknown target type 'nope' (one of linear, striped, zero, error");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - size: 8\n", 5, 9,
			  "a target needs 'type'");
	assert_spec_error(HDR "  - name: v\n    targt: []\n", 4, 5,
			  "unknown key 'targt' (did you mean 'targets'?)");
}

static void targets_or_table_exactly_one(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - name: v\n    targets: [{type: zero, size: 1}]\n    table: \"0 1 zero\"\n",
			  5, 5, "a volume has 'targets' or 'table', not both");
	assert_spec_error(HDR "  - name: v\n", 3, 5, "a volume needs 'targets'");
	assert_spec_error(HDR "  - name: v\n    targets: []\n", 4, 14, "'targets' needs at least one target");
	assert_spec_error(HDR "  - name: v\n    targets: {type: zero}\n", 4, 14, "'targets' must be a list");
}

static void raw_targets_keep_words_and_known_types_are_parsed(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: v\n    targets:\n      - type: raw\n        target: writecache\n"
				 "        size: 1GiB\n        args: \"s  7:1 7:2 4096 0\"\n"
				 "      - type: raw\n        target: linear\n        size: 8\n"
				 "        args: /dev/mapper/x 16\n");
	const struct vmap_target *t = &set.vols[0].targets[0];
	assert_ptr_equal(t->tt, &vmap_tt_raw);
	assert_int_equal(t->form, VMAP_FORM_RAW);
	assert_string_equal(t->kernel_name, "writecache");
	/* an unknown type keeps its words, and knows which name devices */
	assert_non_null(t->opaque);
	assert_int_equal(t->opaque->n_words, 5);
	assert_string_equal(t->opaque->words[1], "7:1");
	assert_int_equal(t->opaque->n_refs, 2);
	assert_int_equal(t->opaque->ref_word[0], 1);
	assert_int_equal(t->opaque->refs[1].kind, VMAP_DEV_MAJMIN);
	assert_int_equal(t->opaque->refs[1].minor, 2);
	/* a known type is parsed into its fields once, at load */
	t = &set.vols[0].targets[1];
	assert_ptr_equal(t->tt, vmap_target_type_find("linear"));
	assert_null(t->opaque);
	assert_string_equal(vmap_obj_get(&t->args, "device")->dev->path, "/dev/mapper/x");
	assert_int_equal(vmap_obj_u64(&t->args, "offset", 0), 16);
	vmap_specset_free(&set);
	/* a raw target of a type vmapctl knows: its text is checked now,
	 * at the args value */
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: raw\n        target: linear\n"
			      "        size: 8\n        args: /dev/sdb\n",
			  8, 15, "linear target: takes 2 arguments");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: raw\n        size: 8\n", 5, 9,
			  "missing required key 'target'");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: raw\n        target: \"a b\"\n"
			      "        size: 8\n",
			  6, 17, "'target' is one word of the kernel's table and cannot hold blanks");
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: raw\n        target: \"a.b\"\n"
			      "        size: 8\n",
			  6, 17, "'target' must be a kernel target name");
	/* a typed value is one word: blanks would add arguments to the table */
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: crypt\n        size: 8\n"
			      "        cipher: \"aes xts-plain64\"\n        device: /dev/sdb\n",
			  7, 17, "'cipher' is one word of the kernel's table and cannot hold blanks ('aes xts-plain64')");
	/* raw args: several words, or none at all */
	struct vmap_specset es;
	assert_spec_ok(&es, HDR "  - name: v\n    targets:\n      - type: raw\n        target: zero\n"
			    "        size: 8\n        args: \"\"\n");
	assert_ptr_equal(es.vols[0].targets[0].tt, vmap_target_type_find("zero"));
	vmap_specset_free(&es);
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: raw\n        target: zero\n"
			      "        size: 8\n        args: \"0\\n1 8 zero\"\n",
			  8, 15, "control character");
}

static void table_lines_become_targets_at_their_own_lines(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: legacy\n    table: |\n"
				 "      # the old mapping, verbatim\n"
				 "      0 2048 linear /dev/loop0 0\n"
				 "\n"
				 "      2048   100\tzero\n"
				 "      2148 8 writecache s 7:1 7:2 4096 0  \n");
	const struct vmap_volume *v = &set.vols[0];
	assert_int_equal(v->n_targets, 3);
	assert_int_equal(v->targets[0].form, VMAP_FORM_TABLE);
	assert_ptr_equal(v->targets[0].tt, vmap_target_type_find("linear"));
	assert_string_equal(v->targets[0].kernel_name, "linear");
	assert_string_equal(vmap_obj_get(&v->targets[0].args, "device")->dev->path, "/dev/loop0");
	assert_true(v->targets[1].start == 2048 && v->targets[1].size == 100);
	assert_ptr_equal(v->targets[1].tt, vmap_target_type_find("zero"));
	assert_ptr_equal(v->targets[2].tt, &vmap_tt_raw);
	assert_int_equal(v->targets[2].opaque->n_words, 5);
	assert_string_equal(v->targets[2].opaque->words[4], "0");
	assert_int_equal(v->targets[0].loc.line, 6);
	assert_int_equal(v->targets[0].loc.col, 7);
	assert_int_equal(v->targets[2].loc.line, 9);
	vmap_specset_free(&set);
}

#define TABLE(lines) HDR "  - name: t\n    table: |\n" lines

static void bad_table_lines_are_reported_at_the_line(void **state)
{
	(void)state;
	assert_spec_error(TABLE("      0 8 zero\n      9 8 zero\n"), 6, 7,
			  "table line leaves a gap: it starts at sector 9, the line before ends at 8");
	assert_spec_error(TABLE("      0 8 zero\n      4 8 zero\n"), 6, 7,
			  "table line overlaps the line before");
	assert_spec_error(TABLE("      8 8 zero\n"), 5, 7, "the first line must start at 0");
	assert_spec_error(TABLE("      0 0 zero\n"), 5, 7, "length '0' is not a sector count above 0");
	assert_spec_error(TABLE("      0 8\n"), 5, 7, "table line is not 'START LENGTH TARGET");
	assert_spec_error(TABLE("      zero 0 8\n"), 5, 7, "start 'zero' is not a sector number");
	assert_spec_error(TABLE("      0 8 zero extra\n"), 5, 7, "zero target: takes no arguments");
	assert_spec_error(TABLE("      # nothing\n"), 4, 12, "'table' has no lines");
	assert_spec_error(HDR "  - name: t\n    table: 12\n", 4, 12, "'table' must be a string");
	/* without |, the lines cannot be told apart: the scalar's position */
	assert_spec_error(HDR "  - name: t\n    table: \"0 8 zero\\n9 8 zero\"\n", 4, 12,
			  "leaves a gap");
}

static void a_gap_is_reported_once_not_for_every_later_line(void **state)
{
	(void)state;
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_text(&set, &errs, TABLE("      0 8 zero\n      10 8 zero\n"
						      "      18 8 zero\n      26 8 zero\n")), -1);
	assert_int_equal(errs.n, 1);
	vmap_errlist_clear(&errs);
}

static void table_line_positions_survive_crlf_and_chomping(void **state)
{
	(void)state;
	assert_spec_error("apiVersion: vmapctl/v1\r\nvolumes:\r\n  - name: t\r\n    table: |-\r\n"
			  "        0 8 zero\r\n        9 8 zero\r\n",
			  6, 9, "leaves a gap");
}

static void every_error_in_the_set_is_reported(void **state)
{
	(void)state;
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_text(&set, &errs,
				   HDR "  - name: a\n    sise: 1\n    table: \"0 1 zero\"\n"
				       "  - name: b\n    targets:\n      - {type: zero, size: 1GB}\n"
				       "      - {type: linear, size: 8, device: nope}\n"
				       "  - name: c\n    readOnly: maybe\n    table: \"0 1 zero\"\n"
				       "  - name: a\n    table: \"0 1 zero\"\n"),
			 -1);
	if (errs.n != 5)
		dump_errors(&errs);
	assert_int_equal(errs.n, 5);
	/* in file order, each with its volume */
	assert_int_equal(errs.v[0].line, 4);
	assert_string_equal(errs.v[0].volume, "a");
	assert_int_equal(errs.v[1].line, 8);
	assert_string_equal(errs.v[1].volume, "b");
	assert_int_equal(errs.v[2].line, 9);
	assert_int_equal(errs.v[3].line, 11);
	assert_string_equal(errs.v[3].volume, "c");
	assert_int_equal(errs.v[4].line, 13);
	for (size_t i = 0; i < errs.n; i++)
		assert_int_equal(errs.v[i].kind, VMAP_E_SPEC);
	vmap_errlist_clear(&errs);
}

static void top_level_rules(void **state)
{
	(void)state;
	assert_spec_error("apiVersion: vmapctl/v2\nvolumes: []\n", 1, 13, "unsupported apiVersion 'vmapctl/v2'");
	assert_spec_error("volumes: []\n", 1, 1, "missing required key 'apiVersion'");
	assert_spec_error("apiVersion: vmapctl/v1\n", 1, 1, "missing required key 'volumes'");
	assert_spec_error("apiVersion: vmapctl/v1\nvolumes: {}\n", 2, 10, "'volumes' must be a list");
	assert_spec_error("- a\n", 1, 1, "the top level must be a mapping");
	assert_spec_error("apiVersion: vmapctl/v1\nvolumes: []\nextra: 1\n", 3, 1, "unknown key 'extra'");
	assert_spec_error("apiVersion: vmapctl/v1\nvolumes: [1]\n", 2, 11, "a volume must be a mapping");
	assert_spec_error("", 1, 1, "the spec file is empty");
	assert_spec_error("# only a comment\n", 1, 1, "the spec file is empty");
	struct vmap_specset set;
	assert_spec_ok(&set, "apiVersion: vmapctl/v1\nvolumes: []\n");
	assert_int_equal(set.n_vols, 0);
	assert_int_equal(set.n_files, 1);
	vmap_specset_free(&set);
}

static void suspend_policy_is_one_of_three(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: v\n    suspend: flush\n    table: \"0 1 zero\"\n");
	assert_int_equal(set.vols[0].suspend, VMAP_SUSPEND_FLUSH);
	vmap_specset_free(&set);
	assert_spec_error(HDR "  - name: v\n    suspend: noflsh\n    table: \"0 1 zero\"\n", 4, 14,
			  "'suspend' is 'noflsh', not one of auto, noflush, flush (did you mean 'noflush'?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(typed_targets_are_laid_back_to_back_from_zero),
		cmocka_unit_test(size_is_required_where_no_device_gives_it),
		cmocka_unit_test(unknown_keys_and_types_suggest_the_right_one),
		cmocka_unit_test(targets_or_table_exactly_one),
		cmocka_unit_test(raw_targets_keep_words_and_known_types_are_parsed),
		cmocka_unit_test(table_lines_become_targets_at_their_own_lines),
		cmocka_unit_test(bad_table_lines_are_reported_at_the_line),
		cmocka_unit_test(a_gap_is_reported_once_not_for_every_later_line),
		cmocka_unit_test(table_line_positions_survive_crlf_and_chomping),
		cmocka_unit_test(every_error_in_the_set_is_reported),
		cmocka_unit_test(top_level_rules),
		cmocka_unit_test(suspend_policy_is_one_of_three),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
