"""Runs the metalgate binary and reads its diagnostics.

The diagnostic contract (docs/cli.md):
    FILE:LINE:COL: KIND NAMESPACE/NAME: FIELD.PATH: message
    FILE:LINE:COL: KIND NAMESPACE/NAME: FIELD.PATH: warning: message
Unknown parts print as "-"; cluster-scoped objects print NAME alone.
"""

import os
import re
import subprocess
from dataclasses import dataclass, field

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

# One diagnostic line, as the contract defines it (the regex external tests use).
DIAG_RE = re.compile(r"^[^:]+:\d+:\d+: \S+ \S+: \S+: .+$")
# The same line split into its parts.
DIAG_PARTS_RE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<kind>\S+) (?P<object>\S+): "
    r"(?P<path>\S+): (?P<warning>warning: )?(?P<message>.+)$")
# The summary `check` prints on stdout when the input is valid.
OK_RE = re.compile(r"^ok: (\d+) objects in (\d+) files, (\d+) warnings$")
# Printed after MF_DIAGS_MAX diagnostics instead of the rest.
MORE_RE = re.compile(r"^\.\.\. and \d+ more errors$")

# Exit codes of the CLI contract.
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3

DEFAULT_TIMEOUT = 60


@dataclass
class Diag:
    file: str
    line: int
    col: int
    kind: str
    object: str
    path: str
    warning: bool
    message: str
    text: str

    @property
    def key(self):
        return (self.file, self.line, self.col)


@dataclass
class Result:
    args: list
    rc: int
    stdout: str
    stderr: str
    diags: list = field(default_factory=list)

    @property
    def errors(self):
        return [d for d in self.diags if not d.warning]

    @property
    def warnings(self):
        return [d for d in self.diags if d.warning]

    def describe(self):
        return (f"$ {' '.join(self.args)}\nexit {self.rc}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}")


def parse_diag(line):
    """A Diag for a contract line, or None."""
    m = DIAG_PARTS_RE.match(line)
    if not m:
        return None
    return Diag(m["file"], int(m["line"]), int(m["col"]), m["kind"], m["object"], m["path"],
                bool(m["warning"]), m["message"], line)


class Metalgate:
    """The binary under test: METALGATE_BIN, default build/metalgate."""

    def __init__(self, binary):
        self.binary = binary

    def run(self, *args, timeout=DEFAULT_TIMEOUT, cwd=None):
        argv = [self.binary] + [str(a) for a in args]
        env = dict(os.environ)
        # Sanitizer builds: stop at the first report, by SIGABRT, since the
        # sanitizers' own exit code (1) reads as "invalid input".
        env.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:abort_on_error=1:print_stacktrace=1")
        p = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                           timeout=timeout, cwd=cwd, env=env)
        res = Result(argv, p.returncode, p.stdout, p.stderr)
        res.diags = [d for d in map(parse_diag, p.stderr.splitlines()) if d is not None]
        return res

    def check(self, *paths, extra=(), **kw):
        args = ["check"]
        for p in paths:
            args += ["-f", p]
        return self.run(*args, *extra, **kw)


def write_files(directory, files):
    """Writes {relative name: text} under directory; returns the paths in order."""
    out = []
    for name, text in files.items():
        path = os.path.join(str(directory), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(text, bytes) else "w"
        with open(path, mode) as f:
            f.write(text)
        out.append(path)
    return out


def assert_contract_lines(res):
    """Every stderr line of a check run is a diagnostic in the contract format."""
    bad = [l for l in res.stderr.splitlines()
           if l and not DIAG_RE.match(l) and not MORE_RE.match(l)]
    assert not bad, f"lines outside the diagnostic contract: {bad}\n{res.describe()}"


def assert_no_crash(res):
    """check exits 0 or 1 on any input file; anything else is a bug."""
    assert res.rc in (EXIT_OK, EXIT_INVALID), f"crash or unexpected exit\n{res.describe()}"
