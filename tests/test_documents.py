"""The recognition documents (.docx): content read back with python-docx, byte-identical
re-runs, submitted text kept as plain text, the van_ban configuration, and a LibreOffice
rendering checked for page size, margins and the decision's list of units."""

from __future__ import annotations

import re
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from processor.model.council import Reason
from processor.model.errors import ConfigError
from processor.model.settings import DocumentSettings, Issuer, load_settings
from processor.report.documents import plain, reply_file_names, write_documents
from tests.conftest import libreoffice_convert
from tests.document_samples import levels_set, points_set, unit
from tests.print_util import PT_PER_CM, pdf_pages, pdf_text

SETTINGS = DocumentSettings(
    place="Bắc Ninh",
    province=Issuer(name="Ủy ban nhân dân tỉnh Bắc Ninh", symbol="UBND", head_title="Chủ tịch",
                    authority=("CHỦ TỊCH",)),
    department=Issuer(parent="Ủy ban nhân dân tỉnh Bắc Ninh", name="Sở Giáo dục và Đào tạo", symbol="SGDĐT",
                      head_title="Giám đốc", authority=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), signer="Nguyễn Văn A"),
    council=Issuer(parent="Sở Giáo dục và Đào tạo", name="Hội đồng thẩm định “Đơn vị học tập”", symbol="HĐTĐ",
                   head_title="Chủ tịch", authority=("CHỦ TỊCH HỘI ĐỒNG",)),
)
LEVEL_FILES = ["ToTrinh_2025.docx", "BaoCao_ThamDinh_2025.docx", "BangTongHop_ThamDinh_2025.docx",
               "DuThao_QuyetDinh_2025.docx", "TraLoi_S04.docx", "TraLoi_S05.docx", "TraLoi_S06.docx"]
POINT_FILES = ["ToTrinh_2021.docx", "BaoCao_ThamDinh_2021.docx", "BangTongHop_ThamDinh_2021.docx",
               "DuThao_QuyetDinh_2021.docx", "TraLoi_P04.docx"]


def write(tmp_path: Path, docs=None, settings=SETTINGS, name: str = "van_ban") -> dict[str, Path]:
    folder = tmp_path / name
    folder.mkdir()
    return {p.name: p for p in write_documents(docs or levels_set(), folder, settings)}


def paragraphs(path: Path) -> list[str]:
    """Every paragraph of the body and of its tables, in order."""
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                texts.extend(p.text for p in cell.paragraphs)
    return texts


def rows(table) -> list[list[str]]:
    out = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if not cells or cell._tc is not cells[-1][1]:
                cells.append((cell.text, cell._tc))
        out.append([text for text, _ in cells])
    return out


def grid(path: Path, header: str) -> list[list[str]]:
    """The rows of the bordered table whose first header cell is header."""
    for table in docx.Document(str(path)).tables:
        if table.style is not None and table.style.name == "Table Grid" and table.rows[0].cells[0].text == header:
            return rows(table)
    raise AssertionError(f"no table starting with {header!r} in {path.name}")


# ---- content -------------------------------------------------------------------------------


def test_every_kind_of_document_is_written_with_its_name(tmp_path):
    assert list(write(tmp_path)) == LEVEL_FILES
    assert sorted(p.name for p in (tmp_path / "van_ban").iterdir()) == sorted(LEVEL_FILES)
    assert list(write(tmp_path, points_set(), name="tt22")) == POINT_FILES


def test_reply_file_names_are_ascii_unique_and_fall_back_to_the_name():
    units = [unit("Đ01", "A"), unit("D01", "B"), unit("", "Trường Tiểu học Số 1"), unit("A/1", "C"),
             unit("../x", "D"), unit("d01", "E")]
    assert reply_file_names(units) == ["TraLoi_D01.docx", "TraLoi_D01-2.docx", "TraLoi_Truong_Tieu_hoc_So_1.docx",
                                       "TraLoi_A_1.docx", "TraLoi_x.docx", "TraLoi_d01-3.docx"]


