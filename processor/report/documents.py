"""The recognition documents as Word files (.docx), laid out as Nghị định 30/2020/NĐ-CP wants.

Five kinds, all views of one DocumentSet: a reply to every unit not recommended (or not at
the level it asked), the council's summary table (landscape), its Báo cáo thẩm định, the
Sở's Tờ trình and the UBND's draft decision with its annex list. The wording is data
(processor/texts/documents.yaml, or the department's copy), the issuers and signers are
configuration (van_ban); this module only lays them out.

Three guarantees the tests hold it to:
- what a unit or the council typed is plain text: never a field, a hyperlink or markup, and
  characters Word cannot store are dropped rather than failing the batch;
- the same DocumentSet and settings give byte-identical files (fixed zip times, core
  properties from the run date), so a re-run changes nothing it need not;
- every page is A4 with the NĐ30 margins and nothing falls off it (LibreOffice checks it).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from processor.model.errors import ConfigError
from processor.model.settings import DocumentSettings, Issuer, document_wording
from processor.report.dossier import DocumentSet, DocUnit
from processor.text.normalise import clean_text, nfc, safe_file_stem, unique_file_names

FONT = "Times New Roman"
BODY_PT = 14
LEVELS = "levels"

# A4 and the margins of NĐ30 (Phụ lục I, II.4): top and bottom 20 mm, left 30 mm, right 20 mm.
PAGE_W, PAGE_H = 21.0, 29.7
PORTRAIT_MARGINS = (2.0, 2.0, 3.0, 2.0)  # top, bottom, left, right (cm)
LANDSCAPE_MARGINS = (2.0, 2.0, 2.0, 2.0)

# XML 1.0 cannot hold these at all (python-docx raises); C1 controls are never wanted either.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ZIP_TIME_FLOOR = (1980, 1, 1, 0, 0, 0)

CENTER, LEFT, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT,
                                WD_ALIGN_PARAGRAPH.JUSTIFY)


def plain(text: object) -> str:
    """Submitted text on one line: NFC, spaces folded, nothing XML or Word cannot hold."""
    return nfc(_NOT_XML.sub(" ", clean_text(str(text))))


def plain_lines(text: object) -> list[str]:
    """Submitted text that may have line breaks (a reason, an error): one clean line each."""
    lines = (plain(line) for line in _NOT_XML.sub(" ", clean_text(str(text))).replace("\r", "\n").split("\n"))
    return [line for line in lines if line]


def reply_file_names(units: Sequence[DocUnit]) -> list[str]:
    """TraLoi_<code>.docx per unit, in order, ASCII and never shared: codes such as "Đ01"/"D01"
    make one stem, and one unit must not get the other's letter (compared case-insensitively,
    as Windows and macOS disks do). A unit without a code is named by its name."""
    return unique_file_names((f"TraLoi_{safe_file_stem(u.code, 40) if plain(u.code) else safe_file_stem(u.name, 80)}"
                              for u in units), ".docx")


def document_names(year: int) -> dict[str, str]:
    """The four season-wide documents' file names, by kind."""
    return {
        "bang_tong_hop": f"BangTongHop_ThamDinh_{year}.docx",
        "bao_cao": f"BaoCao_ThamDinh_{year}.docx",
        "to_trinh": f"ToTrinh_{year}.docx",
        "quyet_dinh": f"DuThao_QuyetDinh_{year}.docx",
    }


def write_documents(docs: DocumentSet, folder: Path, settings: DocumentSettings) -> list[Path]:
    """Write every document of the season into folder (existing, empty) and return the paths:
    the Tờ trình, the Báo cáo thẩm định, the summary table, the draft decision, then one reply
    per unit in docs.replies (roster order)."""
    texts = document_wording(settings)
    names = document_names(docs.year)
    writers: list[tuple[str, Callable[[_Context], _Page]]] = [
        (names["to_trinh"], _submission),
        (names["bao_cao"], _report),
        (names["bang_tong_hop"], _summary_table),
        (names["quyet_dinh"], _decision),
    ]
    paths: list[Path] = []
    for name, build in writers:
        page = build(_Context(docs, settings, texts))
        paths.append(page.save(folder / name))
    for name, unit in zip(reply_file_names(docs.replies), docs.replies, strict=True):
        page = _reply(_Context(docs, settings, texts), unit)
        paths.append(page.save(folder / name))
    return paths


