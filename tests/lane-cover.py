#!/usr/bin/env python3
"""lane-cover.py HOST.tap GUEST.tap... - every test the host lane skipped
ran for real in a guest lane (the guests run only the tests tagged vm or
systemd: tests/vm-tags.py).  Prints one TAP line per test that ran in no
lane and a closing ok; exits 1 when any did not."""
import re
import sys

LINE = re.compile(r"^(ok|not ok) \d+ (.*?)( # (skip|SKIP)\b(.*))?$")
TIMING = re.compile(r" in \d+ms$")


def read(path):
    """name -> (ran, skip reason) of each test in a TAP file"""
    out = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.match(line.rstrip("\n"))
                if not m or m.group(2).startswith("- "):
                    continue
                name = TIMING.sub("", m.group(2))
                ran = m.group(3) is None
                out[name] = (ran or out.get(name, (False,))[0], (m.group(5) or "").strip())
    except FileNotFoundError:
        pass
    return out


def main(argv):
    host, guests = read(argv[0]), [read(p) for p in argv[1:]]
    missing = [(n, why) for n, (ran, why) in sorted(host.items())
               if not ran and not any(g.get(n, (False,))[0] for g in guests)]
    print("1..%d" % (len(missing) + 1))
    for i, (n, why) in enumerate(missing, 1):
        print(f"not ok {i} - '{n}' skipped on the host ({why}) and ran in no guest lane:"
              " tag it vm (tests/vm-tags.py)")
    skipped = sum(1 for ran, _ in host.values() if not ran)
    print(f"ok {len(missing) + 1} - of the {skipped} tests the host lane skipped, "
          f"{skipped - len(missing)} ran in a guest lane")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
