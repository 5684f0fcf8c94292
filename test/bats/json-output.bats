#!/usr/bin/env bats
# The JSON output of every command against its schema (schema/*.schema.json,
# documented in docs/json-output.md): real output from the real kernel,
# checked with Debian's python3-jsonschema.  Each test makes the outputs
# the schema has to cover (plans that create, reload, remove and are
# refused; an apply that rolls back; status with drift; failures before
# there is a plan) and checks each file also shows what it was made for,
# so a schema that accepts anything cannot pass.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	DISK=$(make_loop 128M)
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
	CHECKS=()
}
teardown() { common_teardown; }

SCHEMA=$TOP/schema

# keep SCHEMA NAME ARGS...: run vmapctl ARGS, keep stdout as $OUT/NAME.json,
# to be checked against schema/SCHEMA.schema.json by check_all
keep() {
	local schema=$1 name=$2
	shift 2
	"$VMAPCTL_BIN" "$@" >"$OUT/$name.json" 2>"$OUT/$name.err" || true
	CHECKS+=("$SCHEMA/$schema.schema.json=$OUT/$name.json")
}

check_all() { untraced _check_all "$@"; }
_check_all() {
	run /usr/bin/python3 "$TOP/test/tools/json-check.py" "${CHECKS[@]}"
	[ "$status" -eq 0 ] || fail "output does not match its schema:
$output"
}

# has NAME PYTHON-EXPRESSION: the expression on the parsed output `o` holds
has() {
	/usr/bin/python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), sys.argv[2] + ": " + json.dumps(o)[:2000]' "$OUT/$1.json" "$2"
}

two_volumes() {
	write_spec a.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: j-low
    targets:
      - {type: linear, size: $1, device: $DISK, offset: 2048}
  - name: j-up
    targets:
      - {type: linear, size: 8MiB, device: {volume: j-low}}
      - {type: zero, size: 1MiB}
EOF
}

@test "plan --json: creates, reloads, removes, refusals and a spec that does not load match plan.schema.json" {
	two_volumes 64MiB
	keep plan create plan --json
	vmapctl apply -q
	two_volumes 96MiB
	keep plan reload plan --json
	two_volumes 32MiB
	keep plan refused plan --json
	# a managed volume in no spec, pruned: no source, no desired table
	dmsetup create j-orphan --uuid VMAP-j-orphan --table "0 8 zero"
	two_volumes 64MiB
	keep plan prune plan --json --prune
	printf 'apiVersion: vmapctl/v1\nvolumes: 3\n' >"$VMAPCTL_SPEC_DIR/z-bad.yaml"
	keep plan badspec plan --json
	check_all
	has create 'o["plan"]["changes"] == 2 and [v["action"] for v in o["plan"]["volumes"]] == ["create", "create"]'
	has create 'all(v["current"] is None and v["source"]["line"] > 0 for v in o["plan"]["volumes"])'
	has reload 'any(v["action"] == "reload" for v in o["plan"]["volumes"]) and any(s["action"] == "suspend" and "flush" in s for s in o["plan"]["steps"])'
	has refused 'any(v["refused"] for v in o["plan"]["volumes"]) and o["errors"][0]["kind"] == "refused"'
	has prune 'any(v["name"] == "j-orphan" and v["action"] == "remove" and v["source"] is None and v["desired"] is None for v in o["plan"]["volumes"])'
	has badspec 'o["plan"] is None and o["errors"][0]["kind"] == "spec" and o["errors"][0]["line"] == 2'
}

@test "apply --json: a create, a converged run, a rollback and destroy match apply.schema.json" {
	two_volumes 64MiB
	keep apply create apply --json
	keep apply converged apply --json
	# the kernel refuses the table only at resume: the run rolls back
	disk4k=$(make_loop 64M 4096)
	write_spec b.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: j-4k
    # the offset moves: a remap (contract 5.9), meant here
    allow: [remap]
    targets:
      - {type: linear, size: 8192, device: $disk4k, offset: 8}
EOF
	vmapctl apply -q
	sed -i 's/offset: 8}/offset: 1}/' "$VMAPCTL_SPEC_DIR/b.yaml"
	CHECKS+=("$SCHEMA/apply.schema.json=$OUT/rollback.json")
	VMAPCTL_TEST_HOOK=skip-predict "$VMAPCTL_BIN" apply --json --allow-remap >"$OUT/rollback.json" 2>/dev/null || true
	keep apply destroy destroy --json j-up j-low
	keep apply destroy-refused destroy --json no-such-volume
	check_all
	has create 'o["result"]["ok"] and not o["result"]["rolledBack"] and [e["action"] for e in o["result"]["executed"]] == ["create", "create"]'
	has converged '"result" not in o and o["plan"]["changes"] == 0 and o["errors"] == []'
	has rollback 'o["result"]["rolledBack"] and not o["result"]["ok"] and any(e["rollback"] for e in o["result"]["executed"]) and o["errors"][0]["kind"] == "failed"'
	has rollback 'any(s["ms"] > 0 for s in o["result"]["suspended"])'
	has destroy '[v["action"] for v in o["plan"]["volumes"]] == ["remove", "remove"] and o["result"]["ok"]'
	has destroy-refused 'len(o["errors"]) >= 1'
}

