"""What the batch tells staff on the console and in the log file, in Vietnamese."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from processor.model.council import Finality
from processor.model.register import ChangeKind
from processor.model.statuses import Outcome, Status
from processor.report.summary import Summary
from processor.text.normalise import display_name, display_path
from processor.text.wording import report_texts, wording

NAMES_SHOWN = 5  # units named on a change line; the others are counted


def safe_line(text: str) -> str:
    """Control characters, bidi controls and undecodable bytes from submitted text and file
    names are shown escaped, never sent to the terminal or the log as they are."""
    return display_name(text)


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 20:
            return
        if done == total or done % max(1, total // 100) == 0:
            width = 30
            filled = width * done // total
            self.stream.write(f"\rĐang đọc tệp: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()


def summary_lines(summary: Summary, outputs: list[Path]) -> list[str]:
    files = summary.files
    skipped, unreadable = summary.files_with(Outcome.SKIPPED), summary.files_with(Outcome.UNREADABLE)
    if summary.levels is not None:
        counts = ", ".join(f"{label}: {n}" for label, n in summary.levels.by_group[""].items())
        verdict_line = f"Mức độ: {counts}"
    else:
        verdict_line = "Xếp loại: " + ", ".join(f"{label}: {n}" for label, n in summary.class_counts[""].items())
    lines = [
        f"Tệp tìm thấy: {len(files)} (đọc được {len(files) - skipped - unreadable}, bỏ qua {skipped}, "
        f"không đọc được {unreadable})",
        *(f"Cảnh báo: {f.warning}" for f in files if f.warning),
        *change_lines(summary),
        f"Đơn vị: {len(summary.units)} — hợp lệ {summary.units_with(Status.VALID)}, "
        f"cần sửa {summary.units_with(Status.TO_FIX)}, chưa nộp {summary.units_with(Status.MISSING)}"
        + (f", đang bảo lưu {summary.units_with(Status.COVERED)}" if Status.COVERED in summary.statuses else ""),
        verdict_line,
        *_final_lines(summary),
        "Kết quả:",
        *(f"  {p}" for p in outputs),
    ]
    return lines


def change_lines(summary: Summary) -> list[str]:
    """Today's news first: three lines on what changed since the previous run of the season
    (files new or changed, units that became Hợp lệ, units that became Cần sửa or lost their
    file), or one line on its first run."""
    ct = report_texts()["changes"]
    if summary.first_run or summary.previous_at is None:
        return [ct["console_first"].format(nam=summary.year)]
    changes = summary.changes
    files = sum(1 for c in changes if c.kind in (ChangeKind.FILE_NEW, ChangeKind.FILE_CHANGED))
    gone = sum(1 for c in changes if c.kind == ChangeKind.FILE_GONE)
    first = ct["console_files"].format(luc=summary.previous_at.strftime("%d/%m/%Y %H:%M"), so=files)
    if gone:
        first += ct["console_gone"].format(so=gone)
    short = {f"{u.code} {u.name}".strip(): u.code or u.name for u in summary.units}
    valid = [short.get(c.unit, c.unit) for c in changes if c.kind == ChangeKind.BECAME_VALID]
    worse = [short.get(c.unit, c.unit) for c in changes if c.kind in (ChangeKind.BECAME_TO_FIX, ChangeKind.LOST_FILE)]
    return [first, ct["console_valid"].format(so=len(valid)) + _names(valid, ct),
            ct["console_to_fix"].format(so=len(worse)) + _names(worse, ct)]


def _names(names: list[str], ct: dict) -> str:
    """": SNV, STC" — units by their code (the name of one without), the first few only."""
    if not names:
        return ""
    more = ct["more"].format(so=len(names) - NAMES_SHOWN) if len(names) > NAMES_SHOWN else ""
    return ct["names"].format(ten=", ".join(names[:NAMES_SHOWN]) + more)


def _final_lines(summary: Summary) -> list[str]:
    """The recommendation after the council (its word applied), and its entries left unapplied."""
    t = wording("council")["console"]
    finals = [u.final for u in summary.units if u.final is not None and u.status.submitted]
    if not finals:
        return []
    ranked: dict[str, int] = {}
    for final in sorted((f for f in finals if f.rank is not None), key=lambda f: -(f.rank or 0)):
        ranked[final.label] = ranked.get(final.label, 0) + 1
    counts = ", ".join(f"{label}: {n}" for label, n in ranked.items()) or "0"
    lines = [t["final"].format(de_nghi=counts, khong=sum(1 for f in finals if f.rank is None),
                               hoi_dong=sum(1 for f in finals if f.finality in (Finality.COUNCIL, Finality.VERIFIED)))]
    unapplied = sum(1 for u in summary.units for i in u.council_issues if i.is_error)
    if unapplied:
        lines.append(t["issues"].format(so=unapplied))
    return lines


def log_lines(summary: Summary) -> list[str]:
    lines = ["", "Tệp đã nhận:"]
    lines += [safe_line(f"  [{f.outcome_label}] {display_path(f.rel)} {f.note}".rstrip()) for f in summary.files]
    lines += ["", "Lỗi và cảnh báo:"]
    for issue, _ in summary.issues:
        where = f" {issue.sheet}!{issue.cell}" if issue.sheet else ""
        lines.append(safe_line(f"  {issue.severity_label} {issue.code} {issue.file}{where}: {issue.message}"))
    return lines
