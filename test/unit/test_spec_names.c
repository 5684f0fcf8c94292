/* test_spec_names.c: device-mapper names and uuids. */
#include "spec_test.h"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void names_use_only_the_udev_safe_characters(void **state)
{
	(void)state;
	assert_true(vmap_name_valid("data"));
	assert_true(vmap_name_valid("vg0-lv_1.snap:2=x@y#z+w"));
	assert_true(vmap_name_valid("..."));
	assert_true(vmap_name_valid(".hidden"));
	assert_false(vmap_name_valid(""));
	assert_false(vmap_name_valid(NULL));
	assert_false(vmap_name_valid("."));
	assert_false(vmap_name_valid(".."));
	assert_false(vmap_name_valid("a/b"));
	assert_false(vmap_name_valid("a b"));
	assert_false(vmap_name_valid("a,b")); /* between + and . but not in the list */
	assert_false(vmap_name_valid("a\nb"));
	assert_false(vmap_name_valid("d\xc3\xa9j\xc3\xa0"));
	assert_false(vmap_name_valid("a*"));
}

static void names_are_at_most_127_characters(void **state)
{
	(void)state;
	char *s = repeat('a', 127);
	assert_true(vmap_name_valid(s));
	free(s);
	s = repeat('a', 128);
	assert_false(vmap_name_valid(s));
	free(s);
}

static char *vol_with(const char *name, const char *uuid)
{
	return uuid ? xasprintf(HDR "  - name: %s\n    uuid: %s\n    table: \"0 1 zero\"\n", name, uuid)
		    : xasprintf(HDR "  - name: %s\n    table: \"0 1 zero\"\n", name);
}

static void uuid_defaults_to_the_name_with_the_vmap_prefix(void **state)
{
	(void)state;
	struct vmap_specset set;
	char *t = vol_with("data", NULL);
	assert_spec_ok(&set, t);
	assert_string_equal(set.vols[0].uuid, "VMAP-data");
	vmap_specset_free(&set);
	free(t);
	t = vol_with("data", "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
	assert_spec_ok(&set, t);
	assert_string_equal(set.vols[0].uuid, "VMAP-1b4e28ba-2fa1-11d2-883f-0016d3cca427");
	vmap_specset_free(&set);
	free(t);
}

static void a_full_uuid_must_fit_128_characters(void **state)
{
	(void)state;
	struct vmap_specset set;
	char *u = repeat('u', 123), *t = vol_with("v", u);
	assert_spec_ok(&set, t);
	assert_int_equal(strlen(set.vols[0].uuid), 128);
	vmap_specset_free(&set);
	free(u);
	free(t);
	u = repeat('u', 124);
	t = vol_with("v", u);
	assert_spec_error(t, 4, 11, "is too long");
	free(u);
	free(t);
}

static void bad_names_are_reported_at_the_name(void **state)
{
	(void)state;
	char *t = vol_with("\"a/b\"", NULL);
	assert_spec_error(t, 3, 11, "volume name 'a/b' has a character that is not allowed");
	free(t);
	t = vol_with("'..'", NULL);
	assert_spec_error(t, 3, 11, "cannot be '.' or '..'");
	free(t);
	char *n = repeat('n', 128);
	t = vol_with(n, NULL);
	assert_spec_error(t, 3, 11, "is too long");
	free(n);
	free(t);
	t = vol_with("\"\"", NULL);
	assert_spec_error(t, 3, 11, "is empty");
	free(t);
	/* a number is not a name until quoted */
	t = vol_with("42", NULL);
	assert_spec_error(t, 3, 11, "'name' must be a string, not an integer (quote it");
	free(t);
	t = vol_with("yes", NULL);
	assert_spec_error(t, 3, 11, "'name' must be a string");
	free(t);
	t = vol_with("\"a,b\"", "x/y");
	assert_spec_error(t, 4, 11, "uuid 'x/y' has a character that is not allowed");
	free(t);
}

static void control_characters_in_names_are_escaped_in_messages(void **state)
{
	(void)state;
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_text(&set, &errs, HDR "  - name: \"a\\e[31mb\"\n    table: \"0 1 zero\"\n"), -1);
	assert_non_null(find_error(&errs, 3, 11, "volume name 'a\\x1b[31mb'"));
	vmap_errlist_clear(&errs);
}

static void a_volume_with_a_bad_name_is_still_checked(void **state)
{
	(void)state;
	struct vmap_specset set;
	struct vmap_errlist errs = {0};
	assert_int_equal(load_text(&set, &errs, HDR "  - name: a/b\n    sise: 1\n    table: \"0 1 zero\"\n"), -1);
	assert_non_null(find_error(&errs, 3, 11, "volume name"));
	const struct vmap_error *e = find_error(&errs, 4, 5, "unknown key 'sise'");
	assert_true(e && !e->volume); /* an invalid name is not used as a label */
	vmap_errlist_clear(&errs);
}

static void kernel_names_read_as_libdm_lists_them(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"plain-name_1.2:x@y#z+w=v", "plain-name_1.2:x@y#z+w=v"},
		{"f-q\\x22x\\x5cy", "f-q\"x\\y"}, /* libdm's mangling of f-q"x\y */
		{"a\\x20b", "a b"},
		{"UP\\x2Fdown", "UP/down"}, /* either case of hex */
		{"a\\x2", "a\\x2"},     /* cut short: kept */
		{"a\\xzz", "a\\xzz"},
		{"nul\\x00", "nul\\x00"}, /* no NUL inside a name */
		{"mixed \\x22", "mixed \\x22"}, /* a plain-set breach: not mangled */
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = vmap_name_unmangle(cases[i][0]);
		assert_string_equal(u, cases[i][1]);
		free(u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_use_only_the_udev_safe_characters),
		cmocka_unit_test(names_are_at_most_127_characters),
		cmocka_unit_test(uuid_defaults_to_the_name_with_the_vmap_prefix),
		cmocka_unit_test(a_full_uuid_must_fit_128_characters),
		cmocka_unit_test(bad_names_are_reported_at_the_name),
		cmocka_unit_test(control_characters_in_names_are_escaped_in_messages),
		cmocka_unit_test(a_volume_with_a_bad_name_is_still_checked),
		cmocka_unit_test(kernel_names_read_as_libdm_lists_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