def test_the_decision_lists_every_recommended_unit_once_by_level(tmp_path):
    path = write(tmp_path)["DuThao_QuyetDinh_2025.docx"]
    assert grid(path, "STT") == [
        ["STT", "Tên đơn vị", "Mức độ"],
        ["I. Mức độ 2"],
        ["1", "Sở Tư pháp tỉnh Bắc Ninh", "Mức độ 2"],
        ["2", "Trường THPT chuyên Bắc Ninh", "Mức độ 2"],
        ["II. Mức độ 1"],
        ["3", "Trung tâm Giáo dục thường xuyên tỉnh", "Mức độ 1"],
        ["4", "Sở Nội vụ tỉnh Bắc Ninh", "Mức độ 1"],
    ]
    text = paragraphs(path)
    assert text[0] == "DỰ THẢO"
    assert "QUYẾT ĐỊNH" in text and "QUYẾT ĐỊNH:" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH BẮC NINH" in text
    articles = [t.split(".")[0] for t in text if t.startswith("Điều ")]
    assert articles == ["Điều 1", "Điều 2", "Điều 3"]
    assert "- Mức độ 2: 2 đơn vị;" in text and "- Mức độ 1: 2 đơn vị." in text
    assert "DANH SÁCH" in text
    assert any(t.startswith("(Kèm theo Quyết định số") for t in text)
    joined = "\n".join(text)
    for name in ("Hội Khuyến học tỉnh Bắc Ninh", "Công ty TNHH MTV Xổ số kiến thiết Bắc Ninh"):
        assert name not in joined


def test_the_tt22_decision_lists_units_by_class(tmp_path):
    path = write(tmp_path, points_set())["DuThao_QuyetDinh_2021.docx"]
    assert grid(path, "STT") == [
        ["STT", "Tên đơn vị", "Xếp loại"],
        ["I. Tốt"],
        ["1", "Sở Nội vụ tỉnh Bắc Giang", "Tốt"],
        ["2", "Ban Dân tộc tỉnh Bắc Giang", "Tốt"],
        ["II. Khá"],
        ["3", "Sở Tài chính tỉnh Bắc Giang", "Khá"],
    ]
    assert "- Tốt: 2 đơn vị;" in paragraphs(path)


def reply_reasons(path: Path) -> list[tuple[str, str]]:
    return [(r[1], r[3]) for r in grid(path, "STT")[1:]]


def test_each_reply_names_every_unmet_indicator_with_its_reason(tmp_path):
    files = write(tmp_path)
    docs = levels_set()
    assert [u.code for u in docs.replies] == ["S04", "S05", "S06"]
    for u in docs.replies:
        path = files[f"TraLoi_{u.code}.docx"]
        text = paragraphs(path)
        assert f"Kính gửi: {u.name}." in text
        if u.reasons:
            assert reply_reasons(path) == [(r.code, r.reason) for r in u.reasons]
            codes = [r[1] for r in grid(path, "STT")[1:]]
            assert [r[2] for r in grid(path, "STT")[1:]] == [r.text for r in u.reasons], codes
        assert text[-1] == "Nguyễn Văn A"
    lowered = paragraphs(files["TraLoi_S04.docx"])
    assert any("chưa đủ điều kiện để đề nghị công nhận mức độ 2" in t and "đạt mức độ 1" in t for t in lowered)
    refused = paragraphs(files["TraLoi_S05.docx"])
    assert ("Ý kiến của Hội đồng thẩm định “Đơn vị học tập”: Hồ sơ chưa đủ minh chứng cho hai chỉ tiêu nêu trên."
            in refused)
    errors = paragraphs(files["TraLoi_S06.docx"])
    listed = [t for t in errors if t.startswith("- Trang")]
    assert listed == [f"- {e}" for e in levels_set().units[5].errors]
    assert "STT" not in errors  # no reasons: no table


