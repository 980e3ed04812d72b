"""Build the realistic, deterministic demo seasons that `make demo` runs the batch on.

Two seasons, one per circular: the default one under Thông tư 24/2023 (evaluation year
2025, the cấp tỉnh units of a province, built by processor.demo.levels), and the 2021 one
under Thông tư 22/2020 (forty units scored out of 100, the Sở Nội vụ's own 2021 report with
its 3c among them). In both, most units do it right, some make the mistakes real units
make, one resubmits, two never reply, and Excel leaves a lock file behind.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from processor.demo.extras import write_extras
from processor.intake.roster import Unit, load_roster
from processor.model.errors import OutputError, UsageError
from processor.model.layout import Layout, build_layout
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.distribute import unit_template_name
from processor.template.filler import fill_template, submission_values
from processor.template.writer import TemplateRequest, write_template
from processor.text.dates import parse_vn_date
from processor.text.normalise import strip_diacritics

DEMO_DIR = Path(__file__).resolve().parent
SCENARIOS = {2025: DEMO_DIR / "scenario_tt24.yaml", 2021: DEMO_DIR / "scenario_tt22.yaml"}
DEFAULT_YEAR = 2025
REFERENCE = DEMO_DIR / "reference_2021.yaml"
DEMO_MARK = ".dvht-demo"
TARGET_TOTALS = (97, 92.5, 89, 86, 83.5, 79, 75, 72.5, 66, 58.5, 88, 94, 45.5, 81, 91, 69)
NEVER_REPLIED = ("HCCB", "X017")

DEMO_CONFIG = DEMO_DIR / "config_demo.yaml"  # the department of the demo (Bắc Ninh), when no --config


@dataclass(frozen=True)
class DemoScenario:
    """A demo season, known before anything is written: its year, rubric id and tier, and
    the data file (processor/demo/scenario_*.yaml) it is built from."""

    year: int
    rubric: str
    tier: str
    path: Path


@dataclass(frozen=True)
class DemoInput:
    year: int
    rubric: str
    tier: str
    deadline: date
    run_date: date  # the demo's "today", fixed so that its results never drift with the calendar
    roster: Path
    units: tuple[Unit, ...]
    input_dir: Path
    past_decisions: Path | None = None  # earlier seasons' decisions, imported into the demo's own register

    @property
    def register(self) -> Path:
        """The demo's own register, inside its folder: never a department's."""
        return self.input_dir.parent / "du_lieu" / "dvht.sqlite"


@dataclass
class _Filing:
    unit: Unit
    identity: dict[str, Any]
    scores: dict[str, Any]
    evidence: dict[str, str]
    narrative: dict[str, str]
    folder: str
    file_name: str
    template_year: int
    per_unit_template: bool = True


def demo_years() -> tuple[int, ...]:
    return tuple(sorted(SCENARIOS))


def demo_scenario(year: int | None = None) -> DemoScenario:
    """The demo season of that year (default: the Thông tư 24/2023 one); a year without a
    demo is a usage error naming the years there are."""
    year = DEFAULT_YEAR if year is None else year
    if year not in SCENARIOS:
        years = ", ".join(str(y) for y in demo_years())
        raise UsageError(f"bản chạy thử chỉ có dữ liệu mẫu của các năm {years}; chọn --year {DEFAULT_YEAR} "
                         "(Thông tư 24/2023) hoặc --year 2021 (Thông tư 22/2020)")
    data = yaml.safe_load(SCENARIOS[year].read_text(encoding="utf-8"))
    return DemoScenario(year=int(data["year"]), rubric=str(data["rubric"]), tier=str(data.get("tier", "tinh")),
                        path=SCENARIOS[year])


def _remove_earlier_demo(root: Path) -> None:
    """The demo folder is rebuilt on every run, but only a folder the demo made (it carries
    the demo's mark) is ever deleted; anything else in its place stops the demo."""
    if not os.path.lexists(root):
        return
    if not (root.is_dir() and not root.is_symlink() and (root / DEMO_MARK).is_file()):
        raise OutputError(f"Thư mục {root} đã có và không do bản chạy thử tạo; để không xoá nhầm, hãy chọn "
                          "thư mục kết quả khác (--out) hoặc chuyển thư mục đó đi nơi khác.")
    shutil.rmtree(root)


def build_demo(root: Path, scenario: DemoScenario | None = None) -> DemoInput:
    """Write the roster and the returned files of the scenario's season under root (replacing
    an earlier demo); nothing is written outside root."""
    scenario = scenario or demo_scenario()
    data = yaml.safe_load(scenario.path.read_text(encoding="utf-8"))
    deadline, run_date = parse_vn_date(data["deadline"]), parse_vn_date(data["run_date"])
    assert deadline is not None and run_date is not None
    _remove_earlier_demo(root)
    input_dir = root / "ho_so"
    templates = root / "mau"
    input_dir.mkdir(parents=True)
    (root / DEMO_MARK).write_text("dvht demo\n", encoding="utf-8")
    roster_path = root / data["roster"]
    shutil.copy(DEMO_DIR / data["roster"], roster_path)
    rubric = load_rubric(scenario.rubric)
    if rubric.kind == "levels":
        from processor.demo.levels import build_level_filings, level_kind_reader

        units = load_roster(roster_path, kind_of=level_kind_reader(rubric, scenario.tier))
        build_level_filings(data, rubric, scenario.tier, units, input_dir, templates, deadline)
    else:
        units = load_roster(roster_path)
        _build_points_filings(data, build_layout(rubric), units, input_dir, templates)
    shutil.rmtree(templates)
    past = None
    if data.get("register"):
        past = root / data["register"]
        shutil.copy(DEMO_DIR / data["register"], past)
    return DemoInput(year=scenario.year, rubric=scenario.rubric, tier=scenario.tier, deadline=deadline,
                     run_date=run_date, roster=roster_path, units=tuple(units), input_dir=input_dir,
                     past_decisions=past)


def _build_points_filings(scenario: dict[str, Any], layout: Layout, units: list[Unit], input_dir: Path,
                          templates: Path) -> None:
    """The Thông tư 22/2020 season: points out of 100 in last decade's template."""
    year = int(scenario["year"])
    settings = load_settings()
    generated_at = datetime(year + 1, 1, 2, 8, 0, tzinfo=UTC)

    def template_for(unit: Unit | None, template_year: int) -> Path:
        name = unit_template_name(unit) if unit else f"Mau_DVHT_{template_year}.xlsx"
        path = templates / str(template_year) / name
        if not path.exists():
            write_template(path, TemplateRequest(layout, settings, template_year, unit=unit,
                                                 generated_at=generated_at))
        return path

    filings = [_filing(u, i, year, scenario, layout) for i, u in enumerate(units) if u.code not in NEVER_REPLIED]
    filings = _apply_flaws(filings, year)
    for f in filings:
        template = template_for(f.unit if f.per_unit_template else None, f.template_year)
        values = submission_values(f.identity, f.scores, f.evidence, f.narrative)
        if f.per_unit_template:  # code and name are locked in a per-unit template
            values.pop("ma_don_vi", None)
            values.pop("ten_don_vi", None)
        fill_template(template, input_dir / f.folder / f.file_name, values)
    write_extras(input_dir, lock_of=input_dir / "So_ban_nganh" / f"SYT_DVHT_{year}.xlsx",
                 broken_from=next((input_dir / "Xa_phuong").glob("X011_*.xlsx")),
                 broken=input_dir / "Xa_phuong" / "Bao cao gui lai (ban loi).xlsx")


def _filing(unit: Unit, index: int, year: int, scenario: dict[str, Any], layout: Layout) -> _Filing:
    rng = random.Random(f"dvht-demo-{unit.code}")
    abbr = strip_diacritics(unit.code).upper()
    report_day = date(year + 1, 1, 5) + timedelta(days=rng.randrange(0, 80))

    def fill(text: str) -> str:
        day = date(year, rng.randrange(1, 13), rng.randrange(1, 28))
        return text.format(so=rng.randrange(12, 480), ngay=day.strftime("%d/%m/%Y"), nam=year, don_vi=unit.name,
                           viet_tat=abbr)

    scores = _scores_for(TARGET_TOTALS[index % len(TARGET_TOTALS)], layout, rng)
    evidence = {cid: fill(text) for cid, text in scenario["evidence"].items() if scores.get(cid, 0) > 0}
    narrative = {key: fill(rng.choice(options)) for key, options in scenario["narrative"].items()}
    titles = scenario["signers"].get(unit.group, ["Thủ trưởng đơn vị"])
    identity = {
        "ten_don_vi": unit.name, "ma_don_vi": unit.code, "nam_danh_gia": year,
        "so_bao_cao": f"{rng.randrange(5, 120)}/BC-{abbr}", "ngay_bao_cao": report_day,
        "nguoi_ky": rng.choice(scenario["signer_names"]), "chuc_vu_nguoi_ky": rng.choice(titles),
        "nguoi_lien_he": unit.contact, "dien_thoai": f"0222 3{rng.randrange(100000, 999999)}",
        "email": unit.email,
    }
    folder = {"Sở, ban, ngành": "So_ban_nganh", "UBND xã, phường": "Xa_phuong"}.get(unit.group, "To_chuc")
    return _Filing(unit, identity, scores, evidence, narrative, folder, f"{abbr}_DVHT_{year}.xlsx", year)


def _scores_for(target: float, layout: Layout, rng: random.Random) -> dict[str, float]:
    """Leaf scores on the step grid that add up to target: start full, take points away."""
    leaves = layout.rubric.leaves
    scores = {leaf.id: leaf.max for leaf in leaves}
    step = layout.rubric.step
    deficit = round((layout.rubric.total_max - target) / step)
    while deficit > 0:
        leaf = rng.choice(leaves)
        if scores[leaf.id] >= step:
            scores[leaf.id] -= step
            deficit -= 1
    return scores


def _apply_flaws(filings: list[_Filing], year: int) -> list[_Filing]:
    by_code = {f.unit.code: f for f in filings}
    reference = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))

    def reference_report(f: _Filing) -> None:  # the 2021 report, 3c = 10 of 5
        f.scores = dict(reference["scores"])
        f.evidence = dict(reference["evidence"])
        f.narrative = dict(reference["narrative"])
        f.identity.update(nguoi_ky=reference["identity"]["nguoi_ky"],
                          chuc_vu_nguoi_ky=reference["identity"]["chuc_vu_nguoi_ky"])

    def text_score(f: _Filing) -> None:
        f.scores["1c"] = "7,5"

    def off_step(f: _Filing) -> None:
        f.scores["3a5"] = 2.3

    def no_evidence(f: _Filing) -> None:
        f.evidence.pop("1c", None)
        f.evidence.pop("3a6", None)

    def typed_name(f: _Filing) -> None:  # filled the blank template, typed its name loosely
        f.per_unit_template = False
        f.identity["ten_don_vi"] = "ubnd  phuong da mai"
        f.identity["ma_don_vi"] = ""

    def late(f: _Filing) -> None:
        f.identity["ngay_bao_cao"] = date(year + 1, 4, 10)

    def last_years_template(f: _Filing) -> None:
        f.template_year = year - 1

    def no_date(f: _Filing) -> None:
        f.identity["ngay_bao_cao"] = ""

    def text_date(f: _Filing) -> None:
        f.identity["ngay_bao_cao"] = "20/02/" + str(year + 1)

    flaws: dict[str, Callable[[_Filing], None]] = {
        "SNV": reference_report, "STP": text_score, "SYT": off_step, "SXD": no_evidence, "X005": typed_name,
        "X009": late, "X012": last_years_template, "X014": no_date, "SCT": text_date,
    }
    for code, flaw in flaws.items():
        flaw(by_code[code])

    # A resubmission: the first file had a missing score, the corrected one came later.
    stc = by_code["STC"]
    first = replace(stc, scores={k: v for k, v in stc.scores.items() if k != "2d"},
                    identity={**stc.identity, "ngay_bao_cao": date(year + 1, 1, 8)},
                    file_name=stc.file_name.replace(".xlsx", "_lan1.xlsx"))
    stc.identity["ngay_bao_cao"] = date(year + 1, 1, 22)
    stc.file_name = stc.file_name.replace(".xlsx", "_lan2_da_sua.xlsx")

    # A unit that is not on the roster (a centre set up after the roster was made).
    extra = replace(by_code["TCD"], unit=Unit("TTGDNN", "Trung tâm GDNN - GDTX Yên Dũng", "", "", ""),
                    identity={**by_code["TCD"].identity, "ten_don_vi": "Trung tâm GDNN - GDTX Yên Dũng",
                              "ma_don_vi": "TTGDNN"},
                    per_unit_template=False, file_name=f"TTGDNN_DVHT_{year}.xlsx")
    return [*filings, first, extra]
