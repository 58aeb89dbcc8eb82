"""The CLI contract of docs/cli.md, as tests outside this repository rely on it:
version, --help everywhere, exit codes 0/1/2, and `check`'s diagnostics.

The invalid inputs use IPAddressPool and the YAML layer only, whose
messages are settled; kinds still being implemented are not relied on.
"""

import os
import re

import pytest

from lib.metalgate import (DIAG_RE, EXIT_INVALID, EXIT_OK, EXIT_USAGE, OK_RE,
                           assert_contract_lines, assert_no_crash)

POOL_OK = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: pool-ok
  namespace: metallb-system
spec:
  addresses:
    - 192.168.2.10-192.168.2.50
"""

# Four independent mistakes in one object plus one in a second document:
# every one of them must be reported, each on its own line.
POOL_MANY_ERRORS = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: pool-a
  namespace: metallb-system
spec:
  addresses:
    - 192.168.2.50-192.168.2.10
    - 10.0.0.0/33
  autoAsign: true
  avoidBuggyIPs: "maybe"
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: pool-b
  namespace: metallb-system
spec:
  addresses: [not-an-ip]
"""
# (line, col, path, message fragment) of each mistake above.
POOL_MANY_EXPECTED = [
    (8, 7, "spec.addresses[0]", "start is after end"),
    (9, 7, "spec.addresses[1]", "10.0.0.0/33"),
    (10, 3, "spec", "autoAsign"),
    (11, 18, "spec.avoidBuggyIPs", "boolean"),
    (19, 15, "spec.addresses[0]", "not-an-ip"),
]

# A kind metalgate will never handle: a warning, never a failure.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""


def help_commands(text):
    """Subcommand names listed under "Commands:" in `metalgate --help`."""
    cmds, inside = [], False
    for line in text.splitlines():
        if line.strip().lower().startswith("commands"):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s+([a-z][a-z0-9-]*)\s", line + " ")
            if not m:
                if cmds:
                    break
                continue
            cmds.append(m.group(1))
    return cmds


# ---- version and help --------------------------------------------------------


@pytest.mark.parametrize("args", [["version"], ["--version"]])
def test_version(mg, args):
    res = mg.run(*args)
    assert res.rc == EXIT_OK, res.describe()
    assert re.match(r"^metalgate \d+\.\d+\.\d+\S*$", res.stdout.strip()), res.describe()


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_top_help(mg, flag):
    res = mg.run(flag)
    assert res.rc == EXIT_OK, res.describe()
    assert "Usage:" in res.stdout
    cmds = help_commands(res.stdout)
    assert {"check", "version"} <= set(cmds), f"commands parsed: {cmds}\n{res.describe()}"


def test_help_on_every_subcommand(mg):
    cmds = help_commands(mg.run("--help").stdout)
    assert cmds, "no subcommand found in --help"
    bad = []
    for cmd in cmds:
        for flag in ("--help", "-h"):
            res = mg.run(cmd, flag)
            if res.rc != EXIT_OK or not res.stdout.startswith("Usage: metalgate " + cmd):
                bad.append(res.describe())
    assert not bad, "subcommands without a working --help:\n" + "\n".join(bad)


def test_check_help_states_the_contract(mg):
    out = mg.run("check", "--help").stdout
    assert "FILE:LINE:COL: KIND NAMESPACE/NAME: FIELD.PATH: message" in out
    assert "-f" in out


# ---- usage errors: exit 2 -----------------------------------------------------


@pytest.mark.parametrize("args", [
    [],
    ["no-such-command"],
    ["check"],
    ["check", "--no-such-option"],
    ["check", "-f"],
    ["check", "stray-argument"],
    ["version", "extra"],
], ids=lambda a: " ".join(a) or "(none)")
def test_usage_errors_exit_2(mg, args):
    res = mg.run(*args)
    assert res.rc == EXIT_USAGE, res.describe()
    assert res.stderr.strip(), "a usage error must say what is wrong\n" + res.describe()
    assert res.stdout == "" or args == [], res.describe()


def test_missing_path_exit_2(mg, tmp_path):
    missing = tmp_path / "does-not-exist.yaml"
    res = mg.check(missing)
    assert res.rc == EXIT_USAGE, res.describe()
    assert str(missing) in res.stderr, res.describe()


