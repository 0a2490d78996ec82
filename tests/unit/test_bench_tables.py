"""bench/_run_all.py writes README's and docs/scaling.md's Performance tables from one run."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("bench_run_all", ROOT / "bench" / "_run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUN = """# bench run 2026-12-03 14:00 UTC, 2 CPUs, load average 0.4 at the start
== bench/intake.py
lots of table | with pipes

intake/bare throughput ratio: sqlite 0.10 (target >= 0.5)
== bench/sender.py
sender rate kept / limit: sqlite 91% (target >= 95%)
# load average 0.5 at the end
"""


def test_both_documents_get_the_same_table_of_the_run(tmp_path):
    run_all = _module()
    documents = []
    for name in ("README.md", "scaling.md"):
        path = tmp_path / name
        path.write_text(f"before\n{run_all.START}\nold figures\n{run_all.END}\nafter\n")
        documents.append(path)
    run_all.write_docs(RUN, documents)
    readme, scaling = (p.read_text() for p in documents)
    assert readme == scaling
    assert "old figures" not in readme and readme.startswith("before\n") and "after" in readme
    assert "2026-12-03 14:00 UTC" in readme
    assert "| `intake.py` | intake/bare throughput ratio: sqlite 0.10 (target >= 0.5) |" in readme
    assert "| `sender.py` | sender rate kept / limit: sqlite 91% (target >= 95%) |" in readme
    assert "target (a goal, not measured)" in readme
    assert "Not in this run:" in readme  # the benchmarks the run did not reach


def test_a_document_without_markers_is_refused(tmp_path):
    run_all = _module()
    path = tmp_path / "README.md"
    path.write_text("no markers\n")
    with pytest.raises(SystemExit):
        run_all.write_docs(RUN, [path])


def test_the_shipped_documents_carry_the_markers():
    run_all = _module()
    for path in run_all.DOCUMENTS:
        text = path.read_text()
        assert text.count(run_all.START) == 1 and text.count(run_all.END) == 1


def test_a_benchmark_that_failed_shows_as_failed_not_as_its_last_words(tmp_path):
    run_all = _module()
    _header, found = run_all.key_lines(
        "== bench/soak.py\nsoak: 1 unexpected answers\n!! bench/soak.py exited 1\n"
    )
    assert found == {"soak.py": "**failed (exit 1): no figure**"}