def test_the_reply_is_signed_by_the_department(tmp_path):
    document = docx.Document(str(write(tmp_path)["TraLoi_S04.docx"]))
    header = document.tables[0]
    left = [p.text for p in header.cell(0, 0).paragraphs]
    assert left[:2] == ["ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert "Số:        /SGDĐT" in left
    assert any(t.startswith("V/v kết quả thẩm định") for t in left)
    right = [p.text for p in header.cell(0, 1).paragraphs]
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right[-1] == "Bắc Ninh, ngày      tháng      năm 2026"
    signature = [p.text for p in document.tables[-1].cell(0, 1).paragraphs if p.text]
    assert signature == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn A"]


def test_the_summary_table_has_a_column_per_item_and_a_row_per_unit(tmp_path):
    path = write(tmp_path)["BangTongHop_ThamDinh_2025.docx"]
    docs = levels_set()
    table = grid(path, "STT")
    assert [h.replace("\n", "") for h in table[0]] == ["STT", "Tên đơn vị", *(i.code for i in docs.items),
                                                       "Mức độ đề nghị", "Kết quả thẩm định"]
    assert table[1:] == [[str(n), u.name, *(u.results.get(i.id, "") for i in docs.items), u.asked_label, u.label]
                         for n, u in enumerate(docs.units, 1)]
    document = docx.Document(str(path))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    assert document.tables[1].rows[0]._tr.trPr.xpath("./w:tblHeader")  # repeats on every page
    legend = [t for t in paragraphs(path) if re.match(r"TC\d\.CT\d: ", t)]
    assert [t.split(":")[0] for t in legend] == [i.code for i in docs.items]
    assert "CHỦ TỊCH HỘI ĐỒNG" in paragraphs(path)


def test_the_report_counts_by_level_and_group_and_lists_every_unit(tmp_path):
    path = write(tmp_path)["BaoCao_ThamDinh_2025.docx"]
    assert grid(path, "Nhóm") == [
        ["Nhóm", "Mức độ 2", "Mức độ 1", "Không đề nghị công nhận", "Tổng số"],
        ["Doanh nghiệp", "0", "0", "1", "1"],
        ["Hội, đoàn thể", "0", "0", "1", "1"],
        ["Sở, ban, ngành", "1", "1", "0", "2"],
        ["Trường học", "1", "1", "0", "2"],
        ["Tổng cộng", "2", "2", "2", "6"],
    ]
    assert grid(path, "STT")[1:] == [[str(n), u.name, u.asked_label, u.label]
                                     for n, u in enumerate(levels_set().units, 1)]
    text = paragraphs(path)
    assert "1. Số đơn vị đủ điều kiện đề nghị công nhận: 4 đơn vị, trong đó:" in text
    assert "2. Số đơn vị chưa đủ điều kiện đề nghị công nhận: 2 đơn vị." in text
    assert "3. Số đơn vị được đề nghị công nhận ở mức thấp hơn mức đã đề nghị: 1 đơn vị." in text
    assert text[-1] == "……………………………"  # no chair configured: a dotted line, never an invented name
    assert "Hội đồng đã nhận và thẩm định 6 hồ sơ đề nghị công nhận “Đơn vị học tập” cấp tỉnh năm 2025." in text


def test_the_submission_goes_to_the_chair_of_the_province_with_the_counts(tmp_path):
    text = paragraphs(write(tmp_path)["ToTrinh_2025.docx"])
    assert "TỜ TRÌNH" in text
    assert "Về việc đề nghị công nhận “Đơn vị học tập” cấp tỉnh năm 2025" in text
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Bắc Ninh." in text
    assert any(t.startswith("Căn cứ Thông tư số 24/2023/TT-BGDĐT") for t in text)
    assert ["- Mức độ 2: 2 đơn vị;", "- Mức độ 1: 2 đơn vị."] == [t for t in text if t.startswith("- Mức độ")]
    assert "Hồ sơ kèm theo gồm:" in text
    assert "Số:        /TTr-SGDĐT" in text


def test_layout_is_a4_with_the_nd30_margins_in_times_new_roman(tmp_path):
    for name, path in write(tmp_path).items():
        document = docx.Document(str(path))
        section = document.sections[0]
        if name.startswith("BangTongHop"):
            continue
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7), name
        margins = [round(m.cm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                            section.right_margin)]
        assert margins == [2.0, 2.0, 3.0, 2.0], name
        fonts = {r.font.name for p in document.paragraphs for r in p.runs}
        assert fonts == {"Times New Roman"}, name
        assert section.different_first_page_header_footer  # page numbers from page 2
        assert abs(sum(c.width for c in document.tables[0].rows[0].cells) - Cm(16)) < Cm(0.05), name


# ---- determinism and plain text ------------------------------------------------------------


def test_the_same_input_makes_byte_identical_files(tmp_path):
    first, second = write(tmp_path, name="a"), write(tmp_path, name="b")
    assert list(first) == list(second)
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name
        with zipfile.ZipFile(first[name]) as z:
            assert {info.date_time for info in z.infolist()} == {(2026, 1, 20, 0, 0, 0)}, name
            assert "docProps/thumbnail.jpeg" not in z.namelist()
        props = docx.Document(str(first[name])).core_properties
        assert (props.created, props.modified) == (datetime(2026, 1, 20, tzinfo=UTC),) * 2
        assert props.title and props.subject and props.author in {
            "Ủy ban nhân dân tỉnh Bắc Ninh", "Sở Giáo dục và Đào tạo", "Hội đồng thẩm định “Đơn vị học tập”"}



