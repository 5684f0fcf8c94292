# bash completion for vmapctl(8)                          -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/vmapctl.  Works
# with or without the bash-completion package.
#
# Kept in step with the command table (cmd/commands.c): the unit test
# test/unit/test_completions.c reads `vmapctl --help` and `vmapctl CMD
# --help` and fails when a command or option is missing here.  It relies
# on this layout: the command names are in the local variable `commands`
# of _vmapctl, and each command's options are in its own case arm
# `CMD) opts="..." ;;` in _vmapctl_opts.
#
# Volume names come from `vmapctl validate --json` (the spec set, with the
# -f paths already on the command line; works as any user) and, for
# devices, from `dmsetup info` (needs root; silently nothing otherwise).

# Options of COMMAND (long and short), one line per command.
_vmapctl_opts()
{
	local opts
	case $1 in
	validate) opts="-f --file --json -v --verbose -q --quiet --color --root -h --help" ;;
	plan) opts="-f --file --json --detailed-exitcode --allow-recreate --allow-shrink --allow-remap --migrate --prune -v --verbose -q --quiet --color --live-state --root -h --help" ;;
	apply) opts="-f --file --json --detailed-exitcode --allow-recreate --allow-shrink --allow-remap --migrate --migrate-rate --no-wait --prune --dry-run --lock-timeout --udev-timeout --suspend-timeout -v --verbose -q --quiet --color --root -h --help" ;;
	status) opts="-f --file --json --detailed-exitcode -v --verbose -q --quiet --color --live-state --live-state-out --root --format -h --help" ;;
	destroy) opts="--json --detailed-exitcode --lock-timeout --udev-timeout -v --verbose -q --quiet --color -h --help" ;;
	activate) opts="-f --file --json --lock-timeout --udev-timeout -v --verbose -q --quiet --color --device --root --detach -h --help" ;;
	recover) opts="--json --detailed-exitcode --lock-timeout --udev-timeout --wait -v --verbose -q --quiet --color -h --help" ;;
	export) opts="--json -v --verbose -q --quiet --color --live-state --format -h --help" ;;
	adopt) opts="--json --detailed-exitcode --lock-timeout --udev-timeout -v --verbose -q --quiet --color -h --help" ;;
	version) opts="--json -v --verbose -q --quiet --color -h --help" ;;
	cat-config) opts="-f --file --json -v --verbose -q --quiet --color --root -h --help" ;;
	*) opts="--json -v --verbose -q --quiet --color -h --help" ;;
	esac
	printf '%s\n' "$opts"
}

# Names of the volumes of the spec set, from `vmapctl validate --json`.
# Volume names cannot hold '"' or ']', so the list is easy to cut out.
_vmapctl_spec_volumes()
{
	local bin=$1
	shift
	"$bin" validate --json "$@" 2>/dev/null | awk '
		/"volumes": *\[/ { on = 1; sub(/.*"volumes": *\[/, "") }
		on {
			s = $0
			if (sub(/\].*/, "", s)) done = 1
			while (match(s, /"[^"]*"/)) {
				print substr(s, RSTART + 1, RLENGTH - 2)
				s = substr(s, RSTART + RLENGTH)
			}
			if (done) exit
		}'
}

# dm devices: "managed" (uuid VMAP-...) or "bare" (no uuid: what adopt takes).
_vmapctl_dm_names()
{
	command -v dmsetup >/dev/null 2>&1 || return 0
	dmsetup info -c --noheadings -o name,uuid --separator ' ' 2>/dev/null | awk -v want="$1" '
		$0 == "No devices found" { next }
		want == "managed" && $2 ~ /^VMAP-/ { print $1 }
		want == "bare" && NF == 1 { print $1 }'
}

_vmapctl()
{
	local cur prev cword=$COMP_CWORD
	local -a words=("${COMP_WORDS[@]}")
	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}
	# "--color=al": with '=' in COMP_WORDBREAKS it arrives as "--color" "=" "al"
	local eqprefix=
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((cword > 1)); then
		prev=${words[cword - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		eqprefix=$prev=
		cur=${cur#*=}
	fi

	# the command: the first word that is neither an option nor an option's value
	local cmd= i w
	local -a files=()
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		-f | --file | --color | --format | --live-state | --live-state-out | --device | \
			--lock-timeout | --udev-timeout | --migrate-rate | --suspend-timeout | --root)
			# the value is the next word, or the one after a split-off "="
			[[ ${words[i + 1]} == = ]] && ((i++))
			((i++))
			[[ $w == -f || $w == --file ]] && ((i < cword)) && files+=(-f "${words[i]}")
			;;
		--file=*) files+=(-f "${w#--file=}") ;;
		-*) ;;
		*) [[ -z $cmd ]] && cmd=$w ;;
		esac
	done

	local -a reply=()
	case $prev in
	--color) reply=($(compgen -W "auto always never" -- "$cur")) ;;
	--format)
		if [[ $cmd == status ]]; then
			reply=($(compgen -W "table prometheus" -- "$cur"))
		else
			reply=($(compgen -W "yaml concise dm-init" -- "$cur"))
		fi
		;;
	-f | --file)
		compopt -o filenames 2>/dev/null || :
		reply=($(compgen -f -- "$cur"))
		;;
	--live-state | --live-state-out)
		compopt -o filenames 2>/dev/null || :
		reply=($(compgen -f -- "$cur"))
		;;
	--root)
		compopt -o filenames 2>/dev/null || :
		reply=($(compgen -d -- "$cur"))
		;;
	--device)
		compopt -o filenames 2>/dev/null || :
		reply=($(compgen -f -- "${cur:-/dev/}"))
		;;
	--lock-timeout | --udev-timeout | --migrate-rate | --suspend-timeout) reply=() ;;
	*)
		if [[ $cur == -* ]]; then
			reply=($(compgen -W "$(_vmapctl_opts "$cmd")" -- "$cur"))
		elif [[ -z $cmd ]]; then
			local commands="validate plan apply status destroy activate recover export adopt version cat-config"
			reply=($(compgen -W "$commands" -- "$cur"))
		else
			case $cmd in
			status | export | destroy)
				reply=($(compgen -W "$(_vmapctl_spec_volumes "${words[0]}" "${files[@]}"; _vmapctl_dm_names managed)" -- "$cur"))
				;;
			adopt)
				reply=($(compgen -W "$(_vmapctl_dm_names bare)" -- "$cur"))
				;;
			esac
		fi
		;;
	esac
	if [[ -n $eqprefix ]]; then
		COMPREPLY=("${reply[@]/#/$eqprefix}")
	else
		COMPREPLY=("${reply[@]}")
	fi
	return 0
}

complete -F _vmapctl vmapctl
