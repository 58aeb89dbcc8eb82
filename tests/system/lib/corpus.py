"""The compatibility corpus and its expectation tables.

tests/system/corpus/*.tsv hold one line per corpus file:
    PATH<TAB>EXIT<TAB>SUBSTRING
PATH is relative to the corpus root (shared/upstream-examples), EXIT the exit
code `metalgate check -f PATH` must give, SUBSTRING text that must appear in
an error line (EXIT 1) or in some diagnostic line (EXIT 0; may be empty).
Blank lines and lines starting with '#' are comments.
"""

import glob
import os
from dataclasses import dataclass

from lib.metalgate import REPO_ROOT

TSV_DIR = os.path.join(REPO_ROOT, "tests", "system", "corpus")


def corpus_root():
    default = os.path.join(os.path.dirname(REPO_ROOT), "shared", "upstream-examples")
    return os.path.abspath(os.environ.get("METALGATE_CORPUS", default))


@dataclass(frozen=True)
class Expectation:
    path: str       # relative to the corpus root
    exit: int
    substring: str
    where: str      # "table.tsv:LINE", for messages

    @property
    def id(self):
        return self.path


def corpus_files(root):
    """Every manifest of the corpus, relative to root, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            if name.endswith((".yaml", ".yml")):
                out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


def load_tables(tsv_dir=TSV_DIR):
    """(expectations, problems): every line of every table; malformed lines
    are reported in problems rather than silently dropped."""
    exps, problems = [], []
    for table in sorted(glob.glob(os.path.join(tsv_dir, "*.tsv"))):
        name = os.path.basename(table)
        with open(table, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.rstrip("\r\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                parts = line.split("\t")
                where = f"{name}:{n}"
                if len(parts) == 2:
                    parts.append("")
                if len(parts) != 3 or not parts[1].strip().isdigit():
                    problems.append(f"{where}: expected PATH<TAB>EXIT<TAB>SUBSTRING: {line!r}")
                    continue
                sub = parts[2].strip()
                exps.append(Expectation(parts[0].strip(), int(parts[1]),
                                        "" if sub == "-" else sub, where))
    return exps, problems
