"""One test per validation rule: a workbook built through the template writer, altered the
way units alter it, then read and validated; asserts (file, cell, code)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from processor.intake.discover import discover
from processor.intake.resolve import resolve
from processor.intake.step import process_file
from processor.model.batch import CheckContext
from processor.model.issues import catalogue
from processor.model.layout import SHEET_META, SHEET_REPORT, SHEET_SCORES
from processor.model.records import FoundFile, Unit
from tests.conftest import edit_workbook

DEADLINE = date(2026, 3, 31)


def check(path: Path, rubric, year: int = 2025):
    found = FoundFile(str(path), path.name, path.stat().st_size, path.stat().st_mtime)
    return process_file(found, CheckContext(rubric=rubric, year=year, deadline=DEADLINE))


def triples(result) -> set[tuple[str, str, str]]:
    return {(i.file, f"{i.sheet}!{i.cell}" if i.sheet else "", i.code) for i in result.issues}


def test_a_correct_submission_has_no_issue(make_submission, rubric):
    result = check(make_submission("ok.xlsx"), rubric)
    assert result.issues == ()
    assert result.scores == {leaf.id: leaf.max for leaf in rubric.leaves}
    assert result.report_date == date(2026, 1, 15)
    assert result.identity["ten_don_vi"] == "Sở Nội vụ"


def _set(sheet: str, cell: str, value):
    def change(wb):
        wb[sheet][cell].value = value
    return change


SCORE = SHEET_SCORES
CASES = {
    "score-missing": (dict(scores={"2d": None}), None, f"{SCORE}!D13"),
    "score-not-number": (dict(scores={"1a": "mười"}), None, f"{SCORE}!D6"),
    "score-negative": (dict(scores={"1b": -1}), None, f"{SCORE}!D7"),
    "score-above-max": (dict(scores={"3c": 10}), None, f"{SCORE}!D25"),
    "score-step": (dict(scores={"3a5": 2.3}), None, f"{SCORE}!D20"),
    "score-as-text": (dict(scores={"1c": "7,5"}), None, f"{SCORE}!D8"),
    "evidence-missing": (dict(evidence={"2a": ""}), None, f"{SCORE}!E10"),
    "name-missing": (dict(ten_don_vi=""), None, "Thông tin đơn vị!B3"),
    "date-missing": (dict(ngay_bao_cao=""), None, "Thông tin đơn vị!B7"),
    "date-invalid": (dict(ngay_bao_cao="tháng giêng"), None, "Thông tin đơn vị!B7"),
    "late": (dict(ngay_bao_cao="02/04/2026"), None, "Thông tin đơn vị!B7"),
    "year-cell-mismatch": (dict(nam_danh_gia=2024), None, "Thông tin đơn vị!B5"),
    "label-changed": ({}, _set(SCORE, "B6", "Đơn vị có kế hoạch"), f"{SCORE}!B6"),
    "max-changed": ({}, _set(SCORE, "C25", 10), f"{SCORE}!C25"),
    "total-mismatch": (dict(scores={"3c": 10}), _set(SCORE, "D14", 40), [f"{SCORE}!D25", f"{SCORE}!D14"]),
    "wrong-year": (dict(year=2024, nam_danh_gia=2025), None, f"{SHEET_META}!B5"),
    "unknown-rubric": ({}, _set(SHEET_META, "B2", "tt99-2030"), f"{SHEET_META}!B2"),
    "unknown-format": ({}, _set(SHEET_META, "B4", "9"), f"{SHEET_META}!B4"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule(code, make_submission, rubric):
    """Each rule on its own: the file's findings are exactly that rule's (the 3c over its
    maximum that hides behind a typed-over total is listed with it)."""
    kwargs, change, where = CASES[code]
    path = make_submission(f"{code}.xlsx", **kwargs)
    if change:
        edit_workbook(path, change)
    expected = [(f"{code}.xlsx", cell, c) for cell, c in (
        [(where[0], "score-above-max"), (where[1], code)] if isinstance(where, list) else [(where, code)])]
    result = check(path, rubric)
    assert [(i.file, f"{i.sheet}!{i.cell}" if i.sheet else "", i.code) for i in result.issues] == expected
    assert all(i.severity == catalogue()[i.code].severity for i in result.issues)


def test_score_as_text_is_accepted_with_its_value(make_submission, rubric):
    result = check(make_submission("t.xlsx", scores={"1c": " 7,5 "}), rubric)
    assert result.scores["1c"] == 7.5
    assert result.errors == 0


def test_date_typed_as_vietnamese_text_is_a_date(make_submission, rubric):
    result = check(make_submission("d.xlsx", ngay_bao_cao="05/02/2026"), rubric)
    assert result.report_date == date(2026, 2, 5)
    assert result.issues == ()


def test_metadata_missing(make_submission, rubric):
    path = edit_workbook(make_submission("m.xlsx"), lambda wb: wb.remove(wb[SHEET_META]))
    assert flat(check(path, rubric)) == [(f"{SHEET_META}!", "metadata-missing", "error")]


def test_sheet_renamed_is_missing_and_extra(make_submission, rubric):
    def rename(wb):
        wb[SHEET_REPORT].title = "Bao cao"
    assert flat(check(edit_workbook(make_submission("r.xlsx"), rename), rubric)) == [
        (f"{SHEET_REPORT}!", "sheet-missing", "error"), ("Bao cao!", "sheet-extra", "warning")]


def test_not_our_template(tmp_path, rubric):
    path = tmp_path / "khac.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Sheet1").write(0, 0, "Báo cáo")
    wb.close()
    assert triples(check(path, rubric)) == {("khac.xlsx", "", "not-our-template")}


def test_unreadable_file(tmp_path, rubric):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    result = check(path, rubric)
    assert triples(result) == {("hong.xlsx", "", "file-unreadable")}
    assert not result.identifiable


@pytest.mark.parametrize(
    ("identity", "code", "cell"),
    [
        ({"ma_don_vi": "ZZZ", "ten_don_vi": "Trung tâm mới"}, "code-not-in-roster", "B4"),
        ({"ma_don_vi": "", "ten_don_vi": "so  NOI vu"}, "name-normalised-match", "B3"),
        ({"ma_don_vi": "SNV", "ten_don_vi": "Sở Tài chính"}, "name-differs", "B3"),
    ],
)
def test_roster_rules(identity, code, cell, make_submission, rubric, layout):
    path = make_submission("x.xlsx", **identity)
    roster = [Unit("SNV", "Sở Nội vụ"), Unit("STC", "Sở Tài chính")]
    resolution = resolve([check(path, rubric)], roster, layout)
    assert triples(resolution.files[0]) == {("x.xlsx", f"Thông tin đơn vị!{cell}", code)}


def test_reference_2021_report_needs_fixing_at_3c(make_submission, rubric, reference_2021, layout):
    """The real report's own mistake: 3c self-scored 10 of a maximum of 5."""
    ref = reference_2021
    path = make_submission("SNV_2021.xlsx", year=2021, scores=ref["scores"], evidence=ref["evidence"],
                           narrative=ref["narrative"], **ref["identity"])
    result = check(path, rubric, year=2021)
    errors = [i for i in result.issues if i.is_error]
    assert [(i.sheet, i.cell, i.code) for i in errors] == [(SHEET_SCORES, "D25", "score-above-max")]
    assert "tối đa là 5" in errors[0].message
    resolution = resolve([result], [Unit("SNV", "Sở Nội vụ tỉnh Bắc Giang")], layout)
    from processor.judge.score import score_units
    table = score_units(list(resolution.units), rubric)
    assert resolution.units[0].status == "to_fix"
    assert table.loc[0, "class"] == ""
    assert table.loc[0, "total"] == 105
    assert table.loc[0, "3"] == 45


