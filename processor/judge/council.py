"""The final result of every unit: the council's word where it has spoken, the computation
where it has not (TT24 Art. 16.2; for TT22 seasons the same with verified points).

The council speaks in two ways. On an indicator (or a scored leaf) its Kết quả thẩm định
replaces the unit's own figure or grade, and the level (or class) is computed again from the
verified figures, by the same judge as the self-assessment. Its Kết luận then either leaves
that result ("as computed"), lowers it or refuses it (with a Lý do), or names a level the
verified figures support. Entries belong to the file they were typed for: when the unit's
counting file is another one, they are kept but not applied until the council confirms them.
A value that makes no sense is an issue on the council's cell and is not applied; the rest
of the unit's entries still are.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from processor.judge.levels import judge
from processor.judge.score import CLASS, TOTAL, rows_by_position, score_units
from processor.model.council import (
    Conclusion,
    CouncilEntries,
    CouncilOutcome,
    Finality,
    FinalResult,
    Reason,
    ReviewState,
    UnitEntries,
    council_key,
    file_code,
)
from processor.model.council_layout import class_ranks
from processor.model.issues import Issue, make_issue
from processor.model.levels import IndicatorType, LevelRubric, Tier, Verdict, denominator_of, indicator_met
from processor.model.records import IndicatorEntry, LevelEntries, UnitResult
from processor.model.rubric import Rubric
from processor.model.statuses import Status
from processor.text.numbers import format_number, percent
from processor.text.wording import report_texts, wording

COUNCIL_EVIDENCE = "(Hội đồng thẩm định)"  # the evidence of a figure the council verified; never shown


def _state(u: UnitResult, entries: UnitEntries | None, file: str,
           issues: list[tuple[str, Issue]]) -> ReviewState:
    """Whose file the entries are about, and so whether they apply."""
    if entries is None or not entries.spoken:
        return ReviewState.NONE
    if u.submission is None:
        return ReviewState.WITHDRAWN
    current = u.submission.sha256
    if entries.sha256 == current:
        return ReviewState.APPLIED
    confirm = entries.confirm.replace(" ", "").upper()
    if confirm and len(confirm) >= 6 and current.upper().startswith(confirm):
        return ReviewState.APPLIED
    # the confirm cell of the unit's row; when that row was lost, the first of its entries
    where = entries.cells.get("confirm") or min((i.cell for i in entries.items.values()), default="!",
                                                key=lambda c: int("".join(ch for ch in c if ch.isdigit()) or 0))
    sheet, cell = where.split("!", 1)
    if confirm:
        issues.append((entries.key, make_issue("council-confirm-mismatch", file, sheet, cell, gia_tri=entries.confirm,
                                               ma=file_code(current))))
    issues.append((entries.key, make_issue("council-review-needed", file, sheet, cell,
                                           cu=file_code(entries.sha256) if entries.sha256 else "(không rõ)",
                                           moi=file_code(current))))
    return ReviewState.STALE


def judge_council(units: list[UnitResult], rubric: LevelRubric | Rubric, tier: Tier | None,
                  entries: CouncilEntries, self_verdicts: dict[int, Verdict],
                  self_scores: pd.DataFrame | None) -> CouncilOutcome:
    issues: list[tuple[str, Issue]] = list(entries.issues)
    states: dict[int, ReviewState] = {}
    for i, u in enumerate(units):
        states[i] = _state(u, entries.units.get(council_key(u.unit)), entries.file, issues)
    if isinstance(rubric, LevelRubric):
        assert tier is not None
        finals, verified, applied = _levels(units, rubric, tier, entries, states, self_verdicts, issues)
    else:
        assert self_scores is not None
        finals, applied = _points(units, rubric, entries, states, self_scores, issues)
        verified = {}
    for i in applied:
        ue = entries.units.get(council_key(units[i].unit))
        own = [x for x in issues if ue is not None and x[0] == ue.key and x[1].is_error]
        if own and states[i] == ReviewState.APPLIED:
            states[i] = ReviewState.REJECTED
    finals = {i: replace(f, state=states[i]) for i, f in finals.items()}
    return CouncilOutcome(entries=entries, finals=finals, states=states, issues=tuple(issues), verified=verified,
                          applied_items=applied)


def council_issue_order(units: list[UnitResult], issues: list[tuple[str, Issue]]) -> tuple[tuple[str, Issue], ...]:
    """The order an official reads them: unit by unit as the roster lists them, then sheet
    by sheet and row by row of the council workbook."""
    position = {council_key(u.unit): i for i, u in enumerate(units)}

    def order(pair: tuple[str, Issue]) -> tuple[int, str, int, str]:
        digits = "".join(ch for ch in pair[1].cell if ch.isdigit())
        return (position.get(pair[0], len(position)), pair[1].sheet, int(digits or 0), pair[1].cell)

    return tuple(sorted(issues, key=order))


# ---- Thông tư 24/2023 -----------------------------------------------------------------

def _levels(units: list[UnitResult], rubric: LevelRubric, tier: Tier, entries: CouncilEntries,
            states: dict[int, ReviewState], self_verdicts: dict[int, Verdict], issues: list[tuple[str, Issue]]
            ) -> tuple[dict[int, FinalResult], dict[int, Verdict], dict[int, tuple[str, ...]]]:
    texts, lt = wording("council"), report_texts()["levels"]
    judged = sorted(self_verdicts)
    verified_entries: dict[int, LevelEntries] = {}
    applied: dict[int, tuple[str, ...]] = {}
    for i in judged:
        ue = entries.units.get(council_key(units[i].unit))
        sub = units[i].submission
        assert sub is not None and sub.levels is not None
        if ue is None or states[i] != ReviewState.APPLIED:
            verified_entries[i] = sub.levels
            continue
        verified_entries[i], applied[i] = _verify_items(sub.levels, ue, rubric, tier, entries.file, issues)
    # Judged again only where the council's figures replaced the unit's: the verdict of the
    # dossier as sent is the self-assessed one already (judge is per dossier), and re-judging
    # 10,000 dossiers that no council entry touched cost seconds.
    changed = [i for i in judged if verified_entries[i] is not units[i].submission.levels]  # type: ignore[union-attr]
    dossiers = [(verified_entries[i], units[i].submission.report_date) for i in changed]  # type: ignore[union-attr]
    verified = {i: self_verdicts[i] for i in judged}
    verified.update(zip(changed, judge(dossiers, rubric, tier), strict=True))

    finals: dict[int, FinalResult] = {}
    for i, u in enumerate(units):
        ue = entries.units.get(council_key(u.unit))
        sub = u.submission
        asked = sub.levels.level_asked if sub is not None and sub.levels is not None else None
        if i not in verified:
            if ue is not None and states[i] == ReviewState.APPLIED and ue.conclusion == Conclusion.RECOMMEND:
                sheet, cell = ue.cells["conclusion"].split("!", 1)
                issues.append((ue.key, make_issue("council-conclusion-errors", entries.file, sheet, cell,
                                                  gia_tri=ue.conclusion_raw, so=sub.errors if sub else 0)))
            finals[i] = _not_judged(u, texts, asked)
            continue
        own, checked = self_verdicts[i], verified[i]
        label = _level_label(rubric, lt)
        rank, finality, council_reason = _conclude(ue if states[i] == ReviewState.APPLIED else None, checked.level,
                                                   label, bool(applied.get(i)), entries.file, issues)
        kind = rubric.unit_kind(verified_entries[i].kind)
        reasons: tuple[Reason, ...] = ()
        if rank is None or (asked is not None and rank < asked):
            reasons = _level_reasons(checked, tier, verified_entries[i], sub.levels, kind, rubric,  # type: ignore[union-attr]
                                     ue if i in applied else None, texts)
        finals[i] = FinalResult(
            finality=finality, state=states[i], self_rank=own.level, self_label=label(own.level),
            verified_rank=checked.level, verified_label=label(checked.level), rank=rank,
            label=rubric.level(rank).label if rank is not None else texts["not_recommended"], asked=asked,
            reasons=reasons, council_reason=council_reason, file_sha256=sub.sha256,  # type: ignore[union-attr]
            verified_outcome=dict(checked.outcome))
    return finals, verified, applied


def _level_label(rubric: LevelRubric, lt: dict):  # type: ignore[no-untyped-def]
    return lambda level: rubric.level(level).label if level is not None else lt["not_reached"]


def _verify_items(own: LevelEntries, ue: UnitEntries, rubric: LevelRubric, tier: Tier, file: str,
                  issues: list[tuple[str, Issue]]) -> tuple[LevelEntries, tuple[str, ...]]:
    """The dossier's figures with the council's verified ones in their place, and the items
    whose entry applied. An entry that makes the indicator fail needs its reason (the reply
    quotes it); a count above the dossier's own total is impossible."""
    kind = rubric.unit_kind(own.kind)
    asked = own.level_asked or 1
    indicators = dict(own.indicators)
    applied = []
    for item_id, item in sorted(ue.items.items()):
        if not (item.verdict or item.count is not None) or item_id not in {i.id for i in tier.indicators}:
            continue
        indicator = tier.indicator(item_id)
        sheet, cell = item.cell.split("!", 1)
        if item.count is not None:
            denominator = denominator_of(indicator, own, kind)
            if not denominator or item.count > denominator:
                issues.append((ue.key, make_issue("council-count-invalid", file, sheet, cell, gia_tri=item.count,
                                                  chi_tieu=indicator.code, mau=denominator or "(chưa có)")))
                continue
        entry = own.indicators.get(item_id) or IndicatorEntry()
        evidence = entry.evidence or COUNCIL_EVIDENCE
        if item.verdict == "khong_dat":
            verified = IndicatorEntry(judged="khong_dat", count=entry.count, evidence=entry.evidence)
        elif item.count is not None:
            verified = IndicatorEntry(judged=entry.judged, count=item.count, evidence=evidence)
        else:
            verified = IndicatorEntry(judged=item.verdict, count=entry.count, evidence=evidence)
        if (indicator.applies(kind, asked) and item_id in tier.level_indicators[asked]
                and not indicator_met(indicator, asked, verified, own, kind, rubric) and not item.opinion):
            osheet, ocell = item.opinion_cell.split("!", 1)
            issues.append((ue.key, make_issue("council-reason-missing", file, osheet, ocell, chi_tieu=indicator.code,
                                              gia_tri=item.raw)))
            continue
        indicators[item_id] = verified
        applied.append(item_id)
    return replace(own, indicators=indicators), tuple(applied)


