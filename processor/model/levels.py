"""Rubrics of kind `levels` (Thông tư 24/2023): criteria of indicators judged đạt / không
đạt, recognised at a level, with unit kinds deciding which indicators apply.

Like the points loader, this refuses a file whose data could mis-judge a province (an
unknown unit kind, a threshold outside 0–100, a level list naming a missing indicator) and
names the entry at fault. Every reading of the circular lives in the data file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any

from processor.model.errors import RubricError
from processor.model.records import IndicatorEntry, LevelEntries
from processor.model.season import Season, parse_season

_ID = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
SCHOOLS = ("mam_non", "pho_thong_co_so", "thpt_gdtx", "dai_hoc", "nghe_nghiep", "khac")
_CONDITION_KEYS = ("public", "economic", "learners", "school", "kinds")


class IndicatorType(StrEnum):
    YES_NO = "yes_no"
    PERCENT = "percent"
    GRADE = "grade"


class Denominator(StrEnum):
    MEMBERS = "members"
    MEMBERS_OR_LEARNERS = "members_or_learners"


@dataclass(frozen=True)
class UnitKind:
    id: str
    label: str
    public: bool = False
    economic: bool = False
    learners: bool = False
    school: str = ""
    tiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condition:
    """Which unit kinds an indicator applies to; an unset attribute does not restrict."""

    public: bool | None = None
    economic: bool | None = None
    learners: bool | None = None
    school: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None  # unit kind ids, when no attribute says it

    def holds(self, kind: UnitKind) -> bool:
        return all((
            self.public is None or kind.public == self.public,
            self.economic is None or kind.economic == self.economic,
            self.learners is None or kind.learners == self.learners,
            self.school is None or kind.school in self.school,
            self.kinds is None or kind.id in self.kinds,
        ))


@dataclass(frozen=True)
class Level:
    id: int
    label: str


@dataclass(frozen=True)
class Grade:
    id: str
    label: str
    rank: int


@dataclass(frozen=True)
class Indicator:
    id: str
    criterion: str
    label: str
    article: str
    type: IndicatorType
    of: Denominator = Denominator.MEMBERS
    thresholds: dict[int, int] = field(default_factory=dict)
    learner_thresholds: dict[int, int] = field(default_factory=dict)
    required: dict[int, str] = field(default_factory=dict)  # grade id needed per level
    applies_to: Condition = field(default_factory=Condition)
    level_applies_to: dict[int, Condition] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The id as officials write it: TC2.CT4."""
        return self.id.upper().replace("_", ".")

    def applies(self, kind: UnitKind, level: int) -> bool:
        condition = self.level_applies_to.get(level, self.applies_to)
        return condition.holds(kind)

    def counts_learners(self, kind: UnitKind) -> bool:
        return self.of == Denominator.MEMBERS_OR_LEARNERS and kind.learners

    def threshold(self, level: int, kind: UnitKind) -> int:
        """Minimum percentage at a level (percent indicators only)."""
        table = self.learner_thresholds if self.counts_learners(kind) else self.thresholds
        return table[level]


@dataclass(frozen=True)
class LevelCriterion:
    id: str
    label: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Tier:
    id: str
    label: str
    receiving_office: str
    authority: str
    criteria: tuple[LevelCriterion, ...]
    level_indicators: dict[int, tuple[str, ...]]
    dossier_article: str = ""  # the article on the dossier and the level asked (Điều 16.1.c / 10.1.c)
    units_article: str = ""  # the article defining the tier's units (Điều 2.4 / 2.3)

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for c in self.criteria for i in c.indicators)

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    def applicable(self, level: int, kind: UnitKind) -> tuple[Indicator, ...]:
        """The level's own list, less what does not apply to this kind of unit."""
        wanted = self.level_indicators[level]
        return tuple(i for i in self.indicators if i.id in wanted and i.applies(kind, level))


