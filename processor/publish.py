"""Write every output of a batch run into the output folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processor.batch import BatchResult
from processor.console import log_lines, safe_line, summary_lines
from processor.report_workbook import workbook_name, write_workbook
from processor.summary import Summary, summarise


@dataclass(frozen=True)
class Published:
    summary: Summary
    workbook: Path
    log: Path

    @property
    def paths(self) -> list[Path]:
        return [self.workbook, self.log]


def publish(result: BatchResult) -> Published:
    out = result.options.out_dir
    summary = summarise(result)
    workbook = write_workbook(result, summary, out / workbook_name(result.options.year))
    log = out / f"TongHop_DVHT_{result.options.year}.log"
    header = [f"Chạy lúc {result.started_at:%d/%m/%Y %H:%M:%S}, thư mục {safe_line(str(result.options.input_dir))}"]
    body = [safe_line(x) for x in summary_lines(summary, [workbook])] + log_lines(summary)
    log.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    return Published(summary=summary, workbook=workbook, log=log)
