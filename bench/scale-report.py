#!/usr/bin/python3
"""bench/scale-report.py RAW.tsv...: the tables of bench/scale.sh.

Several files (runs at different N, or the storm alone) are merged into
one table; the run times add up.

RAW.tsv rows (tab-separated), as bench/scale.sh writes them:
    info   KEY VALUE
    time   N TOOL OP RUN WALL USER SYS MAXRSS_KIB
    count  N TOOL OP KEY VALUE     (strace and uevent counts of one command)
    storm  M PHASE KEY VALUE
    stack  VOLUME MS               (suspended time of a growing 3-level stack)
Times are reduced to the fastest run; ratios are vmapctl / dmsetup.
"""
import collections
import sys

# (label, vmapctl op, dmsetup op): rows of the timing table
TIMES = [
    ("create, udev sync on", "create", "create"),
    ("  udev settle after it", "settle.create", "settle.create"),
    ("  create + settle", "+create", "+create"),
    ("  udev's CPU for its events", "udevcpu.create", "udevcpu.create"),
    ("  the machine's CPU meanwhile", "syscpu.create", "syscpu.create"),
    ("create, DM_DISABLE_UDEV=1", "create.noudev", "create.noudev"),
    ("  udev settle after it", "settle.create.noudev", "settle.create.noudev"),
    ("  create + settle", "+create.noudev", "+create.noudev"),
    ("no-op apply | dmsetup table", "noop", "table"),
    ("plan, no change | dmsetup table", "plan", "table"),
    ("status | dmsetup status", "status", "status"),
    ("validate (no kernel) | dmsetup table", "validate", "table"),
    ("a device per volume: no-op | dmsetup table", "noop.luns", "table.luns"),
    ("  plan, no change | dmsetup table", "plan.luns", "table.luns"),
    ("destroy NAMES | dmsetup remove NAMES", "destroy", "remove"),
    ("  udev settle after it", "settle.destroy", "settle.remove"),
    ("apply --prune, empty spec | remove_all", "prune", "remove_all"),
    ("  udev settle after it", "settle.prune", "settle.remove_all"),
]
RSS = [
    ("peak RSS MiB: create", "create", "create"),
    ("peak RSS MiB: no-op | table", "noop", "table"),
    ("peak RSS MiB: status", "status", "status"),
    ("peak RSS MiB: destroy | remove", "destroy", "remove"),
]
# (label, vmapctl op, dmsetup op) of the counting pass
COUNTED = [
    ("create, udev sync on", "create", "create"),
    ("create, DM_DISABLE_UDEV=1", "create.noudev", "create.noudev"),
    ("no-op apply | dmsetup table", "noop", "table"),
    ("plan | dmsetup table", "plan", "table"),
    ("status | dmsetup status", "status", "status"),
    ("validate | dmsetup table", "validate", "table"),
    ("destroy | dmsetup remove NAMES", "destroy", "remove"),
    ("apply --prune | dmsetup remove_all", "prune", "remove_all"),
    ("a device per volume: no-op | table", "noop.luns", "table.luns"),
]
UEVENTED = [("create, udev sync on", "create", "create"),
            ("create, DM_DISABLE_UDEV=1", "create.noudev", "create.noudev"),
            ("destroy | dmsetup remove NAMES", "destroy", "remove"),
            ("apply --prune | dmsetup remove_all", "prune", "remove_all")]
OPNAME = {
    "vmapctl": {"create": "apply (create)", "create.noudev": "apply (create, DM_DISABLE_UDEV=1)",
                "noop": "apply (no-op)", "plan": "plan", "status": "status", "validate": "validate",
                "destroy": "destroy NAMES", "prune": "apply --prune (empty spec)",
                "noop.luns": "apply (no-op, a device per volume)"},
    "dmsetup": {"create": "create --concise", "create.noudev": "create --concise (DM_DISABLE_UDEV=1)",
                "table": "table", "status": "status", "remove": "remove NAMES", "remove_all": "remove_all",
                "table.luns": "table (2N devices)"},
}
# where the syscalls go: the ops shown with their top syscalls and paths
PROFILED = [("vmapctl", "noop"), ("dmsetup", "table"), ("vmapctl", "noop.luns"),
            ("vmapctl", "status"), ("dmsetup", "status"),
            ("vmapctl", "create"), ("dmsetup", "create"), ("vmapctl", "destroy"), ("dmsetup", "remove")]


