# vmapctl-lib.sh: shell functions shared by the initramfs-tools hook and
# boot scripts and by the dracut module (POSIX sh; busybox ash, dash and
# bash run it).  Installed twice by `make install`, once for each tool:
# /usr/share/initramfs-tools/scripts/vmapctl-functions and
# /usr/lib/dracut/modules.d/90vmapctl/vmapctl-lib.sh.
#
# Build time (on the running system):
#   vmapctl_find_bin             the vmapctl to copy
#   vmapctl_spec_dirs            the directories of the default spec set
#   vmapctl_have_specs [ROOT]    is any spec file configured?
#   vmapctl_build_info BIN       validate the default set; sets
#                                VMAPCTL_FILES, VMAPCTL_MODULES, VMAPCTL_KEYS
# Boot time (in the initramfs):
#   vmapctl_boot_wait_seconds    vmapctl.wait= on the command line, else
#                                $VMAPCTL_WAIT, else 30
#   vmapctl_boot_activate        one `vmapctl activate`; sets VMAPCTL_WAITING
#   vmapctl_boot_root_volume     the volume root= names (/dev/mapper/NAME)

# The default spec set, highest precedence first (contract section 7).
vmapctl_spec_dirs() {
	echo /etc/vmapctl/volumes.d /run/vmapctl/volumes.d /usr/lib/vmapctl/volumes.d
}

# vmapctl_have_specs [ROOT]: true when a spec file (*.yaml, *.yml, also a
# mask) is in one of the directories, under ROOT (default /).
vmapctl_have_specs() {
	_r=${1:-}
	for _d in $(vmapctl_spec_dirs); do
		for _f in "$_r$_d"/*.yaml "$_r$_d"/*.yml; do
			[ -e "$_f" ] || [ -L "$_f" ] || continue
			case ${_f##*/} in .*) continue ;; esac
			return 0
		done
	done
	return 1
}

vmapctl_find_bin() {
	PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin command -v vmapctl
}

# vmapctl_json_array KEY: the strings of the array KEY in vmapctl's JSON
# (on stdin), one a line.  vmapctl prints one key a line and never
# escapes '/', but '\/' is undone anyway.
vmapctl_json_array() {
	awk -v key="\"$1\":" '
		!on && index($0, key) { on = 1; sub(/^[^[]*\[/, "") }
		on {
			line = $0; last = index(line, "]")
			if (last) line = substr(line, 1, last - 1)
			while (match(line, /"([^"\\]|\\.)*"/)) {
				s = substr(line, RSTART + 1, RLENGTH - 2)
				gsub(/\\\//, "/", s)
				print s
				line = substr(line, RSTART + RLENGTH)
			}
			if (last) on = 0
		}'
}

# The {file: PATH} keys of spec files given as arguments.  Keys are the
# only `file:` mappings of the spec format; both the flow form
# `key: {file: /k}` and the block form are found.
# TODO(vmapctl): read them from `validate --json` once it lists them.
vmapctl_spec_key_files() {
	sed -n -e 's/#.*//' -e 's/.*[{ ,]file:[[:space:]]*//p' -e 's/^[[:space:]]*file:[[:space:]]*//p' "$@" |
		sed -e 's/[[:space:]]*[},].*//' -e 's/^["'\'']//' -e 's/["'\'']$//' |
		grep '^/' | sort -u
}

# The cipher strings of the crypt targets and table lines in the files.
vmapctl_spec_ciphers() {
	sed -n -e 's/#.*//' -e 's/.*cipher:[[:space:]]*["'\'']*\([^"'\'' ,}]*\).*/\1/p' \
		-e 's/.*[0-9][[:space:]][[:space:]]*crypt[[:space:]][[:space:]]*\([^ ]*\).*/\1/p' "$@" | sort -u
}

# vmapctl_build_info BIN [ROOT]: validate the default spec set as the
# initramfs will read it (under ROOT: dracut's --sysroot).  Prints vmapctl's errors and returns 1 when it does not
# validate (an initramfs that cannot bring its volumes up must not
# replace one that can).  Sets VMAPCTL_FILES (the spec files read),
# VMAPCTL_MODULES (kernel modules the targets need), VMAPCTL_VOLUMES (the
# volume names) and VMAPCTL_KEYS (key files named by {file: PATH}), one
# a line.
vmapctl_build_info() {
	_json=$(env -u VMAPCTL_SPEC_DIR "$1" validate --json ${2:+--root "$2"} 2>/dev/null)
	if ! printf '%s\n' "$_json" | grep -q '"valid": *true'; then
		echo "vmapctl: the spec set does not validate; the initramfs would not bring its volumes up:" >&2
		env -u VMAPCTL_SPEC_DIR "$1" validate ${2:+--root "$2"} >&2
		return 1
	fi
	# shellcheck disable=SC2034 # read by the hook and the module
	VMAPCTL_FILES=$(printf '%s\n' "$_json" | vmapctl_json_array files)
	# shellcheck disable=SC2034
	VMAPCTL_MODULES=$(printf '%s\n' "$_json" | vmapctl_json_array modules)
	# shellcheck disable=SC2034
	VMAPCTL_VOLUMES=$(printf '%s\n' "$_json" | vmapctl_json_array volumes)
	VMAPCTL_KEYS=$(printf '%s\n' "$_json" | vmapctl_json_array keyFiles)
	if [ -z "$VMAPCTL_KEYS" ] && [ -n "$VMAPCTL_FILES" ]; then
		# shellcheck disable=SC2086 # one path a line, no spaces in spec paths
		VMAPCTL_KEYS=$(IFS='
'; vmapctl_spec_key_files $VMAPCTL_FILES)
	fi
	return 0
}

# vmapctl_extra_modules MODULE...: the modules a target module needs
# that the kernel loads on demand (path selectors, cache policies, the
# crypto of the ciphers in FILES), one a line.  Names as modprobe takes them.
vmapctl_extra_modules() {
	for _m in "$@"; do
		case $_m in
		dm-multipath) echo dm-round-robin dm-queue-length dm-service-time dm-historical-service-time ;;
		dm-cache) echo dm-cache-smq ;;
		dm-crypt)
			echo crypto-xts crypto-essiv crypto-cbc crypto-ecb
			# shellcheck disable=SC2086
			for _c in $(IFS='
'; vmapctl_spec_ciphers $VMAPCTL_FILES); do
				# aes-xts-plain64, capi:xts(aes)-plain64, aes-cbc-essiv:sha256
				for _t in $(echo "$_c" | tr -- '-:()' '    '); do
					case $_t in capi | plain | plain64 | plain64be | benbi | null | lmk | tcw | random | eboiv) continue ;; esac
					echo "crypto-$_t"
				done
			done
			;;
		esac
	done | tr ' ' '\n' | sed '/^$/d' | sort -u
}

