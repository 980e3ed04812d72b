"""A run as the register keeps it: the plain RunRecord made from the run's Summary, so the
register stores exactly what the workbook and the pages showed."""

from __future__ import annotations

import json
from datetime import datetime

from processor import __version__
from processor.model.batch import BatchResult
from processor.model.register import FileRecord, IssueRecord, RunRecord, UnitRecord, key_of
from processor.report.html import page_names
from processor.report.summary import Summary


def run_record(result: BatchResult, summary: Summary, finished: datetime) -> RunRecord:
    options = result.options
    units = []
    pages = page_names(summary.units)
    for u, row, page in zip(result.resolution.units, summary.units, pages, strict=True):
        final = row.final
        scores = final.verified_scores if final is not None else {}
        unmet = row.level.unmet if row.level is not None else ""
        units.append(UnitRecord(
            key=key_of(u.unit), code=u.unit.code, name=u.unit.name, group=u.unit.group, status=u.status.value,
            file=row.file, self_result=final.self_label if final else (row.class_label or ""),
            final_result=final.label if final else "", final_rank=final.rank if final else None,
            finality=final.finality.value if final else "", unmet=unmet,
            scores=json.dumps(scores, ensure_ascii=False, sort_keys=True), page=page, email=u.unit.email,
            issues=tuple(IssueRecord(i.severity.value, i.code, i.file, i.sheet, i.cell, i.message)
                         for i in row.issues)))
    keys = {u.unit.code or u.unit.name: key_of(u.unit) for u in result.resolution.units}
    files = tuple(FileRecord(rel=f.rel, sha256=f.sha256, size=f.size, outcome=f.outcome.value,
                             unit_key=keys.get(f.unit, "")) for f in summary.files if f.sha256)
    chosen = {"deadline": options.deadline.isoformat() if options.deadline else None, "tier": options.tier,
              "workers": options.workers, "roster": str(options.roster_path) if options.roster_path else None,
              "out": str(options.out_dir), "today": options.today.isoformat()}
    return RunRecord(started_at=result.started_at.isoformat(timespec="seconds"),
                     finished_at=finished.isoformat(timespec="seconds"), year=options.year,
                     rubric=options.rubric.id, tier=options.tier, input_dir=str(options.input_dir),
                     options=json.dumps(chosen, ensure_ascii=False, sort_keys=True), files=files, units=tuple(units),
                     tool_version=__version__)
