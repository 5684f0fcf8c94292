# Shared by completion.bats (host) and completion-devices.bats (VM).

# offers WORD...: what bash completes for the words (the last one is the
# word being completed), sorted, one a line
offers() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_vmapctl 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}

spec_two() {
	write_spec a.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: cmp-alpha
    targets: [{type: zero, size: 8}]
  - name: cmp-beta
    targets: [{type: zero, size: 8}]
EOF
}