# ---- wording -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    docs: DocumentSet
    settings: DocumentSettings
    texts: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.docs.kind

    def pick(self, value: Any) -> Any:
        """A text that has a TT24 ("levels") and a TT22 ("points") form."""
        if isinstance(value, dict) and LEVELS in value:
            return value.get(self.kind, value[LEVELS])
        return value

    def text(self, section: str, key: str) -> Any:
        return self.pick(self.texts[section][key])

    def values(self, issuer: Issuer, **extra: str) -> dict[str, str]:
        """Every placeholder a text of a document may use (cho_thay_chung plus its own)."""
        docs, st = self.docs, self.settings
        cap = str(self.texts["cap"].get(st.tier, ""))
        not_recommended = [u for u in docs.units if u.rank is None]
        values = {
            "nam": str(docs.year),
            "nam_ky": str(docs.run_date.year),
            "dia_danh": plain(st.place) or str(self.texts["chung"]["dia_danh_trong"]),
            "cap": cap,
            "danh_hieu": _format(self.pick(self.texts["danh_hieu"]), {"cap": cap}, "danh_hieu"),
            "can_cu": plain(docs.legal_basis),
            "chi_tieu": str(self.pick(self.texts["chi_tieu"])),
            "ky_hieu": plain(issuer.symbol),
            "ky_hieu_so": plain(st.department.symbol),
            "so": plain(st.department.name),
            "giam_doc_so": plain(st.department.head),
            "hoi_dong": plain(st.council.name),
            "chu_tich_hoi_dong": plain(st.council.head),
            "ubnd": plain(st.province.name),
            "chu_tich_ubnd": plain(st.province.head),
            "so_ho_so": str(len(docs.units)),
            "so_de_nghi": str(len(docs.recommended)),
            "so_khong_de_nghi": str(len(not_recommended)),
            "so_tra_loi": str(len(docs.replies)),
            "so_thap_hon": str(sum(1 for u in docs.replies if u.rank is not None)),
            "so_con_loi": str(sum(1 for u in docs.units if u.errors)),
        }
        values.update(extra)
        return values

    def say(self, section: str, key: str, values: dict[str, str]) -> str:
        return _format(self.text(section, key), values, f"{section}.{key}")

    def say_all(self, section: str, key: str, values: dict[str, str]) -> list[str]:
        return [_format(line, values, f"{section}.{key}") for line in self.text(section, key)]


def _format(template: Any, values: dict[str, str], key: str) -> str:
    """str.format_map: a submitted value is inserted once and never read as a placeholder."""
    try:
        return str(template).format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        raise ConfigError(f"Lời văn ở khoá {key} của mẫu văn bản không dùng được ({exc}): "
                          "kiểm tra các chỗ thay trong ngoặc nhọn.") from None


def _rank_lines(ctx: _Context, section: str, values: dict[str, str]) -> list[str]:
    """"- Mức độ 2: 3 đơn vị;" per level or class, the last one ending with a full stop."""
    lines = [ctx.say(section, "theo_muc", {**values, "muc": plain(label), "so_don_vi": str(len(ctx.docs.at_rank(r)))})
             for r, label in ctx.docs.ranks]
    if lines and lines[-1].endswith(";"):
        lines[-1] = lines[-1][:-1] + "."
    return lines


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + digits, n - value
    return out


# ---- the five documents --------------------------------------------------------------------


def _reply(ctx: _Context, unit: DocUnit) -> _Page:
    issuer = ctx.settings.department
    name = plain(unit.name)
    asked = _in_text(plain(unit.asked_label))
    values = ctx.values(issuer, ten_don_vi=name, ma_don_vi=plain(unit.code), muc_de_nghi=asked,
                        muc_dat=_in_text(plain(unit.label)), de_nghi="", ly_do="")
    if asked:
        values["de_nghi"] = ctx.say("tra_loi", "de_nghi", values)
    page = _Page(ctx, issuer, title=ctx.say("tra_loi", "trich_yeu", values))
    page.header(symbol=ctx.say("tra_loi", "ky_hieu", values), letter_subject=ctx.say("tra_loi", "trich_yeu", values))
    page.addressee(name)
    page.body(ctx.say("tra_loi", "mo_dau", values))
    lowered = unit.rank is not None
    page.body(ctx.say("tra_loi", "ket_qua_thap_hon" if lowered else "ket_qua_khong", values))
    if unit.reasons:
        page.body(ctx.say("tra_loi", "ly_do_dau", values), keep_with_next=True)
        headers = [str(h) for h in ctx.text("tra_loi", "cot")]
        rows = [[str(i), plain(r.code), "\n".join(plain_lines(r.text)), "\n".join(plain_lines(r.reason))]
                for i, r in enumerate(unit.reasons, 1)]
        page.grid(headers, rows, [1.2, 2.3, 6.5, 6.0], size=12, aligns=[CENTER, CENTER, LEFT, LEFT])
    if plain(unit.council_reason):
        values["ly_do"] = " ".join(plain_lines(unit.council_reason))
        page.body(ctx.say("tra_loi", "y_kien_hoi_dong", values))
    if unit.errors:
        page.body(ctx.say("tra_loi", "loi_dau", values), keep_with_next=True)
        for error in unit.errors:
            page.body("- " + " ".join(plain_lines(error)), size=13)
    page.body(ctx.say("tra_loi", "ket_thuc", values))
    page.closing(ctx.say_all("tra_loi", "noi_nhan", values))
    return page