def test_path_under_a_file_exit_2(mg, manifests):
    _, (path,) = manifests({"pool.yaml": POOL_OK})
    res = mg.check(os.path.join(path, "child.yaml"))
    assert res.rc == EXIT_USAGE, res.describe()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_exit_2(mg, manifests):
    _, (path,) = manifests({"pool.yaml": POOL_OK})
    os.chmod(path, 0)
    try:
        res = mg.check(path)
    finally:
        os.chmod(path, 0o644)
    assert res.rc == EXIT_USAGE, res.describe()


def test_unreadable_path_among_good_ones_still_exit_2(mg, manifests):
    _, (path,) = manifests({"pool.yaml": POOL_OK})
    res = mg.check(path, path + ".missing")
    assert res.rc == EXIT_USAGE, res.describe()


# ---- valid input: exit 0 and the summary line ----------------------------------


def test_valid_file_prints_ok_summary(mg, manifests):
    _, (path,) = manifests({"pool.yaml": POOL_OK})
    res = mg.check(path)
    assert res.rc == EXIT_OK, res.describe()
    m = OK_RE.match(res.stdout.strip())
    assert m, res.describe()
    assert (int(m[1]), int(m[2]), int(m[3])) == (1, 1, 0)
    assert res.stderr == "", res.describe()


def test_empty_directory_is_valid(mg, tmp_path):
    res = mg.check(tmp_path)
    assert res.rc == EXIT_OK, res.describe()
    assert OK_RE.match(res.stdout.strip()), res.describe()


def test_warnings_do_not_fail(mg, manifests):
    _, (path,) = manifests({"app.yaml": DEPLOYMENT + "---\n" + POOL_OK})
    res = mg.check(path)
    assert res.rc == EXIT_OK, res.describe()
    assert_contract_lines(res)
    assert res.warnings and not res.errors, res.describe()
    for w in res.warnings:
        assert ": warning: " in w.text
    m = OK_RE.match(res.stdout.strip())
    assert m and int(m[3]) == len(res.warnings), res.describe()


def test_quiet_hides_warnings(mg, manifests):
    _, (path,) = manifests({"app.yaml": DEPLOYMENT})
    res = mg.check(path, extra=["-q"])
    assert res.rc == EXIT_OK, res.describe()
    assert res.stderr == "", res.describe()


def test_seed_examples_pass(mg, repo_root):
    res = mg.check(os.path.join(repo_root, "examples", "seed"))
    assert res.rc == EXIT_OK, res.describe()
    assert_contract_lines(res)
    m = OK_RE.match(res.stdout.strip())
    assert m and int(m[2]) >= 6, res.describe()


# ---- invalid input: exit 1, one line per error, every error --------------------


def test_every_error_reported_one_line_each(mg, manifests):
    _, (path,) = manifests({"pools.yaml": POOL_MANY_ERRORS})
    res = mg.check(path)
    assert res.rc == EXIT_INVALID, res.describe()
    assert res.stdout == "", "nothing on stdout when invalid\n" + res.describe()
    lines = [l for l in res.stderr.splitlines() if l]
    for line in lines:
        assert DIAG_RE.match(line), f"not a contract line: {line!r}"
    assert len(res.errors) == len(lines)
    for line_no, col, fpath, fragment in POOL_MANY_EXPECTED:
        hits = [d for d in res.errors
                if (d.line, d.col, d.path) == (line_no, col, fpath) and fragment in d.message]
        assert len(hits) == 1, (f"expected exactly one error at {line_no}:{col} {fpath} "
                                f"mentioning {fragment!r}\n{res.describe()}")
    for d in res.errors:
        assert d.file == path
        assert d.kind == "IPAddressPool"
        assert d.object in ("metallb-system/pool-a", "metallb-system/pool-b")


def test_diagnostics_sorted_by_file_line_column(mg, manifests):
    _, (path,) = manifests({"pools.yaml": POOL_MANY_ERRORS})
    res = mg.check(path)
    keys = [d.key for d in res.diags]
    assert keys == sorted(keys), res.describe()