@dataclass(frozen=True)
class LevelRubric:
    """A rubric of kind `levels` (Thông tư 24/2023): recognition at a level, or not at all."""

    id: str
    version: str
    title: str
    legal_basis: str
    season: Season
    validity_years: int
    upgrade_after_months: int
    levels: tuple[Level, ...]
    grades: tuple[Grade, ...]
    unit_kinds: tuple[UnitKind, ...]
    tiers: dict[str, Tier]
    recognitions_from: date | None = None  # the first day a recognition under this circular can bear

    kind = "levels"

    def __hash__(self) -> int:
        return hash((self.id, self.version))

    def tier(self, tier_id: str) -> Tier:
        if tier_id not in self.tiers:
            raise RubricError(f"Bộ tiêu chí {self.id} không có cấp đánh giá '{tier_id}'; các cấp có: "
                              f"{', '.join(self.tiers)}.")
        return self.tiers[tier_id]

    def unit_kind(self, kind_id: str) -> UnitKind:
        return next(k for k in self.unit_kinds if k.id == kind_id)

    def kinds_of_tier(self, tier_id: str) -> tuple[UnitKind, ...]:
        return tuple(k for k in self.unit_kinds if tier_id in k.tiers)

    def kind_by_label(self, label: str) -> UnitKind | None:
        """A unit kind from what a roster or a template holds: its full label, its short label
        (before a comma or a parenthesis: "Trường THPT công lập"), or its id; case and spacing
        aside. None when nothing, or more than one kind, answers to it."""
        wanted = " ".join(unicodedata.normalize("NFC", label).split()).casefold()
        if not wanted:
            return None
        exact = [k for k in self.unit_kinds if wanted in (k.label.casefold(), k.id)]
        if exact:
            return exact[0]
        short = [k for k in self.unit_kinds if _short_label(k.label) == wanted]
        return short[0] if len(short) == 1 else None

    def level(self, level_id: int) -> Level:
        return next(level for level in self.levels if level.id == level_id)

    def grade(self, grade_id: str) -> Grade:
        return next(g for g in self.grades if g.id == grade_id)


def _short_label(label: str) -> str:
    return " ".join(re.split(r"[,(]", label, maxsplit=1)[0].split()).casefold()


def parse_levels(data: dict[str, Any], origin: str) -> LevelRubric:
    """Check every rule of a levels file up front and name the entry that breaks it."""
    problems: list[str] = []
    for key in ("id", "version", "title", "legal_basis", "levels", "grades", "unit_kinds", "tiers"):
        if key not in data:
            problems.append(f"thiếu khoá bắt buộc '{key}'")
    if problems:
        raise RubricError(_report(origin, problems))
    season = parse_season(data, problems)
    levels = tuple(Level(int(raw["id"]), str(raw["label"])) for raw in _list(data["levels"], "levels", problems)
                   if _has(raw, ("id", "label"), "levels", problems))
    level_ids = [level.id for level in levels]
    if sorted(level_ids) != list(range(1, len(levels) + 1)) or not levels:
        problems.append(f"levels: các mức độ phải đánh số 1, 2, … (đang có {level_ids})")
    grades = tuple(Grade(str(raw["id"]), str(raw["label"]), rank)
                   for rank, raw in enumerate(_list(data["grades"], "grades", problems))
                   if _has(raw, ("id", "label"), "grades", problems))
    kinds = tuple(_unit_kind(raw, problems) for raw in _list(data["unit_kinds"], "unit_kinds", problems)
                  if _has(raw, ("id", "label"), "unit_kinds", problems))
    _unique([k.id for k in kinds], "loại đơn vị", problems)
    tiers_raw = data["tiers"] if isinstance(data["tiers"], dict) else {}
    if not tiers_raw:
        problems.append("tiers: cần ít nhất một cấp đánh giá (tinh, huyen)")
    tiers = {str(tid): _tier(str(tid), raw, level_ids, {g.id for g in grades}, {k.id for k in kinds}, problems)
             for tid, raw in tiers_raw.items()}
    for k in kinds:
        for tier_id in k.tiers:
            if tier_id not in tiers:
                problems.append(f"loại đơn vị '{k.id}': cấp '{tier_id}' không có trong tiers")
    recognitions_from = data.get("recognitions_from")
    if recognitions_from is not None and not isinstance(recognitions_from, date):
        problems.append(f"recognitions_from = {recognitions_from!r}: phải là một ngày dạng YYYY-MM-DD")
        recognitions_from = None
    validity = data.get("validity_years", 3)
    upgrade = data.get("upgrade_after_months", 12)
    for name, value in (("validity_years", validity), ("upgrade_after_months", upgrade)):
        if not isinstance(value, int) or value < 0:
            problems.append(f"{name} = {value!r}: phải là số nguyên không âm")
    if problems:
        raise RubricError(_report(origin, problems))
    return LevelRubric(id=str(data["id"]), version=str(data["version"]), title=str(data["title"]),
                       legal_basis=" ".join(str(data["legal_basis"]).split()), season=season,
                       validity_years=validity, upgrade_after_months=upgrade, levels=levels, grades=grades,
                       unit_kinds=kinds, tiers=tiers, recognitions_from=recognitions_from)


def _unit_kind(raw: dict[str, Any], problems: list[str]) -> UnitKind:
    name = f"loại đơn vị '{raw['id']}'"
    school = str(raw.get("school") or "")
    if school and school not in SCHOOLS:
        problems.append(f"{name}: school '{school}' không có trong {', '.join(SCHOOLS)}")
    flags = {}
    for key in ("public", "economic", "learners"):
        value = raw.get(key, False)
        if not isinstance(value, bool):
            problems.append(f"{name}: {key} phải là true hoặc false")
        flags[key] = bool(value)
    return UnitKind(id=str(raw["id"]), label=" ".join(str(raw["label"]).split()), school=school,
                    tiers=tuple(map(str, raw.get("tiers", ()))), **flags)