def structure(path: Path) -> list[tuple[str, object]]:
    """The body in order: ("p", text) per paragraph, ("table", [[cell paragraphs]]) per table."""
    out: list[tuple[str, object]] = []
    for block in docx.Document(str(path)).iter_inner_content():
        if isinstance(block, docx.table.Table):
            out.append(("table", [[[p.text for p in cell.paragraphs] for cell in row.cells] for row in block.rows]))
        else:
            out.append(("p", block.text))
    return out


def test_a_reply_reads_back_as_exactly_the_letter_expected(tmp_path):
    reasons = levels_set().units[4].reasons
    assert structure(write(tmp_path)["TraLoi_S05.docx"]) == [
        ("table", [[["ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "", "Số:        /SGDĐT",
                     "V/v kết quả thẩm định hồ sơ đề nghị công nhận “Đơn vị học tập” cấp tỉnh năm 2025"],
                    ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
                     "Bắc Ninh, ngày      tháng      năm 2026"]]]),
        ("p", "Kính gửi: Hội Khuyến học tỉnh Bắc Ninh."),
        ("p", "Căn cứ Thông tư số 24/2023/TT-BGDĐT ngày 11/12/2023 của Bộ trưởng Bộ Giáo dục và Đào tạo quy định về "
              "đánh giá, công nhận \"Đơn vị học tập\" cấp huyện, tỉnh; Sở Giáo dục và Đào tạo đã nhận được hồ sơ đề "
              "nghị công nhận “Đơn vị học tập” cấp tỉnh năm 2025 của Hội Khuyến học tỉnh Bắc Ninh (đề nghị công nhận "
              "mức độ 2)."),
        ("p", "Căn cứ kết quả thẩm định của Hội đồng thẩm định “Đơn vị học tập”, Sở Giáo dục và Đào tạo thông báo: "
              "Hội Khuyến học tỉnh Bắc Ninh chưa đủ điều kiện để đề nghị công nhận “Đơn vị học tập” cấp tỉnh năm "
              "2025."),
        ("p", "Các chỉ tiêu chưa đạt và lý do:"),
        ("table", [[["STT"], ["Mã"], ["Nội dung"], ["Lý do"]],
                   *([[str(i)], [r.code], [r.text], [r.reason]] for i, r in enumerate(reasons, 1))]),
        ("p", ""),
        ("p", "Ý kiến của Hội đồng thẩm định “Đơn vị học tập”: Hồ sơ chưa đủ minh chứng cho hai chỉ tiêu nêu trên."),
        ("p", "Sở Giáo dục và Đào tạo thông báo để Hội Khuyến học tỉnh Bắc Ninh biết, tiếp tục duy trì các kết quả đã "
              "đạt và khắc phục những nội dung nêu trên./."),
        ("table", [[["Nơi nhận:", "- Như trên;", "- Hội đồng thẩm định “Đơn vị học tập”;", "- Lưu: VT, …."],
                    ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "", "", "", "", "Nguyễn Văn A"]]]),
    ]


def test_a_document_written_twice_is_byte_identical_and_a_valid_zip(tmp_path):
    docs = levels_set()
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    first = write_documents(docs, tmp_path / "a", SETTINGS)
    second = write_documents(docs, tmp_path / "b", SETTINGS)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    for path in first:
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, path.name


def test_the_letters_are_the_same_bytes_from_one_or_several_workers(tmp_path):
    extra = [unit(f"W{i:02d}", f"Trường Tiểu học số {i}", label="Mức độ 1", rank=1, reply=True,
                  reasons=(Reason("tc2_ct4", "TC2.CT4", "Tỷ lệ", f"{90 + i % 5}% thành viên đạt.", True),))
             for i in range(20)]
    docs = levels_set(*extra)
    written = {}
    for workers in (1, 3):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        paths = write_documents(docs, folder, SETTINGS, workers=workers)
        assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
        written[workers] = [(p.name, p.read_bytes()) for p in paths]
    assert written[1] == written[3]
    assert len(written[1]) == 4 + 3 + 20


def test_a_letter_holds_only_the_parts_word_needs(tmp_path):
    """No styles of python-docx's template (0.8 MB in every letter), no theme, no numbering,
    no custom XML: a thousand letters are a few megabytes, not a gigabyte."""
    reply = write(tmp_path)["TraLoi_S05.docx"]
    with zipfile.ZipFile(reply) as z:
        assert z.namelist() == ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml",
                                "word/_rels/document.xml.rels", "word/styles.xml", "word/settings.xml",
                                "word/fontTable.xml", "word/header1.xml", "docProps/core.xml", "word/document.xml"]
    assert reply.stat().st_size < 12_000


