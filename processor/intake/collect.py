"""Bring the spreadsheets units mailed back into the folder the batch reads.

Only what the batch would read is saved (a spreadsheet suffix, within the batch's size
limit), under a name that cannot leave the folder or clash with the system, and never over
another file: the same bytes already in the folder (under any name) are not saved twice;
another file of the same name is kept beside it as "ten (2).xlsx". Nothing already in the
folder is modified. Each saved file becomes an Arrival (sender, message date, subject,
Message-ID), which the batch uses to judge lateness and to match a file to its sender.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path

from processor.intake.guards import check_size, human_size
from processor.intake.mailbox import RawMessage
from processor.model.batch import Limits
from processor.model.records import SPREADSHEET_SUFFIXES
from processor.model.register import Arrival
from processor.text.dates import format_vn_moment
from processor.text.normalise import display_path

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_MAX_NAME_BYTES = 200  # well under the 255 of every file system, leaving room for " (12)"
_UNNAMED = "tep_dinh_kem"


@dataclass(frozen=True)
class Letter:
    """A message, parsed: who sent it, when, about what."""

    sender: str
    received: str  # ISO with its offset; "" when neither the Date nor the server says
    subject: str
    message_id: str
    raw: RawMessage
    message: EmailMessage

    def label(self) -> str:
        """The message named for an official: sender, date, subject."""
        when = format_vn_moment(self.received) or "không rõ ngày"
        return f"thư của {self.sender or 'không rõ người gửi'} lúc {when}, tiêu đề \"{self.subject}\""


@dataclass(frozen=True)
class CollectResult:
    messages: int
    saved: tuple[Arrival, ...]  # written into the folder
    present: tuple[tuple[str, str], ...]  # (attachment, the file already holding its bytes)
    refused: tuple[str, ...]  # one Vietnamese line each
    known: tuple[Arrival, ...] = ()  # arrivals of bytes already present (recorded too: the earliest counts)


def parse(raw: RawMessage) -> Letter:
    message = BytesParser(policy=policy.default).parsebytes(raw.data)
    assert isinstance(message, EmailMessage)
    sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
    received = _date_of(message) or raw.arrived
    return Letter(sender=sender, received=received, subject=_header(message, "Subject"),
                  message_id=_header(message, "Message-ID"), raw=raw, message=message)


def _header(message: EmailMessage, name: str) -> str:
    try:
        return unicodedata.normalize("NFC", " ".join(str(message.get(name, "")).split()))
    except (ValueError, TypeError, IndexError):
        return ""


def _date_of(message: EmailMessage) -> str:
    try:
        header = message.get("Date")
        moment = getattr(header, "datetime", None)
    except (ValueError, TypeError, IndexError):
        return ""
    if moment is None or moment.tzinfo is None:
        return ""  # a Date without its offset says no precise time
    return moment.isoformat()


def safe_name(name: str) -> str:
    """An attachment's name as a file in the input folder: its last path component only,
    NFC, no control or forbidden characters, not hidden, not a Windows device name."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _FORBIDDEN.sub("_", name).strip().lstrip(".~$ ").rstrip(". ")
    stem, suffix = os.path.splitext(name)
    if not stem or stem == ".":
        stem = _UNNAMED
    if stem.split(".")[0].strip().casefold() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    while len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES and stem:
        stem = stem[:-1]
    return stem + suffix


