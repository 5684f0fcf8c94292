/* test_spec_size.c: sizes and offsets, as strings (vmap_parse_size) and as
 * written in a spec (integers are sectors, strings need a unit). */
#include "spec_test.h"

static uint64_t size_ok(const char *s)
{
	uint64_t v = 0;
	const char *why = NULL;
	if (vmap_parse_size(s, &v, &why) != 0)
		fail_msg("'%s' should parse: %s", s, why);
	return v;
}

static const char *size_bad(const char *s)
{
	uint64_t v = 0;
	const char *why = NULL;
	if (vmap_parse_size(s, &v, &why) != -1)
		fail_msg("'%s' should not parse (got %llu)", s, (unsigned long long)v);
	assert_non_null(why);
	return why;
}

static void units_are_binary_and_in_sectors(void **state)
{
	(void)state;
	assert_true(size_ok("2048s") == 2048);
	assert_true(size_ok("0s") == 0);
	assert_true(size_ok("512B") == 1);
	assert_true(size_ok("0B") == 0);
	assert_true(size_ok("1KiB") == 2);
	assert_true(size_ok("1MiB") == 2048);
	assert_true(size_ok("1GiB") == 2097152);
	assert_true(size_ok("3TiB") == 3ULL * 2147483648ULL);
	assert_true(size_ok("1PiB") == 1ULL << 41);
	assert_true(size_ok("007MiB") == 7 * 2048);
}

static void bytes_must_be_whole_sectors(void **state)
{
	(void)state;
	assert_non_null(strstr(size_bad("1000B"), "multiple of 512"));
	assert_non_null(strstr(size_bad("513B"), "multiple of 512"));
	assert_true(size_ok("1536B") == 3);
}

static void unknown_units_and_junk_are_refused(void **state)
{
	(void)state;
	assert_non_null(strstr(size_bad("10GB"), "unknown unit"));
	assert_non_null(strstr(size_bad("10G"), "unknown unit"));
	assert_non_null(strstr(size_bad("10gib"), "unknown unit"));
	assert_non_null(strstr(size_bad("10 GiB"), "unknown unit"));
	assert_non_null(strstr(size_bad("1.5GiB"), "unknown unit"));
	assert_non_null(strstr(size_bad("2048"), "no unit"));
	size_bad("");
	size_bad("GiB");
	size_bad("-1GiB");
	size_bad("+1GiB");
	size_bad(" 1GiB");
}

static void overflow_is_an_error_not_a_wrap(void **state)
{
	(void)state;
	assert_true(size_ok("18446744073709551615s") == UINT64_MAX);
	assert_non_null(strstr(size_bad("18446744073709551616s"), "too large"));
	assert_true(size_ok("8388607PiB") == 8388607ULL << 41);
	assert_non_null(strstr(size_bad("8388608PiB"), "too large"));
	assert_non_null(strstr(size_bad("99999999999999999999999B"), "too large"));
	/* the largest byte count that is a multiple of 512 */
	assert_true(size_ok("18446744073709551104B") == UINT64_MAX / 512);
}

#define LIN(size) HDR "  - name: v\n    targets:\n      - type: zero\n        size: " size "\n"

static void spec_integers_are_sectors_and_strings_need_units(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, LIN("4096"));
	assert_true(set.vols[0].targets[0].size == 4096);
	vmap_specset_free(&set);
	assert_spec_ok(&set, LIN("2MiB"));
	assert_true(set.vols[0].targets[0].size == 4096);
	vmap_specset_free(&set);
	assert_spec_ok(&set, LIN("\"4096s\""));
	assert_true(set.vols[0].targets[0].size == 4096);
	vmap_specset_free(&set);
	/* a quoted number is a string, and a string needs a unit */
	assert_spec_error(LIN("\"4096\""), 6, 15, "no unit");
}

static void spec_size_rejects_negative_float_zero_and_overflow(void **state)
{
	(void)state;
	assert_spec_error(LIN("-1"), 6, 15, "'size' must not be negative");
	assert_spec_error(LIN("1.5"), 6, 15, "'size' must be a size");
	assert_spec_error(LIN("0"), 6, 15, "'size' must be more than 0");
	assert_spec_error(LIN("0s"), 6, 15, "'size' must be more than 0");
	assert_spec_error(LIN("18446744073709551616"), 6, 15, "too large");
	assert_spec_error(LIN("0x100"), 6, 15, "'size' must be a size");
	assert_spec_error(LIN("1_000"), 6, 15, "'size' must be a size");
	assert_spec_error(LIN("[1]"), 6, 15, "not a list");
	assert_spec_error(LIN("1000B"), 6, 15, "not a multiple of 512 bytes");
}

static void volume_larger_than_2_64_sectors_is_an_error(void **state)
{
	(void)state;
	assert_spec_error(HDR "  - name: v\n    targets:\n"
			      "      - {type: zero, size: 18446744073709551615}\n"
			      "      - {type: zero, size: 1}\n",
			  6, 28, "larger than 2^64 sectors");
}

static void offsets_take_units_too(void **state)
{
	(void)state;
	struct vmap_specset set;
	assert_spec_ok(&set, HDR "  - name: v\n    targets:\n      - type: linear\n        size: 8\n"
				 "        device: /dev/sdb\n        offset: 1MiB\n");
	assert_true(vmap_obj_u64(&set.vols[0].targets[0].args, "offset", 0) == 2048);
	vmap_specset_free(&set);
	assert_spec_error(HDR "  - name: v\n    targets:\n      - type: linear\n        size: 8\n"
			      "        device: /dev/sdb\n        offset: 100B\n",
			  8, 17, "invalid 'offset' value '100B': not a multiple of 512 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(units_are_binary_and_in_sectors),
		cmocka_unit_test(bytes_must_be_whole_sectors),
		cmocka_unit_test(unknown_units_and_junk_are_refused),
		cmocka_unit_test(overflow_is_an_error_not_a_wrap),
		cmocka_unit_test(spec_integers_are_sectors_and_strings_need_units),
		cmocka_unit_test(spec_size_rejects_negative_float_zero_and_overflow),
		cmocka_unit_test(volume_larger_than_2_64_sectors_is_an_error),
		cmocka_unit_test(offsets_take_units_too),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
