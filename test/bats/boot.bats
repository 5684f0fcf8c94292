#!/usr/bin/env bats
# Early boot (contract section 7): the root file system on a vmapctl
# volume, brought up by the initramfs-tools hook and boot scripts (and by
# the dracut module), booted for real: Debian's stock kernel of the test
# VM under qemu (TCG) with one virtio disk holding crypt over linear over
# that disk.  The root's /sbin/init (test/boot/root-init) reports what it
# finds and powers off.
#
# Runs on the host: it builds the images in a private mount namespace
# (test/boot/mkinitrd) and runs qemu itself; no dm device is ever made on
# the host, only in the booted guest.  Run it by hand under the VM lock:
#     flock /work/vm.lock bats test/bats/boot.bats

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	export VMAPCTL_VM_CACHE=${VMAPCTL_VM_CACHE:-$TOP/.cache/vm}
	KDIR=$("$TOP/test/vm/run" --kernel-dir)
	export KDIR
	export B=$BATS_FILE_TMPDIR
	"$TOP/test/boot/mkdisk" "$B"
	"$TOP/test/boot/mkinitrd" initramfs-tools "$KDIR" "$B/root.yaml" "$B/root.key" "$B/initrd.img"
	"$TOP/test/boot/mkinitrd" dracut "$KDIR" "$B/root.yaml" "$B/root.key" "$B/dracut.img"
}

setup() {
	host_setup
}
teardown() {
	# the console of a failed boot, for the reader of the failure
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -e "$BATS_TEST_TMPDIR/console.log" ] &&
		sed 's/^/# console: /' "$BATS_TEST_TMPDIR/console.log" | grep -v '^# console: \[' | tail -n 60 >&3
	host_teardown
}

# boot [qemu-boot OPTION...] -- [KERNEL ARG...]: boot the image in $IMG
# (default the initramfs-tools one) with the disk; output: qemu-boot's
# notes and time; the console is in $LOG
boot() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	LOG=$BATS_TEST_TMPDIR/console.log
	run "$TOP/test/boot/qemu-boot" "${opts[@]}" "$KDIR" "${IMG:-$B/initrd.img}" "${DISK:-$B/disk.img}" "$LOG" "$@"
	echo "# $BATS_TEST_DESCRIPTION: $(grep 'qemu-boot:' <<<"$output" | tr '\n' ' ')" >&3
	# the console without the kernel's own lines; dracut's messages are
	# kernel log lines ("[ 5.2] dracut: vmapctl: ..."): all of it in $raw
	console=$(grep -v '^\[ *[0-9.]*\]' "$LOG" | tr -d '\r')
	raw=$(tr -d '\r' <"$LOG")
}

# The root-init report shows / on /dev/mapper/root (crypt, VMAP-root)
# stacked on rootpart, with the udev database entry of the device kept
# (mode 1644: db_persist) and the flags 10-dm.rules stored.
assert_root_on_vmapctl() {
	grep -q '^ROOT-INIT: done' <<<"$console" || fail "the root's init did not finish"
	grep -q "^ROOT-INIT: dm name 'root' uuid 'VMAP-root'$" <<<"$console" || fail "/ is not on volume 'root'"
	local mm
	mm=$(sed -n 's|^ROOT-INIT: / is on \([0-9]*:[0-9]*\) .*|\1|p' <<<"$console")
	[ -n "$mm" ] || fail "no device for /"
	grep -q "^ROOT-INIT: /dev/mapper/root is $mm$" <<<"$console" || fail "/dev/mapper/root is not the device of /"
	grep -q "^ROOT-INIT: stacked on rootpart (VMAP-rootpart)$" <<<"$console" || fail "root is not on rootpart"
	grep -q "^ROOT-INIT: udev database /run/udev/data/b$mm mode 1644$" <<<"$console" ||
		fail "the udev database entry of / did not survive the switch, or is not kept (db_persist)"
	for p in E:DM_NAME=root E:DM_UUID=VMAP-root E:DM_UDEV_PRIMARY_SOURCE_FLAG=1 E:DM_UDEV_RULES_VSN=2 \
		E:ID_FS_LABEL=vmaproot S:mapper/root; do
		grep -qx "ROOT-INIT: db: $p" <<<"$console" || fail "the udev database entry lacks $p"
	done
}

@test "the initramfs holds vmapctl, the spec set, its key file, dm-mod, dm-crypt and the xts cipher" {
	run lsinitramfs "$B/initrd.img"
	assert_success
	for f in usr/sbin/vmapctl etc/vmapctl/volumes.d/root.yaml etc/vmapctl/keys/root.key \
		usr/lib/udev/rules.d/09-vmapctl-dm.rules scripts/local-top/vmapctl scripts/local-block/vmapctl \
		scripts/vmapctl-functions conf/conf.d/vmapctl; do
		assert_line "$f"
	done
	assert_line --regexp '/kernel/drivers/md/dm-mod\.ko'
	assert_line --regexp '/kernel/drivers/md/dm-crypt\.ko'
	assert_line --regexp '/kernel/crypto/xts\.ko'
	# udev needs dmsetup's rules to finish the events of vmapctl's devices
	assert_line usr/lib/udev/rules.d/55-dm.rules
	assert_line usr/sbin/dmsetup
}

@test "the root file system on crypt over linear over a virtio disk boots, and the udev entry of / survives the switch" {
	boot --until '^ROOT-INIT: done' -- root=/dev/mapper/root vmapctl.wait=30
	assert_success
	assert_root_on_vmapctl
	grep -q '^vmapctl: activated rootpart$' <<<"$console"
	grep -q '^vmapctl: activated root$' <<<"$console"
	# the disk was there: no wait, and activate's plan is not on the console
	! grep -q '^vmapctl: waiting' <<<"$console" || false
	! grep -q 'preload' <<<"$console" || false
}

