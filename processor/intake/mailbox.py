"""Read the replies: the raw messages of an IMAP folder, or of a folder of saved .eml files.

Strictly read-only. The department's mailbox is its record of the season, so the folder is
selected read-only (EXAMINE) and every message is fetched with BODY.PEEK[], which leaves its
flags (\\Seen) as they were; nothing here stores a flag, expunges, moves or deletes.
The password is passed in by the caller and never appears in a message or a log.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from processor.model.errors import DvhtError
from processor.model.settings import MailServer


class MailboxError(DvhtError):
    """The mailbox cannot be read (server unreachable, login refused, no such folder)."""


@dataclass(frozen=True)
class RawMessage:
    """One message as it came: its bytes and where it was found."""

    data: bytes
    source: str  # "imap" or "eml"
    where: str  # "INBOX, UID 101" or the .eml file's name, to name it in a message
    arrived: str = ""  # the server's arrival time (IMAP INTERNALDATE), ISO; "" when unknown


def read_eml_dir(folder: Path) -> list[RawMessage]:
    """Every *.eml below the folder, by relative path (the caller orders them by date)."""
    messages = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".eml" and p.is_file()):
        messages.append(RawMessage(path.read_bytes(), "eml", str(path.relative_to(folder))))
    return messages


_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


def read_imap(server: MailServer, password: str, timeout: float = 60.0) -> list[RawMessage]:
    """Every message of the configured folder, fetched without marking any as read."""
    where = f"{server.host}:{server.port}"
    try:
        client = _connect(server, timeout)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise MailboxError(f"Không kết nối được máy chủ thư {where} ({server.security}): {_said(exc)}. "
                           "Hãy kiểm tra thu.imap (host, port, security) trong tệp cấu hình.") from None
    try:
        try:
            client.login(server.user, password)
        except imaplib.IMAP4.error:
            raise MailboxError(f"Máy chủ thư {where} từ chối đăng nhập của {server.user}. Hãy kiểm tra tên "
                               "đăng nhập (thu.imap.user) và mật khẩu (biến môi trường DVHT_IMAP_PASSWORD).") from None
        status, _ = client.select(_quoted(server.folder), readonly=True)
        if status != "OK":
            raise MailboxError(f"Hộp thư {server.user} trên {where} không có thư mục {server.folder!r}. Hãy sửa "
                               "thu.imap.folder trong tệp cấu hình.")
        status, found = client.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
        uids = found[0].split() if status == "OK" and found and found[0] else []
        messages = []
        for uid in uids:
            status, parts = client.uid("FETCH", uid.decode(), "(INTERNALDATE BODY.PEEK[])")
            for part in parts or ():
                if isinstance(part, tuple):
                    match = _INTERNALDATE.search(part[0])
                    messages.append(RawMessage(part[1], "imap", f"{server.folder}, UID {uid.decode()}",
                                               _iso_internaldate(match.group(1).decode()) if match else ""))
        return messages
    except (OSError, imaplib.IMAP4.abort, ssl.SSLError) as exc:
        raise MailboxError(f"Mất kết nối với máy chủ thư {where} khi đang đọc thư: {_said(exc)}. Hãy chạy lại; "
                           "thư đã lưu không bị lưu lại lần nữa.") from None
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _connect(server: MailServer, timeout: float) -> imaplib.IMAP4:
    if server.security == "ssl":
        return imaplib.IMAP4_SSL(server.host, server.port, ssl_context=ssl.create_default_context(),
                                 timeout=timeout)
    client = imaplib.IMAP4(server.host, server.port, timeout=timeout)
    if server.security == "starttls":
        client.starttls(ssl_context=ssl.create_default_context())
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _iso_internaldate(text: str) -> str:
    try:
        return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z").isoformat()
    except ValueError:
        return ""


def _said(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "hết thời gian chờ"
    if isinstance(exc, ConnectionRefusedError):
        return "máy chủ từ chối kết nối"
    if isinstance(exc, socket.gaierror):
        return "không tìm thấy tên máy chủ"
    if isinstance(exc, ssl.SSLError):
        return "lỗi mã hoá (SSL/TLS)"
    return type(exc).__name__
