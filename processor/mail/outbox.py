"""Write the messages of a kind as .eml files with a CSV of them, and send them when asked.

Sending records each message in the register the moment the server accepts it, so a crash or
a Ctrl+C never makes a second run send it again; a refused recipient is reported and the
others still get theirs. The password is read from DVHT_SMTP_PASSWORD or a prompt and lives
only in the call that logs in: never written, never printed, never in a message.
"""

from __future__ import annotations

import base64
import csv
import getpass
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.utils import parseaddr
from pathlib import Path

from processor.mail.compose import Draft
from processor.model.errors import DvhtError
from processor.model.register import SentRecord
from processor.model.settings import MailServer
from processor.register.db import Validity
from processor.register.store import record_sent, sent_keys
from processor.template.distribute import csv_safe
from processor.text.normalise import safe_file_stem, unique_file_names

PASSWORD_ENV = "DVHT_SMTP_PASSWORD"
LIST_FILE = "danh_sach_thu.csv"
CSV_HEADER = ("Mã đơn vị", "Tên đơn vị", "Người nhận", "Tiêu đề", "Tệp thư", "Tệp đính kèm", "Trạng thái")

WRITTEN = "Đã ghi tệp thư (chưa gửi)"
SENT = "Đã gửi"
ALREADY = "Đã gửi ở lần chạy trước — không gửi lại (dùng --resend để gửi lại)"
NO_ADDRESS = "Không có địa chỉ email trong danh sách đơn vị — chưa gửi"


class MailError(DvhtError):
    """The mail server cannot be used (connection, security, login): nothing more is sent."""


@dataclass(frozen=True)
class Outcome:
    draft: Draft
    eml: Path
    status: str


def eml_names(drafts: Sequence[Draft]) -> list[str]:
    """<code>.eml per message, never shared inside the folder (compared case-insensitively)."""
    return unique_file_names((safe_file_stem(d.code, 40) or safe_file_stem(d.name, 80) or "don_vi" for d in drafts),
                             ".eml")


def write_eml(folder: Path, drafts: Sequence[Draft]) -> list[Path]:
    """The folder holds this run's messages only: the .eml files an earlier run left there
    (a unit since fixed) are removed, nothing else is touched."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    paths = []
    for d, name in zip(drafts, eml_names(drafts), strict=True):
        path = folder / name
        path.write_bytes(d.message.as_bytes(policy=policy.SMTP))
        paths.append(path)
    return paths


def write_list(folder: Path, outcomes: Sequence[Outcome]) -> Path:
    path = folder / LIST_FILE
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        for o in outcomes:
            d = o.draft
            cells = (d.code, d.name, "; ".join(d.recipients), d.subject, o.eml.name, "; ".join(d.attachments),
                     o.status)
            writer.writerow([csv_safe(c) for c in cells])
    return path


def status_without_sending(draft: Draft, why: str = "") -> str:
    if not draft.recipients:
        return NO_ADDRESS
    if not draft.sendable:
        return f"Chỉ ghi để xem lại, không gửi: {why}"
    return WRITTEN


def password_from(env: dict[str, str] | os._Environ[str], prompt: Callable[[str], str] = getpass.getpass,
                  user: str = "") -> str:
    return env.get(PASSWORD_ENV) or prompt(f"Mật khẩu hộp thư {user}: ")


def _connect(server: MailServer, password: Callable[[], str], timeout: float) -> smtplib.SMTP:
    smtp: smtplib.SMTP | None = None
    try:
        if server.security == "ssl":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if server.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if server.user:
            _login(smtp, server.user, password())
        return smtp
    except BaseException as exc:
        if smtp is not None:
            smtp.close()
        error = _connect_error(server, exc)
        if error is None:
            raise
        raise error from None


def _connect_error(server: MailServer, exc: BaseException) -> MailError | None:
    """A failure to connect or log in, in Vietnamese; never the password nor the server's echo."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailError(f"máy chủ thư {where} từ chối đăng nhập của {server.user}: kiểm tra tên đăng nhập (thu.smtp"
                         f".user) và mật khẩu (biến môi trường {PASSWORD_ENV})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(f"máy chủ thư {where} không hỗ trợ STARTTLS hoặc đăng nhập; kiểm tra thu.smtp.security "
                         "(starttls, ssl hoặc none)")
    if isinstance(exc, ssl.SSLError):
        return MailError(f"không thiết lập được kết nối bảo mật với máy chủ thư {where} ({exc.reason}); kiểm tra "
                         "thu.smtp.security và thu.smtp.port")
    if isinstance(exc, (OSError, smtplib.SMTPException)):
        return MailError(f"không kết nối được máy chủ thư {where} ({type(exc).__name__}); kiểm tra thu.smtp.host, "
                         "thu.smtp.port và mạng")
    return None