HOSTILE = "Sở <b>Xây dựng</b> & \x0bGiao\x00 thông {nam} \u202e"


def test_submitted_text_is_plain_text_never_markup_or_fields(tmp_path):
    hostile = unit("X01", HOSTILE, label="Không đề nghị công nhận", rank=None, reply=True,
                   reasons=(Reason("tc1_ct1", "TC1.CT1", "Kế hoạch", "Lý do <i>x</i> & y\x0b{so_de_nghi}\nz", True),),
                   council_reason="=HYPERLINK(\"http://x\") \x1f<w:t>")
    files = write(tmp_path, levels_set(hostile))
    clean = "Sở <b>Xây dựng</b> & Giao thông {nam}"
    assert plain(HOSTILE) == clean
    reply = files["TraLoi_X01.docx"]
    assert f"Kính gửi: {clean}." in paragraphs(reply)
    assert reply_reasons(reply) == [("TC1.CT1", "Lý do <i>x</i> & y{so_de_nghi}\nz")]
    assert "Ý kiến của Hội đồng thẩm định “Đơn vị học tập”: =HYPERLINK(\"http://x\") <w:t>" in paragraphs(reply)
    for path in files.values():
        with zipfile.ZipFile(path) as z:
            body = z.read("word/document.xml").decode("utf-8")
        for marker in ("<w:fldSimple", "<w:instrText", "<w:hyperlink", "<b>", "<i>", "\x0b", "\u202e"):
            assert marker not in body, (path.name, marker)
    with zipfile.ZipFile(reply) as z:
        assert "Sở &lt;b&gt;Xây dựng&lt;/b&gt; &amp; Giao thông {nam}" in z.read("word/document.xml").decode()
    table = [" ".join(r) for r in grid(files["BangTongHop_ThamDinh_2025.docx"], "STT")]
    assert any(clean in row for row in table)


# ---- configuration -------------------------------------------------------------------------


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cau_hinh.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_settings_leave_names_blank_and_match_the_dataclass_defaults():
    documents = load_settings().documents
    assert documents == DocumentSettings()
    assert (documents.province.signer, documents.department.signer, documents.council.signer) == ("", "", "")