def test_readme_documents_every_issue_code():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `") and "` | " in line]
    documented = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 3 and cells[1] in ("lỗi", "cảnh báo"):
            documented[cells[0].strip("`")] = "error" if cells[1] == "lỗi" else "warning"
    assert documented == {code: kind.severity for code, kind in catalogue().items()}


def test_discover_lists_everything_with_reasons(tmp_path):
    (tmp_path / "a" / ".an").mkdir(parents=True)
    for name in ["a/x.xlsx", "a/~$x.xlsx", "a/.an/y.xlsx", "Thumbs.db", "ghi chu.txt", "b.ODS"]:
        (tmp_path / name).write_bytes(b"x")
    found = {f.rel: f.skip_reason for f in discover(tmp_path)}
    assert set(found) == {"a/x.xlsx", "a/~$x.xlsx", "a/.an/y.xlsx", "Thumbs.db", "ghi chu.txt", "b.ODS"}
    assert found["a/x.xlsx"] is None and found["b.ODS"] is None
    assert "khoá tạm" in found["a/~$x.xlsx"]
    assert "ẩn" in found["a/.an/y.xlsx"]
    assert found["Thumbs.db"] == "tệp hệ thống"
    assert "không phải sổ tính" in found["ghi chu.txt"]


def flat(result) -> list[tuple[str, str, str]]:
    """Every finding of a file as (sheet!cell, code, severity), in the order found."""
    return [(f"{i.sheet}!{i.cell}" if i.sheet else "", i.code, i.severity) for i in result.issues]