def _login(smtp: smtplib.SMTP, user: str, secret: str) -> None:
    """smtplib encodes credentials as ASCII; a Vietnamese password goes as UTF-8 over AUTH
    PLAIN (RFC 4616), the one mechanism that defines it."""
    try:
        smtp.login(user, secret)
        return
    except UnicodeEncodeError:
        pass
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPAuthenticationError(535, b"PLAIN not offered for a non-ASCII password")
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + secret.encode("utf-8")).decode("ascii")
    code, _ = smtp.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, b"")


def _refusal(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in exc.recipients.items())
        return f"Máy chủ thư từ chối người nhận: {said} — chưa gửi"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Máy chủ thư không nhận thư ({exc.smtp_code} {_text(exc.smtp_error)}) — chưa gửi"
    return f"Không gửi được ({type(exc).__name__}) — chưa gửi"


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


@dataclass(frozen=True)
class SendJob:
    server: MailServer
    sender: str
    register: Path
    validity: Validity
    year: int
    pace_seconds: float
    resend: bool = False
    timeout: float = 60.0


def send(job: SendJob, drafts: Sequence[Draft], password: Callable[[], str],
         report: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    """Send every sendable draft with an address; key -> status for each one tried or skipped.

    Connects only when something is to be sent, logs in once, waits pace_seconds between two
    messages (a provider's rate limit), records each accepted message at once."""
    done = set() if job.resend else set(sent_keys(job.register, job.validity))
    statuses: dict[str, str] = {}
    todo = []
    for d in drafts:
        if not d.recipients or not d.sendable:
            continue
        if d.key in done:
            statuses[d.key] = ALREADY
        else:
            todo.append(d)
    if not todo:
        return statuses
    smtp = _connect(job.server, password, job.timeout)
    try:
        for n, d in enumerate(todo):
            if n and job.pace_seconds:
                sleep(job.pace_seconds)
            try:
                # the bare address: a Vietnamese display name would make smtplib send raw UTF-8 headers
                refused = smtp.send_message(d.message, from_addr=parseaddr(job.sender)[1],
                                            to_addrs=list(d.recipients))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                statuses[d.key] = _refusal(exc)
                report(f"{d.code or d.name}: {statuses[d.key]}")
                continue
            except smtplib.SMTPNotSupportedError:  # an address with accents, a server without SMTPUTF8: this one only
                accented = ", ".join(a for a in (parseaddr(job.sender)[1], *d.recipients) if not a.isascii())
                statuses[d.key] = (f"Máy chủ thư không nhận địa chỉ có chữ có dấu ({accented}) — chưa gửi; hãy sửa "
                                   "địa chỉ trong danh sách đơn vị hoặc dùng máy chủ thư hỗ trợ SMTPUTF8")
                report(f"{d.code or d.name}: {statuses[d.key]}")
                continue
            except smtplib.SMTPServerDisconnected:
                raise MailError(f"máy chủ thư {job.server.host} ngắt kết nối khi gửi thư cho {d.code or d.name}; các "
                                "thư đã gửi được ghi trong cơ sở dữ liệu, chạy lại lệnh để gửi tiếp") from None
            accepted = [r for r in d.recipients if r not in refused]
            record_sent(job.register, job.validity, SentRecord(
                message_key=d.key, kind=d.kind, year=job.year, unit_key=d.unit_key, recipients=", ".join(accepted),
                subject=d.subject, sent_at=datetime.now().astimezone().isoformat(timespec="seconds")))
            statuses[d.key] = SENT
            if refused:
                said = "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in refused.items())
                statuses[d.key] = f"Đã gửi cho {', '.join(accepted)}; máy chủ thư từ chối: {said}"
                report(f"{d.code or d.name}: {statuses[d.key]}")
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return statuses
