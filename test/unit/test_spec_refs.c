/* test_spec_refs.c: references between volumes: dangling ones, cycles,
 * duplicates, and the dependency relation the planner orders on. */
#include "spec_test.h"
#include "targets/target.h"

#define LIN(name, dev)                                                                  \
	"  - name: " name "\n    targets:\n      - type: linear\n        size: 8\n"      \
	"        device: " dev "\n"

static void a_reference_to_a_missing_volume_is_an_error_at_the_reference(void **state)
{
	(void)state;
	assert_spec_error(HDR LIN("data", "/dev/sdb") LIN("top", "{volume: dtaa}"),
			  12, 26, "reference to volume 'dtaa', which is not in the spec set "
				  "(did you mean 'data'?)");
	assert_spec_error(HDR LIN("top", "{volume: nothing}"), 7, 26,
			  "reference to volume 'nothing', which is not in the spec set");
}

static void mapper_paths_to_other_devices_are_not_errors(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR LIN("top", "/dev/mapper/not-managed-here"));
	vmap_specset_free(&set);
}

static void a_volume_on_itself_is_a_cycle(void **state)
{
	(void)state;
	assert_spec_error(HDR LIN("a", "{volume: a}"), 7, 26, "reference cycle: a -> a");
	assert_spec_error(HDR LIN("a", "/dev/mapper/a"), 7, 17, "reference cycle: a -> a");
}

static void two_and_three_volume_cycles_are_named_in_order(void **state)
{
	(void)state;
	assert_spec_error(HDR LIN("a", "{volume: b}") LIN("b", "{volume: a}"), 7, 26,
			  "reference cycle: a -> b -> a");
	assert_spec_error(HDR LIN("c", "/dev/disk/by-id/x") LIN("a", "{volume: b}")
			      LIN("b", "{volume: c2}") LIN("c2", "/dev/mapper/a"),
			  12, 26, "reference cycle: a -> b -> c2 -> a");
}

static void cycles_through_table_text_are_found(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - name: a\n    table: |\n      0 8 linear /dev/mapper/b 0\n"
			  LIN("b", "{volume: a}"),
			  5, 7, "reference cycle: a -> b -> a");
	assert_spec_error(HDR "  - name: a\n    targets:\n      - type: raw\n        target: linear\n"
			      "        size: 8\n        args: /dev/mapper/a 0\n",
			  8, 15, "reference cycle: a -> a");
}

static void one_error_per_cycle_not_per_volume(void **state)
{
	(void)state;
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_text(&set, &errs, HDR LIN("a", "{volume: b}") LIN("b", "{volume: c}")
						LIN("c", "{volume: a}")), -1);
	assert_int_equal(errs.n, 1);
	vmap_errlist_clear(&errs);
}

static char *chain(size_t n, bool closed)
{
	struct sbuf b = {0};
	sbuf_add(&b, HDR);
	for (size_t i = 0; i < n; i++) {
		sbuf_printf(&b, "  - name: v%zu\n    targets:\n      - type: linear\n        size: 8\n", i);
		if (i + 1 < n || closed)
			sbuf_printf(&b, "        device: {volume: v%zu}\n", (i + 1) % n);
		else
			sbuf_add(&b, "        device: /dev/sdb\n");
	}
	return sbuf_take(&b);
}

static void a_deep_stack_is_fine_and_a_long_cycle_is_shortened(void **state)
{
	(void)state;
	struct vmap_specset set;
	char *t = chain(20000, false);
	assert_spec_ok(&set, t);
	assert_int_equal(set.n_vols, 20000);
	vmap_specset_free(&set);
	free(t);
	struct vmap_errlist errs = {0};
	t = chain(1000, true);
	assert_int_equal(load_text(&set, &errs, t), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0].msg, "reference cycle: v0 -> v1 -> "));
	assert_non_null(strstr(errs.v[0].msg, "... (988 more) -> "));
	assert_non_null(strstr(errs.v[0].msg, "-> v999 -> v0 ("));
	vmap_errlist_clear(&errs);
	free(t);
}