@test "a disk attached 10 s late is waited for, by name, and the root on it boots" {
	boot --late 10 --until '^ROOT-INIT: done' -- root=/dev/mapper/root vmapctl.wait=60
	assert_success
	assert_line --partial "attached the disk"
	grep -q "^vmapctl: waiting for devices" <<<"$console"
	grep -q "^vmapctl:   volume 'rootpart' is waiting for device 'udev:ID_SERIAL=vmapctl-boot'" <<<"$console"
	grep -q "^vmapctl:   volume 'root' is waiting for volume 'rootpart'" <<<"$console"
	grep -q '^vmapctl: every volume is up' <<<"$console"
	assert_root_on_vmapctl
}

@test "a disk never attached fails the boot once vmapctl.wait is over, naming the volume and the device" {
	boot --no-disk --timeout 90 -- root=/dev/mapper/root vmapctl.wait=8
	# panic=-1: the initramfs' panic reboots at once, and qemu (-no-reboot) ends
	assert_success
	# not before the 8 s; how long after depends on how often the boot's
	# loop comes round, which on an emulator sharing its CPUs is seconds
	grep -Eq "^vmapctl: gave up after ([89]|1[0-9]|20) s \(vmapctl.wait=8\):" <<<"$console"
	grep -q "^vmapctl:   still waiting: volume 'rootpart' is waiting for device 'udev:ID_SERIAL=vmapctl-boot'" <<<"$console"
	grep -q "^vmapctl: the root file system /dev/mapper/root is vmapctl volume 'root', which could not be brought up" <<<"$console"
	grep -q "^vmapctl: the root volume is missing its devices" <<<"$console"
	! grep -q '^ROOT-INIT' <<<"$console" || false
	# it stopped at the end of its own wait, not after initramfs-tools' 30 s
	! grep -q 'Gave up waiting for root' <<<"$console" || false
}

@test "with no spec configured the hook adds nothing and the initramfs still boots a plain root" {
	VMAPCTL_BOOT_NO_SPEC=1 run "$TOP/test/boot/mkinitrd" initramfs-tools "$KDIR" "$B/root.yaml" "$B/root.key" "$B/plain-initrd.img"
	assert_success
	run lsinitramfs "$B/plain-initrd.img"
	assert_success
	refute_line usr/sbin/vmapctl
	refute_line --regexp '^etc/vmapctl'
	refute_line --regexp 'dm-crypt'
	# the boot scripts are there (installed), and do nothing
	assert_line scripts/local-top/vmapctl
	IMG=$B/plain-initrd.img DISK=$B/plain.img boot --until '^ROOT-INIT: done' -- root=/dev/vda
	assert_success
	grep -q '^ROOT-INIT: done' <<<"$console"
	grep -q "^ROOT-INIT: dm name '' uuid ''$" <<<"$console"
	! grep -q '^vmapctl:' <<<"$console" || false
}

@test "the dracut image holds the module, vmapctl, the spec set, its key file and the dm modules" {
	run lsinitrd "$B/dracut.img"
	assert_success
	assert_line --regexp '^vmapctl$'
	for f in usr/sbin/vmapctl usr/sbin/vmapctl-initrd etc/vmapctl/volumes.d/root.yaml etc/vmapctl/keys/root.key \
		usr/lib/udev/rules.d/09-vmapctl-dm.rules usr/lib/dracut/hooks/cmdline/90-parse-vmapctl.sh usr/sbin/dmsetup; do
		assert_line --regexp " $f( |\$)"
	done
	assert_line --regexp 'kernel/drivers/md/dm-mod\.ko'
	assert_line --regexp 'kernel/drivers/md/dm-crypt\.ko'
	assert_line --regexp 'kernel/crypto/xts\.ko'
}

@test "the dracut image (systemd in the initramfs) boots the root on crypt over linear, and the udev entry of / survives the cleanup" {
	IMG=$B/dracut.img boot --until '^ROOT-INIT: done' -- root=/dev/mapper/root vmapctl.wait=30 rd.shell=0
	assert_success
	assert_root_on_vmapctl
	grep -q 'vmapctl: activated root$' <<<"$raw"
}

@test "with dracut, a disk attached 10 s late is waited for, by name, and the root on it boots" {
	IMG=$B/dracut.img boot --late 10 --until '^ROOT-INIT: done' -- root=/dev/mapper/root vmapctl.wait=60 rd.shell=0
	assert_success
	assert_line --partial "attached the disk"
	grep -q "vmapctl:   volume 'rootpart' is waiting for device 'udev:ID_SERIAL=vmapctl-boot'" <<<"$raw"
	assert_root_on_vmapctl
}

@test "with dracut, a disk never attached stops the boot once vmapctl.wait is over, naming the volume and the device" {
	IMG=$B/dracut.img boot --no-disk --timeout 90 --until 'FATAL: vmapctl: the root volume is missing its devices' -- \
		root=/dev/mapper/root vmapctl.wait=8 rd.shell=0
	# dracut halts (no power-off): the run ends at the message
	assert_success
	# not before the 8 s; how long after depends on how often the boot's
	# loop comes round, which on an emulator sharing its CPUs is seconds
	grep -Eq "vmapctl: gave up after ([89]|1[0-9]|20) s \(vmapctl.wait=8\):" <<<"$raw"
	grep -q "vmapctl:   still waiting: volume 'rootpart' is waiting for device 'udev:ID_SERIAL=vmapctl-boot'" <<<"$raw"
	! grep -q '^ROOT-INIT' <<<"$console" || false
}