def _conclude(ue: UnitEntries | None, computed: int | None, label, has_items: bool,  # type: ignore[no-untyped-def]
              file: str, issues: list[tuple[str, Issue]]) -> tuple[int | None, Finality, str]:
    """The rank that counts and where it comes from. computed: the rank of the verified
    figures (None: not recognised). A conclusion above them is refused; one below them, or a
    refusal, needs its Lý do."""
    fallback = (computed, Finality.VERIFIED if has_items else Finality.COMPUTED, "")
    if ue is None or ue.conclusion == Conclusion.BLANK:
        return fallback
    sheet, cell = ue.cells["conclusion"].split("!", 1)
    if ue.conclusion == Conclusion.RECOMMEND and (computed is None or (ue.rank or 0) > computed):
        issues.append((ue.key, make_issue("council-conclusion-unsupported", file, sheet, cell,
                                          gia_tri=ue.conclusion_raw, tinh=label(computed))))
        return fallback
    target = ue.rank if ue.conclusion == Conclusion.RECOMMEND else None
    if target != computed and not ue.reason:
        rsheet, rcell = ue.cells["reason"].split("!", 1)
        issues.append((ue.key, make_issue("council-conclusion-reason-missing", file, rsheet, rcell,
                                          gia_tri=ue.conclusion_raw, tinh=label(computed))))
        return fallback
    return target, Finality.COUNCIL, ue.reason