def collect(raws: list[RawMessage], to_dir: Path, limits: Limits) -> CollectResult:
    """Save every acceptable attachment of the messages into to_dir, oldest message first."""
    refused: list[str] = []
    readable: list[tuple[Letter, list[EmailMessage]]] = []
    for raw in raws:
        try:
            letter = parse(raw)
            leaves = [part for part in letter.message.walk() if not part.is_multipart()]
        except RecursionError:  # the parser recurses once per level: a crafted message must not stop the rest
            refused.append(f"Không đọc được thư {raw.where}: các phần của thư lồng nhau quá sâu, không phải thư do "
                           "chương trình thư thông thường tạo ra; hãy mở thư bằng chương trình thư, lưu riêng tệp "
                           "đính kèm vào thư mục hồ sơ.")
            continue
        readable.append((letter, leaves))
    readable.sort(key=lambda pair: _order(pair[0]))
    held = _held(to_dir)
    saved: list[Arrival] = []
    known: list[Arrival] = []
    present: list[tuple[str, str]] = []
    for letter, leaves in readable:
        for part in leaves:
            filename = part.get_filename()
            if filename is None and part.get_content_disposition() != "attachment":
                continue  # the body of the message
            shown = unicodedata.normalize("NFC", filename or "(không có tên)")
            name = safe_name(filename or "")
            data = part.get_payload(decode=True) or b""
            why = _refusal(name, len(data), limits)
            if why:
                refused.append(f"Không lưu tệp đính kèm \"{shown}\" của {letter.label()}: {why}.")
                continue
            digest = hashlib.sha256(data).hexdigest()
            arrival = Arrival(path=name, sha256=digest, sender=letter.sender, received=letter.received,
                              subject=letter.subject, message_id=letter.message_id, source=letter.raw.source)
            if digest in held:
                present.append((shown, held[digest]))
                known.append(replace(arrival, path=held[digest]))
                continue
            rel = _write_new(to_dir, name, data)
            held[digest] = rel
            saved.append(replace(arrival, path=rel))
    return CollectResult(messages=len(raws), saved=tuple(saved), present=tuple(present), refused=tuple(refused),
                         known=tuple(known))


def _order(letter: Letter) -> tuple[int, str, str, str]:
    """By message date (as an instant), then Message-ID; undated messages last."""
    if not letter.received:
        return (1, "", letter.message_id, letter.raw.where)
    instant = datetime.fromisoformat(letter.received).timestamp()
    return (0, f"{instant:020.3f}", letter.message_id, letter.raw.where)


def _refusal(name: str, size: int, limits: Limits) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        return f"không phải sổ tính ({', '.join(SPREADSHEET_SUFFIXES)}); chỉ lưu phiếu tự đánh giá bằng Excel"
    issue = check_size(name, size, limits)
    if issue is None:
        return ""
    if size == 0:
        return "tệp rỗng (0 byte); hãy đề nghị đơn vị gửi lại"
    return (f"tệp nặng {human_size(size)}, vượt giới hạn {human_size(limits.max_file_bytes)} của phiếu tự đánh "
            "giá; hãy đề nghị đơn vị gửi lại đúng tệp mẫu đã điền")


def _held(folder: Path) -> dict[str, str]:
    """SHA-256 -> relative path of every spreadsheet already in the folder (any name, any depth)."""
    held: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in SPREADSHEET_SUFFIXES and path.is_file() and not path.is_symlink():
            try:
                held.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path.relative_to(folder).as_posix())
            except OSError:
                continue  # unreadable here, reported by the batch
    return held


def _write_new(folder: Path, name: str, data: bytes) -> str:
    """Write under name, or "name (2)", "name (3)" … when taken (compared without case, as
    Windows and macOS would); exclusive creation, so no existing file is ever replaced."""
    taken = {p.name.casefold() for p in folder.iterdir()}
    stem, suffix = os.path.splitext(name)
    number = 1
    while True:
        candidate = name if number == 1 else f"{stem} ({number}){suffix}"
        number += 1
        if candidate.casefold() in taken:
            continue
        target = folder / candidate
        try:
            with open(target, "xb") as out:
                try:
                    out.write(data)
                except BaseException:
                    out.close()
                    target.unlink(missing_ok=True)
                    raise
        except FileExistsError:
            continue
        return candidate


def summary_lines(result: CollectResult) -> list[str]:
    """What collect did, for the console."""
    lines = [f"Đã đọc {result.messages} thư; lưu {len(result.saved)} tệp, {len(result.present)} tệp đã có sẵn "
             f"(không lưu lại), từ chối {len(result.refused)} tệp đính kèm."]
    lines += [f"  Đã lưu: {display_path(a.path)} ({a.sender})" for a in result.saved]
    lines += [f"  Đã có: \"{shown}\" trùng nội dung với {display_path(rel)}" for shown, rel in result.present]
    lines += [f"  {line}" for line in result.refused]
    return lines