def load(paths):
    info, times, counts, storm, stack = {}, collections.defaultdict(list), {}, {}, []
    for line in (line for path in paths for line in open(path)):
        f = line.rstrip("\n").split("\t")
        if f[0] == "info" and f[1] == "total.s":
            info[f[1]] = str(float(info.get(f[1], 0)) + float(f[2]))
        elif f[0] == "info":
            info[f[1]] = f[2]
        elif f[0] == "time":
            n, tool, op, run = int(f[1]), f[2], f[3], int(f[4])
            times[(n, tool, op)].append((run, float(f[5]), float(f[6]) + float(f[7]), int(f[8])))
        elif f[0] == "count":
            counts.setdefault((int(f[1]), f[2], f[3]), {})[f[4]] = int(f[5])
        elif f[0] == "storm":
            storm.setdefault(int(f[1]), {})[(f[2], f[3])] = f[4]
        elif f[0] == "stack":
            stack.append((f[1], float(f[2])))
    return info, times, counts, storm, stack


class Times:
    def __init__(self, times):
        self.t = times

    def best(self, n, tool, op):
        """fastest wall time; "+OP" is the fastest run's OP + the settle after it"""
        if op.startswith("+"):
            a = {r: w for r, w, _, _ in self.t.get((n, tool, op[1:]), [])}
            b = {r: w for r, w, _, _ in self.t.get((n, tool, "settle." + op[1:]), [])}
            s = [a[r] + b[r] for r in a if r in b]
            return min(s) if s else None
        s = self.t.get((n, tool, op))
        return min(w for _, w, _, _ in s) if s else None

    def rss(self, n, tool, op):
        s = self.t.get((n, tool, op))
        return max(m for _, _, _, m in s) / 1024 if s else None

    def cpu(self, n, tool, op):
        s = self.t.get((n, tool, op))
        return min(c for _, _, c, _ in s) if s else None

    def runs(self, n, op="create"):
        return len(self.t.get((n, "vmapctl", op), []))


def fmt(v, d=2):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{d}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def rfmt(r):
    return "-" if r is None else f"{r:.2f}x"


