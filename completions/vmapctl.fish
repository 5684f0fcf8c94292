# fish completion for vmapctl(8)
#
# Installed as $(PREFIX)/share/fish/vendor_completions.d/vmapctl.fish.
#
# Kept in step with the command table (cmd/commands.c): the unit test
# test/unit/test_completions.c reads `vmapctl --help` and `vmapctl CMD
# --help` and fails when a command or option is missing here.  It relies
# on this layout: one `complete` line per command (`-a NAME`), and one per
# option (`-l NAME`) whose condition `__vmapctl_using CMD...` lists every
# command that takes it; an option line without a condition is taken by
# every command.
#
# Volume names come from `vmapctl validate --json` (the spec set, with the
# -f paths already on the command line; works as any user) and, for
# devices, from `dmsetup info` (needs root; silently nothing otherwise).

set -l vmapctl_commands validate plan apply status destroy activate recover export adopt version cat-config

# True when the command on the line is one of the arguments.
function __vmapctl_using
    set -l cmd (__vmapctl_command)
    test -n "$cmd"; and contains -- $cmd $argv
end

# The command name on the line: the first word that is not an option or
# an option's value.
function __vmapctl_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -f --file --color --format --live-state --live-state-out --device --lock-timeout --udev-timeout --migrate-rate --suspend-timeout --root
                set skip 1
            case '-*'
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

# Spec volumes (vmapctl validate --json, with the -f paths on the line).
function __vmapctl_spec_volumes
    set -l words (commandline -opc)
    set -l bin $words[1]
    set -l files
    set -l i 2
    while test $i -le (count $words)
        switch $words[$i]
            case -f --file
                set i (math $i + 1)
                test $i -le (count $words); and set files $files -f $words[$i]
            case '--file=*'
                set files $files -f (string replace -- --file= '' $words[$i])
        end
        set i (math $i + 1)
    end
    $bin validate --json $files 2>/dev/null | awk '
        /"volumes": *\[/ { on = 1; sub(/.*"volumes": *\[/, "") }
        on {
            s = $0
            if (sub(/\].*/, "", s)) done = 1
            while (match(s, /"[^"]*"/)) { print substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) }
            if (done) exit
        }'
end

# dm devices: "managed" (uuid VMAP-...) or "bare" (no uuid: what adopt takes).
function __vmapctl_dm_names
    command -sq dmsetup; or return 0
    dmsetup info -c --noheadings -o name,uuid --separator ' ' 2>/dev/null | awk -v want=$argv[1] '
        $0 == "No devices found" { next }
        want == "managed" && $2 ~ /^VMAP-/ { print $1 }
        want == "bare" && NF == 1 { print $1 }'
end

complete -c vmapctl -f

# commands
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a validate -d 'parse and check the spec set offline'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a plan -d 'print the ordered plan; touches nothing'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a apply -d 'make the kernel match the spec set'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a status -d 'managed volumes: state, drift, limits'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a destroy -d 'remove managed volumes'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a activate -d 'boot/udev entry point'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a recover -d 'finish or roll back an interrupted run'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a export -d 'managed volumes as a spec or dmsetup text'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a adopt -d 'make devices without a uuid managed'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a version -d 'tool, library and driver versions'
complete -c vmapctl -n "not __fish_seen_subcommand_from $vmapctl_commands" -a cat-config -d 'the spec set'"'"'s files and where they came from'

# options every command takes (also before the command name)
complete -c vmapctl -l json -d 'machine-readable output on stdout'
complete -c vmapctl -s v -l verbose -d 'say more (repeatable)'
complete -c vmapctl -s q -l quiet -d 'print only errors'
complete -c vmapctl -l color -x -a 'auto always never' -d 'colour the output'
complete -c vmapctl -s h -l help -d 'show help'

# options of some commands
complete -c vmapctl -n '__vmapctl_using validate plan apply status activate cat-config' -s f -l file -r -F -d 'spec file or directory (repeatable)'
complete -c vmapctl -n '__vmapctl_using validate plan apply status activate cat-config' -l root -x -a '(__fish_complete_directories)' -d 'default spec directories under DIR'
complete -c vmapctl -n '__vmapctl_using plan apply status destroy recover adopt' -l detailed-exitcode -d 'exit 2 when changes were made or are pending'
complete -c vmapctl -n '__vmapctl_using plan apply' -l allow-recreate -d 'allow remove + create where a reload cannot do'
complete -c vmapctl -n '__vmapctl_using plan apply' -l allow-shrink -d 'allow volumes to get smaller'
complete -c vmapctl -n '__vmapctl_using plan apply' -l allow-remap -d 'allow changes that make a volume show other data'
complete -c vmapctl -n '__vmapctl_using plan apply' -l migrate -d 'move the data of remapped volumes online, then switch them'
complete -c vmapctl -n '__vmapctl_using apply' -l migrate-rate -x -d 'copy migrated data at up to KIB KiB/s'
complete -c vmapctl -n '__vmapctl_using apply' -l no-wait -d 'start migrations and return'
complete -c vmapctl -n '__vmapctl_using recover' -l wait -d 'wait for migrations still copying and finish them'
complete -c vmapctl -n '__vmapctl_using plan apply' -l prune -d 'remove managed volumes not in the spec set'
complete -c vmapctl -n '__vmapctl_using apply' -l dry-run -d 'plan only, change nothing'
complete -c vmapctl -n '__vmapctl_using apply destroy activate recover adopt' -l lock-timeout -x -d 'wait at most SEC for another run'
complete -c vmapctl -n '__vmapctl_using apply destroy activate recover adopt' -l udev-timeout -x -d 'wait at most SEC for udev'
complete -c vmapctl -n '__vmapctl_using apply' -l suspend-timeout -x -d 'give up a suspend after SEC'
complete -c vmapctl -n '__vmapctl_using plan status export' -l live-state -r -F -d 'read live state from a snapshot'
complete -c vmapctl -n '__vmapctl_using status' -l live-state-out -r -F -d 'also write a live-state snapshot'
complete -c vmapctl -n '__vmapctl_using activate' -l device -r -F -d 'the block device that appeared'
complete -c vmapctl -n '__vmapctl_using activate' -l detach -d 'announce, then make any rounds in the background'
complete -c vmapctl -n '__vmapctl_using export' -l format -x -a 'yaml\t"a spec" concise\t"dmsetup create --concise" dm-init\t"dm-mod.create= value"' -d 'output format'
complete -c vmapctl -n '__vmapctl_using status' -l format -x -a 'table\t"one line per volume" prometheus\t"node_exporter textfile metrics"' -d 'output format'

# operands
complete -c vmapctl -n '__vmapctl_using status export destroy' -a '(__vmapctl_spec_volumes; __vmapctl_dm_names managed)' -d volume
complete -c vmapctl -n '__vmapctl_using adopt' -a '(__vmapctl_dm_names bare)' -d 'device without a uuid'
