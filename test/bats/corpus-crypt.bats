#!/usr/bin/env bats
# Tables that real tools make, taken over by vmapctl: cryptsetup (LUKS2, plain, LUKS2 with integrity),
# veritysetup and integritysetup
# (issue 14; test/bats/corpus_helpers.bash says what each test proves).

load helpers
load corpus_helpers
bats_require_minimum_version 1.5.0

setup_file() { corpus_setup_file crypt; }
teardown_file() { corpus_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "cryptsetup: LUKS2 with its key in the kernel keyring and 4096-byte sectors is taken over as table: and as its export" { check_set crypt-luks2; }
@test "cryptsetup: a plain mapping is taken over as table: and as its export" { check_set crypt-plain; }
@test "cryptsetup: LUKS2 with hmac-sha256 integrity (crypt over integrity) is taken over as table: and as its export" { check_set crypt-luks2-integrity; }
@test "veritysetup: a verity device is taken over as table: and as its export" { check_set verity; }
@test "integritysetup: an hmac-sha256 integrity device (fix_padding fix_hmac) is taken over as table: and as its export" {
	check_set integrity
	# integritysetup formatted it with fix_padding fix_hmac: the superblock
	# decided them, and the journal and interleave sizes, once; a typed
	# spec that leaves them out matches the device (it planned a reload
	# forever)
	local ex=$BATS_TEST_TMPDIR/export.yaml typed=$BATS_TEST_TMPDIR/typed.yaml
	grep -qE '^ *fixHmac: true' "$ex" || fail "the export has no 'fixHmac: true': $(cat "$ex")"
	grep -vE '^ *(fixPadding|fixHmac|journalSectors|interleaveSectors):' "$ex" >"$typed"
	step "plan of a typed spec without the superblock's fields (must be no change)" \
		vmapctl plan -f "$typed" --detailed-exitcode
	# a value the superblock contradicts cannot be applied: refused, at its key
	sed 's/fixHmac: true/fixHmac: false/' "$ex" >"$typed"
	run vmapctl plan -f "$typed"
	assert_failure 1
	assert_output --partial "fixHmac is false, but the device's superblock was formatted with fix_hmac"
	assert_output --partial "typed.yaml:$(grep -n 'fixHmac:' "$typed" | cut -d: -f1):"
}

@test "every set the corpus generator made is tested here" { every_set_tested; }
