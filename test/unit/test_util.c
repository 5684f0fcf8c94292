/* test_util.c: growable strings, word splitting, error formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "base/error.h"
#include "base/util.h"
#include "model/secret.h"

/* Formatted appends land after what is there, whether they fit the room
 * left or make the buffer grow, and read as plain appends would: an
 * empty result still leaves a string, a %c NUL ends the text there. */
static void sbuf_printf_appends_whether_or_not_it_fits(void **state)
{
	(void)state;
	struct sbuf b = {0};
	sbuf_printf(&b, "%s", "");
	assert_non_null(b.s);
	assert_int_equal(b.len, 0);
	char want[8192] = "", piece[600];
	size_t wl = 0;
	for (int i = 0; i < 40; i++) {
		int w = (i * 37) % 97;
		snprintf(piece, sizeof(piece), "%u:%u [%*d] %s;", (unsigned)i, 7u * (unsigned)i, w, i,
			 i % 5 ? "x" : "");
		memcpy(want + wl, piece, strlen(piece) + 1);
		wl += strlen(piece);
		sbuf_printf(&b, "%u:%u [%*d] %s;", (unsigned)i, 7u * (unsigned)i, w, i, i % 5 ? "x" : "");
		assert_int_equal(b.len, wl);
		assert_string_equal(b.s, want);
	}
	sbuf_printf(&b, "a%cb", '\0');
	assert_int_equal(b.len, wl + 1);
	assert_string_equal(b.s + wl, "a");
	sbuf_free(&b);
}

/* Numbers as printf writes them, appended, at both ends of the range. */
static void sbuf_add_u64_and_devno_write_what_printf_would(void **state)
{
	(void)state;
	static const uint64_t v[] = {0, 7, 10, 2048, 4294967295u, 18446744073709551615u};
	struct sbuf b = {0}, want = {0};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sbuf_add_u64(&b, v[i]);
		sbuf_addc(&b, ' ');
		sbuf_printf(&want, "%llu ", (unsigned long long)v[i]);
	}
	sbuf_add_devno(&b, 253, 0);
	sbuf_add_devno(&b, 4095, 1048575);
	sbuf_printf(&want, "%u:%u%u:%u", 253u, 0u, 4095u, 1048575u);
	assert_string_equal(sbuf_str(&b), sbuf_str(&want));
	assert_int_equal(b.len, want.len);
	sbuf_free(&b);
	sbuf_free(&want);
}

/* Device numbers as the kernel writes them, and nothing else: no blanks,
 * signs, missing halves, other characters or values past 32 bits. */
static void xconcat_joins_three_strings_whole(void **state)
{
	(void)state;
	char *s = xconcat("a ", "linear", " target");
	assert_string_equal(s, "a linear target");
	free(s);
	s = xconcat("VMAP-", "", "");
	assert_string_equal(s, "VMAP-");
	free(s);
	s = xconcat("", "", "");
	assert_string_equal(s, "");
	free(s);
}

static void parse_devno_takes_major_colon_minor_only(void **state)
{
	(void)state;
	unsigned a = 1, b = 1;
	assert_true(parse_devno("7:0", &a, &b));
	assert_int_equal(a, 7);
	assert_int_equal(b, 0);
	assert_true(parse_devno("4294967295:1048575", &a, &b));
	assert_int_equal(a, 4294967295u);
	assert_int_equal(b, 1048575);
	static const char *const bad[] = {"", ":", "7:", ":0", " 7:0", "7:0 ", "-1:0", "+7:0", "7:-0",
					  "7:0x", "7.0", "7:0:1", "4294967296:0", "0:4294967296",
					  "99999999999999999999:1", NULL};
	for (const char *const *s = bad; *s; s++) {
		a = b = 42;
		if (parse_devno(*s, &a, &b))
			fail_msg("'%s' was taken", *s);
		assert_int_equal(a, 42);
	}
}

static void sbuf_grows_past_any_fixed_size(void **state)
{
	(void)state;
	struct sbuf b = {0};
	assert_string_equal(sbuf_str(&b), "");
	for (int i = 0; i < 10000; i++)
		sbuf_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 20000);
	assert_int_equal(b.s[19998], '9');
	char *s = sbuf_take(&b);
	assert_null(b.s);
	free(s);
}

static void split_words_collapses_blanks(void **state)
{
	(void)state;
	size_t n;
	char **w = split_words("  0 2048\tlinear   7:0  0 \n", &n);
	assert_int_equal(n, 5);
	assert_string_equal(w[2], "linear");
	assert_string_equal(w[4], "0");
	assert_null(w[5]);
	strv_free(w);
	w = split_words("   ", &n);
	assert_int_equal(n, 0);
	strv_free(w);
}

static void parse_u64_rejects_junk_and_overflow(void **state)
{
	(void)state;
	uint64_t v;
	assert_true(parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	assert_false(parse_u64("18446744073709551616", &v));
	assert_false(parse_u64("-1", &v));
	assert_false(parse_u64("12k", &v));
	assert_false(parse_u64("", &v));
	assert_false(parse_u64(" 1", &v));
}

static void error_format_has_location_volume_and_errno(void **state)
{
	(void)state;
	struct vmap_errlist el = {0};
	struct vmap_loc loc = {"data.yaml", 12, 9};
	vmap_spec_err(&el, &loc, "web", "unknown key '%s'", "sise");
	vmap_err(&el, VMAP_E_FAILED, 22, NULL, "db", "cannot resume");
	el.v[1].kmsg = strdup("start=1 not aligned");
	char *a = vmap_error_format(&el.v[0]);
	char *b = vmap_error_format(&el.v[1]);
	assert_string_equal(a, "data.yaml:12:9: volume 'web': unknown key 'sise'");
	assert_string_equal(b, "volume 'db': cannot resume: Invalid argument (kernel: start=1 not aligned)");
	assert_int_equal(vmap_errlist_worst(&el), VMAP_E_SPEC);
	free(a);
	free(b);
	vmap_errlist_clear(&el);
}

/* The digest placeholder is the first 64 bits of SHA-256: the published
 * test vectors (FIPS 180-2), so a digest written by one build (a plan,
 * a snapshot) compares equal with one made by another. */
static void key_digest_is_the_first_64_bits_of_sha256(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} v[] = {
		{"", "<key:sha256:e3b0c44298fc1c14>"},
		{"abc", "<key:sha256:ba7816bf8f01cfea>"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "<key:sha256:248d6a61d20638b8>"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sbuf out = {0};
		vmap_key_digest((const unsigned char *)v[i].in, strlen(v[i].in), &out);
		assert_string_equal(sbuf_str(&out), v[i].want);
		sbuf_free(&out);
	}
	/* hex text is digested as the bytes it spells: "616263" is "abc" */
	struct sbuf out = {0};
	vmap_key_text_digest("616263", 6, &out);
	assert_string_equal(sbuf_str(&out), "<key:sha256:ba7816bf8f01cfea>");
	sbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sbuf_grows_past_any_fixed_size),
		cmocka_unit_test(parse_devno_takes_major_colon_minor_only),
		cmocka_unit_test(xconcat_joins_three_strings_whole),
		cmocka_unit_test(sbuf_add_u64_and_devno_write_what_printf_would),
		cmocka_unit_test(sbuf_printf_appends_whether_or_not_it_fits),
		cmocka_unit_test(key_digest_is_the_first_64_bits_of_sha256),
		cmocka_unit_test(split_words_collapses_blanks),
		cmocka_unit_test(parse_u64_rejects_junk_and_overflow),
		cmocka_unit_test(error_format_has_location_volume_and_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
