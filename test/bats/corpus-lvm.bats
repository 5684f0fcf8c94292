#!/usr/bin/env bats
# Tables that real tools make, taken over by vmapctl: lvm2 (linear over two PVs, striped, thin, snapshot, raid1, mirror,
# cache, writecache)
# (issue 14; test/bats/corpus_helpers.bash says what each test proves).

load helpers
load corpus_helpers
bats_require_minimum_version 1.5.0

setup_file() { corpus_setup_file lvm; }
teardown_file() { corpus_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "lvm2: a linear LV over two PVs (two segments) is taken over as table: and as its export" { check_set lvm-linear-2pv; }
@test "lvm2: a striped LV is taken over as table: and as its export" { check_set lvm-striped; }
@test "lvm2: a thin pool and a thin LV are taken over as table: and as their export" { check_set lvm-thin; }
@test "lvm2: a classic snapshot stack (origin, real, cow, snapshot) is taken over as table: and as its export" { check_set lvm-snapshot; }
@test "lvm2: a raid1 LV with its metadata and image sub-LVs is taken over as table: and as its export" { check_set lvm-raid1; }
@test "lvm2: a --type mirror LV with a disk log is taken over as table: and as its export" { check_set lvm-mirror; }
@test "lvm2: a cached LV (cache pool, metadata2 writethrough) is taken over as table: and as its export" { check_set lvm-cache; }
@test "lvm2: a writecache LV is taken over as table: and as its export" { check_set lvm-writecache; }

@test "every set the corpus generator made is tested here" { every_set_tested; }
