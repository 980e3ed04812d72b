"""Which rule, which year, which day: the circular in force is chosen by the evaluation
year, the year and the deadline by the run date (--ngay-chay), the tier by configuration."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from processor.cli import main
from processor.model.layout import SHEET_META
from processor.text.dates import default_report_year
from tests.conftest import list_rows

REPO = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def meta(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[SHEET_META]
    return {str(r[0]): str(r[1]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


@pytest.mark.parametrize(("today", "year", "deadline"), [
    ("14/01/2026", 2025, "14/01/2026"),  # the last day on time of the 2025 season
    ("15/01/2026", 2025, "14/01/2026"),  # late for it, but still its season
    ("15/02/2026", 2025, "14/01/2026"),  # recognition is finished before 15/02
    ("16/02/2026", 2026, "14/01/2027"),  # from 16/02 the next season is prepared
])
def test_default_year_and_deadline_follow_the_run_date(tmp_path, today, year, deadline):
    code, out, err = run("template", "--ngay-chay", today, "--out", str(tmp_path))
    assert (code, err) == (0, "")
    assert f"năm đánh giá {year}; hạn nộp {deadline}" in out
    info = meta(tmp_path / f"Mau_DVHT_{year}.xlsx")
    assert (info["rubric_id"], info["year"]) == ("tt24-2023", str(year))


def test_default_report_year_turns_on_the_sixteenth_of_february():
    from datetime import date

    assert [default_report_year(date(2026, 2, d)) for d in (14, 15, 16, 17)] == [2025, 2025, 2026, 2026]


def test_a_year_up_to_2023_still_gives_the_tt22_template(tmp_path):
    code, out, err = run("template", "--year", "2023", "--out", str(tmp_path))
    assert (code, err) == (0, "")
    assert "Thông tư số 22/2020/TT-BGDĐT" in out and "hạn nộp 31/03/2024" in out
    assert meta(tmp_path / "Mau_DVHT_2023.xlsx")["rubric_id"] == "tt22-2020"
    assert "Chấm điểm" in openpyxl.load_workbook(tmp_path / "Mau_DVHT_2023.xlsx").sheetnames


def test_the_roster_kind_is_checked_and_filled_in(tmp_path):
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị\n"
                      '"THPT1","Trường THPT Lý Thái Tổ","Trường THPT công lập (kể cả nhiều cấp đến THPT, '
                      'PTDT nội trú tỉnh, trường chuyên)"\n'
                      "DN1,Công ty Xổ số,doanh_nghiep_nha_nuoc\n", encoding="utf-8")
    code, _, err = run("template", "--year", "2025", "--roster", str(roster), "--out", str(tmp_path / "o"))
    assert (code, err) == (0, "")
    files = sorted((tmp_path / "o" / "2025").glob("*.xlsx"))
    kinds = {}
    for path in files:
        wb = openpyxl.load_workbook(path)
        sheet, coord = next(iter(wb.defined_names["loai_don_vi"].destinations))
        cell = wb[sheet][coord.replace("$", "")]
        kinds[path.name.split("_")[0]] = (cell.value, cell.protection.locked)
    assert kinds["THPT1"][0].startswith("Trường THPT công lập") and kinds["THPT1"][1]
    assert kinds["DN1"] == ("Doanh nghiệp nhà nước", True)


def test_an_unknown_kind_in_the_roster_is_refused_naming_the_row(tmp_path):
    roster = tmp_path / "ds.csv"
    roster.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị\nA,Sở A,Cơ quan nhà nước\nB,Trường B,Trường làng\n",
                      encoding="utf-8")
    code, _, err = run("template", "--year", "2025", "--roster", str(roster), "--out", str(tmp_path / "o"))
    assert code == 2 and "dòng 3: loại đơn vị 'Trường làng'" in err and "dòng 2" not in err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").rglob("*.xlsx"))


def test_a_tier_that_is_not_tinh_or_huyen_is_refused(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("cap_danh_gia: xa\n", encoding="utf-8")
    code, _, err = run("template", "--year", "2025", "--config", str(config), "--out", str(tmp_path))
    assert code == 2 and "cap_danh_gia 'xa'" in err


def test_processing_a_tt24_season_picks_the_rule_in_force_by_year(tmp_path, make_submission):
    """A year from 2024 is judged under TT24: a TT22 form sent for it is refused by name."""
    make_submission("cu.xlsx", folder=tmp_path / "hs")
    code, out, err = run("process", str(tmp_path / "hs"), "--year", "2025", "--out", str(tmp_path / "o"),
                         "--ngay-chay", "20/01/2026", "--workers", "1")
    assert (code, err) == (0, "")
    assert "Mức độ: " in out
    issues = list_rows(tmp_path / "o" / "TongHop_DVHT_2025.xlsx", "Lỗi và cảnh báo")[1:]
    # dated 15/01/2026: also a day after the TT24 deadline (14/01)
    assert [(r[0], r[5]) for r in issues] == [("cu.xlsx", "wrong-circular"), ("cu.xlsx", "late")]


def test_a_run_date_that_is_not_a_date_is_a_usage_error(tmp_path):
    code, _, err = run("template", "--ngay-chay", "30/02/2026", "--out", str(tmp_path))
    assert code == 2 and "ngày '30/02/2026' không hợp lệ" in err


def test_readme_documents_every_tt24_defined_name():
    from processor.model.level_layout import LEVEL_FIELDS, build_level_layout
    from processor.model.rubric import load_rubric

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = build_level_layout(load_rubric("tt24-2023"), "tinh")
    for prefix, wanted in (("danh_gia", [r.indicator.id for r in layout.indicator_rows]),
                           ("so_dat", [r.indicator.id for r in layout.indicator_rows
                                       if r.indicator.type == "percent"])):
        line = next(x for x in readme.splitlines() if x.startswith(f"| `{prefix}_<mã>`"))
        assert line.split("∈")[1].split("`")[1].split() == wanted, prefix
    for name in LEVEL_FIELDS:
        assert f"`{name}`" in readme, name


def test_the_run_date_may_come_before_the_command(tmp_path):
    code, out, err = run("--ngay-chay", "15/02/2026", "template", "--out", str(tmp_path))
    assert (code, err) == (0, "")
    assert "năm đánh giá 2025; hạn nộp 14/01/2026" in out
