#!/usr/bin/env bats
# Tables that real tools make, taken over by vmapctl: one table per target type in the shape of the
# kernel documentation's examples (Documentation/admin-guide/device-mapper/),
# made with dmsetup
# (issue 14; test/bats/corpus_helpers.bash says what each test proves).

load helpers
load corpus_helpers
bats_require_minimum_version 1.5.0

setup_file() { corpus_setup_file docs; }
teardown_file() { corpus_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "kernel docs: a two-line linear table is taken over as table: and as its export" { check_set doc-linear; }
@test "kernel docs: a striped table is taken over as table: and as its export" { check_set doc-striped; }
@test "kernel docs: unstriped over striped is taken over as table: and as its export" { check_set doc-unstriped; }
@test "kernel docs: a zero table is taken over as table: and as its export" { check_set doc-zero; }
@test "kernel docs: an error table is taken over as table: and as its export" { check_set doc-error; }
@test "kernel docs: a crypt table with a hex key is taken over as table: and as its export" { check_set doc-crypt; }
@test "kernel docs: a delay table with read, write and flush devices is taken over as table: and as its export" { check_set doc-delay; }
@test "kernel docs: a flakey table is taken over as table: and as its export" { check_set doc-flakey; }
@test "kernel docs: a dust table is taken over as table: and as its export" { check_set doc-dust; }
@test "kernel docs: an ebs table is taken over as table: and as its export" { check_set doc-ebs; }
@test "kernel docs: a switch table is taken over as table: and as its export" { check_set doc-switch; }
@test "kernel docs: a log-writes table is taken over as table: and as its export" { check_set doc-log-writes; }
@test "kernel docs: an era table is taken over as table: and as its export" { check_set doc-era; }
@test "kernel docs: a multipath table (queue-length, two paths to one LUN) is taken over as table: and as its export" { check_set doc-multipath; }
@test "kernel docs: a mirror table with a core log is taken over as table: and as its export" { check_set doc-mirror; }
@test "kernel docs: a raid1 table without metadata devices is taken over as table: and as its export" { check_set doc-raid; }
@test "kernel docs: a thin pool and a thin volume are taken over as table: and as their export" { check_set doc-thin; }
@test "kernel docs: snapshot-origin and snapshot are taken over as table: and as their export" { check_set doc-snapshot; }
@test "kernel docs: a cache table is taken over as table: and as its export" { check_set doc-cache; }
@test "kernel docs: a writecache table is taken over as table: and as its export" { check_set doc-writecache; }
@test "kernel docs: a clone table is taken over as table: and as its export" { check_set doc-clone; }
@test "kernel docs: a standalone integrity table is taken over as table: and as its export" { check_set doc-integrity; }

@test "every set the corpus generator made is tested here" { every_set_tested; }
