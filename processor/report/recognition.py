"""Who is recommended for recognition, in the one order every output uses, and the
DocumentSet the documents are written from.

The sheet "Danh sách đề nghị công nhận" of the consolidated workbook and the annex of the
draft decision are the same list, made here once: units recommended by their final result
(the council's word applied), the higher level (or better class) first, then roster order.
"""

from __future__ import annotations

from processor.model.batch import BatchResult
from processor.model.levels import LevelRubric
from processor.model.rubric import Rubric
from processor.report.dossier import DocItem, DocumentSet, DocUnit
from processor.report.summary import Summary, UnitRow, rank_labels
from processor.text.numbers import format_number
from processor.text.wording import report_texts, wording


def recommended_rows(summary: Summary) -> list[UnitRow]:
    """The units recommended, best rank first, roster order within a rank."""
    ranked = [(n, u) for n, u in enumerate(summary.units) if u.final is not None and u.final.rank is not None]
    return [u for _, u in sorted(ranked, key=lambda pair: (-pair[1].final.rank, pair[0]))]  # type: ignore[union-attr]


def document_set(result: BatchResult, summary: Summary) -> DocumentSet:
    rubric = result.options.rubric
    texts = wording("council")
    outcome_text = report_texts()["levels"]["outcome"]
    if isinstance(rubric, LevelRubric):
        tier = result.layout.tier  # type: ignore[union-attr]
        items = tuple(DocItem(i.id, i.code, i.label) for i in tier.indicators)
    else:
        assert isinstance(rubric, Rubric)
        items = tuple(DocItem(leaf.id, leaf.id, leaf.label) for leaf in rubric.leaves)
    units = []
    for u in summary.units:
        final = u.final
        if not u.status.submitted or final is None:
            continue
        if isinstance(rubric, LevelRubric):
            results = {i.id: outcome_text.get(final.verified_outcome.get(i.id, ""), "") for i in items}
            total = ""
        else:
            results = {i.id: _score(final.verified_scores.get(i.id)) for i in items}
            total = _score(final.verified_scores.get("total"))
        units.append(DocUnit(
            code=u.code, name=u.name, group=u.group,
            kind_label=u.level.kind_label if u.level and u.level.kind else "",
            asked_label=u.level.asked_label if u.level else "",
            self_label=final.self_label, label=final.label, rank=final.rank,
            reply=final.short_of_asked, finality_label=texts["finality"][final.finality_key],
            reasons=final.reasons, council_reason=final.council_reason,
            errors=tuple(_error_line(i) for i in final.errors), results=results, total=total))
    return DocumentSet(year=result.options.year, kind=rubric.kind, legal_basis=rubric.legal_basis,
                       ranks=rank_labels(rubric), items=items, units=tuple(units), groups=summary.groups,
                       run_date=result.options.today, deadline=result.options.deadline)


def _score(value: float | None) -> str:
    return "" if value is None else format_number(value)


def _error_line(issue) -> str:  # type: ignore[no-untyped-def]
    where = ", ".join(p for p in (f"trang {issue.sheet}" if issue.sheet else "",
                                  f"ô {issue.cell}" if issue.cell else "") if p)
    return f"{where[:1].upper()}{where[1:]}: {issue.message}" if where else issue.message
