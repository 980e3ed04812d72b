"""Checks made on a file's bytes before any spreadsheet parser sees them.

Returned files come by email from hundreds of offices; one may be damaged, encrypted, a
Word file renamed .xlsx, or built to hurt (a zip bomb, an XML entity bomb, a sheet of a
million rows). Each is refused here, cheaply, with its own issue code, so that no parser
spends memory or time on it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from processor.issues import Issue, make_issue

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROOT_START = re.compile(rb"<(?![?!])")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """Bounds per file. The real template is about 20 KB and its largest part about 40 KB."""

    max_file_bytes: int = 30 * 1024 * 1024
    max_total_uncompressed: int = 200 * 1024 * 1024
    max_part_bytes: int = 20 * 1024 * 1024
    max_ratio: float = 200.0  # uncompressed / compressed, for parts over 1 MB
    xml_head_bytes: int = 64 * 1024  # the prolog, where a DOCTYPE would have to be
    max_seconds: int = 30  # CPU and wall-clock time to read and check one file
    max_memory_bytes: int = 2 * 1024 * 1024 * 1024  # address space of a reading process


def human_size(n: float) -> str:
    for unit in ("byte", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "byte" else f"{n:.1f} {unit}".replace(".", ",")
        n /= 1024
    return f"{n:.1f} GB"


def check_size(rel: str, size: int, limits: Limits) -> Issue | None:
    if size == 0:
        return make_issue("file-empty", rel)
    if size > limits.max_file_bytes:
        return make_issue("file-too-large", rel, gia_tri=human_size(size), gioi_han=human_size(limits.max_file_bytes))
    return None


def check_bytes(rel: str, data: bytes, limits: Limits) -> Issue | None:
    """The first reason to refuse these bytes, or None when a parser may open them."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _check_zip(rel, data, limits)
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return make_issue("file-encrypted", rel)
        if "WordDocument".encode("utf-16-le") in data:
            return make_issue("wrong-file-type", rel, gia_tri="một văn bản Word (.doc)")
        return None  # a legacy .xls: calamine reads it
    if data.startswith(b"%PDF"):
        return make_issue("wrong-file-type", rel, gia_tri="một tệp PDF")
    if data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"GIF8"):
        return make_issue("wrong-file-type", rel, gia_tri="một tệp ảnh")
    if data.lstrip()[:1] == b"<" and b"<html" in data[:2048].lower():
        return make_issue("wrong-file-type", rel, gia_tri="một trang web (HTML)")
    return None  # anything else: the parser decides, and says it cannot read it


def _check_zip(rel: str, data: bytes, limits: Limits) -> Issue | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return make_issue("file-unreadable", rel, chi_tiet="tệp bị hỏng hoặc bị cắt cụt khi gửi")
    names = {i.filename for i in infos}
    if "word/document.xml" in names:
        return make_issue("wrong-file-type", rel, gia_tri="một văn bản Word (.docx)")
    if "ppt/presentation.xml" in names:
        return make_issue("wrong-file-type", rel, gia_tri="một tệp PowerPoint")
    is_ods = "mimetype" in names and b"spreadsheet" in _read_head(archive, "mimetype", 200)
    if not (is_ods or "xl/workbook.xml" in names or "xl/workbook.bin" in names):
        return make_issue("wrong-file-type", rel, gia_tri="một tệp nén (zip) không chứa sổ tính")

    total = sum(i.file_size for i in infos)
    if total > limits.max_total_uncompressed:
        return make_issue("zip-bomb", rel, gia_tri=f"{human_size(total)} từ {human_size(len(data))}")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
            return make_issue("zip-bomb", rel, gia_tri=f"{info.filename}: {human_size(info.file_size)} "
                                                       f"từ {human_size(info.compress_size)}")
        if info.file_size > limits.max_part_bytes:
            return make_issue("sheet-too-large", rel, chi_tiet=info.filename, gia_tri=human_size(info.file_size))
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                head = _read_head(archive, info.filename, limits.xml_head_bytes)
            except Exception:
                return make_issue("file-unreadable", rel, chi_tiet="tệp bị hỏng hoặc bị cắt cụt khi gửi")
            root = _ROOT_START.search(head)
            prolog = head[: root.start()] if root else head
            if _DTD.search(prolog) or (root is None and len(head) >= limits.xml_head_bytes):
                return make_issue("xml-entity", rel, chi_tiet=info.filename)
    return None


def _read_head(archive: zipfile.ZipFile, name: str, size: int) -> bytes:
    with archive.open(name) as fh:
        return fh.read(size)