# --- boot time ---

vmapctl_boot_wait_seconds() {
	_w=${VMAPCTL_WAIT:-30}
	# shellcheck disable=SC2013 # words, not lines
	for _x in $(cat /proc/cmdline); do
		case $_x in vmapctl.wait=*) _w=${_x#vmapctl.wait=} ;; esac
	done
	case $_w in '' | *[!0-9]*) _w=30 ;; esac
	echo "$_w"
}

# Seconds since boot (whole).
vmapctl_boot_uptime() {
	read -r _u _ </proc/uptime
	echo "${_u%%.*}"
}

# vmapctl_boot_activate: bring up every volume whose devices are all
# there (creating only: activate never reloads or removes, so a spec in
# the initramfs older than the one in /etc cannot undo anything).
# Prints what came up and any error; leaves the volumes still waiting in
# VMAPCTL_WAITING, one "NAME: REASON" a line.
vmapctl_boot_activate() {
	mkdir -p /run/lock /run/vmapctl
	_out=$(vmapctl activate --lock-timeout 60 --udev-timeout 20 2>/run/vmapctl/boot-activate.err)
	_rc=$?
	VMAPCTL_RC=$_rc
	VMAPCTL_WAITING=$(printf '%s\n' "$_out" | sed -n 's/^waiting[[:space:]]*//p')
	# what came up (activate also prints the plan it carries out: not
	# for the console) and the errors, as they are
	printf '%s\n' "$_out" | sed -n -e 's/^activated /vmapctl: activated /p' \
		-e 's/^not activated /vmapctl: NOT activated /p'
	sed 's/^\(vmapctl: \)\{0,1\}/vmapctl: /' /run/vmapctl/boot-activate.err
	return $_rc
}

# vmapctl_boot_root_volume: NAME when root= is /dev/mapper/NAME (or
# /dev/disk/by-id/dm-name-NAME) and NAME is a volume of the set (the
# names, one a line, in $VMAPCTL_VOLUMES_FILE, written at build time),
# else nothing.
vmapctl_boot_root_volume() {
	case ${ROOT:-} in
	/dev/mapper/*) _rv=${ROOT#/dev/mapper/} ;;
	/dev/disk/by-id/dm-name-*) _rv=${ROOT#/dev/disk/by-id/dm-name-} ;;
	*) return 0 ;;
	esac
	grep -qxF -- "$_rv" "${VMAPCTL_VOLUMES_FILE:-/dev/null}" && echo "$_rv"
	return 0
}

# vmapctl_boot_root_present: the root device exists (root=/dev/... or
# UUID=/LABEL=/PARTUUID= that blkid finds).  No root= at all counts as
# absent: then every volume is waited for.
vmapctl_boot_root_present() {
	case ${ROOT:-} in
	'') return 1 ;;
	/dev/*) [ -b "$ROOT" ] ;;
	*=*) blkid -l -t "$ROOT" -o device >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}

# vmapctl_boot_say_waiting PREFIX: one console line per volume waiting.
vmapctl_boot_say_waiting() {
	printf '%s\n' "$VMAPCTL_WAITING" | while IFS= read -r _l; do
		[ -n "$_l" ] || continue
		echo "$1 volume '${_l%%: *}' is ${_l#*: }"
	done
}

# vmapctl_boot_root_failed: true when root= names a volume of the set
# that is neither there nor waiting while the last activation failed:
# waiting longer cannot help (its errors were printed).
vmapctl_boot_root_failed() {
	[ "${VMAPCTL_RC:-0}" -ne 0 ] && [ -n "$(vmapctl_boot_root_volume)" ] &&
		! vmapctl_boot_root_present && ! vmapctl_boot_root_waiting
}

# vmapctl_boot_root_waiting: true when root= names a volume still waiting.
vmapctl_boot_root_waiting() {
	_rv=$(vmapctl_boot_root_volume)
	[ -n "$_rv" ] || return 1
	printf '%s\n' "$VMAPCTL_WAITING" | grep -q "^$_rv: "
}
