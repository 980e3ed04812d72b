"""The Thông tư 24/2023 judgement, from the unit's figures: boundaries, kinds, eligibility."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from processor.judge.levels import judge
from processor.model.levels import IndicatorType, months_between
from processor.model.records import IndicatorEntry, LevelEntries
from processor.model.rubric import load_rubric

RUBRIC = load_rubric("tt24-2023")
TINH, HUYEN = RUBRIC.tier("tinh"), RUBRIC.tier("huyen")
REPORT = date(2026, 1, 10)


def full(kind: str, level: int = 2, members: int = 100, learners: int | None = None, tier=TINH,
         **prior) -> LevelEntries:
    """A dossier that meets every indicator of its kind at level 2 (100 %, top grade, evidence)."""
    indicators = {}
    for ind in tier.indicators:
        if ind.type == IndicatorType.PERCENT:
            denominator = learners if ind.counts_learners(RUBRIC.unit_kind(kind)) else members
            indicators[ind.id] = IndicatorEntry("dat", denominator, "Báo cáo số 1")
        elif ind.type == IndicatorType.GRADE:
            indicators[ind.id] = IndicatorEntry("tot", None, "Quyết định số 2")
        else:
            indicators[ind.id] = IndicatorEntry("dat", None, "Kế hoạch số 3")
    return LevelEntries(kind=kind, level_asked=level, members=members, learners=learners, indicators=indicators,
                        **prior)


ELIGIBLE = {"prior_level": 1, "prior_decision": "12/QĐ-UBND", "prior_date": date(2025, 1, 10)}


def with_entry(entries: LevelEntries, iid: str, **change) -> LevelEntries:
    return replace(entries, indicators={**entries.indicators, iid: replace(entries.indicators[iid], **change)})


def one(entries: LevelEntries, tier=TINH, report: date = REPORT):
    return judge([(entries, report)], RUBRIC, tier)[0]


@pytest.mark.parametrize(("count", "level"), [(89, None), (90, 1), (94, 1), (95, 2)])
def test_members_share_at_the_90_and_95_boundaries(count, level):
    v = one(with_entry(full("co_quan_nha_nuoc", **ELIGIBLE), "tc2_ct1", count=count))
    assert v.level == level
    assert ("tc2_ct1" in v.unmet) == (count < 95)


@pytest.mark.parametrize(("count", "level"), [(49, None), (50, 1), (69, 1), (70, 2)])
def test_language_share_at_the_50_and_70_boundaries(count, level):
    assert one(with_entry(full("co_quan_nha_nuoc", **ELIGIBLE), "tc2_ct4", count=count)).level == level


@pytest.mark.parametrize(("count", "level"), [(940, None), (950, 1), (969, 1), (970, 2)])
def test_learners_of_a_university_at_the_95_and_97_boundaries(count, level):
    entries = full("dai_hoc_cong_lap", members=200, learners=1000, **ELIGIBLE)
    assert one(with_entry(entries, "tc3_ct1", count=count)).level == level


def test_a_lower_secondary_school_counts_members_not_pupils():
    """Art. 2.8: pupils of a THCS are not "Người học"; 90 % of members meets level 1."""
    entries = full("pho_thong_co_so_cong_lap", level=1, members=50, learners=None, tier=HUYEN)
    v = one(with_entry(entries, "tc3_ct1", count=45), tier=HUYEN)
    assert v.level == 1 and v.outcome["tc3_ct1"] == "dat"


def test_an_economic_organisation_is_not_judged_on_languages():
    entries = with_entry(full("doanh_nghiep_nha_nuoc", **ELIGIBLE), "tc2_ct4", count=0)
    v = one(entries)
    assert v.level == 2 and v.outcome["tc2_ct4"] == "khong_ap_dung" and v.outcome["tc1_ct3"] == "khong_ap_dung"


def test_a_yes_no_indicator_without_evidence_is_not_met():
    v = one(with_entry(full("co_quan_nha_nuoc", level=1), "tc1_ct1", evidence=" "))
    assert (v.level, v.unmet) == (None, ("tc1_ct1",))


def test_a_grade_below_the_level_asked():
    entries = with_entry(full("thpt_cong_lap", learners=800, **ELIGIBLE), "tc3_ct4", judged="co_ban")
    v = one(entries)
    assert (v.level, v.supported, v.unmet) == (1, 1, ("tc3_ct4",))


def test_a_level_2_request_that_meets_only_level_1():
    v = one(with_entry(full("co_quan_nha_nuoc", **ELIGIBLE), "tc2_ct5", count=92))
    assert (v.level, v.unmet, v.capped) == (1, ("tc2_ct5",), False)


@pytest.mark.parametrize(("prior", "level", "capped"), [(date(2025, 2, 11), 1, True), (date(2025, 1, 10), 2, False)],
                         ids=["11-months", "12-months"])
def test_level_2_needs_a_level_1_decision_12_months_old(prior, level, capped):
    entries = full("co_quan_nha_nuoc", prior_level=1, prior_decision="5/QĐ-UBND", prior_date=prior)
    v = one(entries)
    assert (v.supported, v.level, v.capped, v.unmet) == (2, level, capped, ())


def test_whole_months():
    assert [months_between(date(2025, 1, 15), d) for d in (date(2026, 1, 14), date(2026, 1, 15))] == [11, 12]


def test_a_count_above_its_denominator_is_not_met():
    assert one(with_entry(full("co_quan_nha_nuoc", level=1), "tc2_ct2", count=101)).level is None
