#!/usr/bin/env python3
# check.py CONFIG_CHECK - the schema lane: config-schema/casca-config.schema.json
# and casca's parser (run through tests/tools/config-check) must agree on
# every fixture under tests/fixtures/config/.
#
#   good/*.json  both the schema and the parser accept it
#   bad/*.json   the parser rejects it with the message in bad/<name>.expect,
#                and the schema rejects it too, unless <name> is listed in
#                PARSER_ONLY below (a rule JSON Schema cannot express); for
#                those the schema must accept, so that the list stays honest.
#
# Prints TAP; exits non-zero when anything fails.
import json
import os
import subprocess
import sys

# Fixtures whose defect only the parser can see (config-schema/README.md
# lists the rules).
PARSER_ONLY = {
    "duplicate-namespace": "no two linux.namespaces entries may share a type",
    "rlimit-duplicate": "no two process.rlimits entries may share a type",
    "rlimit-soft-above-hard": "process.rlimits[].soft <= hard",
    "sysctl-net-without-netns": "net.* sysctls need a network namespace",
    "netdevice-duplicate-name": "linux.netDevices names inside the container are unique",
    "nesting-too-deep": "documents nested deeper than 64 levels are refused",
    "duplicate-member": "no object has two members of one name (Python's json keeps the last)",
    "stop-signal-unknown": "the stop-signal annotation names a signal casca knows",
}

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA = os.path.join(ROOT, "config-schema", "casca-config.schema.json")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "config")

n = 0
failed = 0


def tap(cond, desc, diag=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, desc))
    if not cond and diag:
        for line in str(diag).splitlines():
            print("#   " + line)
    sys.stdout.flush()


def make_validator():
    import jsonschema

    with open(SCHEMA) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # casca reads integers strictly: 1.0 and 1e3 are not integers (Python's
    # json turns exactly those literals into floats).
    checker = cls.TYPE_CHECKER.redefine(
        "integer", lambda _c, x: isinstance(x, int) and not isinstance(x, bool))
    strict = jsonschema.validators.extend(cls, type_checker=checker)
    return strict(schema)


def schema_errors(validator, path):
    """None when the schema accepts the file, else a description."""
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return "not JSON: %s" % e
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    return "; ".join("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)",
                                 e.message[:200]) for e in errors[:3])


def run_parser(tool, path):
    p = subprocess.run([tool, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=30)
    return p.returncode, p.stdout.strip()


def main():
    if len(sys.argv) != 2:
        print("usage: check.py PATH/TO/config-check", file=sys.stderr)
        return 2
    tool = sys.argv[1]
    if not os.access(tool, os.X_OK):
        print("Bail out! %s is not built (make tests)" % tool)
        return 1
    try:
        validator = make_validator()
    except Exception as e:  # noqa: BLE001 - report any schema loading problem
        print("Bail out! cannot load %s: %s" % (SCHEMA, e))
        return 1

    good = sorted(f for f in os.listdir(os.path.join(FIXTURES, "good")) if f.endswith(".json"))
    bad = sorted(f for f in os.listdir(os.path.join(FIXTURES, "bad")) if f.endswith(".json"))

    for f in good:
        path = os.path.join(FIXTURES, "good", f)
        errs = schema_errors(validator, path)
        tap(errs is None, "schema accepts good/%s" % f, errs)
        rc, out = run_parser(tool, path)
        tap(rc == 0 and out == "ok", "parser accepts good/%s" % f, "exit %d: %s" % (rc, out))

    for f in bad:
        name = f[:-len(".json")]
        path = os.path.join(FIXTURES, "bad", f)
        expect_path = os.path.join(FIXTURES, "bad", name + ".expect")
        try:
            with open(expect_path) as e:
                expect = e.readline().rstrip("\n")
        except OSError:
            expect = None
        rc, out = run_parser(tool, path)
        if expect:
            tap(rc == 1 and out.startswith("error: ") and expect in out,
                "parser rejects bad/%s: %s" % (f, expect),
                "exit %d: %s\nwanted the substring: %s" % (rc, out, expect))
        else:
            tap(False, "bad/%s has a bad/%s.expect" % (f, name), "missing or empty")
        errs = schema_errors(validator, path)
        if name in PARSER_ONLY:
            tap(errs is None, "schema accepts bad/%s (parser-only: %s)" % (f, PARSER_ONLY[name]),
                "the schema rejects it now, drop it from PARSER_ONLY: %s" % errs)
        else:
            tap(errs is not None, "schema rejects bad/%s" % f, "the schema accepts it")

    for name in sorted(PARSER_ONLY):
        tap(os.path.exists(os.path.join(FIXTURES, "bad", name + ".json")),
            "parser-only fixture bad/%s.json exists" % name)

    print("1..%d" % n)
    print("# %d of %d failed" % (failed, n) if failed else "# all %d passed" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
