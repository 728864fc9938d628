#!/usr/bin/env python3
"""table.py WORK - the markdown table of bench/run.sh from the files it left in WORK."""
import json
import os
import re
import statistics
import sys

W = sys.argv[1]
RUNTIMES = ["casca", "crun", "runc", "floor"]
CONFIGS = [("seccomp", "with seccomp (`casca spec`'s default profile)"),
           ("no-seccomp", "without seccomp (the same config minus `linux.seccomp`)")]
TARGET_BYTES = 300 * 1000
# casca/crun medians of `run` that issue 14 asks for
RUN_TARGET = {"seccomp": 0.4, "no-seccomp": 0.6}


def kv(name):
    out = {}
    with open(os.path.join(W, name)) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            out[k] = v
    return out


def read(name, default=None):
    try:
        with open(os.path.join(W, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def medians(config):
    """Median ms of each command over the runs of every round (config
    "exec-seccomp": the exec runs)."""
    times = {}
    for name in sorted(os.listdir(W)):
        if not (name.startswith(f"hyperfine-{config}-") and name.endswith(".json")):
            continue
        with open(os.path.join(W, name)) as f:
            for r in json.load(f)["results"]:
                times.setdefault(r["command"], []).extend(r["times"])
    return {cmd: statistics.median(t) * 1000 for cmd, t in times.items()}


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


m = kv("machine")
sizes = kv("sizes")
size_cell = {
    "casca": f"{int(sizes['casca_stripped']):,} B stripped ({int(sizes['casca_file']):,} B "
             f"as built, with debug info; text+data {int(sizes['casca_text']) + int(sizes['casca_data']):,} B)",
    "crun": f"{int(sizes['crun_file']):,} B",
    "runc": f"{int(sizes['runc_file']):,} B",
    "floor": "-",
}

print(f"Benchmark of {m['date']}: {m['cpu']}, kernel {m['kernel']}, {m['os']}; "
      f"{m['casca']}, crun {m['crun']}, runc {m['runc']}, hyperfine {m['hyperfine']}; "
      f"load average {m['load']} (other work on the machine makes every number noisier).")
print()
print(f"Each command: {m['runs']} runs (`hyperfine -N`) in {m['rounds']} rounds, each after "
      f"{m['warmup']} warmup runs; the median over all runs is shown.  All of them run in a private mount namespace in which "
      "/sys/fs/cgroup is an empty tmpfs (no cgroupfs reachable), casca and crun with "
      "`--cgroup-manager disabled`.  One busybox bundle running /bin/true, readonly root, "
      "no terminal, the same config.json for every runtime.  The floor is "
      "`unshare --mount --uts --ipc --pid --net --fork true`.  casca runs stripped, as "
      "`make install` installs it (Debian's crun and runc are stripped): where it cannot use its "
      "exec stub it re-executes from a sealed copy of its binary, which would copy debug "
      "info too.")
print()
print(f"Peak RSS is /usr/bin/time's %M, the largest of {m['rss_runs']} runs: ru_maxrss from "
      "wait4(), i.e. the highest peak resident set of any single process in the tree the "
      "runtime started and reaped: the runtime itself, its forked children before exec "
      "(casca's and crun's container init is a copy of the runtime until it execs "
      "/bin/true, runc re-executes itself as `runc init`), and /bin/true.  Not a sum over "
      "processes.")

summary = []
excluded = set()
EXEC_TITLES = {"seccomp": "exec with seccomp (into a container of `casca spec`'s profile)",
               "no-seccomp": "exec without seccomp (the same config minus `linux.seccomp`)"}


def excluded_reason(status):
    # runc logs as logrus: time="..." level=error msg="..."
    msg = re.search(r'msg="((?:[^"\\]|\\.)*)"', status)
    return (msg.group(1) if msg else status).replace("|", "/")


def table(verb, config, title, goal):
    """One table: `run` (files hyperfine-CONFIG-*, rss-RT-CONFIG, status-RT-CONFIG)
    or `exec` (the same with an exec- prefix)."""
    pre = "" if verb == "run" else "exec-"
    med = medians(pre + config)
    if not med:
        return
    crun_ms, floor_ms = med.get("crun"), med.get("floor")
    rss = {rt: int(read(f"rss-{pre}{rt}-{config}")) for rt in RUNTIMES
           if read(f"rss-{pre}{rt}-{config}") is not None}
    sizes_col = verb == "run"
    print()
    print(f"#### {title}")
    print()
    print("| runtime | median ms | ratio to crun | ratio to floor | peak RSS KiB | ratio to crun |"
          + (" binary size |" if sizes_col else ""))
    print("|---|---:|---:|---:|---:|---:|" + ("---|" if sizes_col else ""))
    floor_name = "floor (unshare)" if verb == "run" else "floor (nsenter)"
    for rt in ["casca", "casca-cold", "crun", "runc", "floor"]:
        size = f" {size_cell[rt]} |" if sizes_col and rt != "casca-cold" else (" |" if sizes_col else "")
        if rt == "casca-cold":
            if rt in med:
                print(f"| casca, cold seccomp cache | {med[rt]:.2f} | {ratio(med[rt], crun_ms)} "
                      f"| {ratio(med[rt], floor_ms)} | | |{size}")
            continue
        name = floor_name if rt == "floor" else rt
        status = read(f"status-{pre}{rt}-{config}", "ok")
        if status != "ok":
            excluded.add(rt)
            print(f"| {name} | excluded: {excluded_reason(status)} | | | | |{size}")
            continue
        if rt not in med:
            continue
        ms = med[rt]
        print(f"| {name} | {ms:.2f} | {ratio(ms, crun_ms)} | {ratio(ms, floor_ms)} "
              f"| {rss.get(rt, '')} | {ratio(rss.get(rt), rss.get('crun'))} |{size}")
    if crun_ms and "casca" in med:
        t = med["casca"] / crun_ms
        r = rss["casca"] / rss["crun"]
        summary.append(f"- {verb} {config}: casca/crun median {t:.2f} (target ≤ {goal}: "
                       f"{'met' if t <= goal else 'missed'}), peak RSS {r:.2f} (target ≤ 0.5: "
                       f"{'met' if r <= 0.5 else 'missed'})")


for config, title in CONFIGS:
    table("run", config, f"run {title}", RUN_TARGET[config])
for config, _ in CONFIGS:
    table("exec", config, f"{EXEC_TITLES[config]}: `RUNTIME exec ID /bin/true`", 0.5)

stripped = int(sizes["casca_stripped"])
summary.append(f"- binary: casca stripped {stripped:,} B (target ≤ 300 KB: "
               f"{'met' if stripped <= TARGET_BYTES else 'missed'}); shared libraries: casca "
               f"{sizes['casca_libs']}; crun {sizes['crun_libs']}")
if "runc" in excluded:
    print()
    print("runc 1.1 has no mode without cgroups: it needs a cgroup mount in /proc/self/mountinfo. "
          "Giving it one here would mean exposing the host's cgroupfs or creating a new cgroup v1 "
          "hierarchy on the host, so it is left out; the error it printed is in the table.")
img = {rt: read(f"rss-image-{rt}") for rt in ("casca", "crun")}
if all(img.values()):
    print()
    print(f"Peak RSS of each runtime's image alone (`--version`: the binary, its shared "
          f"libraries and the dynamic loader, nothing done): casca {int(img['casca'])} KiB, "
          f"crun {int(img['crun'])} KiB.  ru_maxrss counts the file pages the kernel maps "
          "around each fault (fault-around, 64 KiB), so a larger image weighs more than the "
          "pages it touches.")
print()
print("Targets (casca against crun in the same run):")
print()
print("\n".join(summary))