def _summary_table(ctx: _Context) -> _Page:
    issuer = ctx.settings.council
    docs = ctx.docs
    values = ctx.values(issuer)
    title = ctx.say("bang_tong_hop", "trich_yeu", values)
    page = _Page(ctx, issuer, title=title, landscape=True)
    page.header()
    page.title(ctx.say("bang_tong_hop", "ten_loai", values), title)
    page.line(ctx.say("bang_tong_hop", "kem_theo", values), italic=True, size=13, align=CENTER)
    last = [str(h) for h in ctx.text("bang_tong_hop", "cot_cuoi")]
    headers = [str(ctx.text("bang_tong_hop", "cot_stt")), str(ctx.text("bang_tong_hop", "cot_ten")),
               *(_breakable(plain(item.code)) for item in docs.items), *last]
    fixed = [0.9, 4.2, *([2.0, 2.2] if ctx.kind == LEVELS else [1.5, 1.8])]
    free = page.width - sum(fixed)
    per_item = free / max(len(docs.items), 1)
    size = 9 if per_item >= 0.95 else 8
    widths = [fixed[0], fixed[1], *([per_item] * len(docs.items)), *fixed[2:]]
    rows = []
    for i, unit in enumerate(docs.units, 1):
        end = [plain(unit.asked_label), plain(unit.label)] if ctx.kind == LEVELS else [plain(unit.total),
                                                                                        plain(unit.label)]
        rows.append([str(i), plain(unit.name), *(plain(unit.results.get(item.id, "")) for item in docs.items), *end])
    page.grid(headers, rows, widths, size=size, aligns=[CENTER, LEFT, *([CENTER] * (len(widths) - 2))], margin=0.04)
    page.line(str(ctx.text("bang_tong_hop", "chu_thich")), bold=True, italic=True, size=11, space_before=6)
    for item in docs.items:
        page.line(f"{plain(item.code)}: {' '.join(plain_lines(item.text))}", size=10, align=JUSTIFY)
    page.closing(None)
    return page


