"""Write every output of a batch run into the output folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from processor.batch import BatchResult
from processor.console import log_lines, safe_line, summary_lines
from processor.report_html import page_names, render_pages, write_pages
from processor.report_workbook import workbook_name, write_workbook
from processor.summary import Summary, summarise

HTML_DIR = "html"


@dataclass(frozen=True)
class Published:
    summary: Summary
    workbook: Path
    index: Path
    log: Path

    @property
    def paths(self) -> list[Path]:
        return [self.workbook, self.index, self.log]


def publish(result: BatchResult) -> Published:
    out = result.options.out_dir
    summary = summarise(result)
    html_dir = out / HTML_DIR
    staging = out / f".{HTML_DIR}.moi"
    if staging.exists():
        shutil.rmtree(staging)
    write_pages(render_pages(result, summary), staging)
    names = [f"{HTML_DIR}/{name}" for name in page_names(summary.units)]
    workbook = write_workbook(result, summary, out / workbook_name(result.options.year), names)
    _swap_in(staging, html_dir)
    log = out / f"TongHop_DVHT_{result.options.year}.log"
    header = [f"Chạy lúc {result.started_at:%d/%m/%Y %H:%M:%S}, thư mục {safe_line(str(result.options.input_dir))}"]
    body = [safe_line(x) for x in summary_lines(summary, [workbook])] + log_lines(summary)
    log.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    return Published(summary=summary, workbook=workbook, index=html_dir / "index.html", log=log)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace target by the complete staging folder; the old one is removed only after."""
    old = target.with_name(f".{target.name}.cu")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)