def _tier(tier_id: str, raw: Any, level_ids: list[int], grade_ids: set[str], kind_ids: set[str],
          problems: list[str]) -> Tier:
    name = f"cấp '{tier_id}'"
    if not isinstance(raw, dict):
        problems.append(f"{name}: phải là bảng khoá–giá trị")
        return Tier(tier_id, "", "", "", (), {})
    criteria = []
    for c_raw in _list(raw.get("criteria"), f"{name}: criteria", problems):
        if not _has(c_raw, ("id", "label", "indicators"), f"{name}: criteria", problems):
            continue
        indicators = tuple(_indicator(i_raw, str(c_raw["id"]), level_ids, grade_ids, kind_ids, name, problems)
                           for i_raw in _list(c_raw["indicators"], f"{name}: {c_raw['id']}", problems)
                           if _has(i_raw, ("id", "label", "type"), f"{name}: {c_raw['id']}", problems))
        criteria.append(LevelCriterion(str(c_raw["id"]), " ".join(str(c_raw["label"]).split()), indicators))
    ids = [i.id for c in criteria for i in c.indicators]
    _unique(ids, f"{name}: chỉ tiêu", problems)
    lists_raw = raw.get("level_indicators") or {}
    lists: dict[int, tuple[str, ...]] = {}
    for level in level_ids:
        listed = lists_raw.get(level) if isinstance(lists_raw, dict) else None
        if not isinstance(listed, list):
            problems.append(f"{name}: level_indicators thiếu danh sách chỉ tiêu của mức độ {level}")
            continue
        for indicator_id in listed:
            if indicator_id not in ids:
                problems.append(f"{name}: danh sách mức độ {level} có chỉ tiêu '{indicator_id}' "
                                "không có trong criteria")
        lists[level] = tuple(map(str, listed))
    return Tier(tier_id, str(raw.get("label", tier_id)), str(raw.get("receiving_office", "")),
                str(raw.get("authority", "")), tuple(criteria), lists, str(raw.get("dossier_article", "")),
                str(raw.get("units_article", "")))


def _indicator(raw: dict[str, Any], criterion: str, level_ids: list[int], grade_ids: set[str], kind_ids: set[str],
               tier: str, problems: list[str]) -> Indicator:
    iid = str(raw["id"])
    name = f"{tier}: chỉ tiêu '{iid}'"
    if not _ID.match(iid):
        problems.append(f"{name}: id phải gồm chữ thường không dấu, chữ số và dấu gạch dưới (ví dụ tc2_ct4)")
    try:
        kind = IndicatorType(str(raw["type"]))
    except ValueError:
        problems.append(f"{name}: type '{raw['type']}' không có (yes_no, percent, grade)")
        kind = IndicatorType.YES_NO
    try:
        of = Denominator(str(raw.get("of", "members")))
    except ValueError:
        problems.append(f"{name}: of '{raw.get('of')}' không có (members, members_or_learners)")
        of = Denominator.MEMBERS
    thresholds = _thresholds(raw.get("thresholds"), f"{name}: thresholds", level_ids,
                             kind == IndicatorType.PERCENT, problems)
    learner = _thresholds(raw.get("learner_thresholds"), f"{name}: learner_thresholds", level_ids,
                          of == Denominator.MEMBERS_OR_LEARNERS, problems)
    required: dict[int, str] = {}
    if kind == IndicatorType.GRADE:
        for level in level_ids:
            grade = (raw.get("required") or {}).get(level)
            if grade not in grade_ids:
                problems.append(f"{name}: required của mức độ {level} phải là một trong {', '.join(sorted(grade_ids))}")
            required[level] = str(grade)
    level_conditions = {}
    for level, cond in (raw.get("level_applies_to") or {}).items():
        if level not in level_ids:
            problems.append(f"{name}: level_applies_to có mức độ {level} không có")
        level_conditions[int(level)] = _condition(cond, f"{name}: level_applies_to", kind_ids, problems)
    return Indicator(id=iid, criterion=criterion, label=" ".join(str(raw["label"]).split()),
                     article=str(raw.get("article", "")), type=kind, of=of, thresholds=thresholds,
                     learner_thresholds=learner, required=required,
                     applies_to=_condition(raw.get("applies_to"), f"{name}: applies_to", kind_ids, problems),
                     level_applies_to=level_conditions)


