#!/usr/bin/env bats
# make install / make uninstall (install.mk) into a temporary DESTDIR: the
# exact layout (the Ansible collection included), PREFIX and the
# directories outside it, an existing spec directory left alone, and
# nothing but directories left after uninstall.
# No pandoc needed: the committed man pages are installed.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() {
	host_setup
	ROOT=$BATS_TEST_TMPDIR/root
}
teardown() { host_teardown; }

# mk TARGET VAR=VALUE...: make in the source tree, installing the binary
# under test (no build in the VM)
mk() {
	run make --no-print-directory -s -C "$TOP" "$@" INSTALL_BIN="$VMAPCTL_BIN" INSTALL_UDEV_HELPER="$VMAPCTL_UDEV_HELPER"
}

# Every file under $ROOT with its mode, one "MODE PATH" a line, sorted.
layout() {
	(cd "$ROOT" && find . -not -type d -printf '%m %p\n' | sed 's| \./| /|' | sort)
}

# What must be installed with PREFIX=$1 UDEVDIR=$2 SYSTEMDUNITDIR=$3
# INITRAMFSTOOLSDIR=$4 DRACUTMODDIR=$5: the fixed files, and whatever
# udev/, systemd/, initramfs/dracut/ and examples/ hold now.
expected() {
	local p=$1 udev=$2 unit=$3 it=${4:-/usr/share/initramfs-tools} dracut=${5:-/usr/lib/dracut/modules.d} f
	{
		echo "755 $p/sbin/vmapctl"
		echo "644 $p/share/man/man8/vmapctl.8"
		echo "644 $p/share/man/man5/vmapctl.yaml.5"
		echo "644 $p/share/bash-completion/completions/vmapctl"
		echo "644 $p/share/zsh/vendor-completions/_vmapctl"
		echo "644 $p/share/fish/vendor_completions.d/vmapctl.fish"
		for f in "$TOP"/udev/*.rules; do [ -e "$f" ] && echo "644 $udev/rules.d/${f##*/}"; done
		# the rules' helper, built
		echo "755 $udev/vmapctl-udev-activate"
		for f in "$TOP"/systemd/*.service "$TOP"/systemd/*.timer "$TOP"/systemd/*.path "$TOP"/systemd/*.target; do
			[ -e "$f" ] && echo "644 $unit/${f##*/}"
		done
		# initramfs-tools: the hook, the boot scripts, their functions
		# (initramfs/vmapctl-lib.sh) and the default settings
		echo "755 $it/hooks/vmapctl"
		echo "755 $it/scripts/local-top/vmapctl"
		echo "755 $it/scripts/local-block/vmapctl"
		echo "644 $it/scripts/vmapctl-functions"
		echo "644 $it/conf.d/vmapctl"
		# the dracut module: its scripts, its udev rule and the same functions
		for f in "$TOP"/initramfs/dracut/90vmapctl/*.sh; do echo "755 $dracut/90vmapctl/${f##*/}"; done
		for f in "$TOP"/initramfs/dracut/90vmapctl/*.rules; do echo "644 $dracut/90vmapctl/${f##*/}"; done
		echo "644 $dracut/90vmapctl/vmapctl-lib.sh"
		for f in "$TOP"/examples/*.yaml "$TOP"/examples/README.md; do
			echo "644 $p/share/doc/vmapctl/examples/${f##*/}"
		done
		for f in "$TOP"/examples/ansible/*; do
			[ -e "$f" ] && echo "644 $p/share/doc/vmapctl/examples/ansible/${f##*/}"
		done
		# the Ansible collection without its tests
		local coll=$p/share/ansible/collections/ansible_collections/vmapctl/dm
		echo "644 $coll/galaxy.yml"
		echo "644 $coll/README.md"
		echo "644 $coll/meta/runtime.yml"
		for f in "$TOP"/ansible_collections/vmapctl/dm/plugins/*/*.py; do
			echo "644 $coll/plugins/${f#"$TOP"/ansible_collections/vmapctl/dm/plugins/}"
		done
	} | sort
}

@test "make install puts every file where it belongs, and uninstall leaves only directories" {
	mk install DESTDIR="$ROOT"
	assert_success
	diff -u <(expected /usr/local /usr/lib/udev /usr/lib/systemd/system) <(layout) ||
		fail "the installed layout differs (- expected, + installed)"
	# the udev rules and the units are there (found by wildcard)
	[ -e "$ROOT/usr/lib/udev/rules.d/69-vmapctl.rules" ]
	[ -e "$ROOT/usr/lib/udev/rules.d/09-vmapctl-dm.rules" ]
	[ -e "$ROOT/usr/lib/systemd/system/vmapctl.service" ]
	# the hook and the module source the functions where they are installed
	grep -qx '. /usr/share/initramfs-tools/scripts/vmapctl-functions' \
		"$ROOT/usr/share/initramfs-tools/hooks/vmapctl"
	cmp "$TOP/initramfs/vmapctl-lib.sh" "$ROOT/usr/lib/dracut/modules.d/90vmapctl/vmapctl-lib.sh"
	sh -n "$ROOT/usr/share/initramfs-tools/scripts/vmapctl-functions"
	# the metrics timer and the service it starts
	[ -e "$ROOT/usr/lib/systemd/system/vmapctl-metrics.timer" ]
	[ -e "$ROOT/usr/lib/systemd/system/vmapctl-metrics.service" ]
	# an empty spec directory
	[ -d "$ROOT/etc/vmapctl/volumes.d" ]
	[ -z "$(ls -A "$ROOT/etc/vmapctl/volumes.d")" ]
	# the rule's helper needs nothing but libc (udev runs it for every
	# disk event of a storm)
	[ -x "$ROOT/usr/lib/udev/vmapctl-udev-activate" ]
	# (static where the build is not instrumented: ldd says it is not a
	# dynamic program)
	run ldd "$ROOT/usr/lib/udev/vmapctl-udev-activate"
	assert_output --regexp 'not a dynamic executable|libc[.]so'
	refute_output --regexp 'devmapper|libudev|json|yaml|nettle'
	# the installed program runs (--help: `version` asks the kernel, and
	# this file runs on hosts without device-mapper), and its man page
	# renders without a warning
	run "$ROOT/usr/local/sbin/vmapctl" --help
	assert_success
	assert_output --partial "commands:"
	[ -z "$(MANWIDTH=80 man --warnings -E UTF-8 -l "$ROOT/usr/local/share/man/man8/vmapctl.8" 2>&1 >/dev/null)" ]
	# Ansible finds the installed collection and its documentation renders
	ANSIBLE_COLLECTIONS_PATH=$ROOT/usr/local/share/ansible/collections run /usr/bin/ansible-doc vmapctl.dm.vmapctl_info
	assert_success
	assert_output --partial "vmapctl status --json"
	# the installed bash completion is the one that works
	source "$ROOT/usr/local/share/bash-completion/completions/vmapctl"
	COMP_WORDS=(vmapctl exp) COMP_CWORD=1
	_vmapctl
	[ "${COMPREPLY[*]}" = export ]

	mk uninstall DESTDIR="$ROOT"
	assert_success
	[ -z "$(layout)" ] || fail "left after uninstall: $(layout)"
}

@test "PREFIX, UDEVDIR, SYSTEMDUNITDIR, INITRAMFSTOOLSDIR and DRACUTMODDIR move what they should" {
	dirs=(PREFIX=/opt/vmap UDEVDIR=/lib/udev SYSTEMDUNITDIR=/etc/systemd/system
		INITRAMFSTOOLSDIR=/etc/initramfs-tools DRACUTMODDIR=/opt/dracut)
	mk install DESTDIR="$ROOT" "${dirs[@]}"
	assert_success
	diff -u <(expected /opt/vmap /lib/udev /etc/systemd/system /etc/initramfs-tools /opt/dracut) <(layout)
	mk uninstall DESTDIR="$ROOT" "${dirs[@]}"
	assert_success
	[ -z "$(layout)" ] || fail "left after uninstall: $(layout)"
}

@test "install leaves an existing spec directory and its specs alone, uninstall too" {
	mkdir -p "$ROOT/etc/vmapctl/volumes.d"
	chmod 0750 "$ROOT/etc/vmapctl/volumes.d"
	echo "apiVersion: vmapctl/v1" >"$ROOT/etc/vmapctl/volumes.d/mine.yaml"
	mk install DESTDIR="$ROOT"
	assert_success
	[ "$(stat -c %a "$ROOT/etc/vmapctl/volumes.d")" = 750 ]
	[ "$(cat "$ROOT/etc/vmapctl/volumes.d/mine.yaml")" = "apiVersion: vmapctl/v1" ]
	mk uninstall DESTDIR="$ROOT"
	assert_success
	[ "$(layout)" = "644 /etc/vmapctl/volumes.d/mine.yaml" ]
}
