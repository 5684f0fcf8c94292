# bench/strace-summary.awk: count what one traced command asked of the
# kernel, from `strace -f -qq -o FILE` (decoded ioctls, not raw=ioctl: the
# decoded dm_ioctl shows its flags, which tell a table read from a status
# read and a suspend from a resume, both one ioctl number each).
#
# Prints "KEY COUNT" lines:
#   syscalls                 every syscall the command and its children made
#   dm                       device-mapper ioctls, all commands
#   dm.CMD                   per DM_* command; TABLE_STATUS.table/.status,
#                            DEV_SUSPEND.suspend/.resume split by flag
#   ioctl.other              every other ioctl (TCGETS, BLK*, LOOP_*, ...)
#   path.sys|proc|dev|modules|other   syscalls naming a path there
#   sys.NAME                 per syscall name
#   pat.PATH                 per path under /sys, /proc, /dev or the modules
#                            directory, numbers replaced by '#'
#   sem                      SysV semaphore calls (udev cookies)
#   execve                   programs run (the command itself is one)
#   poll                     poll/ppoll/epoll_wait/select (waits, e.g. on udev)
{
	line = $0
	sub(/^[0-9]+ +/, "", line)              # the pid column of strace -f
	if (line ~ /^(<\.\.\.|\+\+\+|---)/)     # resumed halves, exits, signals
		next
	p = index(line, "(")
	if (p < 2)
		next
	name = substr(line, 1, p - 1)
	n["syscalls"]++
	n["sys." name]++
	if (name == "ioctl") {
		if (match(line, /^ioctl\([0-9]+, DM_[A-Z_]+/)) {
			cmd = substr(line, RSTART, RLENGTH)
			sub(/^ioctl\([0-9]+, DM_/, "", cmd)
			# flags on the way in: before " => " (the kernel's answer)
			q = index(line, " => ")
			in_part = q ? substr(line, 1, q) : line
			if (cmd == "TABLE_STATUS")
				cmd = cmd (in_part ~ /DM_STATUS_TABLE_FLAG/ ? ".table" : ".status")
			else if (cmd == "DEV_SUSPEND")
				cmd = cmd (in_part ~ /DM_SUSPEND_FLAG/ ? ".suspend" : ".resume")
			n["dm." cmd]++
			n["dm"]++
		} else if (match(line, /^ioctl\([0-9]+, 0x[0-9a-f]*fd[0-9a-f][0-9a-f],/)) {
			# not decoded (an unknown command number): still device-mapper
			cmd = substr(line, RSTART + RLENGTH - 3, 2)
			n["dm.0x" cmd]++
			n["dm"]++
		} else
			n["ioctl.other"]++
	}
	if (name ~ /^(open|openat|openat2|stat|lstat|newfstatat|statx|access|faccessat|faccessat2|readlink|readlinkat|execve|mkdir|mkdirat|unlink|unlinkat|inotify_add_watch)$/ &&
	    match(line, /"\/[^"]*"/)) {
		path = substr(line, RSTART + 1, RLENGTH - 2)
		if (path ~ /^\/sys\//) n["path.sys"]++
		else if (path ~ /^\/proc\//) n["path.proc"]++
		else if (path ~ /^(\/usr)?\/lib\/modules\//) n["path.modules"]++
		else if (path ~ /^\/dev\//) n["path.dev"]++
		else n["path.other"]++
		if (path ~ /^(\/sys|\/proc|\/dev|(\/usr)?\/lib\/modules)\//) {
			gsub(/[0-9]+/, "#", path)
			n["pat." path]++
		}
	}
	if (name ~ /^sem/) n["sem"]++
	if (name == "execve") n["execve"]++
	if (name ~ /^(poll|ppoll|select|pselect6|epoll_wait|epoll_pwait)$/) n["poll"]++
}
END {
	for (k in n)
		print k "\t" n[k]
}
