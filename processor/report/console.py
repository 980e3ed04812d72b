"""What the batch tells staff on the console and in the log file, in Vietnamese."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from processor.model.statuses import Outcome, Status
from processor.report.summary import Summary
from processor.text.normalise import display_name, display_path


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
        f"Đơn vị: {len(summary.units)} — hợp lệ {summary.units_with(Status.VALID)}, "
        f"cần sửa {summary.units_with(Status.TO_FIX)}, chưa nộp {summary.units_with(Status.MISSING)}",
        verdict_line,
        "Kết quả:",
        *(f"  {p}" for p in outputs),
    ]
    return lines


def log_lines(summary: Summary) -> list[str]:
    lines = ["", "Tệp đã nhận:"]
    lines += [safe_line(f"  [{f.outcome_label}] {display_path(f.rel)} {f.note}".rstrip()) for f in summary.files]
    lines += ["", "Lỗi và cảnh báo:"]
    for issue, _ in summary.issues:
        where = f" {issue.sheet}!{issue.cell}" if issue.sheet else ""
        lines.append(safe_line(f"  {issue.severity_label} {issue.code} {issue.file}{where}: {issue.message}"))
    return lines
