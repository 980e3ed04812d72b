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

import functools
import os
import re
import struct
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from processor.model.errors import ConfigError
from processor.model.settings import DocumentSettings, Issuer, document_wording
from processor.report.dossier import DocumentSet, DocUnit
from processor.system.processes import WorkQueue, run_concurrently
from processor.text.normalise import clean_text, nfc, safe_file_stem, unique_file_names

FONT = "Times New Roman"
BODY_PT = 14
LEVELS = "levels"
# A second process writes letters from this many on (forking costs more than a few hundred letters).
PARALLEL_FROM = 400
LETTERS_PER_CHUNK = 100

# A4 and the margins of NĐ30 (Phụ lục I, II.4): top and bottom 20 mm, left 30 mm, right 20 mm.
PAGE_W, PAGE_H = 21.0, 29.7
PORTRAIT_MARGINS = (2.0, 2.0, 3.0, 2.0)  # top, bottom, left, right (cm)
LANDSCAPE_MARGINS = (2.0, 2.0, 2.0, 2.0)

# XML 1.0 cannot hold these at all (python-docx raises); C1 controls are never wanted either.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ZIP_TIME_FLOOR = (1980, 1, 1, 0, 0, 0)

CENTER, LEFT, RIGHT, JUSTIFY = "center", "left", "right", "both"  # w:jc values


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


def write_documents(docs: DocumentSet, folder: Path, settings: DocumentSettings, *,
                    workers: int | None = None) -> list[Path]:
    """Write every document of the season into folder (existing, empty) and return the paths:
    the Tờ trình, the Báo cáo thẩm định, the summary table, the draft decision, then one reply
    per unit in docs.replies (roster order).

    workers: processes writing the replies (default: two from PARALLEL_FROM letters on, else
    one). Each file's bytes depend on its unit alone, so the count changes nothing but time."""
    if workers is None:
        workers = 2 if len(docs.replies) >= PARALLEL_FROM else 1
    job = DocumentJob(docs, folder, settings, workers=workers)

    def season_then_letters() -> None:
        job.season()
        job.letters()

    # The season-wide documents here while the other workers start on the letters; then all share them.
    if run_concurrently([season_then_letters, *[job.letters] * (max(workers, 1) - 1)]):
        job.write_all()
    return job.paths