def _report(ctx: _Context) -> _Page:
    issuer = ctx.settings.council
    docs = ctx.docs
    values = ctx.values(issuer)
    title = ctx.say("bao_cao", "trich_yeu", values)
    page = _Page(ctx, issuer, title=title)
    page.header(symbol=ctx.say("bao_cao", "ky_hieu", values))
    page.title(ctx.say("bao_cao", "ten_loai", values), title)
    page.body(ctx.say("bao_cao", "can_cu", values), italic=True)
    page.body(ctx.say("bao_cao", "mo_dau", values))
    page.heading(ctx.say("bao_cao", "muc_1", values))
    page.body(ctx.say("bao_cao", "tiep_nhan", values))
    if any(u.errors for u in docs.units):
        page.body(ctx.say("bao_cao", "con_loi", values))
    page.heading(ctx.say("bao_cao", "muc_2", values))
    page.body(ctx.say("bao_cao", "de_nghi", values))
    for line in _rank_lines(ctx, "bao_cao", values):
        page.body(line)
    page.body(ctx.say("bao_cao", "khong_de_nghi", values))
    if ctx.kind == LEVELS:
        page.body(ctx.say("bao_cao", "thap_hon", values))
    if docs.replies:
        page.body(ctx.say("bao_cao", "tra_loi", values))
    page.body(ctx.say("bao_cao", "theo_nhom", values), keep_with_next=True)
    not_label = str(ctx.texts["khong_de_nghi"])
    headers = [str(ctx.text("bao_cao", "cot_nhom")), *(plain(label) for _, label in docs.ranks), not_label,
               str(ctx.text("bao_cao", "cot_tong"))]
    groups = _groups(docs) or [(str(ctx.text("bao_cao", "toan_bo")), list(docs.units))]
    rows = [_count_row(label, units, docs) for label, units in groups]
    rows.append(_count_row(str(ctx.text("bao_cao", "dong_tong")), list(docs.units), docs))
    counts = len(headers) - 1
    group_w = 5.0
    page.grid(headers, rows, [group_w, *([(page.width - group_w) / counts] * counts)], size=12,
              aligns=[LEFT, *([CENTER] * counts)], bold_last=True)
    page.heading(ctx.say("bao_cao", "muc_3", values))
    headers = [str(h) for h in ctx.text("bao_cao", "cot_danh_sach")]
    rows = [[str(i), plain(u.name), plain(u.asked_label) if ctx.kind == LEVELS else plain(u.total), plain(u.label)]
            for i, u in enumerate(docs.units, 1)]
    page.grid(headers, rows, [1.2, 8.0, 3.2, 3.6], size=12, aligns=[CENTER, LEFT, CENTER, CENTER])
    page.heading(ctx.say("bao_cao", "muc_4", values))
    page.body(ctx.say("bao_cao", "kien_nghi", values))
    page.closing(ctx.say_all("bao_cao", "noi_nhan", values))
    return page


def _groups(docs: DocumentSet) -> list[tuple[str, list[DocUnit]]]:
    """The roster's groups in order, then any other group a unit has; [] without groups."""
    if not docs.groups and not any(plain(u.group) for u in docs.units):
        return []
    order = [*docs.groups, *(u.group for u in docs.units if u.group not in docs.groups)]
    seen: list[str] = []
    for group in order:
        if group not in seen:
            seen.append(group)
    return [(plain(g) or "—", [u for u in docs.units if u.group == g]) for g in seen]


def _count_row(label: str, units: list[DocUnit], docs: DocumentSet) -> list[str]:
    return [label, *(str(sum(1 for u in units if u.rank == r)) for r, _ in docs.ranks),
            str(sum(1 for u in units if u.rank is None)), str(len(units))]


def _submission(ctx: _Context) -> _Page:
    issuer = ctx.settings.department
    values = ctx.values(issuer)
    title = ctx.say("to_trinh", "trich_yeu", values)
    page = _Page(ctx, issuer, title=title)
    page.header(symbol=ctx.say("to_trinh", "ky_hieu", values))
    page.title(ctx.say("to_trinh", "ten_loai", values), title)
    page.addressee(plain(ctx.settings.province.head))
    for line in ctx.say_all("to_trinh", "can_cu", values):
        page.body(line)
    page.body(ctx.say("to_trinh", "mo_dau", values))
    for line in _rank_lines(ctx, "to_trinh", values):
        page.body(line)
    if any(u.rank is None for u in ctx.docs.units):
        page.body(ctx.say("to_trinh", "khong_de_nghi", values))
    if ctx.docs.replies:
        page.body(ctx.say("to_trinh", "tra_loi", values))
    page.body(ctx.say("to_trinh", "de_nghi", values))
    page.body(ctx.say("to_trinh", "kem_theo", values), keep_with_next=True)
    for line in ctx.say_all("to_trinh", "tai_lieu", values):
        page.body(line)
    page.body(ctx.say("to_trinh", "ket_thuc", values))
    page.closing(ctx.say_all("to_trinh", "noi_nhan", values))
    return page


