"""Checks made on a file's bytes before any spreadsheet parser sees them.

Returned files come by email from hundreds of offices; one may be damaged, encrypted, a
Word file renamed .xlsx, or built to hurt (a zip bomb, an XML entity bomb, a sheet of a
million rows). Each is refused here, cheaply, with its own issue code, so that no parser
spends memory or time on it.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from typing import NamedTuple

from processor.model.batch import Limits
from processor.model.issues import Issue, make_issue

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# A UTF-8 byte-order mark, the XML declaration (no ">" can be inside it), spaces, then the root
# element's "<" with the letter of its name after it: a part as Excel and LibreOffice write it, no
# DTD possible (a UTF-16 part, "<" then a NUL, is not one).
_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>)?[ \t\r\n]*<(?=[A-Za-z_:])")
_UNPARSED = ("docProps/", "xl/theme/", "xl/printerSettings/")



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


class _Member(NamedTuple):
    """A zip member's directory entry (a named tuple: a file has a dozen, 10,000 files a run)."""

    filename: str
    compress_type: int
    compress_size: int
    file_size: int
    header_offset: int


def _members(data: bytes) -> list[_Member]:
    """The zip's central directory, read with struct: zipfile's reader costs more than all
    of our checks together, and this runs for every file. Zip64 goes to zipfile."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0:
        raise ValueError("no end of central directory")
    count, _size, offset = struct.unpack("<HII", data[end + 10:end + 20])
    if offset == 0xFFFFFFFF or count == 0xFFFF:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return [_Member(i.filename, i.compress_type, i.compress_size, i.file_size, i.header_offset)
                for i in archive.infolist()]
    members, pos = [], offset
    for _ in range(count):
        if data[pos:pos + 4] != b"PK\x01\x02":
            raise ValueError("bad central directory")
        (_made, _needed, flags, method, _time, _date, _crc, csize, usize, nlen, xlen, clen, _disk, _iattr,
         _eattr, local) = struct.unpack("<6H3I5H2I", data[pos + 4:pos + 46])
        name = data[pos + 46:pos + 46 + nlen].decode("utf-8" if flags & 0x800 else "cp437")
        members.append(_Member(name, method, csize, usize, local))
        pos += 46 + nlen + xlen + clen
    return members


def _check_zip(rel: str, data: bytes, limits: Limits) -> Issue | None:
    try:
        infos = _members(data)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, UnicodeDecodeError):
        return make_issue("file-unreadable", rel, chi_tiet="tệp bị hỏng hoặc bị cắt cụt khi gửi")
    names = {i.filename for i in infos}
    if "word/document.xml" in names:
        return make_issue("wrong-file-type", rel, gia_tri="một văn bản Word (.docx)")
    if "ppt/presentation.xml" in names:
        return make_issue("wrong-file-type", rel, gia_tri="một tệp PowerPoint")
    mimetype = next((i for i in infos if i.filename == "mimetype"), None)
    is_ods = mimetype is not None and b"spreadsheet" in _head(memoryview(data), mimetype, 200)
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
    view = memoryview(data)
    for info in infos:
        # Parts no spreadsheet reader parses (document properties, the theme) are left out.
        if info.filename.endswith((".xml", ".rels", ".vml")) and not info.filename.startswith(_UNPARSED):
            try:
                bad = _prolog_has_dtd(view, info, limits.xml_head_bytes)
            except (zlib.error, struct.error, ValueError):
                return make_issue("file-unreadable", rel, chi_tiet="tệp bị hỏng hoặc bị cắt cụt khi gửi")
            if bad:
                return make_issue("xml-entity", rel, chi_tiet=info.filename)
    return None


def _head(data: memoryview, info: _Member, size: int) -> bytes:
    """The first `size` inflated bytes of a member, straight from the archive's bytes."""
    offset = info.header_offset
    if bytes(data[offset:offset + 4]) != b"PK\x03\x04":
        raise ValueError("bad local header")
    name_len, extra_len = struct.unpack("<HH", data[offset + 26:offset + 30])
    start = offset + 30 + name_len + extra_len
    compressed = data[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return bytes(compressed[:size])
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return zlib.decompressobj(-15).decompress(compressed, size)
    return b""  # other methods: the parser refuses them itself


def _prolog_has_dtd(data: memoryview, info: _Member, limit: int) -> bool:
    """True when the part declares a DTD before its root element (or shows no root element
    within `limit` bytes, which only a crafted file does). Inflates only the first bytes."""
    # A part's root element is within its first 100 bytes or so. The last step takes one byte
    # more than the limit: a "<" on the limit's last byte is seen with what follows it.
    for size in (160, 1024, limit + 1):
        raw = _head(data, info, size)
        if _PLAIN_PROLOG.match(raw):
            return False  # the common case at once: nothing but the XML declaration before the root
        head = _as_utf8(raw)
        root = _root_start(head)
        if root is not None:
            return bool(_DTD.search(head[:root]))
        if len(raw) < size:  # the whole part, and no element in it
            return bool(_DTD.search(head))
    return True


def _as_utf8(head: bytes) -> bytes:
    """A UTF-16 head (a byte-order mark, or a NUL beside its first "<") as UTF-8, so that its
    DOCTYPE shows; Excel and LibreOffice write UTF-8, a crafted part need not."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", errors="ignore").encode("utf-8")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="ignore").encode("utf-8")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="ignore").encode("utf-8")
    return head


def _root_start(head: bytes) -> int | None:
    """Where the root element starts: the first "<" that opens neither a comment, a processing
    instruction nor a declaration (a "<" inside a comment or an instruction is none); None when
    the head ends before it, or in the middle of a comment or an instruction."""
    pos = 0
    while (lt := head.find(b"<", pos)) >= 0:
        if head.startswith(b"<!--", lt):
            end = head.find(b"-->", lt + 4)
            if end < 0:
                return None
            pos = end + 3
        elif head.startswith(b"<?", lt):
            end = head.find(b"?>", lt + 2)
            if end < 0:
                return None
            pos = end + 2
        elif lt + 1 >= len(head):
            return None  # cut right after the "<": what it opens is not in view
        elif head[lt + 1] == 0x21:  # "<!": a declaration (DOCTYPE, ENTITY), part of the prolog
            pos = lt + 2
        else:
            return lt
    return None
