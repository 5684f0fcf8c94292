#!/usr/bin/python3
"""bench/acct.py: BSD process accounting for the activation storm.

    acct.py on FILE      start accounting every process that exits to FILE
    acct.py off          stop
    acct.py sum FILE     "KEY VALUE" lines about the vmapctl processes in FILE

Why accounting: the activations of a storm are started by udev (the rule's
helper detaches them), so no shell waits for them and none can time them;
the kernel writes one record per process at its exit (CPU time, exit code,
command name) without a wrapper that would add its own cost to every run.
Needs CONFIG_BSD_PROCESS_ACCT (Debian's kernel has it, record format v3).
"""
import ctypes
import os
import struct
import sys

# struct acct_v3 (linux/acct.h), 64 bytes
V3 = struct.Struct("<BBHIIIIIIf8H16s")
AHZ = 100.0


def comp_t(c):
    """comp_t: 13-bit mantissa, 3-bit base-8 exponent, in AHZ ticks."""
    return ((c & 0x1FFF) << (3 * ((c >> 13) & 7))) / AHZ


def acct(path):
    libc = ctypes.CDLL(None, use_errno=True)
    if path:
        open(path, "ab").close()  # acct(2) appends to an existing file only
    arg = path.encode() if path else None
    if libc.acct(arg) != 0:
        err = ctypes.get_errno()
        sys.exit(f"acct: acct({path!r}) failed: {os.strerror(err)}")


def summary(path, comms):
    n = {"runs": 0, "exit.0": 0, "exit.75": 0, "exit.other": 0, "cpu": 0.0,
         "etime.max": 0.0, "etime.sum": 0.0, "other.cpu": 0.0}
    # the rule's helper (its command name cut to 15 characters), the runs
    # that did not become vmapctl: those count as vmapctl's
    helper = {"helper.runs": 0, "helper.exit.0": 0, "helper.cpu": 0.0}
    data = open(path, "rb").read()
    for off in range(0, len(data) - V3.size + 1, V3.size):
        (flag, version, _tty, exitcode, _uid, _gid, _pid, _ppid, _btime,
         etime, utime, stime, *_rest, comm) = V3.unpack_from(data, off)
        if version & 0x7F != 3:
            sys.exit(f"acct: {path}: record version {version}, expected 3")
        name = comm.split(b"\0", 1)[0].decode(errors="replace")
        cpu = comp_t(utime) + comp_t(stime)
        if name in comms:
            n["runs"] += 1
            # do_exit's code: exit status << 8, or the signal number
            code = exitcode >> 8 if exitcode & 0x7F == 0 else 128 + (exitcode & 0x7F)
            n["exit.0" if code == 0 else "exit.75" if code == 75 else "exit.other"] += 1
            n["cpu"] += cpu
            n["etime.sum"] += etime / AHZ
            n["etime.max"] = max(n["etime.max"], etime / AHZ)
        elif name.startswith("vmapctl-udev"):
            helper["helper.runs"] += 1
            helper["helper.exit.0"] += 1 if exitcode == 0 else 0
            helper["helper.cpu"] += cpu
        else:
            n["other.cpu"] += cpu
    n.update(helper)
    for k, v in n.items():
        print(k, f"{v:.2f}" if isinstance(v, float) else v)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "on":
        acct(os.path.abspath(sys.argv[2]))
    elif len(sys.argv) == 2 and sys.argv[1] == "off":
        acct(None)
    elif len(sys.argv) == 3 and sys.argv[1] == "sum":
        summary(sys.argv[2], {"vmapctl"})
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