def test_van_ban_overrides_key_by_key(tmp_path):
    path = config(tmp_path, "van_ban:\n  dia_danh: Bắc Ninh\n  so:\n    nguoi_ky: Trần Thị B\n"
                            "    quyen_han_ky: [KT. GIÁM ĐỐC, PHÓ GIÁM ĐỐC]\n")
    documents = load_settings(path).documents
    assert documents.place == "Bắc Ninh"
    assert documents.department == replace(DocumentSettings().department, signer="Trần Thị B",
                                           authority=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"))
    assert documents.council == DocumentSettings().council


@pytest.mark.parametrize(("text", "message"), [
    ("van_ban:\n  so:\n    giam_doc: X\n",
     "Khoá van_ban.so trong tệp cấu hình {path} có khoá không dùng được: giam_doc. "
     "Các khoá hợp lệ: co_quan_chu_quan, ten, ky_hieu, chuc_danh, quyen_han_ky, nguoi_ky."),
    ("van_ban:\n  tinh: X\n", "Khoá van_ban trong tệp cấu hình {path} có khoá không dùng được: tinh. "
     "Các khoá hợp lệ: dia_danh, ubnd, so, hoi_dong, mau_van_ban."),
    ("van_ban: [1]\n", "Khoá van_ban trong tệp cấu hình {path} phải là một bảng khoá–giá trị."),
    ("van_ban:\n  mau_van_ban: khong_co.yaml\n", "Không tìm thấy tệp mẫu văn bản {dir}/khong_co.yaml (khoá "
     "van_ban.mau_van_ban trong tệp cấu hình {path}). Sao chép processor/texts/documents.yaml, sửa, rồi ghi "
     "đường dẫn của bản sao vào khoá này."),
])
def test_a_wrong_van_ban_block_is_a_clear_config_error(tmp_path, text, message):
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == message.format(path=path, dir=tmp_path.resolve())


def test_the_departments_own_wording_is_used(tmp_path):
    (tmp_path / "mau.yaml").write_text(
        "quyet_dinh:\n  ten_loai: QUYẾT ĐỊNH CỦA TỈNH\n  noi_nhan: ['- Như Điều 3;', '- Lưu: VT, KGVX.']\n",
        encoding="utf-8")
    documents = load_settings(config(tmp_path, "van_ban:\n  mau_van_ban: mau.yaml\n")).documents
    assert documents.wording_file == (tmp_path / "mau.yaml").resolve()
    text = paragraphs(write(tmp_path, settings=documents)["DuThao_QuyetDinh_2025.docx"])
    assert "QUYẾT ĐỊNH CỦA TỈNH" in text
    assert text[text.index("Nơi nhận:") + 1:text.index("Nơi nhận:") + 3] == ["- Như Điều 3;", "- Lưu: VT, KGVX."]


@pytest.mark.parametrize(("wording", "message"), [
    ("to_trinh:\n  ten_loai: 'Tờ trình {ten_don_vi}'\n",
     "khoá to_trinh.ten_loai dùng chỗ thay không có: {ten_don_vi}."),
    ("to_trinh:\n  ten_loai: 'Tờ trình {nam'\n", "khoá to_trinh.ten_loai có dấu ngoặc nhọn không khớp"),
    ("to_trinh:\n  tieu_de: X\n", "khoá không dùng được to_trinh.tieu_de."),
    ("to_trinh:\n  noi_nhan: '- Như trên'\n", "khoá to_trinh.noi_nhan phải là một danh sách các dòng chữ."),
])
def test_a_wrong_wording_file_is_refused_before_the_run(tmp_path, wording, message):
    (tmp_path / "mau.yaml").write_text(wording, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config(tmp_path, "van_ban:\n  mau_van_ban: mau.yaml\n"))
    assert message in str(caught.value)
    assert str(tmp_path / "mau.yaml") in str(caught.value)


# ---- LibreOffice ---------------------------------------------------------------------------

TOLERANCE = 4.0  # points: glyph boxes may poke a little past the text area


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("documents_pdf")
    files = [*write(work, name="levels").values(), *write(work, points_set(), name="points").values()]
    libreoffice_convert(files, work / "pdf", "pdf", work / "profile")
    pdfs = {p.stem: p for p in (work / "pdf").glob("*.pdf")}
    assert sorted(pdfs) == sorted(p.stem for p in files)
    return pdfs


def test_every_page_is_a4_portrait_and_the_summary_table_landscape(rendered):
    for stem, pdf in rendered.items():
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True, timeout=60).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        width, height = round(float(size[1])), round(float(size[2]))
        assert (width, height) == ((842, 595) if stem.startswith("BangTongHop") else (595, 842)), stem
        assert all((round(w), round(h)) == (width, height) for w, h in (p.size for p in pdf_pages(pdf))), stem


def test_nothing_falls_off_the_page_or_into_the_margins(rendered):
    for stem, pdf in rendered.items():
        top, bottom, left, right = (2.0, 2.0, 2.0, 2.0) if stem.startswith("BangTongHop") else (2.0, 2.0, 3.0, 2.0)
        for number, page in enumerate(pdf_pages(pdf), 1):
            width, height, words = page.width, page.height, page.words
            assert words, (stem, number)
            for text, x0, y0, x1, y1 in ((w.text, w.x0, w.y0, w.x1, w.y1) for w in words):
                if number > 1 and text.isdigit() and y1 < top * PT_PER_CM:
                    continue  # the page number, in the header area from page 2
                assert left * PT_PER_CM - TOLERANCE <= x0 and x1 <= width - right * PT_PER_CM + TOLERANCE, (
                    stem, number, text, x0, x1)
                assert top * PT_PER_CM - TOLERANCE <= y0 and y1 <= height - bottom * PT_PER_CM + TOLERANCE, (
                    stem, number, text, y0, y1)


def test_the_decision_pdf_names_every_recommended_unit_once_and_no_other(rendered):
    for stem, docs in (("DuThao_QuyetDinh_2025", levels_set()), ("DuThao_QuyetDinh_2021", points_set())):
        text = pdf_text(rendered[stem])
        assert text.startswith("DỰ THẢO"), stem
        assert {u.name: text.count(u.name) for u in docs.units} == {
            u.name: (1 if u.rank is not None else 0) for u in docs.units}, stem


def test_the_reply_pdf_names_each_indicator_and_reason(rendered):
    text = pdf_text(rendered["TraLoi_S05"])
    for reason in levels_set().units[4].reasons:
        assert reason.code in text and reason.reason in text
