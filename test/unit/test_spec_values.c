/* test_spec_values.c: every field kind of a target's arguments, through a
 * made-up object type (the real types come and go; the rules per kind must
 * hold for all of them). */
#include "spec_test.h"

#include "specset/build.h"
#include "specset/values.h"
#include "targets/target.h"
#include "specset/yaml_doc.h"

static const char *const modes[] = {"fast", "safe", "paranoid", NULL};

static const struct vmap_field item_fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED, .doc = "a device"},
	{.key = "weight", .kind = VMAP_F_U64, .doc = "a weight"},
};
static const struct vmap_objtype item_type = {"item", item_fields, 2, "an item"};

static const struct vmap_field fields[] = {
	{.key = "count", .kind = VMAP_F_U64, .min = 1, .max = 16, .doc = "how many"},
	{.key = "chunk", .kind = VMAP_F_SECTORS, .min = 8, .doc = "a size"},
	{.key = "flag", .kind = VMAP_F_BOOL, .doc = "a switch"},
	{.key = "label", .kind = VMAP_F_STRING, .doc = "a word"},
	{.key = "mode", .kind = VMAP_F_ENUM, .choices = modes, .doc = "a choice"},
	{.key = "salt", .kind = VMAP_F_HEX, .doc = "hex"},
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED, .doc = "the device"},
	{.key = "key", .kind = VMAP_F_SECRET, .doc = "a key"},
	{.key = "items", .kind = VMAP_F_LIST, .flags = VMAP_FF_NONEMPTY, .item = &item_type,
	 .doc = "items"},
	{.key = "options", .kind = VMAP_F_MAP, .doc = "options"},
};
static const struct vmap_objtype fake = {"fake", fields, sizeof(fields) / sizeof(fields[0]),
					 "a made-up type"};

/* Fill an object of type `fake` from `yaml` (one mapping).  Returns the
 * number of errors; *o stays valid (its locations do not). */
static size_t fill(const char *yaml, struct vmap_obj *o, struct vmap_errlist *errs)
{
	struct vmap_specset set;
	struct spec_build b;
	struct ydoc doc;
	spec_build_init(&b, &set, errs);
	const char *file = spec_build_add_file(&b, "v.yaml");
	assert_int_equal(ydoc_parse(&doc, file, yaml, strlen(yaml), errs), 0);
	b.doc = &doc;
	b.file = file;
	memset(o, 0, sizeof(*o));
	bobject(&b, o, &fake, doc.root, NULL, 0, NULL, "a fake target");
	ydoc_free(&doc);
	spec_build_finish(&b);
	vmap_specset_free(&set);
	return errs->n;
}

static void expect_one_error(const char *yaml, unsigned line, unsigned col, const char *sub)
{
	struct vmap_obj o;
	struct vmap_errlist errs = {0};
	size_t n = fill(yaml, &o, &errs);
	if (n != 1 || !find_error(&errs, line, col, sub)) {
		dump_errors(&errs);
		fail_msg("wanted one error: %u:%u: %s", line, col, sub);
	}
	vmap_obj_free(&o);
	vmap_errlist_clear(&errs);
}

static void every_kind_fills_its_value(void **state)
{
	(void)state;
	struct vmap_obj o;
	struct vmap_errlist errs = {0};
	assert_int_equal(fill("count: 4\nchunk: 64KiB\nflag: true\nlabel: aes-xts\nmode: safe\n"
			      "salt: 00ff\ndevice: \"8:16\"\nkey: {keyring: \"logon:k\"}\n"
			      "items:\n  - device: {udev: {ID_SERIAL: s1, ID_BUS: scsi}}\n    weight: 2\n"
			      "options: {a: \"1\", b: x}\n",
			      &o, &errs), 0);
	assert_true(vmap_obj_u64(&o, "count", 0) == 4);
	assert_true(vmap_obj_u64(&o, "chunk", 0) == 128);
	assert_true(vmap_obj_bool(&o, "flag"));
	assert_string_equal(vmap_obj_str(&o, "label", NULL), "aes-xts");
	assert_string_equal(vmap_obj_str(&o, "mode", NULL), "safe");
	assert_string_equal(vmap_obj_str(&o, "salt", NULL), "00ff");
	const struct vmap_devref *d = vmap_obj_get(&o, "device")->dev;
	assert_true(d->kind == VMAP_DEV_MAJMIN && d->major == 8 && d->minor == 16);
	const struct vmap_secret *k = vmap_obj_get(&o, "key")->secret;
	assert_true(k->kind == VMAP_SECRET_KEYRING);
	assert_string_equal(k->value, "logon:k");
	const struct vmap_value *it = vmap_obj_get(&o, "items");
	assert_int_equal(it->n_items, 1);
	d = vmap_obj_get(&it->items[0], "device")->dev;
	assert_true(d->kind == VMAP_DEV_UDEV);
	assert_int_equal(d->n_props, 2);
	assert_string_equal(d->props[0].key, "ID_BUS"); /* sorted by key */
	assert_string_equal(d->props[1].value, "s1");
	const struct vmap_value *op = vmap_obj_get(&o, "options");
	assert_int_equal(op->n_kv, 2);
	assert_string_equal(op->kv[0].key, "a"); /* in the order written */
	assert_string_equal(op->kv[0].value, "1");
	vmap_obj_free(&o);
}