def _level_reasons(verdict: Verdict, tier: Tier, verified: LevelEntries, own: LevelEntries, kind, rubric: LevelRubric,  # type: ignore[no-untyped-def]
                   ue: UnitEntries | None, texts: dict) -> tuple[Reason, ...]:
    """Why the unit falls short of the level it asked: each unmet indicator with the
    council's reason, or what the figures say; and the waiting time for level 2."""
    reasons = texts["reasons"]
    asked = own.level_asked or 1
    out = []
    for item_id in verdict.unmet:
        indicator = tier.indicator(item_id)
        item = ue.items.get(item_id) if ue is not None else None
        if item is not None and item.opinion and (item.verdict or item.count is not None):
            out.append(Reason(item_id, indicator.code, indicator.label, item.opinion, True))
            continue
        entry = verified.indicators.get(item_id)
        out.append(Reason(item_id, indicator.code, indicator.label,
                          _figure_reason(indicator, asked, entry, verified, kind, rubric, reasons), False))
    if verdict.capped:
        out.append(Reason("", "", "", reasons["not_eligible"], False))
    return tuple(out)


def _figure_reason(indicator, level: int, entry: IndicatorEntry | None, entries: LevelEntries, kind,  # type: ignore[no-untyped-def]
                   rubric: LevelRubric, reasons: dict) -> str:
    if entry is None or not entry.evidence.strip():
        return reasons["no_evidence"]
    if indicator.type == IndicatorType.YES_NO:
        return reasons["self_not_met"]
    if indicator.type == IndicatorType.GRADE:
        labels = {g.id: g.label for g in rubric.grades}
        if entry.judged == "khong_dat":
            return reasons["council_not_met"]
        return reasons["grade_below"].format(muc=labels.get(entry.judged, entry.judged or "(chưa chọn)"),
                                             can=labels[indicator.required[level]])
    if entry.judged == "khong_dat" and entry.evidence:
        return reasons["council_not_met"] if entry.count is None else reasons["self_not_met"]
    denominator = denominator_of(indicator, entries, kind)
    if entry.count is None or not denominator:
        return reasons["no_figure"]
    return reasons["below_threshold"].format(ty_le=percent(entry.count, denominator), so=entry.count,
                                             mau=denominator, nguong=indicator.threshold(level, kind))


