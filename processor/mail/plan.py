"""Who gets which message of a kind, and with what: the roster, the season's last run in the
register and the files the batch left in the output folder (pages, reply letters)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from processor.mail.compose import HTML, PDF, XLSX, Attachment, Draft, addresses, compose, issue_lists
from processor.model.records import Unit
from processor.model.register import UnitRecord
from processor.model.settings import Settings
from processor.model.statuses import Status
from processor.report.documents import reply_file_names
from processor.report.dossier import DocUnit
from processor.template.distribute import generate_templates, unit_template_names
from processor.text.normalise import nfc


@dataclass(frozen=True)
class Plan:
    drafts: tuple[Draft, ...]
    not_sendable: tuple[tuple[Draft, str], ...] = ()  # (draft, why), already in drafts with sendable=False


def _fields(settings: Settings, year: int, deadline: date) -> dict[str, str]:
    p = settings.placeholders(year, deadline)
    return {"nam": p["nam"], "han_nop": p["han_nop"], "noi_nhan": p["noi_nhan"], "email": p["email"],
            "lien_he": p["lien_he"]}


def sender_of(settings: Settings) -> str:
    return settings.mail.smtp.sender or settings.submit_email


def _recipients(record_email: str, roster: dict[str, Unit], code: str) -> tuple[str, ...]:
    """The roster given now wins over the address the run recorded (an address corrected or
    removed since); a unit no longer in it keeps the recorded one."""
    unit = roster.get(code.casefold()) if code else None
    return addresses(unit.email if unit is not None else record_email)


def plan_invite(roster: Sequence[Unit], settings: Settings, year: int, deadline: date, templates_dir: Path,
                make_request: Callable[[], object]) -> Plan:
    """Each roster unit's own template, from templates_dir/<year>/ when the template command
    made it there, else made now in a temporary folder exactly as that command would."""
    names = unit_template_names(list(roster))
    folder = templates_dir / str(year)
    fields = _fields(settings, year, deadline)
    guidance = "\n".join(line.format_map(settings.placeholders(year, deadline))
                         for line in settings.instructions_submit)
    with tempfile.TemporaryDirectory(prefix="dvht_thu_") as tmp:
        missing = [u for u, n in zip(roster, names, strict=True) if not (folder / n).is_file()]
        made: dict[str, Path] = {}
        if missing:
            result = generate_templates(Path(tmp), make_request(), list(roster))  # type: ignore[arg-type]
            made = {p.name: p for _, p in result.unit_files}
        drafts = []
        for unit, name in zip(roster, names, strict=True):
            path = folder / name if (folder / name).is_file() else made[name]
            attachment = Attachment(name, path.read_bytes(), XLSX)
            drafts.append(compose("invite", unit_key=unit.code.casefold(), code=unit.code, name=unit.name,
                                  recipients=addresses(unit.email), sender=sender_of(settings),
                                  fields={**fields, "tep": name, "huong_dan": guidance}, attachments=[attachment]))
    return Plan(tuple(drafts))


def plan_remind(units: Sequence[UnitRecord], roster: dict[str, Unit], settings: Settings, year: int,
                deadline: date) -> Plan:
    """Units without a valid dossier: not sent, or sent with errors; never one a valid
    recognition covers (it owes nothing this season)."""
    fields = _fields(settings, year, deadline)
    return Plan(tuple(compose("remind", unit_key=u.key, code=u.code, name=u.name,
                              recipients=_recipients(u.email, roster, u.code), sender=sender_of(settings),
                              fields=fields)
                      for u in units if u.status in (Status.MISSING, Status.TO_FIX)))


def plan_fix(units: Sequence[UnitRecord], roster: dict[str, Unit], settings: Settings, year: int, deadline: date,
             html_dir: Path) -> Plan:
    """Cần sửa units: what to fix (plain and HTML parts) and their page of the run."""
    fields = _fields(settings, year, deadline)
    drafts = []
    for u in units:
        if u.status != Status.TO_FIX:
            continue
        plain, table = issue_lists(u.issues)
        page = html_dir / u.page if u.page else None
        attachments = [Attachment(u.page, page.read_bytes(), HTML)] if page is not None and page.is_file() else []
        drafts.append(compose("fix", unit_key=u.key, code=u.code, name=u.name,
                              recipients=_recipients(u.email, roster, u.code), sender=sender_of(settings),
                              fields={**fields, "danh_sach": plain}, attachments=attachments, html_list=table))
    return Plan(tuple(drafts))


def _doc_unit(u: UnitRecord) -> DocUnit:
    return DocUnit(code=u.code, name=u.name, group=u.group, kind_label="", asked_label="", self_label="",
                   label="", rank=u.final_rank, reply=True, finality_label="", reasons=(), council_reason="",
                   errors=(), results={})


def plan_reply(units: Sequence[UnitRecord], roster: dict[str, Unit], settings: Settings, year: int,
               deadline: date, letters_dir: Path) -> Plan:
    """Units not recommended, and those recommended below the level they asked (the batch
    wrote them a reply letter): the signed PDF beside TraLoi_<code>.docx is attached; without
    it the message is written for review only, never sent — the draft is not a letter."""
    fields = _fields(settings, year, deadline)
    sent_dossier = [u for u in units if u.status in (Status.VALID, Status.TO_FIX)]
    names = reply_file_names([_doc_unit(u) for u in sent_dossier])
    drafts: list[Draft] = []
    held: list[tuple[Draft, str]] = []
    for u, name in zip(sent_dossier, names, strict=True):
        docx = letters_dir / name
        if u.final_rank is not None and not docx.is_file():
            continue
        pdf = docx.with_suffix(".pdf")
        common = dict(unit_key=u.key, code=u.code, name=u.name, recipients=_recipients(u.email, roster, u.code),
                      sender=sender_of(settings))
        if pdf.is_file():
            drafts.append(compose("reply", fields={**fields, "tep": pdf.name},
                                  attachments=[Attachment(pdf.name, pdf.read_bytes(), PDF)], **common))  # type: ignore[arg-type]
            continue
        draft = compose("reply", fields={**fields, "tep": pdf.name}, sendable=False, **common)  # type: ignore[arg-type]
        why = (f"chưa có bản ký {pdf.name} cạnh {docx.name} trong {letters_dir}" if docx.is_file()
               else f"chưa có văn bản trả lời {docx.name} trong {letters_dir} (chạy lệnh process)")
        drafts.append(draft)
        held.append((draft, nfc(why)))
    return Plan(tuple(drafts), tuple(held))