def test_directory_input_sorted(mg, manifests):
    broken = POOL_OK.replace("192.168.2.10-192.168.2.50", "192.168.2.50-192.168.2.10")
    d, _ = manifests({
        "b.yaml": broken.replace("pool-ok", "pool-b"),
        "a.yml": broken.replace("pool-ok", "pool-a"),
        "c.yaml": POOL_MANY_ERRORS,
        "ignored.txt": "not: [yaml",
        ".hidden.yaml": "not: [yaml",
    })
    res = mg.check(d)
    assert res.rc == EXIT_INVALID, res.describe()
    assert_contract_lines(res)
    files = [os.path.basename(x.file) for x in res.diags]
    assert files == sorted(files), res.describe()
    assert set(files) == {"a.yml", "b.yaml", "c.yaml"}, res.describe()
    keys = [(x.file, x.line, x.col) for x in res.diags]
    assert keys == sorted(keys), res.describe()


def test_errors_and_warnings_together_exit_1(mg, manifests):
    _, (path,) = manifests({"mixed.yaml": DEPLOYMENT + "---\n" + POOL_MANY_ERRORS})
    res = mg.check(path)
    assert res.rc == EXIT_INVALID, res.describe()
    assert res.warnings and res.errors, res.describe()
    assert_contract_lines(res)


def test_cluster_scoped_object_prints_name_alone(mg, manifests):
    _, (path,) = manifests({"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n"
                                      "  name: team-a\n  bogusField: 1\n"})
    res = mg.check(path)
    assert_no_crash(res)
    assert_contract_lines(res)
    for d in res.diags:
        assert "/" not in d.object, res.describe()


def test_unknown_parts_print_as_dash(mg, manifests):
    _, (path,) = manifests({"broken.yaml": "a: [unclosed\n"})
    res = mg.check(path)
    assert res.rc == EXIT_INVALID, res.describe()
    assert_contract_lines(res)
    assert any(d.kind == "-" and d.object == "-" for d in res.errors), res.describe()


# ---- bad input: a clear error with a position, never a crash -------------------


BAD_INPUTS = {
    "syntax": "apiVersion: v1\nkind: [Namespace\n",
    "tab-indent": "apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: x\n",
    "not-a-mapping": "- just\n- a list\n",
    "scalar-document": "hello\n",
    "duplicate-keys": POOL_OK.replace("  name: pool-ok\n", "  name: pool-ok\n  name: again\n"),
    "deep-nesting": "a: " + "[" * 200 + "]" * 200 + "\n",
    "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(9)),
    "binary": b"\x00\xff\xfe\x7fELF\x01\x02\x03kind: \x00\n\x9c",
    "invalid-utf8": b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \xc3\x28\n",
    "missing-envelope": "metadata:\n  name: x\n",
    # FIELD.PATH must stay one word even when a map key holds a space.
    "space-in-key": POOL_OK.replace("  namespace: metallb-system\n",
                                    "  namespace: metallb-system\n  labels:\n    \"a b\": c\n"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_clear_error(mg, manifests, name):
    _, (path,) = manifests({name + ".yaml": BAD_INPUTS[name]})
    res = mg.check(path, timeout=30)
    assert res.rc == EXIT_INVALID, res.describe()
    assert_contract_lines(res)
    assert res.errors, res.describe()
    assert all(d.line >= 1 for d in res.errors), "errors need a position\n" + res.describe()


def test_multi_document_stream(mg, manifests):
    text = "---\n" + POOL_OK + "---\n# only a comment\n---\n" + POOL_OK.replace(
        "pool-ok", "pool-two").replace("192.168.2.", "192.168.3.") + "...\n"
    _, (path,) = manifests({"multi.yaml": text})
    res = mg.check(path)
    assert res.rc == EXIT_OK, res.describe()
    m = OK_RE.match(res.stdout.strip())
    assert m and int(m[1]) == 2, res.describe()


# ---- inputs the fuzzer found: never a crash in the normal build either ----------

CRASHERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fuzz", "manifest", "crashers")


@pytest.mark.parametrize("name", sorted(
    f for f in (os.listdir(CRASHERS) if os.path.isdir(CRASHERS) else [])
    if f.endswith((".yaml", ".yml"))))
def test_fuzz_crasher_does_not_crash(mg, name):
    res = mg.check(os.path.join(CRASHERS, name), timeout=30)
    assert_no_crash(res)
    assert_contract_lines(res)