def test_two_swapped_sheet_names_are_said_to_be_swapped(make_submission, rubric):
    def swap(wb):
        wb[SHEET_SCORES].title = "tạm"
        wb[SHEET_REPORT].title = SHEET_SCORES
        wb["tạm"].title = SHEET_REPORT
    result = check(edit_workbook(make_submission("doi_ten.xlsx"), swap), rubric)
    assert flat(result) == [(f"{SHEET_SCORES}!", "sheets-swapped", "error"),
                            (f"{SHEET_REPORT}!", "sheets-swapped", "error")]
    assert f'"{SHEET_REPORT}"' in result.issues[0].message
    # the content is read where it really is: the unit is still known and its scores counted
    assert result.identity["ma_don_vi"] == "SNV"
    assert result.scores == {leaf.id: leaf.max for leaf in rubric.leaves}
    assert result.narrative["kien_nghi"] == "Không"


def test_a_unit_code_that_differs_from_the_templates_own_is_an_error(make_submission, rubric):
    unit = Unit("SNV", "Sở Nội vụ")
    path = edit_workbook(make_submission("snv.xlsx", unit=unit), _set("Thông tin đơn vị", "B4", "STC"))
    result = check(path, rubric)
    assert flat(result) == [("Thông tin đơn vị!B4", "unit-code-mismatch", "error")]
    assert "STC" in result.issues[0].message and "SNV" in result.issues[0].message


def test_a_formula_whose_xml_lists_the_style_first_is_still_a_formula(make_submission, rubric, tmp_path):
    import re
    import zipfile

    path = edit_workbook(make_submission("f.xlsx"), _set(SHEET_SCORES, "D6", "=5+5"))
    reordered = tmp_path / "ho_so" / "f2.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(reordered, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if b'<c r="D6"' in data:
                data, n = re.subn(rb'<c r="D6"( s="\d+")?( t="\w+")?', lambda m: b"<c" + (m.group(1) or b"")
                                  + (m.group(2) or b"") + b' r="D6"', data)
                assert n == 1
            zout.writestr(info, data)
    assert flat(check(reordered, rubric)) == [(f"{SHEET_SCORES}!D6", "score-formula", "error")]


@pytest.mark.parametrize(("typed", "value"), [("８", 8.0), ("８．５", 8.5), ("８，５", 8.5), (" ７,５ ", 7.5)])
def test_full_width_digits_and_punctuation_are_the_same_number(make_submission, rubric, typed, value):
    result = check(make_submission("fw.xlsx", scores={"1a": typed}), rubric)
    assert flat(result) == [(f"{SHEET_SCORES}!D6", "score-as-text", "warning")]
    assert result.scores["1a"] == value


def _make_issue_calls() -> dict[str, set[str]]:
    """Issue code -> the parameter names passed where the code's issues are made (static)."""
    import ast

    found: dict[str, set[str]] = {}
    for path in (Path(__file__).resolve().parent.parent / "processor").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # dicts of parameters built once and passed as **name (the shared score or indicator ones)
        shared = {target.id: {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
                  for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                  for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "make_issue" and node.args:
                first = node.args[0]
                code = first.value if isinstance(first, ast.Constant) else {"DATE_UNUSUAL": "date-unusual",
                                                                             "OWN_OUTPUT": "own-output"}.get(
                    getattr(first, "id", ""), "")
                names = {kw.arg for kw in node.keywords if kw.arg}
                for kw in node.keywords:
                    if kw.arg is None and isinstance(kw.value, ast.Name):
                        names |= shared.get(kw.value.id, set())
                if code:
                    found.setdefault(code, set()).update(names)
    return found


def test_every_message_placeholder_is_given_where_its_issue_is_made():
    """A misspelt {placeholder} in issues.yaml would reach an official as "{name}"; it is an
    error here instead (and make_issue raises on it, so the rule's own test fails too)."""
    calls = _make_issue_calls()
    # made with a code held in a variable: their parameters, as their one call site passes them
    calls.setdefault("name-differs", set()).update({"gia_tri", "mong_doi", "ma"})  # resolve._match
    calls.setdefault("file-timeout", set()).update({"gioi_han"})  # pool._empty_result
    calls.setdefault("reader-crashed", set())
    assert set(calls) == set(catalogue())
    for code, kind in catalogue().items():
        assert kind.placeholders <= calls[code], (code, kind.placeholders - calls[code])


def test_make_issue_refuses_a_missing_placeholder():
    from processor.model.issues import make_issue

    with pytest.raises(KeyError):
        make_issue("score-above-max", "f.xlsx", "Chấm điểm", "D25", tieu_chi="3c")


def test_a_year_cell_other_than_the_templates_year_is_an_error(make_submission, rubric):
    """Issue 16.5: the report is an official document; a wrong evaluation year is a wrong fact,
    so the unit fixes it before it is judged (it used to be only a warning)."""
    result = check(make_submission("nam.xlsx", nam_danh_gia=2024), rubric)
    assert [(i.code, i.severity, i.message) for i in result.issues] == [
        ("year-cell-mismatch", "error", "Ô Năm đánh giá ghi 2024, khác năm 2025 của mẫu và của đợt tổng hợp. "
                                        "Báo cáo là văn bản chính thức: hãy sửa thành 2025.")]
    assert result.errors == 1
