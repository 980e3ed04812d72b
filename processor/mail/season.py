"""One `mail` command: plan the messages of a kind, write them under <out>/thu/<kind>/, send
them when asked, and say what happened — each unit without an address by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from processor.mail.compose import Draft
from processor.mail.outbox import (
    NO_ADDRESS,
    Outcome,
    SendJob,
    send,
    status_without_sending,
    write_eml,
    write_list,
)
from processor.mail.plan import Plan, plan_fix, plan_invite, plan_remind, plan_reply, sender_of
from processor.model.records import Unit
from processor.model.settings import Settings
from processor.register.db import Validity
from processor.register.store import season_results

MAIL_DIR = "thu"
KIND_LABELS = {"invite": "thư gửi mẫu", "remind": "thư nhắc nộp", "fix": "thư đề nghị sửa",
               "reply": "thư trả lời"}


@dataclass(frozen=True)
class MailJob:
    kind: str
    year: int
    rubric_id: str
    deadline: date
    settings: Settings
    roster: tuple[Unit, ...]
    out_dir: Path
    register: Path
    validity: Validity
    templates_dir: Path
    make_template_request: Callable[[], object]
    send: bool = False
    resend: bool = False


@dataclass(frozen=True)
class MailResult:
    folder: Path
    listing: Path
    outcomes: tuple[Outcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def plan(job: MailJob) -> Plan:
    if job.kind == "invite":
        return plan_invite(job.roster, job.settings, job.year, job.deadline, job.templates_dir,
                           job.make_template_request)
    _, units = season_results(job.register, job.validity, job.year, job.rubric_id)
    by_code = {u.code.casefold(): u for u in job.roster if u.code}
    if job.kind == "remind":
        return plan_remind(units, by_code, job.settings, job.year, job.deadline)
    if job.kind == "fix":
        return plan_fix(units, by_code, job.settings, job.year, job.deadline, job.out_dir / "html")
    return plan_reply(units, by_code, job.settings, job.year, job.deadline, job.out_dir / "van_ban")


def run_mail(job: MailJob, password: Callable[[], str], report: Callable[[str], None],
             sleep: Callable[[float], None] | None = None) -> MailResult:
    planned = plan(job)
    folder = job.out_dir / MAIL_DIR / job.kind
    emls = write_eml(folder, planned.drafts)
    why = {d.key: reason for d, reason in planned.not_sendable}
    statuses: dict[str, str] = {}
    if job.send:
        server = job.settings.mail.smtp
        kwargs = {"sleep": sleep} if sleep is not None else {}
        statuses = send(SendJob(server=server, sender=sender_of(job.settings), register=job.register,
                                validity=job.validity, year=job.year, pace_seconds=job.settings.mail.pace_seconds,
                                resend=job.resend), planned.drafts, password, report, **kwargs)
    outcomes = tuple(Outcome(d, eml, statuses.get(d.key) or status_without_sending(d, why.get(d.key, "")))
                     for d, eml in zip(planned.drafts, emls, strict=True))
    listing = write_list(folder, outcomes)
    return MailResult(folder=folder, listing=listing, outcomes=outcomes)


def no_address(outcomes: Sequence[Outcome]) -> list[Draft]:
    return [o.draft for o in outcomes if o.status == NO_ADDRESS]