@test "status --json with drift, a missing volume, a suspended one and a broken spec matches status.schema.json" {
	two_volumes 64MiB
	vmapctl apply -q
	two_volumes 96MiB
	cat >>"$VMAPCTL_SPEC_DIR/a.yaml" <<EOF
  - name: j-later
    targets:
      - {type: zero, size: 8}
EOF
	dmsetup suspend j-up
	keep status drift status --json
	dmsetup resume j-up
	keep status named status --json j-low
	printf 'apiVersion: vmapctl/v1\nvolumes: 3\n' >"$VMAPCTL_SPEC_DIR/z-bad.yaml"
	keep status badspec status --json
	check_all
	has drift '{v["name"]: (v["state"], v["drift"]) for v in o["volumes"]} == {"j-low": ("active", "reload"), "j-up": ("suspended", "resume"), "j-later": ("missing", "create")}'
	has drift 'all(v["device"] is None and v["uuid"] is None for v in o["volumes"] if v["state"] == "missing")'
	has named '[v["name"] for v in o["volumes"]] == ["j-low"]'
	has badspec 'not o["specLoaded"] and all(v["drift"] == "unknown" for v in o["volumes"]) and o["errors"][0]["kind"] == "spec"'
	# the apply above, and the risks of the pending changes (none known
	# when the spec set does not load)
	has drift 'o["lastApply"]["result"] == "ok" and o["lastApply"]["changes"] == 2'
	has drift '{v["name"]: v["risk"] for v in o["volumes"]} == {"j-low": "safe", "j-up": "safe", "j-later": "safe"}'
	has badspec 'all(v["risk"] is None for v in o["volumes"])'
}

@test "export, adopt, recover, version and validate --json match their schemas" {
	two_volumes 64MiB
	vmapctl apply -q
	keep export yaml export --json
	keep export concise export --json --format concise
	dmsetup create j-bare --table "0 8 zero"
	keep export refused export --json j-bare
	keep adopt adopt adopt --json j-bare j-low
	keep adopt adopt-refused adopt --json no-such-device
	keep recover recover recover --json
	keep version version version --json
	keep validate valid validate --json
	printf 'apiVersion: vmapctl/v1\nvolumes: 3\n' >"$VMAPCTL_SPEC_DIR/z-bad.yaml"
	keep validate invalid validate --json
	check_all
	has yaml 'o["format"] == "yaml" and o["volumes"] == ["j-low", "j-up"] and "{volume: j-low}" in o["text"]'
	has concise 'o["text"].startswith("j-low,VMAP-j-low,")'
	has refused 'o["text"] is None and o["errors"][0]["kind"] == "refused" and o["errors"][0]["volume"] == "j-bare"'
	has adopt 'o["adopted"] == ["j-bare"] and o["unchanged"] == ["j-low"]'
	has adopt-refused 'o["adopted"] == [] and o["errors"][0]["volume"] == "no-such-device"'
	has recover 'o["journal"] is False and o["actions"] == []'
	has version 'o["driver"] is not None'
	has valid 'o["valid"] and "errors" not in o'
	has invalid 'not o["valid"] and o["errors"][0]["line"] == 2'
}

@test "the schemas are valid draft-07 and refuse output that breaks them" {
	two_volumes 64MiB
	keep plan good plan --json
	check_all
	# the same output with one key dropped, one added, one wrong type
	/usr/bin/python3 - "$OUT/good.json" "$OUT" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
a = json.loads(json.dumps(o)); del a["plan"]["volumes"][0]["suspend"]
b = json.loads(json.dumps(o)); b["plan"]["extra"] = 1
c = json.loads(json.dumps(o)); c["plan"]["changes"] = "two"
for name, doc in (("dropped", a), ("added", b), ("mistyped", c)):
    json.dump(doc, open(sys.argv[2] + "/" + name + ".json", "w"))
EOF
	for bad in dropped added mistyped; do
		run /usr/bin/python3 "$TOP/test/tools/json-check.py" "$SCHEMA/plan.schema.json=$OUT/$bad.json"
		assert_failure 1
		[ -n "$output" ]
	done
}