def table(rows, header=None, align=None):
    """rows of cells -> aligned text; first column left, the rest right"""
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[0].ljust(w[0])] + [c.rjust(w[i + 1]) for i, c in enumerate(r[1:])]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    info, times, counts, storm, stack = load(sys.argv[1:])
    T = Times(times)
    ns = sorted({n for n, tool, op in times if not op.startswith("storm")})
    counts_storm = {k: v for k, v in counts.items() if k[1] == "storm"}
    counts = {k: v for k, v in counts.items() if k[1] != "storm"}
    runs = info.get("runs", "3")
    one = int(info.get("one_run_from", "3000"))
    print()
    print("vmapctl scale benchmark: vmapctl vs dmsetup, same VM run, N linear volumes")
    print(f"  kernel {info.get('kernel', '?')}, {info.get('cpus', '?')} CPUs (qemu TCG); "
          f"{info.get('vmapctl', '?')}; dmsetup {info.get('dmsetup', '?').strip()}; udev {info.get('udev', '?')}")
    if "commit" in info:
        print(f"  commit {info['commit']}")
    if "aslr" in info:
        print(f"  address space randomisation: {'on' if info['aslr'] != '0' else 'off'}"
              f" (randomize_va_space {info['aslr']})")
    print(f"  seconds; fastest of {runs} runs, except creates and removes from N={one} on: one run;")
    reads = sorted({T.runs(n, "noop") for n in ns} - {0})
    if reads and reads != [int(runs)]:
        print(f"  the read-only commands (no-op, plan, status, validate; dmsetup table, status):"
              f" fastest of {' or '.join(map(str, reads))} runs;")
    more = [n for n in ns if T.runs(n) == 1 and T.runs(n, "create.noudev") > 1]
    if more:
        print("  but the DM_DISABLE_UDEV=1 creates at N=" + ", ".join(map(str, more))
              + f": fastest of {T.runs(more[0], 'create.noudev')} runs;")
    quiet = int(info.get("quiet_from", "0") or 0)
    if quiet and any(n >= quiet for n, _, _ in times):
        print(f"  from N={quiet} on, the DM_DISABLE_UDEV=1 creates and all removes ran with systemd-udevd"
              " stopped (both tools;")
        print("  udev's work on their events is the same for both and costs hours in the emulator),"
              " so no settle rows there")
    print("  ratio = vmapctl / dmsetup (< 1: vmapctl faster); absolute times are the emulator's,"
          " the ratios are the result")
    if any(op == "noop.luns" for _, _, op in times):
        print("  \"a device per volume\": N volumes, each on its own dm device (N LUNs of a multipath"
              " host), named by path;")
        print("  dmsetup table reads all 2N devices there")

    if ns:
        print()
        head = [""]
        sub = ["operation  (vmapctl | dmsetup)"]
        for n in ns:
            r = T.runs(n)
            head += [f"N={n}" + ("" if r != 1 else " (creates: 1 run" +
                                 (")" if T.runs(n, "create.noudev") == 1 else "; udev off: "
                                  + str(T.runs(n, "create.noudev")) + ")")), "", ""]
            sub += ["vmapctl", "dmsetup", "ratio"]
        rows = [head, sub]
        for label, vop, dop in TIMES:
            row = [label]
            for n in ns:
                a, b = T.best(n, "vmapctl", vop), T.best(n, "dmsetup", dop)
                row += [fmt(a), fmt(b), rfmt(ratio(a, b))]
            rows.append(row)
        row = ["no-op cost per volume, ms"]
        for n in ns:
            a, b = T.best(n, "vmapctl", "noop"), T.best(n, "dmsetup", "table")
            row += [fmt(a and a * 1000 / n, 3), fmt(b and b * 1000 / n, 3), rfmt(ratio(a, b))]
        rows.append(row)
        for label, vop, dop in RSS:
            row = [label]
            for n in ns:
                a, b = T.rss(n, "vmapctl", vop), T.rss(n, "dmsetup", dop)
                row += [fmt(a, 1), fmt(b, 1), rfmt(ratio(a, b))]
            rows.append(row)
        print(table(rows))

    cns = sorted({n for n, _, _ in counts})
    if cns:
        print()
        print("per volume, from one pass under strace -f and udevadm monitor --kernel (not timed):")
        print("  count / N, both tools; uevents are kernel uevents of the block subsystem")
        head = ["per volume  (vmapctl | dmsetup)"]
        for n in cns:
            head += [f"N={n}", ""]
        rows = [head]

        def per(n, tool, op, key):
            c = counts.get((n, tool, op))
            return None if c is None else c.get(key, 0) / n

        def add(label, key, pairs):
            for sub, vop, dop in pairs:
                row = [f"{label}: {sub}"]
                for n in cns:
                    row += [fmt(per(n, "vmapctl", vop, key)), fmt(per(n, "dmsetup", dop, key))]
                rows.append(row)
        add("DM ioctls", "dm", COUNTED)
        add("other ioctls", "ioctl.other", COUNTED[:3])
        add("syscalls", "syscalls", COUNTED)
        add("/sys paths", "path.sys", COUNTED[:5] + COUNTED[8:])
        add("semaphore calls", "sem", COUNTED[:2] + COUNTED[6:8])
        for sub, vop, dop in UEVENTED:
            for key, what in (("add", "add"), ("change", "change"), ("remove", "remove")):
                row = [f"dm uevents {what}: {sub}"]
                nonzero = False
                for n in cns:
                    a, b = per(n, "vmapctl", vop, f"ev.dm.{key}"), per(n, "dmsetup", dop, f"ev.dm.{key}")
                    nonzero |= bool(a) or bool(b)
                    row += [fmt(a), fmt(b)]
                if nonzero:
                    rows.append(row)
        # events on other devices (the loop device under them: udev's watch)
        for sub, vop, dop in UEVENTED:
            keys = set()
            for n in cns:
                for tool, op in (("vmapctl", vop), ("dmsetup", dop)):
                    keys |= {k for k in counts.get((n, tool, op), {}) if k.startswith("ev.") and not k.startswith("ev.dm.")}
            for k in sorted(keys):
                row = [f"uevents {k[3:]} (total, not /N): {sub}"]
                for n in cns:
                    a = counts.get((n, "vmapctl", vop), {}).get(k, 0)
                    b = counts.get((n, "dmsetup", dop), {}).get(k, 0)
                    row += [str(a), str(b)]
                rows.append(row)
        print(table(rows))

        print()
        print("DM ioctls by command, paths named (total counts at each N; per volume + fixed, fitted):")
        for tool in ("vmapctl", "dmsetup"):
            for op, name in OPNAME[tool].items():
                have = [n for n in cns if (n, tool, op) in counts]
                if not have:
                    continue
                keys = set()
                for n in have:
                    keys |= {k for k in counts[(n, tool, op)]
                             if k.startswith("dm.") or k.startswith("path.") or k in ("sem", "execve", "poll")}
                rows = [[f"{tool} {name}"] + [f"N={n}" for n in have] + ["per volume + fixed"]]
                for k in sorted(keys, key=lambda k: (not k.startswith("dm."), k)):
                    c = [counts[(n, tool, op)].get(k, 0) for n in have]
                    if len(have) >= 2:
                        a = (c[-1] - c[0]) / (have[-1] - have[0])
                        b = c[0] - a * have[0]
                    else:
                        a, b = c[0] // have[0], c[0] % have[0]
                    fit = f"{a:.2f} + {b:.0f}" if abs(a - round(a)) > 0.005 else f"{round(a)} + {b:.0f}"
                    rows.append(["  " + k] + [str(x) for x in c] + [fit])
                print(table(rows))

        print()
        print("where the syscalls go (largest N traced; per volume; top syscalls, then /sys /proc /dev"
              " and modules paths named, numbers as #):")
        for tool, op in PROFILED:
            have = [n for n in cns if (n, tool, op) in counts]
            if not have:
                continue
            n = have[-1]
            c = counts[(n, tool, op)]
            top = sorted(((v, k[4:]) for k, v in c.items() if k.startswith("sys.")), reverse=True)[:8]
            print(f"{tool} {OPNAME[tool][op]}, N={n}: {c.get('syscalls', 0) / n:.1f} syscalls per volume: "
                  + ", ".join(f"{k} {v / n:.2f}" for v, k in top))
            pats = sorted(((v, k[4:]) for k, v in c.items() if k.startswith("pat.")), reverse=True)
            if pats:
                shown = pats[:12]
                print("    " + "\n    ".join(f"{v / n:6.2f}  {k}" for v, k in shown)
                      + (f"\n    ... and {len(pats) - len(shown)} more paths" if len(pats) > len(shown) else ""))

    if storm:
        print()
        ms = sorted(storm)
        print("activation storm: M loop devices attached at once with the installed udev rule")
        print("  (69-vmapctl.rules -> vmapctl-udev-activate MAJ:MIN, which hands the disk over or becomes")
        print("  vmapctl activate --detach --device MAJ:MIN; one volume per disk by ID_FS_UUID);")
        print("  seconds from the first attach")

        def g(m, phase, key, conv=float):
            v = storm.get(m, {}).get((phase, key))
            return None if v in (None, "NA") else conv(v)
        rows = [[""] + [f"M={m}" for m in ms]]

        def add(label, vals):
            rows.append([label] + vals)
        apply_t = {m: T.best(m, "vmapctl", "storm.apply") for m in ms}
        add("one vmapctl apply of the M volumes", [fmt(apply_t[m]) for m in ms])
        apply_cpu = {m: T.cpu(m, "vmapctl", "storm.apply") for m in ms}
        add("  its CPU (user+sys), s", [fmt(apply_cpu[m]) for m in ms])
        add("attach M disks + udev settle, no rule", [fmt(g(m, "attach", "settle.s")) for m in ms])
        add("storm: attaching took", [fmt(g(m, "attach", "storm.s")) for m in ms])
        add("storm: first volume up", [fmt(g(m, "storm", "first.s")) for m in ms])
        add("storm: last volume up", [fmt(g(m, "storm", "last.s")) if g(m, "storm", "last.s") is not None
                                      else f"{g(m, 'storm', 'up', int)} of {m} up" for m in ms])
        add("  last up / one apply", [rfmt(ratio(g(m, "storm", "last.s"), apply_t[m])) for m in ms])
        # the disks themselves take this long to appear and be probed: no
        # activation can be faster than that
        add("  (last up - attach and settle) / one apply",
            [rfmt(ratio(g(m, "storm", "last.s") and g(m, "storm", "last.s") - g(m, "attach", "settle.s"),
                        apply_t[m])) for m in ms])
        add("storm: every activate run ended", [fmt(g(m, "storm", "ended.s")) for m in ms])
        add("udev helper runs that stayed the helper", [str(g(m, "storm", "helper.runs", int)) for m in ms])
        add("  exited 0 (handed over, or nothing to do)", [str(g(m, "storm", "helper.exit.0", int)) for m in ms])
        add("  their CPU, s", [fmt(g(m, "storm", "helper.cpu")) for m in ms])
        add("activate runs (vmapctl processes)", [str(g(m, "storm", "runs", int)) for m in ms])
        add("  exited 0", [str(g(m, "storm", "exit.0", int)) for m in ms])
        add("  exited 75 (lock timeout)", [str(g(m, "storm", "exit.75", int)) for m in ms])
        add("  exited otherwise", [str(g(m, "storm", "exit.other", int)) for m in ms])
        add("  devices announced to the runner", [str(g(m, "storm", "announced", int)) for m in ms])
        add("  handed over (exit 0 at once)", [str(g(m, "storm", "handed.over", int)) for m in ms])
        add("  runner rounds (each one whole run)", [str(g(m, "storm", "rounds", int)) for m in ms])
        add("  CPU of all runs, s", [fmt(g(m, "storm", "cpu")) for m in ms])
        add("  CPU of all runs / apply's CPU", [rfmt(ratio(g(m, "storm", "cpu"), apply_cpu[m])) for m in ms])
        add("  with the helper's / apply's CPU",
            [rfmt(ratio((g(m, "storm", "cpu") or 0) + (g(m, "storm", "helper.cpu") or 0), apply_cpu[m]))
             for m in ms])
        add("  wall time of all runs summed, s", [fmt(g(m, "storm", "etime.sum")) for m in ms])
        add("errors in /run/vmapctl/activate.log", [str(g(m, "storm", "log.errors", int)) for m in ms])
        evkeys = sorted({k for m in ms for k in counts_storm.get((m, "storm", "storm"), {})
                         if k.startswith("ev.") and not k.endswith(".devices")})
        for k in evkeys:
            add(f"kernel uevents {k[3:]} per disk",
                [fmt(counts_storm.get((m, "storm", "storm"), {}).get(k, 0) / m) for m in ms])
        if any(g(m, "storm", "still-running", int) for m in ms):
            add("runs killed after the wait", [str(g(m, "storm", "still-running", int) or 0) for m in ms])
        print(table(rows))

    if stack:
        print()
        print("suspended while a 3-level stack grows (one apply reloading low, mid, top), ms: "
              + ", ".join(f"{v} {ms:.1f}" for v, ms in stack))

    # --- the targets of contract section 9 --------------------------------
    print()
    print("targets (contract section 9; issue 13)")

    def near(n):
        """the measured N closest to n (the target's own N if measured)"""
        return min(ns, key=lambda x: abs(x - n)) if ns else None
    rows = [["target", "measured", "goal", ""]]

    def verdict(v, ok):
        return "-" if v is None else ("met" if ok else "MISSED")
    if ns:
        n = near(1000)
        r = ratio(T.best(n, "vmapctl", "noop"), T.best(n, "dmsetup", "table"))
        rows.append([f"no-op apply / dmsetup table, N={n}", rfmt(r), "<= 1.5x", verdict(r, r is not None and r <= 1.5)])
        lo, hi = ns[0], ns[-1]
        a, b = T.best(hi, "vmapctl", "noop"), T.best(lo, "vmapctl", "noop")
        r = ratio(a and a / hi, b and b / lo) if hi != lo else None
        rows.append([f"no-op per volume, N={hi} / N={lo}", rfmt(r), "<= 1.3x", verdict(r, r is not None and r <= 1.3)])
        r = ratio(T.best(n, "vmapctl", "noop.luns"), T.best(n, "dmsetup", "table.luns"))
        if r is not None:
            rows.append([f"  a device per volume (multipath shape), N={n}", rfmt(r), "<= 1.5x",
                         verdict(r, r <= 1.5)])
        r = ratio(T.best(n, "vmapctl", "create"), T.best(n, "dmsetup", "create"))
        rows.append([f"create, udev sync: vmapctl / dmsetup, N={n}", rfmt(r), "<= 0.5x", verdict(r, r is not None and r <= 0.5)])
        # a tool that waits for udev cannot finish before udev has done
        # the work of its events, on the CPUs the machine has
        u, cpus = T.best(n, "vmapctl", "udevcpu.create"), int(info.get("cpus", "0") or 0)
        if u is not None and cpus:
            r = ratio(u / cpus, T.best(n, "dmsetup", "create"))
            rows.append(["  bound: udev's CPU for vmapctl's events / CPUs", rfmt(r), "", "(the floor on this machine)"])
        # how much of its CPUs this machine gives work of udev's kind
        # (short processes) run in parallel: 2x on 2 real CPUs
        if "par.one" in info and "par.two" in info and float(info["par.two"]) > 0:
            sp = 2 * float(info["par.one"]) / float(info["par.two"])
            rows.append(["  speed-up, two chains of short processes at once", f"{sp:.2f}x", "",
                         f"(ideal: {cpus}x; udev's workers run so)"])
        r = ratio(T.best(n, "vmapctl", "create.noudev"), T.best(n, "dmsetup", "create.noudev"))
        rows.append([f"create, DM_DISABLE_UDEV=1, N={n}", rfmt(r), "<= 1.0x", verdict(r, r is not None and r <= 1.0)])
    if storm:
        m = max(storm)
        r = ratio(storm[m].get(("storm", "last.s")) not in (None, "NA") and float(storm[m][("storm", "last.s")]) or None,
                  T.best(m, "vmapctl", "storm.apply"))
        rows.append([f"storm of {m}: last volume up / one apply", rfmt(r), "<= 2x", verdict(r, r is not None and r <= 2)])
    if "validate10k" in info:
        s, kib = info["validate10k"].split()
        s, mib = float(s), int(kib) / 1024
        rows.append(["validate of 10,000 volumes (host)", f"{s:.3f} s", "< 0.2 s", verdict(s, s < 0.2)])
        rows.append(["  its peak RSS", f"{mib:.1f} MiB", "< 100 MB", verdict(mib, mib * 1.048576 < 100)])
    print(table(rows))
    if ns and (1000 not in ns or ns[0] > 100 or ns[-1] < 3000):
        print("  (the targets are set at N=100, 1,000 and 3,000; this run measured N in "
              + ", ".join(map(str, ns)) + ")")
    if "total.s" in info:
        print(f"\nbenchmark run time in the VM: {float(info['total.s']) / 60:.1f} min")


if __name__ == "__main__":
    main()
