"""The checks on a file's bytes before any parser sees them (processor.intake.guards)."""

from __future__ import annotations

import io
import zipfile

import pytest

from processor.intake.guards import check_bytes
from processor.model.batch import Limits

_PROLOG = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_DTD = b'<!DOCTYPE worksheet [<!ENTITY a "ha">]>'


def _workbook_with_sheet(sheet: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", _PROLOG + b"<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


def _sheet_with_doctype_at(offset: int) -> bytes:
    """A sheet whose DOCTYPE's "<" is at byte `offset`, after a comment that pads the prolog."""
    pad = offset - len(_PROLOG) - len(b"<!---->")
    sheet = _PROLOG + b"<!--" + b"x" * pad + b"-->" + _DTD + b"<worksheet>&a;</worksheet>"
    assert sheet.index(b"<!DOCTYPE") == offset
    return sheet


LIMIT = Limits().xml_head_bytes


# The guard inflates a part's head in steps (160 bytes, 1,024, then the limit): a DOCTYPE that
# starts on the last byte of a step, or just after it, is still seen.
@pytest.mark.parametrize("offset", [100, 158, 159, 160, 161, 1022, 1023, 1024, 1025, 5000, LIMIT - 1])
def test_a_doctype_anywhere_in_the_prolog_is_refused(offset):
    issue = check_bytes("a.xlsx", _workbook_with_sheet(_sheet_with_doctype_at(offset)), Limits())
    assert issue is not None and issue.code == "xml-entity"


@pytest.mark.parametrize("offset", [100, 159, 1023, 5000, LIMIT - 1])
def test_a_prolog_with_a_comment_and_no_doctype_passes(offset):
    """The root element's "<" anywhere within the limit, its last byte included."""
    sheet = _sheet_with_doctype_at(offset).replace(_DTD, b"").replace(b"&a;", b"")
    assert check_bytes("a.xlsx", _workbook_with_sheet(sheet), Limits()) is None


def test_a_file_that_grows_after_its_size_was_taken_is_read_whole(tmp_path, monkeypatch):
    """The file is read by its size, then on to the limit if it turns out longer: a file still
    being written while the batch looks at it is not cut at the size it had a moment before."""
    import os

    from processor.intake import read

    path = tmp_path / "a.xlsx"
    data = bytes(range(256)) * 40
    path.write_bytes(data)
    real_fstat = os.fstat

    def smaller(fd):
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *info[1:6], 100, *info[7:]))

    monkeypatch.setattr(read.os, "fstat", smaller)
    assert read._read_regular_file(str(path), 1_000_000) == data
    assert read._read_regular_file(str(path), 5000) == data[:5000]


@pytest.mark.parametrize("before", [b"<!-- <a --> ", b"<?pi <a?> ", b"<!-- a\n<b c='d'> -->"])
def test_a_doctype_after_a_comment_or_instruction_holding_a_tag_is_refused(before):
    """A "<" inside a comment or a processing instruction does not start the root element."""
    sheet = _PROLOG + before + _DTD + b"<worksheet>&a;</worksheet>"
    issue = check_bytes("a.xlsx", _workbook_with_sheet(sheet), Limits())
    assert issue is not None and issue.code == "xml-entity"


def test_a_comment_longer_than_the_limit_is_refused():
    sheet = _PROLOG + b"<!-- <a " + b"x" * LIMIT + b" -->" + _DTD + b"<worksheet/>"
    issue = check_bytes("a.xlsx", _workbook_with_sheet(sheet), Limits())
    assert issue is not None and issue.code == "xml-entity"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_doctype_in_a_utf16_part_is_refused_and_a_sound_utf16_part_passes(encoding):
    """Excel writes UTF-8; a crafted part in UTF-16 (with a byte-order mark or without) is looked at
    as the parser would read it."""
    text = '<?xml version="1.0" encoding="UTF-16"?>\n{}<worksheet>&a;</worksheet>'
    bad = _workbook_with_sheet(text.format(_DTD.decode()).encode(encoding))
    issue = check_bytes("a.xlsx", bad, Limits())
    assert issue is not None and issue.code == "xml-entity"
    sound = _workbook_with_sheet(text.format("").replace("&a;", "").encode(encoding))
    assert check_bytes("a.xlsx", sound, Limits()) is None