def _decision(ctx: _Context) -> _Page:
    issuer = ctx.settings.province
    docs = ctx.docs
    values = ctx.values(issuer)
    title = ctx.say("quyet_dinh", "trich_yeu", values)
    page = _Page(ctx, issuer, title=title)
    page.draft_mark(str(ctx.texts["chung"]["du_thao"]))
    page.header(symbol=ctx.say("quyet_dinh", "ky_hieu", values))
    page.title(ctx.say("quyet_dinh", "ten_loai", values), title, authority=plain(issuer.head).upper())
    for line in ctx.say_all("quyet_dinh", "can_cu", values):
        page.body(line, italic=True)
    page.line(ctx.say("quyet_dinh", "quyet_dinh", values), bold=True, align=CENTER, space_before=12,
              keep_with_next=True)
    page.article(ctx.say("quyet_dinh", "dieu_1", values), ctx.say("quyet_dinh", "dieu_1_noi_dung", values))
    for line in _rank_lines(ctx, "quyet_dinh", values):
        page.body(line)
    page.article(ctx.say("quyet_dinh", "dieu_2", values), ctx.say("quyet_dinh", "dieu_2_noi_dung", values))
    page.article(ctx.say("quyet_dinh", "dieu_3", values), ctx.say("quyet_dinh", "dieu_3_noi_dung", values))
    page.closing(ctx.say_all("quyet_dinh", "noi_nhan", values))
    # The annex: on its own page, every recommended unit once, grouped by level or class.
    page.line(ctx.say("quyet_dinh", "phu_luc_ten", values), bold=True, align=CENTER, page_break=True)
    page.line(ctx.say("quyet_dinh", "phu_luc_trich_yeu", values), bold=True, align=CENTER)
    page.line(ctx.say("quyet_dinh", "phu_luc_kem_theo", values), italic=True, align=CENTER, size=13)
    page.rule(4.0)
    rows: list[list[str] | str] = []
    n = 0
    for group_no, (rank, label) in enumerate(((r, lb) for r, lb in docs.ranks if docs.at_rank(r)), 1):
        rows.append(ctx.say("quyet_dinh", "nhom_muc", {**values, "so_la_ma": _roman(group_no), "muc": plain(label)}))
        for unit in docs.at_rank(rank):
            n += 1
            rows.append([str(n), plain(unit.name), plain(unit.label)])
    page.grid([str(h) for h in ctx.text("quyet_dinh", "cot")], rows, [1.4, 10.6, 4.0], size=13,
              aligns=[CENTER, LEFT, CENTER])
    page.closing(None)
    return page


def _in_text(label: str) -> str:
    """A level inside a sentence: "công nhận mức độ 2", not "công nhận Mức độ 2"."""
    return label[:1].lower() + label[1:] if label.startswith("Mức độ") else label


def _breakable(code: str) -> str:
    """A long indicator code in a narrow column breaks after its dots ("TC2." / "CT4")."""
    return code.replace(".", ".\n") if len(code) > 5 else code


# ---- layout --------------------------------------------------------------------------------