def _thresholds(raw: Any, where: str, level_ids: list[int], needed: bool, problems: list[str]) -> dict[int, int]:
    if raw is None:
        if needed:
            problems.append(f"{where}: thiếu ngưỡng cho các mức độ {level_ids}")
        return {}
    found: dict[int, int] = {}
    for level in level_ids:
        value = raw.get(level) if isinstance(raw, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            problems.append(f"{where}: ngưỡng của mức độ {level} là {value!r}, phải là số nguyên từ 0 đến 100")
            continue
        found[level] = value
    return found


def _condition(raw: Any, where: str, kind_ids: set[str], problems: list[str]) -> Condition:
    if raw is None:
        return Condition()
    if not isinstance(raw, dict) or not set(raw) <= set(_CONDITION_KEYS):
        problems.append(f"{where}: chỉ được dùng {', '.join(_CONDITION_KEYS)}")
        return Condition()
    school = raw.get("school")
    if school is not None:
        school = tuple(school) if isinstance(school, list) else (str(school),)
        for s in school:
            if s not in SCHOOLS:
                problems.append(f"{where}: school '{s}' không có trong {', '.join(SCHOOLS)}")
    kinds = raw.get("kinds")
    if kinds is not None:
        kinds = tuple(map(str, kinds))
        for k in kinds:
            if k not in kind_ids:
                problems.append(f"{where}: loại đơn vị '{k}' không có trong unit_kinds")
    return Condition(public=raw.get("public"), economic=raw.get("economic"), learners=raw.get("learners"),
                     school=school, kinds=kinds)


def _has(raw: Any, keys: tuple[str, ...], where: str, problems: list[str]) -> bool:
    if not isinstance(raw, dict) or any(k not in raw for k in keys):
        problems.append(f"{where}: mỗi mục cần {', '.join(keys)}")
        return False
    return True


def _list(value: Any, where: str, problems: list[str]) -> list[Any]:
    if not isinstance(value, list):
        problems.append(f"{where}: phải là một danh sách")
        return []
    return value


def _unique(ids: list[str], what: str, problems: list[str]) -> None:
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{what} '{dup}' bị trùng, mỗi id chỉ được dùng một lần")


def _report(origin: str, problems: list[str]) -> str:
    return f"Bộ tiêu chí {origin} không hợp lệ:\n" + "\n".join(f"  - {p}" for p in problems)


@dataclass(frozen=True)
class Verdict:
    """One unit's judgement."""

    supported: int | None  # the highest level the figures meet, eligibility and request aside
    level: int | None  # the level reached: not above the one asked, eligibility applied; None: Không đạt
    unmet: tuple[str, ...]  # indicator ids not met at the level asked
    capped: bool  # level 2 was met but the unit is not (yet) eligible for it
    outcome: dict[str, str]  # indicator id -> "dat" / "khong_dat" / "khong_ap_dung" at the level asked


# ---- the rule applied to one dossier's figures (the batch's judgement and its checks share it) ----

def months_between(earlier: date, later: date) -> int:
    """Whole months from earlier to later (12 months after 15/01/2025 is 15/01/2026)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months if later.day >= earlier.day else months - 1


def eligible_for(level: int, entries: LevelEntries, report_date: date | None, rubric: LevelRubric) -> bool:
    """Level 1 always; a higher level only with a recognition at least upgrade_after_months
    old on the report date (Art. 5.3, 11.3)."""
    if level <= 1:
        return True
    if entries.prior_level is None or entries.prior_date is None or report_date is None:
        return False
    if rubric.recognitions_from and entries.prior_date < rubric.recognitions_from:
        return False  # a decision under the repealed circular (a TT22 class) is not a level-1 recognition
    return months_between(entries.prior_date, report_date) >= rubric.upgrade_after_months


def indicator_met(indicator: Indicator, level: int, entry: IndicatorEntry | None, entries: LevelEntries,
                  kind: UnitKind, rubric: LevelRubric) -> bool:
    if entry is None or not entry.evidence.strip():
        return False  # no fitting evidence: không đạt
    if indicator.type == IndicatorType.YES_NO:
        return entry.judged == "dat"
    if indicator.type == IndicatorType.GRADE:
        grades = {g.id: g.rank for g in rubric.grades}
        return entry.judged in grades and grades[entry.judged] >= grades[indicator.required[level]]
    denominator = entries.learners if indicator.counts_learners(kind) else entries.members
    count = entry.count
    if count is None or not denominator or denominator <= 0 or not 0 <= count <= denominator:
        return False
    return 100 * count >= indicator.threshold(level, kind) * denominator


def denominator_of(indicator: Indicator, entries: LevelEntries, kind: UnitKind | None) -> int | None:
    """Learners for the indicators a school counts by learners, members otherwise."""
    return entries.learners if kind is not None and indicator.counts_learners(kind) else entries.members
