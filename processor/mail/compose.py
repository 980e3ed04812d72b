"""Build one message per unit from plain inputs: no file system, no server, no register.

Messages are email.message.EmailMessage under policy.SMTP, so a Vietnamese subject or name
is RFC 2047-encoded and bodies are UTF-8 whatever the server or mail client; the wording is
data (processor/texts/mail.yaml). Everything a unit typed reaches the HTML part escaped.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from processor.model.register import IssueRecord
from processor.text.normalise import nfc
from processor.text.wording import wording

KINDS = ("invite", "remind", "fix", "reply")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
HTML = "text/html"
# Parts of an xlsx that change with the time it was written, not with what it says: the core
# properties, and the template's generated_at stamp (DVHT_meta) among its shared strings.
_VOLATILE_MEMBERS = frozenset({"docProps/core.xml"})
_STAMP = re.compile(rb"<t>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d|Z)?</t>")
_ADDRESS_SPLIT = re.compile(r"[;,\s]+")


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # "type/subtype"

    @property
    def digest(self) -> str:
        """What the attachment says: a template made again on the fly differs only in its
        write time (core properties, the generated_at stamp, zip dates), so an xlsx is digested
        member by member without them and a second run recognises the same invitation."""
        if self.mime == XLSX:
            try:
                with zipfile.ZipFile(io.BytesIO(self.data)) as z:
                    h = hashlib.sha256()
                    for name in sorted(z.namelist()):
                        if name not in _VOLATILE_MEMBERS:
                            data = z.read(name)
                            if name == "xl/sharedStrings.xml":
                                data = _STAMP.sub(b"<t></t>", data)
                            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
                    return h.hexdigest()
            except (zipfile.BadZipFile, OSError):
                pass
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Draft:
    """A composed message and what identifies it."""

    kind: str
    unit_key: str
    code: str
    name: str
    recipients: tuple[str, ...]
    subject: str
    message: EmailMessage
    key: str  # sha256 of kind, unit, recipients, subject, body and attachments
    attachments: tuple[str, ...]  # file names
    sendable: bool = True  # False: written for review only (a reply without its signed PDF)


def _nfc_lines(text: str) -> str:
    """NFC, spaces folded within each line, the line breaks of a body or a list kept."""
    return "\n".join(nfc(line) for line in unicodedata.normalize("NFC", text).replace("\r", "\n").split("\n"))


def mail_texts() -> dict:  # type: ignore[type-arg]
    return wording("mail")


def addresses(cell: str) -> tuple[str, ...]:
    """The addresses of a roster's Email cell ("a@x; b@y"), in order, each once."""
    found: list[str] = []
    for part in _ADDRESS_SPLIT.split(cell or ""):
        _, addr = parseaddr(part.strip())
        if "@" in addr and addr.casefold() not in {a.casefold() for a in found}:
            found.append(addr)
    return tuple(found)


def message_key(kind: str, unit_key: str, recipients: Sequence[str], subject: str, body: str,
                attachments: Sequence[Attachment]) -> str:
    payload = json.dumps([kind, unit_key, sorted(r.casefold() for r in recipients), subject, body,
                          [[a.filename, a.digest] for a in attachments]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def compose(kind: str, *, unit_key: str, code: str, name: str, recipients: Sequence[str], sender: str,
            fields: Mapping[str, str], attachments: Sequence[Attachment] = (), html_list: str = "",
            sendable: bool = True) -> Draft:
    """One message of a kind: subject and body from mail.yaml with fields filled in (NFC),
    the plain text first, an HTML alternative when html_list is given (the fix list)."""
    texts = mail_texts()
    values = {k: _nfc_lines(str(v)) for k, v in fields.items()}
    values.setdefault("ten_don_vi", nfc(name))
    values.setdefault("ma_don_vi", nfc(code))
    subject = nfc(texts["subject"][kind].format_map(values))
    body = _nfc_lines(texts["body"][kind].format_map(values)).strip() + "\n"
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    if sender:
        msg["From"] = sender
    if recipients:
        msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body, charset="utf-8")
    if html_list:
        msg.add_alternative(_html_body(body, values, html_list), subtype="html", charset="utf-8")
    for a in attachments:
        maintype, _, subtype = a.mime.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else None  # the unit's page is UTF-8
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename, params=params)
    key = message_key(kind, unit_key, recipients, subject, body, attachments)
    return Draft(kind=kind, unit_key=unit_key, code=code, name=name, recipients=tuple(recipients), subject=subject,
                 message=msg, key=key, attachments=tuple(a.filename for a in attachments), sendable=sendable)


def _html_body(body: str, values: Mapping[str, str], html_list: str) -> str:
    """The plain body as paragraphs, escaped, the plain list replaced by the HTML table."""
    marker = "\x00LIST\x00"
    texts = mail_texts()
    plain_with_marker = _nfc_lines(texts["body"]["fix"].format_map({**values, "danh_sach": marker})).strip()
    paragraphs = []
    for block in plain_with_marker.split("\n\n"):
        if marker in block:
            paragraphs.append(html_list)
        else:
            paragraphs.append("<p>" + html.escape(block).replace("\n", "<br>") + "</p>")
    return ("<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"></head><body>\n"
            + "\n".join(paragraphs) + "\n</body></html>\n")


def issue_lists(issues: Sequence[IssueRecord]) -> tuple[str, str]:
    """What to fix, as plain text and as an HTML table: errors first, then the warnings."""
    texts = mail_texts()
    plain: list[str] = []
    parts: list[str] = []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in texts["html_columns"])
    for severity, title in (("error", texts["errors_title"]), ("warning", texts["warnings_title"])):
        chosen = [i for i in issues if (i.severity == "error") == (severity == "error")]
        if not chosen:
            continue
        plain.append(title)
        rows = []
        for i in chosen:
            plain.append("- " + nfc(texts["issue_line"].format(file=i.file or "—", sheet=i.sheet or "—",
                                                               cell=i.cell or "—", message=i.message)))
            rows.append("<tr>" + "".join(f"<td>{html.escape(nfc(v or '—'))}</td>"
                                         for v in (i.file, i.sheet, i.cell, i.message)) + "</tr>")
        parts.append(f"<p><b>{html.escape(title)}</b></p>\n<table border=\"1\" cellpadding=\"4\" "
                     f"style=\"border-collapse:collapse\"><tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>")
        plain.append("")
    return "\n".join(plain).strip(), "\n".join(parts)