class _Page:
    """One .docx under construction, with the NĐ30 building blocks."""

    def __init__(self, ctx: _Context, issuer: Issuer, *, title: str, landscape: bool = False) -> None:
        self.ctx = ctx
        self.issuer = issuer
        self.title_text = title
        self.doc: DocxDocument = Document()
        self.landscape = landscape
        _setup(self.doc, landscape)
        _, _, left, right = LANDSCAPE_MARGINS if landscape else PORTRAIT_MARGINS
        self.width = (PAGE_H if landscape else PAGE_W) - left - right
        self._first = True

    # paragraphs

    def _paragraph(self, align: Any = JUSTIFY, *, space_before: float = 0, space_after: float = 0,
                   first_indent: float = 0, keep_with_next: bool = False, page_break: bool = False,
                   container: Any = None) -> Paragraph:
        if container is None and self._first:
            para = self.doc.paragraphs[0] if self.doc.paragraphs else self.doc.add_paragraph()
            self._first = False
        elif container is None:
            para = self.doc.add_paragraph()
        else:
            para = container.add_paragraph()
        fmt = para.paragraph_format
        para.alignment = align
        fmt.space_before, fmt.space_after = Pt(space_before), Pt(space_after)
        fmt.line_spacing = 1.0
        if first_indent:
            fmt.first_line_indent = Cm(first_indent)
        if keep_with_next:
            fmt.keep_with_next = True
        if page_break:
            fmt.page_break_before = True
        return para

    def line(self, text: str, *, bold: bool = False, italic: bool = False, size: float = BODY_PT,
             align: Any = LEFT, space_before: float = 0, keep_with_next: bool = False,
             page_break: bool = False) -> Paragraph:
        para = self._paragraph(align, space_before=space_before, keep_with_next=keep_with_next,
                               page_break=page_break)
        _run(para, text, size=size, bold=bold, italic=italic)
        return para

    def body(self, text: str, *, italic: bool = False, size: float = BODY_PT, keep_with_next: bool = False) -> None:
        para = self._paragraph(JUSTIFY, space_before=6, first_indent=1.0, keep_with_next=keep_with_next)
        para.paragraph_format.line_spacing = 1.15
        _run(para, text, size=size, italic=italic)

    def heading(self, text: str) -> None:
        para = self._paragraph(JUSTIFY, space_before=6, first_indent=1.0, keep_with_next=True)
        para.paragraph_format.line_spacing = 1.15
        _run(para, text, bold=True)

    def article(self, label: str, text: str) -> None:
        para = self._paragraph(JUSTIFY, space_before=6, first_indent=1.0)
        para.paragraph_format.line_spacing = 1.15
        _run(para, label.rstrip() + " ", bold=True)
        _run(para, text)

    def rule(self, length_cm: float, container: Any = None, width: float | None = None) -> None:
        """The short horizontal line under an issuer's name, the motto or a title: the top
        border of an empty paragraph indented to that length."""
        para = self._paragraph(CENTER, container=container)
        fmt = para.paragraph_format
        side = max(((width if width is not None else self.width) - length_cm) / 2, 0)
        fmt.left_indent, fmt.right_indent = Cm(side), Cm(side)
        fmt.line_spacing = Pt(4)
        fmt.space_before = Pt(1)
        _paragraph_border(para, "top")
        _mark_size(para, 2)

    def draft_mark(self, text: str) -> None:
        para = self._paragraph(CENTER)
        fmt = para.paragraph_format
        fmt.right_indent = Cm(self.width - 3.4)
        fmt.space_after = Pt(6)
        for side in ("top", "left", "bottom", "right"):
            _paragraph_border(para, side)
        _run(para, text, bold=True, size=13)

    # blocks

    def header(self, *, symbol: str | None = None, letter_subject: str | None = None) -> None:
        """Issuer left (parent upper-case, issuer bold upper-case, a short line, Số), national
        title and motto right (a line under the motto), then place and date."""
        texts = self.ctx.texts["chung"]
        values = self.ctx.values(self.issuer, so_ky_hieu=symbol or "")
        left_w = self.width * (0.42 if not self.landscape else 0.36)
        right_w = self.width - left_w
        table = self._layout_table(1, 2, [left_w, right_w])
        left, right = table.cell(0, 0), table.cell(0, 1)
        paragraphs: list[Paragraph] = []
        if plain(self.issuer.parent):
            paragraphs.append(_cell_line(left, plain(self.issuer.parent).upper(), size=12))
        paragraphs.append(_cell_line(left, plain(self.issuer.name).upper(), size=12, bold=True))
        self.rule(min(2.5, left_w * 0.45), container=left, width=left_w)
        if symbol is not None:
            paragraphs.append(_cell_line(left, _format(texts["so_ky_hieu"], values, "chung.so_ky_hieu"), size=13,
                                         space_before=4))
        if letter_subject:
            paragraphs.append(_cell_line(left, letter_subject, size=12, space_before=4))
        _cell_line(right, str(texts["quoc_hieu"]), size=12, bold=True)
        _cell_line(right, str(texts["tieu_ngu"]), size=13, bold=True)
        self.rule(min(6.0, right_w * 0.7), container=right, width=right_w)
        _cell_line(right, _format(texts["ngay"], values, "chung.ngay"), size=14, italic=True, space_before=6)
        for cell in (left, right):
            _drop_leading_empty(cell)

    def title(self, kind: str, subject: str, authority: str | None = None) -> None:
        self.line(kind, bold=True, align=CENTER, space_before=18)
        self.line(subject, bold=True, align=CENTER, keep_with_next=True)
        self.rule(4.0)
        if authority:
            self.line(authority, bold=True, align=CENTER, space_before=6, keep_with_next=True)

    def addressee(self, name: str) -> None:
        values = self.ctx.values(self.issuer, kinh_gui=name)
        text = _format(self.ctx.texts["chung"]["kinh_gui"], values, "chung.kinh_gui")
        if text.endswith(".."):
            text = text[:-1]
        self.line(text, align=CENTER, space_before=12)

    def grid(self, headers: list[str], rows: Sequence[list[str] | str], widths: list[float], *, size: float,
             aligns: list[Any], bold_last: bool = False, margin: float = 0.08) -> None:
        """A bordered table, its header row repeated on every page; a str row is a group title
        across the whole width."""
        table = self.doc.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        _fix_table(table, widths, margin_cm=margin)
        head = table.rows[0]
        _row_flags(head, header=True)
        for cell, text in zip(head.cells, headers, strict=True):
            _cell_text(cell, text, size=size, bold=True, align=CENTER)
        for index, (row, values) in enumerate(zip(table.rows[1:], rows, strict=True), 1):
            _row_flags(row, header=False)
            if isinstance(values, str):
                merged = row.cells[0].merge(row.cells[-1])
                _cell_text(merged, values, size=size, bold=True, align=LEFT)
                continue
            bold = bold_last and index == len(rows)
            for cell, text, align in zip(row.cells, values, aligns, strict=True):
                _cell_text(cell, text, size=size, bold=bold, align=align)
        self._paragraph(LEFT).paragraph_format.line_spacing = Pt(6)

    def closing(self, recipients: list[str] | None) -> None:
        """Nơi nhận bottom-left (bold italic 12, items 11), the signature block bottom-right."""
        left_w = self.width * 0.45
        table = self._layout_table(1, 2, [left_w, self.width - left_w])
        left, right = table.cell(0, 0), table.cell(0, 1)
        if recipients is not None:
            _cell_line(left, str(self.ctx.texts["chung"]["noi_nhan"]), size=12, bold=True, italic=True,
                       align=LEFT, space_before=6)
            for item in recipients:
                _cell_line(left, item, size=11, align=LEFT)
        authority = [plain(line).upper() for line in self.issuer.authority] or [""]
        for i, line in enumerate(authority):
            _cell_line(right, line, size=BODY_PT, bold=True, space_before=6 if i == 0 else 0)
        for _ in range(4):
            _cell_line(right, "", size=BODY_PT)
        signer = plain(self.issuer.signer) or str(self.ctx.texts["chung"]["nguoi_ky_trong"])
        _cell_line(right, signer, size=BODY_PT, bold=True)
        for cell in (left, right):
            _drop_leading_empty(cell)
        for row in table.rows:
            _row_flags(row, header=False)

    def _layout_table(self, rows: int, cols: int, widths: list[float]) -> Table:
        table = self.doc.add_table(rows=rows, cols=cols)
        _fix_table(table, widths, margin_cm=0.0)
        return table

    def save(self, path: Path) -> Path:
        """Core properties from the run date and the issuer, fixed zip times: the same input
        always makes the same bytes."""
        docs = self.ctx.docs
        props = self.doc.core_properties
        when = datetime(docs.run_date.year, docs.run_date.month, docs.run_date.day)
        author = plain(self.issuer.name)
        props.author = author
        props.last_modified_by = author
        props.title = self.title_text
        props.subject = self.title_text
        props.comments = ""
        props.keywords = ""
        props.category = ""
        props.language = "vi-VN"
        props.revision = 1
        props.created = when
        props.modified = when
        props.last_printed = when
        raw = io.BytesIO()
        self.doc.save(raw)
        stamp = max(_ZIP_TIME_FLOOR, (when.year, when.month, when.day, 0, 0, 0))
        out = io.BytesIO()
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=stamp)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.create_system = 0
                entry.external_attr = 0
                dst.writestr(entry, src.read(info.filename))
        path.write_bytes(out.getvalue())
        return path