class DocumentJob:
    """The season's documents as work that processes share: the four season-wide documents
    once (season), the replies from a queue every process may drain (letters), so that the
    publisher can give the letters to whichever process is free (processor/report/publish.py)
    as write_documents gives them to its own. Made before the processes fork."""

    def __init__(self, docs: DocumentSet, folder: Path, settings: DocumentSettings, *,
                 workers: int | None = None) -> None:
        texts = document_wording(settings)
        self._ctx = _Context(docs, settings, texts, _season_values(docs, settings, texts))
        names = document_names(docs.year)
        self._writers: list[tuple[str, Callable[[_Context], _Page]]] = [
            (names["to_trinh"], _submission),
            (names["bao_cao"], _report),
            (names["bang_tong_hop"], _summary_table),
            (names["quyet_dinh"], _decision),
        ]
        self._folder = folder
        self._replies = docs.replies
        self._letters = [folder / name for name in reply_file_names(self._replies)]
        sharing = workers if workers is not None else 2
        self._chunks = WorkQueue(len(self._replies),
                                 max(1, min(LETTERS_PER_CHUNK, len(self._replies) // (4 * max(sharing, 1)))))
        self._parent = os.getpid()

    @property
    def paths(self) -> list[Path]:
        """Every document's path: the four season-wide ones, then the replies in order."""
        return [*(self._folder / name for name, _ in self._writers), *self._letters]

    def season(self) -> None:
        """The four season-wide documents (a failure in a forked child as in letters)."""
        try:
            for name, build in self._writers:
                build(self._ctx).save(self._folder / name)
        except Exception:
            if os.getpid() == self._parent:
                raise
            sys.exit(1)

    def letters(self) -> None:
        """The replies not yet taken by another process. In a forked child a failure ends the
        child (exit 1), and the parent writes everything again and raises the cause."""
        try:
            for indices in self._chunks:
                for i in indices:
                    _reply(self._ctx, self._replies[i]).save(self._letters[i])
        except Exception:
            if os.getpid() == self._parent:
                raise
            sys.exit(1)


    def write_all(self) -> None:
        """Every document, in this process (after a process that shared the work failed)."""
        self.season()
        for path, unit in zip(self._letters, self._replies, strict=True):
            _reply(self._ctx, unit).save(path)


# ---- wording -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    docs: DocumentSet
    settings: DocumentSettings
    texts: dict[str, Any]
    season: dict[str, str]  # the placeholders every document shares (_season_values), counted once
    # Blocks every letter repeats (the header, the signature), laid out once: (kind, *inputs) -> XML.
    blocks: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kind(self) -> str:
        return self.docs.kind

    def pick(self, value: Any) -> Any:
        """A text that has a TT24 ("levels") and a TT22 ("points") form."""
        return _pick(value, self.kind)

    def text(self, section: str, key: str) -> Any:
        return self.pick(self.texts[section][key])

    def values(self, issuer: Issuer, **extra: str) -> dict[str, str]:
        """Every placeholder a text of a document may use (cho_thay_chung plus its own)."""
        return {**self.season, "ky_hieu": plain(issuer.symbol), **extra}

    def say(self, section: str, key: str, values: dict[str, str]) -> str:
        return _format(self.text(section, key), values, f"{section}.{key}")

    def say_all(self, section: str, key: str, values: dict[str, str]) -> list[str]:
        return [_format(line, values, f"{section}.{key}") for line in self.text(section, key)]


def _pick(value: Any, kind: str) -> Any:
    if isinstance(value, dict) and LEVELS in value:
        return value.get(kind, value[LEVELS])
    return value


def _season_values(docs: DocumentSet, st: DocumentSettings, texts: dict[str, Any]) -> dict[str, str]:
    """The counts and names every text may use, the same in every document of the season:
    made once, not once per letter (each count walks every unit)."""
    cap = str(texts["cap"].get(st.tier, ""))
    return {
        "nam": str(docs.year),
        "nam_ky": str(docs.run_date.year),
        "dia_danh": plain(st.place) or str(texts["chung"]["dia_danh_trong"]),
        "cap": cap,
        "danh_hieu": _format(_pick(texts["danh_hieu"], docs.kind), {"cap": cap}, "danh_hieu"),
        "can_cu": plain(docs.legal_basis),
        "chi_tieu": str(_pick(texts["chi_tieu"], docs.kind)),
        "ky_hieu_so": plain(st.department.symbol),
        "so": plain(st.department.name),
        "giam_doc_so": plain(st.department.head),
        "hoi_dong": plain(st.council.name),
        "chu_tich_hoi_dong": plain(st.council.head),
        "ubnd": plain(st.province.name),
        "chu_tich_ubnd": plain(st.province.head),
        "so_ho_so": str(len(docs.units)),
        "so_de_nghi": str(len(docs.recommended)),
        "so_khong_de_nghi": str(sum(1 for u in docs.units if u.rank is None)),
        "so_tra_loi": str(len(docs.replies)),
        "so_thap_hon": str(sum(1 for u in docs.replies if u.rank is not None)),
        "so_con_loi": str(sum(1 for u in docs.units if u.errors)),
    }


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
    cell = functools.cache(plain)  # a season's results are a handful of values ("Đạt", "96%") repeated
    for i, unit in enumerate(docs.units, 1):
        end = [cell(unit.asked_label if ctx.kind == LEVELS else unit.total), cell(unit.label)]
        rows.append([str(i), plain(unit.name), *(cell(unit.results.get(item.id, "")) for item in docs.items), *end])
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
    cell = functools.cache(plain)
    rows = [[str(i), plain(u.name), cell(u.asked_label if ctx.kind == LEVELS else u.total), cell(u.label)]
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
#
# WordprocessingML written as text: a document is a list of XML fragments, every piece of
# text goes through _xml_text (the one escape), and nothing else of what was typed ever
# reaches the markup. The package's other parts are the same for every document and made
# once per process (_static_parts); only document.xml and core.xml differ.

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FONTS = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
_BORDER = '<w:{side} w:val="single" w:sz="6" w:space="1" w:color="000000"/>'
_CELL_PPR = '<w:pPr><w:spacing w:before="40" w:after="40" w:line="240" w:lineRule="auto"/><w:jc w:val="{jc}"/></w:pPr>'
# Deflate levels: a letter's 16 kB of XML is 2.5 kB at level 1 and 2.1 kB at level 6, for three
# times the time (7,500 letters: 0.3 s against 0.9 s); a season-wide table of 10,000 rows is
# 2.3 times smaller at level 6 (about 0.5 MB) for 0.1 s more, once.
_SMALL_PART, _SMALL_LEVEL, _LARGE_LEVEL = 256 * 1024, 1, 6
_STORED_PART = 1024


def _xml_text(text: str) -> str:
    """The one way text enters the markup: characters XML cannot hold dropped (the wording
    file may have them; submitted text had them removed by plain()), & < > escaped."""
    return _NOT_XML.sub(" ", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.cache
def _twips(cm: float) -> int:
    """As python-docx converted a length (Cm to EMU, then to twentieths of a point)."""
    return round(int(cm * 360000) / 635)


@functools.cache
def _rpr(size: float, bold: bool = False, italic: bool = False, fonts: bool = True) -> str:
    half = round(size * 2)
    return (f"<w:rPr>{_FONTS if fonts else ''}{'<w:b/><w:bCs/>' if bold else ''}{'<w:i/><w:iCs/>' if italic else ''}"
            f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>')


def _runs(text: str, rpr: str) -> str:
    """Text as text: each line a run, lines after the first after a break; nothing else is
    interpreted."""
    if "\n" not in text:
        return f'<w:r>{rpr}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>' if text else f"<w:r>{rpr}</w:r>"
    out = []
    for i, line in enumerate(text.split("\n")):
        shown = f'<w:t xml:space="preserve">{_xml_text(line)}</w:t>' if line else ""
        out.append(f"<w:r>{rpr}{'<w:br/>' if i else ''}{shown}</w:r>")
    return "".join(out)


@functools.cache
def _ppr(align: str, *, before: float = 0, after: float = 0, line: str = 'w:line="240" w:lineRule="auto"',
         first: float = 0, left: float = 0, right: float = 0, keep_with_next: bool = False,
         page_break: bool = False, borders: tuple[str, ...] = (), mark: int | None = None) -> str:
    """Paragraph properties in the schema's order (keepNext, pageBreakBefore, pBdr, spacing,
    ind, jc, rPr); spacing in points, indents in cm."""
    parts = ["<w:pPr>"]
    if keep_with_next:
        parts.append("<w:keepNext/>")
    if page_break:
        parts.append("<w:pageBreakBefore/>")
    if borders:
        parts.append("<w:pBdr>" + "".join(_BORDER.format(side=s) for s in borders) + "</w:pBdr>")
    parts.append(f'<w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}" {line}/>')
    if first or left or right:
        ind = "".join(f' w:{k}="{_twips(v)}"' for k, v in (("left", left), ("right", right), ("firstLine", first))
                      if v)
        parts.append(f"<w:ind{ind}/>")
    parts.append(f'<w:jc w:val="{align}"/>')
    if mark is not None:
        parts.append(f'<w:rPr><w:sz w:val="{mark}"/><w:szCs w:val="{mark}"/></w:rPr>')
    parts.append("</w:pPr>")
    return "".join(parts)


_BODY_SPACING = 'w:line="276" w:lineRule="auto"'  # 1.15 lines
_EXACT_4PT, _EXACT_6PT = 'w:line="80" w:lineRule="exact"', 'w:line="120" w:lineRule="exact"'


def _table(widths: list[float], margin_cm: float, rows: Sequence[str], *, grid: bool) -> str:
    """Fixed layout with explicit widths (Word and LibreOffice agree) and given cell margins."""
    twips = [_twips(w) for w in widths]
    side = _twips(margin_cm)
    return "".join((
        "<w:tbl><w:tblPr>", '<w:tblStyle w:val="TableGrid"/>' if grid else "",
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>',
        f'<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="{side}" w:type="dxa"/>'
        f'<w:bottom w:w="0" w:type="dxa"/><w:right w:w="{side}" w:type="dxa"/></w:tblCellMar></w:tblPr>',
        "<w:tblGrid>", *(f'<w:gridCol w:w="{t}"/>' for t in twips), "</w:tblGrid>", *rows, "</w:tbl>"))


class _Page:
    """One .docx under construction, with the NĐ30 building blocks."""

    def __init__(self, ctx: _Context, issuer: Issuer, *, title: str, landscape: bool = False) -> None:
        self.ctx = ctx
        self.issuer = issuer
        self.title_text = title
        self.landscape = landscape
        _, _, left, right = LANDSCAPE_MARGINS if landscape else PORTRAIT_MARGINS
        self.width = (PAGE_H if landscape else PAGE_W) - left - right
        self._body: list[str] = []

    # paragraphs

    def line(self, text: str, *, bold: bool = False, italic: bool = False, size: float = BODY_PT,
             align: str = LEFT, space_before: float = 0, keep_with_next: bool = False,
             page_break: bool = False) -> None:
        ppr = _ppr(align, before=space_before, keep_with_next=keep_with_next, page_break=page_break)
        self._body.append(f"<w:p>{ppr}{_runs(text, _rpr(size, bold, italic))}</w:p>")

    def body(self, text: str, *, italic: bool = False, size: float = BODY_PT, keep_with_next: bool = False) -> None:
        ppr = _ppr(JUSTIFY, before=6, first=1.0, line=_BODY_SPACING, keep_with_next=keep_with_next)
        self._body.append(f"<w:p>{ppr}{_runs(text, _rpr(size, italic=italic))}</w:p>")

    def heading(self, text: str) -> None:
        self._body.append(f"<w:p>{_ppr(JUSTIFY, before=6, first=1.0, line=_BODY_SPACING, keep_with_next=True)}"
                          f"{_runs(text, _rpr(BODY_PT, bold=True))}</w:p>")

    def article(self, label: str, text: str) -> None:
        self._body.append(f"<w:p>{_ppr(JUSTIFY, before=6, first=1.0, line=_BODY_SPACING)}"
                          f"{_runs(label.rstrip() + ' ', _rpr(BODY_PT, bold=True))}{_runs(text, _rpr(BODY_PT))}</w:p>")

    def rule(self, length_cm: float) -> None:
        self._body.append(_rule(length_cm, self.width))

    def draft_mark(self, text: str) -> None:
        ppr = _ppr(CENTER, after=6, right=self.width - 3.4, borders=("top", "left", "bottom", "right"))
        self._body.append(f"<w:p>{ppr}{_runs(text, _rpr(13, bold=True))}</w:p>")

    # blocks

    def header(self, *, symbol: str | None = None, letter_subject: str | None = None) -> None:
        """Issuer left (parent upper-case, issuer bold upper-case, a short line, Số), national
        title and motto right (a line under the motto), then place and date."""
        key = ("header", self.issuer, symbol, letter_subject, self.width, self.landscape)
        if key not in self.ctx.blocks:
            self.ctx.blocks[key] = self._header(symbol, letter_subject)
        self._body.append(self.ctx.blocks[key])

    def _header(self, symbol: str | None, letter_subject: str | None) -> str:
        texts = self.ctx.texts["chung"]
        values = self.ctx.values(self.issuer, so_ky_hieu=symbol or "")
        left_w = self.width * (0.42 if not self.landscape else 0.36)
        right_w = self.width - left_w
        left: list[str] = []
        if plain(self.issuer.parent):
            left.append(_cell_line(plain(self.issuer.parent).upper(), size=12))
        left.append(_cell_line(plain(self.issuer.name).upper(), size=12, bold=True))
        left.append(_rule(min(2.5, left_w * 0.45), left_w))
        if symbol is not None:
            left.append(_cell_line(_format(texts["so_ky_hieu"], values, "chung.so_ky_hieu"), size=13, space_before=4))
        if letter_subject:
            left.append(_cell_line(letter_subject, size=12, space_before=4))
        right = [_cell_line(str(texts["quoc_hieu"]), size=12, bold=True),
                 _cell_line(str(texts["tieu_ngu"]), size=13, bold=True),
                 _rule(min(6.0, right_w * 0.7), right_w),
                 _cell_line(_format(texts["ngay"], values, "chung.ngay"), size=14, italic=True, space_before=6)]
        row = f"<w:tr>{_layout_cell(left_w, left)}{_layout_cell(right_w, right)}</w:tr>"
        return _table([left_w, right_w], 0.0, [row], grid=False)

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
             aligns: list[str], bold_last: bool = False, margin: float = 0.08) -> None:
        """A bordered table, its header row repeated on every page, rows never split across
        pages; a str row is a group title across the whole width. The runs take their font
        from the document defaults: a table of a large season has a quarter of a million cells."""
        plain_rpr, bold_rpr = _rpr(size, fonts=False), _rpr(size, bold=True, fonts=False)
        starts = [f'<w:tc><w:tcPr><w:tcW w:w="{_twips(w)}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                  f"<w:p>{_CELL_PPR.format(jc=align)}" for w, align in zip(widths, aligns, strict=True)]
        head = [f'<w:tc><w:tcPr><w:tcW w:w="{_twips(w)}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                f"<w:p>{_CELL_PPR.format(jc='center')}{_runs(text, bold_rpr)}</w:p></w:tc>"
                for w, text in zip(widths, headers, strict=True)]
        out = ["<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>", *head, "</w:tr>"]
        span = (f'<w:tc><w:tcPr><w:tcW w:w="{sum(_twips(w) for w in widths)}" w:type="dxa"/>'
                f'<w:gridSpan w:val="{len(widths)}"/><w:vAlign w:val="center"/></w:tcPr>'
                f"<w:p>{_CELL_PPR.format(jc='left')}")
        last = len(rows)
        for index, values in enumerate(rows, 1):
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            if isinstance(values, str):
                out.append(f"{span}{_runs(values, bold_rpr)}</w:p></w:tc>")
            else:
                rpr = bold_rpr if bold_last and index == last else plain_rpr
                out.extend(f"{start}{_runs(text, rpr)}</w:p></w:tc>"
                           for start, text in zip(starts, values, strict=True))
            out.append("</w:tr>")
        self._body.append(_table(widths, margin, out, grid=True))
        self._body.append(f"<w:p>{_ppr(LEFT, line=_EXACT_6PT)}</w:p>")

    def closing(self, recipients: list[str] | None) -> None:
        """Nơi nhận bottom-left (bold italic 12, items 11), the signature block bottom-right."""
        key = ("closing", self.issuer, None if recipients is None else tuple(recipients), self.width)
        if key not in self.ctx.blocks:
            self.ctx.blocks[key] = self._closing(recipients)
        self._body.append(self.ctx.blocks[key])

    def _closing(self, recipients: list[str] | None) -> str:
        left_w = self.width * 0.45
        left: list[str] = []
        if recipients is not None:
            left.append(_cell_line(str(self.ctx.texts["chung"]["noi_nhan"]), size=12, bold=True, italic=True,
                                   align=LEFT, space_before=6))
            left.extend(_cell_line(item, size=11, align=LEFT) for item in recipients)
        authority = [plain(line).upper() for line in self.issuer.authority] or [""]
        right = [_cell_line(line, size=BODY_PT, bold=True, space_before=6 if i == 0 else 0)
                 for i, line in enumerate(authority)]
        right.extend(_cell_line("", size=BODY_PT) for _ in range(4))
        signer = plain(self.issuer.signer) or str(self.ctx.texts["chung"]["nguoi_ky_trong"])
        right.append(_cell_line(signer, size=BODY_PT, bold=True))
        row = (f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{_layout_cell(left_w, left)}"
               f"{_layout_cell(self.width - left_w, right)}</w:tr>")
        return _table([left_w, self.width - left_w], 0.0, [row], grid=False)

    def document_xml(self) -> bytes:
        top, bottom, left, right = LANDSCAPE_MARGINS if self.landscape else PORTRAIT_MARGINS
        if self.landscape:
            size = f'<w:pgSz w:w="{_twips(PAGE_H)}" w:h="{_twips(PAGE_W)}" w:orient="landscape"/>'
        else:
            size = f'<w:pgSz w:w="{_twips(PAGE_W)}" w:h="{_twips(PAGE_H)}"/>'
        # Page numbers: top centre, not on the first page (NĐ30 Phụ lục I, II.10).
        section = (f'<w:sectPr><w:headerReference w:type="default" r:id="rId4"/>{size}'
                   f'<w:pgMar w:top="{_twips(top)}" w:right="{_twips(right)}" w:bottom="{_twips(bottom)}" '
                   f'w:left="{_twips(left)}" w:header="{_twips(1.0)}" w:footer="{_twips(1.0)}" w:gutter="0"/>'
                   '<w:cols w:space="720"/><w:titlePg/><w:docGrid w:linePitch="360"/></w:sectPr>')
        return "".join((_XML_HEAD, f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>', *self._body, section,
                        "</w:body></w:document>")).encode()

    def save(self, path: Path) -> Path:
        """Core properties from the run date and the issuer, fixed zip times: the same input
        always makes the same bytes."""
        run = self.ctx.docs.run_date
        path.write_bytes(_package(self.document_xml(), _core_xml(plain(self.issuer.name), self.title_text, run),
                                  (run.year, run.month, run.day)))
        return path


def _cell_line(text: str, *, size: float, bold: bool = False, italic: bool = False, align: str = CENTER,
               space_before: float = 0) -> str:
    if not text:
        return f"<w:p>{_ppr(align, before=space_before, mark=round(size * 2))}</w:p>"
    return f"<w:p>{_ppr(align, before=space_before)}{_runs(text, _rpr(size, bold, italic))}</w:p>"


def _rule(length_cm: float, width: float) -> str:
    """The short horizontal line under an issuer's name, the motto or a title: the top
    border of an empty paragraph indented to that length."""
    side = max((width - length_cm) / 2, 0)
    return f'<w:p>{_ppr(CENTER, before=1, left=side, right=side, line=_EXACT_4PT, borders=("top",), mark=2)}</w:p>'


def _layout_cell(width: float, paragraphs: list[str]) -> str:
    """A cell of the header or closing block; a cell holds at least one paragraph."""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{_twips(width)}" w:type="dxa"/></w:tcPr>'
            f"{''.join(paragraphs) or '<w:p/>'}</w:tc>")


# ---- the package ---------------------------------------------------------------------------

_CT = "application/vnd.openxmlformats-officedocument"
_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{_CT}.wordprocessingml.document.main+xml"/>'
    f'<Override PartName="/word/fontTable.xml" ContentType="{_CT}.wordprocessingml.fontTable+xml"/>'
    f'<Override PartName="/word/header1.xml" ContentType="{_CT}.wordprocessingml.header+xml"/>'
    f'<Override PartName="/word/settings.xml" ContentType="{_CT}.wordprocessingml.settings+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{_CT}.wordprocessingml.styles+xml"/>'
    "</Types>")
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>")
_DOCUMENT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_R}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{_R}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rId3" Type="{_R}/fontTable" Target="fontTable.xml"/>'
    f'<Relationship Id="rId4" Type="{_R}/header" Target="header1.xml"/>'
    "</Relationships>")
# The styles the documents use, as python-docx's default template defined them: Times New
# Roman and Vietnamese everywhere, Normal at 14 pt, the page-number header, Table Grid.
_STYLES = (
    f'<w:styles xmlns:w="{_W}"><w:docDefaults><w:rPrDefault><w:rPr>{_FONTS}'
    '<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="vi-VN"/></w:rPr>'
    '</w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="200" w:line="276" w:lineRule="auto"/></w:pPr>'
    "</w:pPrDefault></w:docDefaults>"
    f'<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
    f'<w:rPr>{_FONTS}<w:sz w:val="{BODY_PT * 2}"/><w:szCs w:val="{BODY_PT * 2}"/></w:rPr></w:style>'
    '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph '
    'Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
    '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
    '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    '<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/>'
    '<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="center" w:pos="4680"/>'
    '<w:tab w:val="right" w:pos="9360"/></w:tabs><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    "</w:style>"
    '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/>'
    '<w:uiPriority w:val="59"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:tblPr>'
    '<w:tblInd w:w="0" w:type="dxa"/><w:tblBorders>'
    + "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
              for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + '</w:tblBorders><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
    '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    "</w:styles>")
_SETTINGS = (
    f'<w:settings xmlns:w="{_W}"><w:defaultTabStop w:val="720"/>'
    '<w:characterSpacingControl w:val="doNotCompress"/><w:compat>'
    '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="14"/>'
    '<w:compatSetting w:name="overrideTableStyleFontSizeAndJustification" '
    'w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>'
    '<w:compatSetting w:name="enableOpenTypeFeatures" w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>'
    '<w:compatSetting w:name="doNotFlipMirrorIndents" w:uri="http://schemas.microsoft.com/office/word" w:val="1"/>'
    '</w:compat><w:themeFontLang w:val="vi-VN"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
    "</w:settings>")
_FONT_TABLE = (
    f'<w:fonts xmlns:w="{_W}"><w:font w:name="{FONT}"><w:panose1 w:val="02020603050405020304"/>'
    '<w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>')
_HEADER = (
    f'<w:hdr xmlns:w="{_W}"><w:p><w:pPr><w:pStyle w:val="Header"/><w:jc w:val="center"/></w:pPr>'
    f'<w:r>{_rpr(13)}<w:fldChar w:fldCharType="begin"/><w:instrText xml:space="preserve"> PAGE </w:instrText>'
    '<w:fldChar w:fldCharType="separate"/><w:t>2</w:t><w:fldChar w:fldCharType="end"/></w:r></w:p></w:hdr>')
_APP = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Template>Normal.dotm</Template><TotalTime>0</TotalTime><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged></Properties>")


def _core_xml(author: str, title: str, run: date) -> bytes:
    when = f"{run.isoformat()}T00:00:00Z"
    author, title = _xml_text(author), _xml_text(title)
    return (f'{_XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{title}</dc:title><dc:subject>{title}</dc:subject><dc:creator>{author}</dc:creator>"
            f"<cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
            f"<dc:language>vi-VN</dc:language><cp:lastPrinted>{when}</cp:lastPrinted></cp:coreProperties>"
            ).encode()


def _member(name: str, raw: bytes, dos_date: int, offset: int) -> tuple[bytes, bytes]:
    """One zip member: (local header + data, central directory record). A part of a few
    hundred bytes is stored (deflating it costs more than it saves), the others deflated."""
    if len(raw) < _STORED_PART:
        method, data = 0, raw
    else:
        method, data = 8, zlib.compress(raw, _SMALL_LEVEL if len(raw) < _SMALL_PART else _LARGE_LEVEL, -15)
    crc, key = zlib.crc32(raw), name.encode("ascii")
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, dos_date, crc, len(data), len(raw), len(key), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, dos_date, crc, len(data), len(raw),
                          len(key), 0, 0, 0, 0, 0, offset)
    return local + key + data, central + key


@functools.cache
def _static_members(dos_date: int) -> tuple[bytes, bytes]:
    """The parts every document shares, at the head of the zip: made and deflated once per
    process and run date, as (members, their central directory records)."""
    parts = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS, "docProps/app.xml": _APP,
             "word/_rels/document.xml.rels": _DOCUMENT_RELS, "word/styles.xml": _STYLES,
             "word/settings.xml": _SETTINGS, "word/fontTable.xml": _FONT_TABLE, "word/header1.xml": _HEADER}
    members, central = b"", b""
    for name, xml in parts.items():
        member, record = _member(name, (_XML_HEAD + xml).encode(), dos_date, len(members))
        members, central = members + member, central + record
    return members, central


def _package(document: bytes, core: bytes, day: tuple[int, int, int]) -> bytes:
    """The .docx: a zip in a fixed order, every member dated the run day at midnight, no
    extra fields, so the bytes depend on the content alone."""
    year, month, mday = max(day, _ZIP_TIME_FLOOR[:3])
    dos_date = ((year - 1980) << 9) | (month << 5) | mday
    members, central = _static_members(dos_date)
    out, records = [members], [central]
    offset = len(members)
    for name, raw in (("docProps/core.xml", core), ("word/document.xml", document)):
        member, record = _member(name, raw, dos_date, offset)
        out.append(member)
        records.append(record)
        offset += len(member)
    directory = b"".join(records)
    count = 10
    return b"".join((*out, directory, struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory),
                                                  offset, 0)))
