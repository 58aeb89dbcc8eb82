"""The compatibility corpus (shared/upstream-examples): what users copy from
the upstream docs must load. Each file's expected outcome is a line of a
tests/system/corpus/*.tsv table (format in lib/corpus.py); every corpus file
must be listed, so nothing is silently skipped, and no run may crash.
"""

import os

import pytest

from lib.corpus import corpus_files, corpus_root, load_tables
from lib.metalgate import EXIT_INVALID, assert_contract_lines, assert_no_crash

EXPECTATIONS, TABLE_PROBLEMS = load_tables()


def _listed_paths():
    return {e.path for e in EXPECTATIONS}


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=[e.id for e in EXPECTATIONS])
def test_corpus_file(mg, corpus, exp):
    path = os.path.join(corpus, exp.path)
    assert os.path.isfile(path), f"{exp.where}: {exp.path} is not in the corpus"
    res = mg.check(path)
    assert_no_crash(res)
    assert_contract_lines(res)
    assert res.rc == exp.exit, f"{exp.where}: expected exit {exp.exit}\n{res.describe()}"
    if not exp.substring:
        return
    lines = res.errors if exp.exit == EXIT_INVALID else res.diags
    assert any(exp.substring in d.text for d in lines), (
        f"{exp.where}: no {'error' if exp.exit == EXIT_INVALID else 'diagnostic'} line "
        f"contains {exp.substring!r}\n{res.describe()}")


def test_tables_well_formed():
    assert not TABLE_PROBLEMS, "\n".join(TABLE_PROBLEMS)


def test_each_file_listed_once():
    seen, dups = {}, []
    for e in EXPECTATIONS:
        if e.path in seen and seen[e.path].exit != e.exit:
            dups.append(f"{e.path}: exit {seen[e.path].exit} at {seen[e.path].where} but "
                        f"{e.exit} at {e.where}")
        seen.setdefault(e.path, e)
    assert not dups, "\n".join(dups)


def test_every_corpus_file_listed(corpus):
    missing = [p for p in corpus_files(corpus) if p not in _listed_paths()]
    assert not missing, (f"{len(missing)} corpus files have no line in tests/system/corpus/*.tsv:\n"
                         + "\n".join(missing))


def test_no_stale_lines(corpus):
    files = set(corpus_files(corpus))
    stale = [f"{e.where}: {e.path}" for e in EXPECTATIONS if e.path not in files]
    assert not stale, "lines naming files that are not in the corpus:\n" + "\n".join(stale)


def test_no_file_crashes(mg, corpus):
    """Every corpus file on its own, listed or not: exit 0 or 1, contract lines."""
    bad = []
    for rel in corpus_files(corpus):
        res = mg.check(os.path.join(corpus, rel))
        try:
            assert_no_crash(res)
            assert_contract_lines(res)
        except AssertionError as e:
            bad.append(f"{rel}: {e}")
    assert not bad, "\n\n".join(bad)


def test_whole_corpus_at_once(mg, corpus):
    """All folders in one run, as a user checking a repository would."""
    dirs = sorted({os.path.dirname(os.path.join(corpus, p)) for p in corpus_files(corpus)})
    res = mg.check(*dirs)
    assert_no_crash(res)
    assert_contract_lines(res)


def test_corpus_root_is_where_ci_puts_it():
    assert os.path.isdir(corpus_root()), f"{corpus_root()} is missing"