def _setup(doc: DocxDocument, landscape: bool) -> None:
    """A4, NĐ30 margins, Times New Roman everywhere, Vietnamese, page numbers from page 2."""
    section = doc.sections[0]
    top, bottom, left, right = LANDSCAPE_MARGINS if landscape else PORTRAIT_MARGINS
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(PAGE_H), Cm(PAGE_W)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(PAGE_W), Cm(PAGE_H)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), "vi-VN")
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr())
    # Page numbers: top centre, not on the first page (NĐ30 Phụ lục I, II.10).
    section.different_first_page_header_footer = True
    para = section.header.paragraphs[0]
    para.alignment = CENTER
    run = para.add_run()
    _font(run, 13)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
    # The template's preview picture is of python-docx's blank page: not ours to ship.
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]


def _set_fonts(rpr: Any) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _font(run: Any, size: float, bold: bool = False, italic: bool = False) -> None:
    """The run's properties written at once, in schema order (rFonts, b, i, sz): python-docx's
    one-property setters search the element for each insertion, which made a table of a few
    thousand cells take seconds."""
    r = run._r
    old = r.find(qn("w:rPr"))
    if old is not None:
        r.remove(old)
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    rpr.append(fonts)
    for tag, on in (("w:b", bold), ("w:bCs", bold), ("w:i", italic), ("w:iCs", italic)):
        flag = OxmlElement(tag)
        if not on:
            flag.set(qn("w:val"), "0")
        rpr.append(flag)
    for tag in ("w:sz", "w:szCs"):
        half_points = OxmlElement(tag)
        half_points.set(qn("w:val"), str(round(size * 2)))
        rpr.append(half_points)
    r.insert(0, rpr)