static void volume_names_are_unique_and_both_places_are_named(void **state)
{
	(void)state;
	assert_spec_error(HDR LIN("a", "/dev/sdb") LIN("a", "/dev/sdc"), 8, 11,
			  "name is already used by the volume at t.yaml:3:11");
}

static void two_volumes_may_not_share_a_uuid(void **state)
{
	(void)state;
	/* b's uuid defaults to its name: VMAP-b, which a's uuid takes too */
	assert_spec_error(HDR "  - name: a\n    uuid: b\n    table: \"0 1 zero\"\n"
			      "  - name: b\n    table: \"0 1 zero\"\n",
			  6, 11, "uuid 'VMAP-b' is already used by volume 'a' at t.yaml:4:11");
}

struct seen {
	const struct vmap_specset *set;
	const char *names[8];
	unsigned lines[8];
	size_t n;
};

/* The references of a volume that name volumes, with their places. */
static void record(const struct vmap_devref *ref, void *arg)
{
	struct seen *s = arg;
	int vi = vmap_devref_volume(s->set, ref);
	if (vi >= 0 && s->n < 8) {
		s->names[s->n] = s->set->vols[vi].name;
		s->lines[s->n++] = ref->loc.line;
	}
}

static void record_deps(const struct vmap_specset *set, size_t v, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	s->set = set;
	for (size_t t = 0; t < set->vols[v].n_targets; t++)
		vmap_target_foreach_ref(&set->vols[v].targets[t], record, s);
}

static void deps_are_volume_refs_and_mapper_paths_in_fields_and_text(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR LIN("a", "/dev/sda") LIN("b", "/dev/sdb")
		       "  - name: top\n    targets:\n"
		       "      - type: striped\n        size: 24\n        chunkSize: 8\n"
		       "        stripes:\n          - device: {volume: a}\n"
		       "          - device: /dev/mapper/b\n          - device: /dev/mapper/elsewhere\n"
		       "      - type: raw\n        size: 8\n        target: linear\n"
		       "        args: /dev/mapper/a 0\n"
		       "  - name: t\n    table: |\n      0 8 linear /dev/mapper/top 0\n");
	struct seen s;
	record_deps(&set, 2, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "a");
	assert_int_equal(s.lines[0], 19);
	assert_string_equal(s.names[1], "b");
	assert_int_equal(s.lines[1], 20);
	assert_string_equal(s.names[2], "a");
	assert_int_equal(s.lines[2], 25);
	/* the relation the loader keeps: each dependency once, in order */
	assert_int_equal(set.vols[2].n_deps, 2);
	assert_int_equal(set.vols[2].deps[0], 0);
	assert_int_equal(set.vols[2].deps[1], 1);
	record_deps(&set, 3, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.names[0], "top");
	assert_int_equal(s.lines[0], 28);
	assert_int_equal(set.vols[3].n_deps, 1);
	assert_int_equal(set.vols[3].deps[0], 2);
	record_deps(&set, 0, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(set.vols[0].n_deps, 0);
	vmap_specset_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_reference_to_a_missing_volume_is_an_error_at_the_reference),
		cmocka_unit_test(mapper_paths_to_other_devices_are_not_errors),
		cmocka_unit_test(a_volume_on_itself_is_a_cycle),
		cmocka_unit_test(two_and_three_volume_cycles_are_named_in_order),
		cmocka_unit_test(cycles_through_table_text_are_found),
		cmocka_unit_test(one_error_per_cycle_not_per_volume),
		cmocka_unit_test(a_deep_stack_is_fine_and_a_long_cycle_is_shortened),
		cmocka_unit_test(volume_names_are_unique_and_both_places_are_named),
		cmocka_unit_test(two_volumes_may_not_share_a_uuid),
		cmocka_unit_test(deps_are_volume_refs_and_mapper_paths_in_fields_and_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
