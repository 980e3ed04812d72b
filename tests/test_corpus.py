"""The whole corpus of broken, hostile and odd inputs through the real command line."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import TT22_2025, list_rows
from tests.corpus.build import HOSTILE_TEXTS, USED, build_corpus

REPO = Path(__file__).resolve().parent.parent
MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, code)
"""


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed to build the .xls/.ods/.xlsm corpus files"
    entries, roster = build_corpus(root / "ho_so", root / "work", soffice)
    roster_path = root / "ds.csv"
    with roster_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Mã đơn vị", "Tên đơn vị"])
        writer.writerows([u.code, u.name] for u in roster)
    cmd = [sys.executable, "run.py", "process", str(root / "ho_so"), *TT22_2025, "--roster", str(roster_path),
           "--out", str(root / "out"), "--deadline", "31/03/2026", "--workers", "2"]
    done = subprocess.run([sys.executable, "-c", MEASURE, *cmd], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    peak, code = done.stdout.split()[-2:]
    return entries, root / "out", int(peak), int(code), done


def sheet(out: Path, name: str) -> list[tuple]:
    return list_rows(out / "TongHop_DVHT_2025.xlsx", name)


def test_batch_finishes_on_the_corpus(corpus_run):
    _, out, _, code, done = corpus_run
    assert code == 0, done.stdout + done.stderr
    assert (out / "TongHop_DVHT_2025.xlsx").is_file() and (out / "html" / "index.html").is_file()


def test_every_corpus_file_has_one_row_with_the_expected_outcome(corpus_run):
    entries, out, *_ = corpus_run
    rows = sheet(out, "Tệp đã nhận")[1:]
    assert sorted(r[0] for r in rows) == sorted(e.rel for e in entries)
    outcome = {r[0]: r[4] for r in rows}
    assert {e.rel: outcome[e.rel] for e in entries} == {e.rel: e.outcome for e in entries}


def test_each_bad_file_carries_its_declared_issue_code(corpus_run):
    entries, out, *_ = corpus_run
    codes: dict[str, set[str]] = {}
    for row in sheet(out, "Lỗi và cảnh báo")[1:]:
        codes.setdefault(row[0], set()).add(row[5])
    missing = {e.rel: (e.code, sorted(codes.get(e.rel, ()))) for e in entries
               if e.code and e.code not in codes.get(e.rel, set())}
    assert missing == {}
    clean = [e.rel for e in entries if e.outcome == USED and e.code is None]
    assert {rel: sorted(codes[rel]) for rel in clean if rel in codes} == {}


def test_peak_memory_stays_under_1_gb(corpus_run):
    _, _, peak, _, _ = corpus_run
    assert peak < 1024**3, f"peak RSS {peak / 1024**2:.0f} MB"


def test_planted_formulas_are_plain_strings_in_every_sheet(corpus_run):
    _, out, *_ = corpus_run
    wb = openpyxl.load_workbook(out / "TongHop_DVHT_2025.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
        links = [h.target for h in ws._hyperlinks]
        assert all(t and t.startswith("html\\") for t in links), ws.title
    assert set(HOSTILE_TEXTS[:5]) <= seen  # planted in evidence, they reached the workbook as text


def test_planted_script_is_text_in_the_html(corpus_run):
    _, out, *_ = corpus_run
    pages = list((out / "html").glob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<svg onload" not in text and "<img src=x" not in text, page.name
    found = [p for p in pages if "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in p.read_text(encoding="utf-8")]
    assert found


def test_log_escapes_control_characters(corpus_run):
    _, out, *_ = corpus_run
    log = (out / "TongHop_DVHT_2025.log").read_text(encoding="utf-8")
    assert not any(ch in log for ch in "\x00\x1b\x07")
    assert json.dumps(log)  # plain text
