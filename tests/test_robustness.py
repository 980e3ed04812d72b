"""One file can cost only itself: crashes, hangs, arbitrary cell values, a killed run."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from processor.intake.step import process_file
from processor.model.batch import BatchOptions, Limits
from processor.model.layout import SHEETS, build_layout
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.pipeline import run_batch
from processor.report.publish import publish
from processor.template.filler import fill_template, submission_values
from processor.template.writer import TemplateRequest, write_template
from tests.conftest import FIXED_TIME, TT22_2025, list_rows

REPO = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric()
LAYOUT = build_layout(RUBRIC)


def options(folder: Path, out: Path, **extra) -> BatchOptions:
    return BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=RUBRIC, deadline=date(2026, 3, 31),
                        **extra)


def sabotaged(found, ctx):
    """The real per-file step, except that one file aborts its process and one loops."""
    if found.rel == "dv03.xlsx":
        faulthandler.disable()  # pytest's dump of the aborting child is noise here
        os.abort()  # what a parser bug does to the whole process
    if found.rel == "dv07.xlsx":
        while True:
            pass
    return process_file(found, ctx)


def test_a_crashing_or_hanging_file_costs_only_itself(make_submission, tmp_path):
    inbox = tmp_path / "hs"
    for i in range(12):
        make_submission(f"dv{i:02d}.xlsx", folder=inbox, ma_don_vi=f"D{i:02d}", ten_don_vi=f"Đơn vị {i:02d}")
    # 4 s a file: the loop is stopped, and a real file stays well inside it on a loaded machine
    result = run_batch(options(inbox, tmp_path / "out", workers=2, limits=replace(Limits(), max_seconds=4)),
                       step=sabotaged)
    by_file = {f.rel: f for f in result.resolution.files}
    assert len(by_file) == 12
    assert [i.code for i in by_file["dv03.xlsx"].issues] == ["reader-crashed"]
    assert [i.code for i in by_file["dv07.xlsx"].issues] == ["file-timeout"]
    others = [f for rel, f in by_file.items() if rel not in ("dv03.xlsx", "dv07.xlsx")]
    assert len(others) == 10 and all(f.issues == () and f.identifiable for f in others)
    assert result.resolution.outcome["dv03.xlsx"] == "unreadable"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killing_the_batch_leaves_the_previous_output_intact(make_submission, tmp_path, sig):
    inbox = tmp_path / "hs"
    first = make_submission("goc.xlsx", folder=inbox)
    out = tmp_path / "out"
    cmd = [sys.executable, "run.py", "process", str(inbox), "--out", str(out), *TT22_2025, "--workers", "2"]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=120)
    before = _snapshot(out)
    assert "TongHop_DVHT_2025.xlsx" in before and "html/index.html" in before
    # enough files that the run is still reading when the signal comes, also on a fast machine
    # (~1 ms a file a worker): hard links, the bytes are the same anyway
    for i in range(8000):
        os.link(first, inbox / f"ban_{i:04d}.xlsx")
    # a register of its own: the output's register holds the parsed record of these very bytes,
    # and a run that reuses it for all 8,001 copies is over before the signal comes
    cmd += ["--db", str(tmp_path / "rieng.sqlite")]
    # Ctrl-C as in a terminal: a shell's background job (how a CI may start the tests) passes
    # SIGINT on ignored, and a Python started so never turns it into KeyboardInterrupt
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(3.0)  # past the start-up (imports), still reading 8,001 files
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)  # EOF only once the workers are gone too
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), err.decode()
    assert _snapshot(out) == before
    openpyxl.load_workbook(out / "TongHop_DVHT_2025.xlsx")  # still readable
    if sig == signal.SIGINT:
        assert "Đã dừng" in err.decode()
        assert sorted(p.name for p in (out / ".dvht").iterdir()) == ["lock"]  # no staging left behind


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40).map(
    lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9),
    st.floats(allow_nan=False, allow_infinity=False), _TEXT,
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["7,5", " 10 ", "NaN", "-0", "1e3", "=1+1", "#REF!", "10.00", "５"]),
)
_LEAVES = [leaf.id for leaf in RUBRIC.leaves]
_IDENTITY = ["ten_don_vi", "ma_don_vi", "nam_danh_gia", "ngay_bao_cao", "nguoi_ky", "email"]
_SUBMISSION = st.fixed_dictionaries({
    "scores": st.dictionaries(st.sampled_from(_LEAVES), _VALUE, max_size=6),
    "evidence": st.dictionaries(st.sampled_from(_LEAVES), _VALUE, max_size=4),
    "identity": st.dictionaries(st.sampled_from(_IDENTITY), _VALUE, max_size=4),
})
_KNOWN_CELLS = {
    *((c.sheet, c.a1) for c in LAYOUT.defined_names().values()),
    *((c.sheet, c.a1) for c in LAYOUT.meta.values()),
    *((r.cell(col).sheet, r.cell(col).a1) for r in LAYOUT.criterion_rows for col in range(1, 5)),
    (LAYOUT.total_cell.sheet, LAYOUT.total_cell.a1),
}


@pytest.fixture(scope="module")
def blank_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "mau.xlsx"
    return write_template(path, TemplateRequest(LAYOUT, load_settings(), 2025, generated_at=FIXED_TIME))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(submissions=st.lists(_SUBMISSION, min_size=1, max_size=3))
def test_arbitrary_cell_values_never_stop_the_batch(blank_template, submissions):
    with tempfile.TemporaryDirectory() as tmp:
        inbox, out = Path(tmp) / "hs", Path(tmp) / "out"
        base = {leaf: 1 for leaf in _LEAVES}
        for i, sub in enumerate(submissions):
            identity = {"ten_don_vi": f"Đơn vị {i}", "ma_don_vi": f"U{i}", **sub["identity"]}
            values = submission_values({}, {**base, **sub["scores"]}, sub["evidence"], {})
            values.update({k: v for k, v in identity.items()})
            fill_template(blank_template, inbox / f"f{i}.xlsx", values)
        published = publish(run_batch(options(inbox, out, workers=1)))
        rows = list_rows(published.workbook, "Tệp đã nhận")[1:]
        assert sorted(r[0] for r in rows) == [f"f{i}.xlsx" for i in range(len(submissions))]
        assert all(r[4] for r in rows)
        for issue, _ in published.summary.issues:
            if issue.cell:
                assert (issue.sheet, issue.cell) in _KNOWN_CELLS, issue
            else:
                # a file-level finding has no sheet; one about a sheet names one of ours (the
                # fillings here never add a sheet, so no sheet-extra can name another)
                assert issue.sheet == "" or issue.sheet in SHEETS, issue
        assert (out / "html" / "index.html").is_file()


def test_a_parser_panic_costs_only_its_file(make_submission, tmp_path):
    """Found by the property test: calamine panics (a Rust PanicException, a BaseException)
    on a date-formatted cell holding -106751992020."""
    inbox = tmp_path / "hs"
    make_submission("ok.xlsx", folder=inbox)
    make_submission("panic.xlsx", folder=inbox, ma_don_vi="P1", ten_don_vi="Đơn vị P", ngay_bao_cao=-106751992020.0)
    result = run_batch(options(inbox, tmp_path / "out", workers=1))
    by_file = {f.rel: f for f in result.resolution.files}
    assert [i.code for i in by_file["panic.xlsx"].issues] == ["reader-crashed"]
    assert by_file["ok.xlsx"].issues == ()