static void bounds_are_checked(void **state)
{
	(void)state;
	expect_one_error("count: 0\ndevice: /dev/a\n", 1, 8, "'count' must be at least 1");
	expect_one_error("count: 17\ndevice: /dev/a\n", 1, 8, "'count' must be at most 16");
	expect_one_error("chunk: 2KiB\ndevice: /dev/a\n", 1, 8, "'chunk' must be at least 8 sectors");
}

static void plain_values_are_typed_and_quoted_ones_are_strings(void **state)
{
	(void)state;
	expect_one_error("count: \"4\"\ndevice: /dev/a\n", 1, 8,
			 "'count' must be an unsigned integer, not a string (write the number without quotes)");
	expect_one_error("flag: yes\ndevice: /dev/a\n", 1, 7, "(write true or false)");
	expect_one_error("flag: \"true\"\ndevice: /dev/a\n", 1, 7, "'flag' must be true or false");
	expect_one_error("label: 010\ndevice: /dev/a\n", 1, 8, "quote it to make it a string");
	expect_one_error("label: 2024-01-01\ndevice: /dev/a\n", 1, 8, "quote it to make it a string");
	expect_one_error("label: 1e3\ndevice: /dev/a\n", 1, 8, "quote it to make it a string");
	expect_one_error("label: ~\ndevice: /dev/a\n", 1, 8, "'label' must be a string, not empty");
	expect_one_error("label: \"a\\nb\"\ndevice: /dev/a\n", 1, 8, "control character");
	expect_one_error("label: \"\"\ndevice: /dev/a\n", 1, 8, "'label' is empty");
	expect_one_error("label: \"a\\0b\"\ndevice: /dev/a\n", 1, 8, "NUL character");
	expect_one_error("count: -3\ndevice: /dev/a\n", 1, 8, "must not be negative");
	expect_one_error("count: 0x10\ndevice: /dev/a\n", 1, 8, "must be an unsigned integer");
}

static void enums_list_their_choices_and_suggest(void **state)
{
	(void)state;
	expect_one_error("mode: sfe\ndevice: /dev/a\n", 1, 7,
			 "'mode' is 'sfe', not one of fast, safe or paranoid (did you mean 'safe'?)");
}

static void hex_fields_need_pairs_of_hex_digits(void **state)
{
	(void)state;
	expect_one_error("salt: abc\ndevice: /dev/a\n", 1, 7, "'salt' must be hex digits");
	expect_one_error("salt: zz\ndevice: /dev/a\n", 1, 7, "'salt' must be hex digits");
}

static void devices_take_the_four_forms_and_nothing_else(void **state)
{
	(void)state;
	expect_one_error("device: 8:16\n", 1, 9, "write a device number in quotes (\"8:16\")");
	expect_one_error("device: \"8:99999999\"\n", 1, 9, "is not a device number");
	expect_one_error("device: sdb\n", 1, 9, "'device': 'sdb' is not a device (use a /dev path");
	expect_one_error("device: {volume: a, udev: {A: b}}\n", 1, 21, "not both");
	expect_one_error("device: {}\n", 1, 9, "needs 'volume' or 'udev'");
	expect_one_error("device: {udev: {}}\n", 1, 16, "needs at least one property");
	expect_one_error("device: {vol: a}\n", 1, 10, "unknown key 'vol'");
	expect_one_error("device: {volume: \"a b\"}\n", 1, 18, "is not a volume name");
	expect_one_error("device: [a]\n", 1, 9, "must be a device");
	expect_one_error("device: {udev: {ID_SERIAL: 1234}}\n", 1, 28, "quote it");
	expect_one_error("count: 1\n", 1, 1, "missing required key 'device': the device");
}