def _not_judged(u: UnitResult, texts: dict, asked: int | None) -> FinalResult:
    label = {Status.MISSING: texts["missing"], Status.COVERED: texts["covered"]}.get(u.status, texts["not_judged"])
    errors = tuple(i for i in u.submission.issues if i.is_error) if u.submission is not None else ()
    return FinalResult(finality=Finality.NOT_JUDGED, state=ReviewState.NONE, self_rank=None, self_label=label,
                       verified_rank=None, verified_label=label, rank=None, label=label, asked=asked, errors=errors,
                       file_sha256=u.submission.sha256 if u.submission is not None else "")


# ---- Thông tư 22/2020 -----------------------------------------------------------------

def _points(units: list[UnitResult], rubric: Rubric, entries: CouncilEntries, states: dict[int, ReviewState],
            self_scores: pd.DataFrame, issues: list[tuple[str, Issue]]
            ) -> tuple[dict[int, FinalResult], dict[int, tuple[str, ...]]]:
    """Verified points replace the unit's own where the council gave them; the class comes
    from the verified total by the same bands. Lowering a leaf needs its reason."""
    texts = wording("council")
    ranks = class_ranks(rubric)
    verified_units = list(units)
    applied: dict[int, tuple[str, ...]] = {}
    for i, u in enumerate(units):
        ue = entries.units.get(council_key(u.unit))
        if ue is None or states[i] != ReviewState.APPLIED or u.status != Status.VALID or u.submission is None:
            continue
        scores = dict(u.submission.scores)
        done = []
        for item_id, item in sorted(ue.items.items()):
            if item.score is None or item_id not in scores:
                continue
            own = scores[item_id]
            if own is not None and item.score < own and not item.opinion:
                sheet, cell = item.opinion_cell.split("!", 1)
                issues.append((ue.key, make_issue("council-reason-missing", entries.file, sheet, cell,
                                                  chi_tieu=item_id, gia_tri=format_number(item.score))))
                continue
            scores[item_id] = item.score
            done.append(item_id)
        applied[i] = tuple(done)
        verified_units[i] = replace(u, submission=replace(u.submission, scores=scores))
    # Scored again only when the council changed a figure (the batch has just scored these
    # very units); rows as dicts once, not a pandas lookup per unit (10,000 units).
    verified = score_units(verified_units, rubric) if any(applied.values()) else self_scores
    own_classes = [str(c) for c in self_scores[CLASS].tolist()]
    verified_rows = rows_by_position(verified)

    def label(rank: int | None) -> str:
        return next((c for c, r in ranks.items() if r == rank), texts["not_recommended"])

    finals: dict[int, FinalResult] = {}
    for i, u in enumerate(units):
        ue = entries.units.get(council_key(u.unit))
        if u.status != Status.VALID:
            if ue is not None and states[i] == ReviewState.APPLIED and ue.conclusion == Conclusion.RECOMMEND:
                sheet, cell = ue.cells["conclusion"].split("!", 1)
                issues.append((ue.key, make_issue("council-conclusion-errors", entries.file, sheet, cell,
                                                  gia_tri=ue.conclusion_raw,
                                                  so=u.submission.errors if u.submission else 0)))
            finals[i] = _not_judged(u, texts, None)
            continue
        row = verified_rows[i]
        own_class, checked_class = own_classes[i], str(row[CLASS])
        computed = ranks.get(checked_class)
        rank, finality, council_reason = _conclude(ue if states[i] == ReviewState.APPLIED else None, computed,
                                                   label, bool(applied.get(i)), entries.file, issues)
        reasons: tuple[Reason, ...] = ()
        own_rank = ranks.get(own_class)
        if rank is None or (own_rank is not None and rank < own_rank):  # below its own points: say why
            reasons = _points_reasons(u, ue if i in applied else None, row[TOTAL], checked_class,
                                      computed is not None, rubric, texts)
        finals[i] = FinalResult(
            finality=finality, state=states[i], self_rank=own_rank, self_label=own_class,
            verified_rank=computed, verified_label=checked_class, rank=rank,
            label=label(rank) if rank is not None else texts["not_recommended"],
            reasons=reasons, council_reason=council_reason, file_sha256=u.submission.sha256,  # type: ignore[union-attr]
            verified_scores={c: (None if pd.isna(v) else float(v)) for c, v in row.items() if c != CLASS})
    return finals, applied


def _points_reasons(u: UnitResult, ue: UnitEntries | None, total: float, klass: str, recognised: bool,
                    rubric: Rubric, texts: dict) -> tuple[Reason, ...]:
    reasons = texts["reasons"]
    out = []
    own = u.submission.scores if u.submission is not None else {}
    leaves = {leaf.id: leaf for leaf in rubric.leaves}
    for item_id, item in sorted((ue.items if ue is not None else {}).items()):
        mine = own.get(item_id)
        if item.score is not None and mine is not None and item.score < mine and item_id in leaves:
            lowered = reasons["score_lowered"].format(diem=format_number(item.score), tu_cham=format_number(mine))
            out.append(Reason(item_id, item_id, leaves[item_id].label, f"{lowered}: {item.opinion}", True))
    if pd.notna(total) and not recognised:
        out.append(Reason("", "", "", reasons["total_below"].format(tong=format_number(float(total)), xep_loai=klass),
                          False))
    return tuple(out)

