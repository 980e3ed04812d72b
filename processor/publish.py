"""Write every output of a batch run, all or nothing.

Everything is first written into a staging folder beside the output folder; only when the
workbook, the pages and the log are complete are they moved into place, each in one rename.
A crash, Ctrl-C or a kill before that leaves the previous results exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from processor.batch import BatchResult
from processor.console import log_lines, safe_line, summary_lines
from processor.errors import OutputError
from processor.report_html import page_names, render_index, render_unit_pages, write_pages
from processor.report_workbook import workbook_name, write_workbook
from processor.runner import WorkQueue, run_concurrently
from processor.summary import Summary, summarise

HTML_DIR = "html"
PAGES_PER_CHUNK = 100
STAGING_PREFIX = ".dvht-dang-ghi-"


@dataclass(frozen=True)
class Published:
    summary: Summary
    workbook: Path
    index: Path
    log: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def paths(self) -> list[Path]:
        return [self.workbook, self.index, self.log]


def publish(result: BatchResult) -> Published:
    out = result.options.out_dir.resolve()
    year = result.options.year
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    summary = summarise(result)
    timings["summary"] = time.perf_counter() - clock
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out)
    staging = out.parent / f"{STAGING_PREFIX}{out.name}-{os.getpid()}"
    try:
        staging.mkdir()
        names = page_names(summary.units)
        clock = time.perf_counter()
        html_dir = staging / HTML_DIR
        html_dir.mkdir()
        chunks = WorkQueue(len(summary.units), PAGES_PER_CHUNK)

        def pages() -> None:
            for indices in chunks:
                write_pages(render_unit_pages(result, summary, names, indices), html_dir)

        def workbook_then_pages() -> None:
            write_workbook(result, summary, staging / workbook_name(year), [f"{HTML_DIR}/{n}" for n in names])
            pages()

        # The workbook here while a second process renders pages; both then share what is left.
        failed = run_concurrently([workbook_then_pages, pages])
        if failed:
            raise OutputError("Không ghi được các trang HTML; xem thông báo lỗi phía trên.")
        write_pages([render_index(result, summary, names)], html_dir)
        timings["workbook_html"] = time.perf_counter() - clock
        log_name = f"TongHop_DVHT_{year}.log"
        header = [f"Chạy lúc {result.started_at:%d/%m/%Y %H:%M:%S}, thư mục {safe_line(str(result.options.input_dir))}"]
        final = [out / workbook_name(year), out / HTML_DIR / "index.html", out / log_name]
        body = [safe_line(x) for x in summary_lines(summary, final)] + log_lines(summary)
        (staging / log_name).write_text("\n".join(header + body) + "\n", encoding="utf-8")
        _commit(staging, out, [workbook_name(year), HTML_DIR, log_name])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Published(summary=summary, workbook=final[0], index=final[1], log=final[2], timings=timings)


def _commit(staging: Path, out: Path, names: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        source, target = staging / name, out / name
        try:
            if source.is_dir():
                _swap_dir(source, target)
            else:
                os.replace(source, target)
        except PermissionError:
            raise OutputError(
                f"Không ghi được {target}: tệp đang mở trong Excel hoặc chương trình khác. "
                "Hãy đóng tệp rồi chạy lại."
            ) from None


def _swap_dir(source: Path, target: Path) -> None:
    """Replace a folder by another; the old one is removed only once the new one is in place."""
    old = target.with_name(f"{STAGING_PREFIX}{target.name}-cu")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    source.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _remove_stale_staging(out: Path) -> None:
    """Staging folders left by a run that was killed (never our own, never anything else)."""
    for path in out.parent.glob(f"{STAGING_PREFIX}{out.name}-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