static void secrets_never_appear_in_messages(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"key: {hex: \"00112233445566778899aabbccddeefg\"}\n",
		"key: {hex: \"00112233445566778899aabbccddeef\"}\n",
		"key: {hex: 0011223344556677}\n",
		"key: 00112233445566778899aabbccddeeff\n",
		"key: {hex: \"00112233445566778899aabbccddeeff\", file: /k}\n",
		"key: {hex: [00112233445566778899aabbccddeeff]}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *y = xasprintf("device: /dev/a\n%s", bad[i]);
		struct vmap_obj o;
		struct vmap_errlist errs = {0};
		assert_true(fill(y, &o, &errs) >= 1);
		for (size_t k = 0; k < errs.n; k++) {
			char *m = vmap_error_format(&errs.v[k]);
			if (strstr(m, "0011223344"))
				fail_msg("key material in '%s'", m);
			free(m);
		}
		vmap_obj_free(&o);
		vmap_errlist_clear(&errs);
		free(y);
	}
	expect_one_error("device: /dev/a\nkey: {hex: \"abcg\"}\n", 2, 12,
			 "'key': hex has a character that is not a hex digit");
	expect_one_error("device: /dev/a\nkey: {hex: \"abc\"}\n", 2, 12,
			 "'key': hex needs an even, non-zero number of digits");
}

static void secret_forms(void **state)
{
	(void)state;
	expect_one_error("device: /dev/a\nkey: {file: keys/a}\n", 2, 13, "must be an absolute path");
	expect_one_error("device: /dev/a\nkey: {keyring: \"desc\"}\n", 2, 16, "TYPE:DESCRIPTION");
	expect_one_error("device: /dev/a\nkey: {}\n", 2, 6, "needs exactly one of");
	struct vmap_obj o;
	struct vmap_errlist errs = {0};
	assert_int_equal(fill("device: /dev/a\nkey: {file: /etc/keys/a.key}\n", &o, &errs), 0);
	assert_true(vmap_obj_get(&o, "key")->secret->kind == VMAP_SECRET_FILE);
	vmap_obj_free(&o);
	assert_int_equal(fill("device: /dev/a\nkey: {hex: \"00FFaa\"}\n", &o, &errs), 0);
	assert_true(vmap_obj_get(&o, "key")->secret->kind == VMAP_SECRET_HEX);
	vmap_obj_free(&o);
}

static void lists_and_maps(void **state)
{
	(void)state;
	expect_one_error("device: /dev/a\nitems: []\n", 2, 8, "'items' needs at least one item");
	expect_one_error("device: /dev/a\nitems: [x]\n", 2, 9, "an item of 'items' must be a mapping");
	expect_one_error("device: /dev/a\nitems: [{weight: 1}]\n", 2, 9,
			 "missing required key 'device'");
	expect_one_error("device: /dev/a\nitems: [{device: /dev/b, wieght: 1}]\n", 2, 26,
			 "unknown key 'wieght' (did you mean 'weight'?)");
	expect_one_error("device: /dev/a\noptions: {a: 1}\n", 2, 14, "quote it");
	expect_one_error("device: /dev/a\noptions: {a: x, a: y}\n", 2, 17, "duplicate key 'a'");
}

static void unknown_keys_without_a_close_match_list_the_keys(void **state)
{
	(void)state;
	expect_one_error("device: /dev/a\nzzzzzzzz: 1\n", 2, 1,
			 "unknown key 'zzzzzzzz' (a fake target takes count, chunk, flag, label, mode, "
			 "salt, device, key, items or options)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_fills_its_value),
		cmocka_unit_test(bounds_are_checked),
		cmocka_unit_test(plain_values_are_typed_and_quoted_ones_are_strings),
		cmocka_unit_test(enums_list_their_choices_and_suggest),
		cmocka_unit_test(hex_fields_need_pairs_of_hex_digits),
		cmocka_unit_test(devices_take_the_four_forms_and_nothing_else),
		cmocka_unit_test(secrets_never_appear_in_messages),
		cmocka_unit_test(secret_forms),
		cmocka_unit_test(lists_and_maps),
		cmocka_unit_test(unknown_keys_without_a_close_match_list_the_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
