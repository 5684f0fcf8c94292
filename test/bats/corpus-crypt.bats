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
@test "integritysetup: an hmac-sha256 integrity device (fix_padding fix_hmac) is taken over as table: and as its export" { check_set integrity; }

@test "every set the corpus generator made is tested here" { every_set_tested; }