def _run(para: Paragraph, text: str, *, size: float = BODY_PT, bold: bool = False, italic: bool = False) -> None:
    """Text as text: lines become breaks, nothing else is interpreted (the XML escapes < and &)."""
    for i, line in enumerate(text.split("\n")):
        run = para.add_run()
        if i:
            run.add_break(WD_BREAK.LINE)
        if line:
            run.add_text(line)
        _font(run, size, bold, italic)


def _mark_size(para: Paragraph, half_points: int) -> None:
    ppr = para._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(half_points))
        rpr.append(el)


def _paragraph_border(para: Paragraph, side: str) -> None:
    ppr = para._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes before spacing, indentation and justification in CT_PPr's sequence.
        anchor = next((ppr.find(qn(t)) for t in ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr")
                       if ppr.find(qn(t)) is not None), None)
        if anchor is not None:
            anchor.addprevious(borders)
        else:
            ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), "6")
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), "000000")
    order = ["top", "left", "bottom", "right"]
    later = [borders.find(qn(f"w:{s}")) for s in order[order.index(side) + 1:]]
    nxt = next((e for e in later if e is not None), None)
    if nxt is not None:
        nxt.addprevious(edge)
    else:
        borders.append(edge)


def _fix_table(table: Table, widths: list[float], margin_cm: float) -> None:
    """Fixed layout with explicit widths (Word and LibreOffice agree) and given cell margins."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(sum(int(Cm(w).twips) for w in widths)))
    width.set(qn("w:type"), "dxa")
    old = tbl_pr.find(qn("w:tblW"))
    if old is not None:
        tbl_pr.remove(old)
    tbl_pr.append(width)
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(Cm(margin_cm if side in ("left", "right") else 0).twips)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)
    _sort_tbl_pr(tbl_pr)
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(Cm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = Cm(w)


_TBL_PR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                 "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"]


def _sort_tbl_pr(tbl_pr: Any) -> None:
    children = list(tbl_pr)
    for child in children:
        tbl_pr.remove(child)
    rank = {qn(f"w:{name}"): i for i, name in enumerate(_TBL_PR_ORDER)}
    for child in sorted(children, key=lambda c: rank.get(c.tag, len(rank))):
        tbl_pr.append(child)


def _row_flags(row: Any, *, header: bool) -> None:
    """Rows never split across pages; the header row repeats on every page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


_JC = {CENTER: "center", LEFT: "left", RIGHT: "right", JUSTIFY: "both"}


def _cell_text(cell: _Cell, text: str, *, size: float, bold: bool, align: Any) -> None:
    """Centred vertically, 2 pt above and below, single spacing: written as XML at once (the
    tables of a large season have tens of thousands of cells; see _font)."""
    tc = cell._tc
    valign = OxmlElement("w:vAlign")
    valign.set(qn("w:val"), "center")
    tc.get_or_add_tcPr().append(valign)
    para = cell.paragraphs[0]
    ppr = para._p.get_or_add_pPr()
    spacing = OxmlElement("w:spacing")
    for attr, value in (("w:before", "40"), ("w:after", "40"), ("w:line", "240"), ("w:lineRule", "auto")):
        spacing.set(qn(attr), value)
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), _JC[align])
    ppr.append(spacing)
    ppr.append(jc)
    _run(para, text, size=size, bold=bold)


def _cell_line(cell: _Cell, text: str, *, size: float, bold: bool = False, italic: bool = False,
               align: Any = CENTER, space_before: float = 0) -> Paragraph:
    para = cell.add_paragraph()
    para.alignment = align
    fmt = para.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(space_before), Pt(0), 1.0
    if text:
        _run(para, text, size=size, bold=bold, italic=italic)
    else:
        _mark_size(para, int(size * 2))
    return para


def _drop_leading_empty(cell: _Cell) -> None:
    """A new cell starts with an empty paragraph; the blocks above add their own."""
    first = cell.paragraphs[0]
    if not first.text and len(cell.paragraphs) > 1 and not first._p.findall(qn("w:pPr")):
        first._p.getparent().remove(first._p)
