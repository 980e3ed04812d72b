"""run.py mail against a live SMTP server (aiosmtpd in the test process), on the demo's
season built by the real pipeline: who gets which message, with what, encoded how; nothing
sent twice; a refused recipient reported while the rest go out; the unsigned reply never sent."""

from __future__ import annotations

import csv
import email
import io
import shutil
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from processor.cli import main
from processor.mail.compose import issue_lists
from processor.model.records import Unit
from processor.model.register import IssueRecord
from processor.pipeline import validity_years
from processor.register.store import season_results
from processor.template.distribute import unit_template_name

YEAR = "2025"
SENDER = "Sở Giáo dục và Đào tạo <sgddt@bacninh.gov.vn>"


@dataclass
class Recorder:
    """An SMTP server's handler: keeps every message, refuses the addresses in refuse."""

    refuse: set[str] = field(default_factory=set)
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # as it came over the wire

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        self.raw.append(envelope.original_content)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for _, rcpt, m in self.received if address in rcpt]


@pytest.fixture(scope="module")
def demo_season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--workers", "1"], stdout=io.StringIO(), stderr=io.StringIO()) in (0, 1)
    return out


@dataclass
class Season:
    out: Path
    roster: Path
    db: Path
    config: Path
    templates: Path
    server: Recorder

    def run(self, *args: str, year: str = YEAR) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["mail", *args, "--year", year, "--roster", str(self.roster), "--out", str(self.out),
                     "--db", str(self.db), "--config", str(self.config), "--templates", str(self.templates)],
                    stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    def units(self):
        return season_results(self.db, validity_years, int(YEAR), "tt24-2023")[1]

    def listing(self, kind: str) -> list[dict[str, str]]:
        with (self.out / "thu" / kind / "danh_sach_thu.csv").open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def season(demo_season: Path, tmp_path: Path) -> Season:
    out = tmp_path / "out"
    shutil.copytree(demo_season, out)
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    config = tmp_path / "config.yaml"
    config.write_text(f"thu:\n  smtp: {{host: 127.0.0.1, port: {controller.port}, security: none, user: '', "
                      f"from: '{SENDER}'}}\n  nhip_gui: 0\n", encoding="utf-8")
    roster = out / "du_lieu_mau" / "danh_sach_don_vi_tt24.csv"
    yield Season(out=out, roster=roster, db=out / "du_lieu_mau" / "du_lieu" / "dvht.sqlite", config=config,
                 templates=tmp_path / "input_templates", server=recorder)
    controller.stop()


def _roster_emails(roster: Path) -> dict[str, str]:
    with roster.open(encoding="utf-8-sig", newline="") as fh:
        return {row["Mã đơn vị"]: row["Email"] for row in csv.DictReader(fh)}


def _attachments(msg: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}


def _raw_headers(raw: bytes) -> str:
    """The header block as sent: ASCII only (RFC 2047 words), or decoding fails."""
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def test_invite_sends_each_unit_its_template_once_with_the_deadline(season: Season) -> None:
    assert main(["template", "--year", YEAR, "--roster", str(season.roster), "--out", str(season.templates)],
                stdout=io.StringIO()) == 0
    code, out, _ = season.run("invite", "--send")
    assert code == 0, out
    emails = _roster_emails(season.roster)
    assert sorted(a for _, rcpt, _ in season.server.received for a in rcpt) == sorted(emails.values())
    [n] = [i for i, r in enumerate(season.server.received) if r[1] == ["snv@bacninh.gov.vn"]]
    sender, _, msg = season.server.received[n]
    assert sender == "sgddt@bacninh.gov.vn"
    assert msg["Subject"] == "Đề nghị tự đánh giá “Đơn vị học tập” năm 2025 — Sở Nội vụ"
    assert msg["From"] == SENDER
    headers = _raw_headers(season.server.raw[n])
    assert "Subject: =?utf-8?" in headers and "From: =?utf-8?" in headers
    name = unit_template_name(Unit(code="SNV", name="Sở Nội vụ"))
    assert _attachments(msg) == {name: (season.templates / YEAR / name).read_bytes()}
    body = msg.get_body(("plain",)).get_content()
    assert "Kính gửi: Sở Nội vụ." in body and "Hạn gửi: 14/01/2026." in body
    # the second run sends nothing: every message is in the register
    sent = len(season.server.received)
    code, out, _ = season.run("invite", "--send")
    assert code == 0 and len(season.server.received) == sent
    assert {row["Trạng thái"] for row in season.listing("invite")} == {
        "Đã gửi ở lần chạy trước — không gửi lại (dùng --resend để gửi lại)"}


def test_invite_makes_a_missing_template_and_still_sends_it_only_once(season: Season) -> None:
    code, _, _ = season.run("invite", "--send")
    assert code == 0
    [msg] = season.server.to("stp@bacninh.gov.vn")
    [(name, data)] = _attachments(msg).items()
    assert name == unit_template_name(Unit(code="STP", name="Sở Tư pháp"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert "STP" in [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not (season.templates / YEAR).exists()  # made in a temporary folder, not left behind
    sent = len(season.server.received)
    assert season.run("invite", "--send")[0] == 0
    assert len(season.server.received) == sent  # the template made again says the same: the same message


def test_remind_goes_to_units_without_a_valid_dossier_not_to_covered_ones(season: Season) -> None:
    code, out, _ = season.run("remind", "--send")
    assert code == 0, out
    units = season.units()
    expected = sorted(u.email for u in units if u.status in ("missing", "to_fix"))
    assert sorted(a for _, rcpt, _ in season.server.received for a in rcpt) == expected
    covered = [u.email for u in units if u.status == "covered"]
    assert covered and not any(season.server.to(a) for a in covered)
    [msg] = season.server.to("hoiphunu@bacninh.gov.vn")
    assert msg["Subject"] == "Nhắc gửi hồ sơ tự đánh giá “Đơn vị học tập” năm 2025 — Hội Liên hiệp Phụ nữ tỉnh Bắc Ninh"
    assert "chưa nhận được hồ sơ" in msg.get_body(("plain",)).get_content()


def test_fix_sends_the_list_to_fix_in_text_and_html_with_the_unit_page(season: Season) -> None:
    code, out, _ = season.run("fix", "--send")
    assert code == 0, out
    units = season.units()
    assert sorted(a for _, rcpt, _ in season.server.received for a in rcpt) == sorted(
        u.email for u in units if u.status == "to_fix")
    [msg] = season.server.to("stp@bacninh.gov.vn")
    [stp] = [u for u in units if u.code == "STP"]
    issue = stp.issues[0]
    plain = msg.get_body(("plain",)).get_content()
    assert f"- Tệp {issue.file}, trang “{issue.sheet}”, ô {issue.cell}: {issue.message}" in plain
    html_part = msg.get_body(("html",)).get_content()
    assert f"<td>{issue.cell}</td>" in html_part and "Hãy ghi minh chứng" in html_part
    page = (season.out / "html" / "STP.html").read_bytes()
    assert _attachments(msg) == {"STP.html": page}
    [part] = msg.iter_attachments()
    assert part.get_content() == page.decode("utf-8")  # declared UTF-8: a mail client shows the Vietnamese
    assert msg["Subject"] == "Đề nghị sửa hồ sơ tự đánh giá “Đơn vị học tập” năm 2025 — Sở Tư pháp"


def test_the_html_list_escapes_what_a_unit_or_a_file_name_holds() -> None:
    issue = IssueRecord("error", "x", "<b>a&b</b>.xlsx", "Trang <1>", "B2", 'Giá trị "<script>" sai')
    plain, table = issue_lists([issue, IssueRecord("warning", "y", "f.xlsx", "S", "C3", "Lưu ý & kiểm tra")])
    assert plain == ("Lỗi cần sửa:\n- Tệp <b>a&b</b>.xlsx, trang “Trang <1>”, ô B2: Giá trị \"<script>\" sai\n\n"
                     "Lưu ý:\n- Tệp f.xlsx, trang “S”, ô C3: Lưu ý & kiểm tra")
    assert "<script>" not in table and "&lt;script&gt;" in table and "&lt;b&gt;a&amp;b&lt;/b&gt;.xlsx" in table
    assert "Lưu ý &amp; kiểm tra" in table


def test_reply_sends_only_a_signed_pdf_and_never_the_draft(season: Season) -> None:
    pdf = b"%PDF-1.4 signed letter\n"
    (season.out / "van_ban" / "TraLoi_SNV.pdf").write_bytes(pdf)
    code, out, _ = season.run("reply", "--send")
    assert code == 0, out
    assert [rcpt for _, rcpt, _ in season.server.received] == [["snv@bacninh.gov.vn"]]
    [(_, _, msg)] = season.server.received
    assert _attachments(msg) == {"TraLoi_SNV.pdf": pdf}
    assert msg["Subject"] == "Trả lời về kết quả đánh giá “Đơn vị học tập” năm 2025 — Sở Nội vụ"
    # the others (not recommended, no PDF yet) are written for review, listed as not sent, no .docx attached
    stp = email.message_from_bytes((season.out / "thu" / "reply" / "STP.eml").read_bytes(), policy=policy.default)
    assert list(stp.iter_attachments()) == []
    rows = {row["Mã đơn vị"]: row for row in season.listing("reply")}
    assert rows["SNV"]["Trạng thái"] == "Đã gửi"
    assert rows["STP"]["Trạng thái"].startswith("Chỉ ghi để xem lại, không gửi: chưa có bản ký TraLoi_STP.pdf")
    assert "STP Sở Tư pháp: Chỉ ghi để xem lại, không gửi" in out
    # units not recommended get one; a recommended unit with no reply letter does not
    not_recommended = {u.code for u in season.units() if u.final_rank is None and u.status in ("valid", "to_fix")}
    assert not_recommended <= set(rows) and "STC" not in rows


def test_resend_sends_again(season: Season) -> None:
    assert season.run("remind", "--send")[0] == 0
    first = len(season.server.received)
    assert season.run("remind", "--send")[0] == 0
    assert len(season.server.received) == first
    assert season.run("remind", "--send", "--resend")[0] == 0
    assert len(season.server.received) == 2 * first


def test_a_refused_recipient_is_reported_and_the_rest_are_sent(season: Season) -> None:
    season.server.refuse.add("stp@bacninh.gov.vn")
    code, out, _ = season.run("fix", "--send")
    assert code == 0
    assert "STP: Máy chủ thư từ chối người nhận: stp@bacninh.gov.vn (550 5.1.1 Mailbox unavailable) — chưa gửi" in out
    to_fix = sorted(u.email for u in season.units() if u.status == "to_fix")
    assert sorted(a for _, rcpt, _ in season.server.received for a in rcpt) == [a for a in to_fix
                                                                                if a != "stp@bacninh.gov.vn"]
    # not recorded as sent: once the address is accepted, the next run sends that one only
    season.server.refuse.clear()
    season.server.received.clear()
    assert season.run("fix", "--send")[0] == 0
    assert [rcpt for _, rcpt, _ in season.server.received] == [["stp@bacninh.gov.vn"]]


def test_a_unit_without_an_address_is_listed_not_skipped(season: Season) -> None:
    text = season.roster.read_text(encoding="utf-8-sig").replace("syt@bacninh.gov.vn", "")
    season.roster.write_text(text, encoding="utf-8-sig")
    code, out, _ = season.run("fix", "--send")
    assert code == 0
    assert "  Không có địa chỉ email: SYT Sở Y tế" in out
    assert {row["Mã đơn vị"]: row["Trạng thái"] for row in season.listing("fix")}["SYT"] == (
        "Không có địa chỉ email trong danh sách đơn vị — chưa gửi")
    assert (season.out / "thu" / "fix" / "SYT.eml").is_file()
    assert not season.server.to("syt@bacninh.gov.vn")


def test_without_send_the_messages_are_only_written(season: Season) -> None:
    code, _, _ = season.run("remind")
    assert code == 0 and season.server.received == []
    written = sorted(p.name for p in (season.out / "thu" / "remind").glob("*.eml"))
    assert written == sorted(f"{u.code}.eml" for u in season.units() if u.status in ("missing", "to_fix"))
    msg = email.message_from_bytes((season.out / "thu" / "remind" / "STP.eml").read_bytes(), policy=policy.default)
    assert msg["To"] == "stp@bacninh.gov.vn" and msg["Subject"].startswith("Nhắc gửi hồ sơ")


@pytest.mark.parametrize("case", ["roster", "season", "host"])
def test_usage_errors_exit_2_with_one_line(season: Season, tmp_path: Path, case: str) -> None:
    if case == "roster":
        season.roster = tmp_path / "khong_co.csv"
        args: tuple[str, ...] = ("remind",)
        expected = f"Lỗi: không tìm thấy danh sách đơn vị {season.roster}\n"
    elif case == "season":
        args = ("remind",)
        expected = None
    else:
        season.config.write_text("thu:\n  nhip_gui: 0\n", encoding="utf-8")
        args = ("invite", "--send")
        expected = ("Lỗi: --send cần máy chủ thư: ghi thu.smtp.host (và port, security, user, from) trong tệp cấu "
                    "hình --config\n")
    code, _, err = season.run(*args, year="2024" if case == "season" else YEAR)
    assert code == 2 and season.server.received == []
    assert err.count("\n") == 1
    if expected is not None:
        assert err == expected
    else:
        assert "chưa có lần chạy tổng hợp nào của năm 2024" in err


def test_login_takes_the_password_from_the_environment_and_never_shows_it(
        season: Season, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "mật-khẩu-Bí-mật-42"
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == secret.encode("utf-8"), handled=False)

    controller = Controller(season.server, hostname="127.0.0.1", port=_free_port(), authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        season.config.write_text(f"thu:\n  smtp: {{host: 127.0.0.1, port: {controller.port}, security: none, "
                                 f"user: thu@sgd, from: '{SENDER}'}}\n  nhip_gui: 0\n", encoding="utf-8")
        monkeypatch.setenv("DVHT_SMTP_PASSWORD", secret)
        code, out, err = season.run("remind", "--send")
        assert code == 0, err
        assert logins == [(b"thu@sgd", secret.encode("utf-8"))]  # one login for the whole run
        assert len(season.server.received) == len([u for u in season.units() if u.status in ("missing", "to_fix")])
        monkeypatch.setenv("DVHT_SMTP_PASSWORD", "sai-" + secret)
        code, out2, err2 = season.run("remind", "--send", "--resend")
        assert code == 2
        assert err2 == (f"Lỗi: máy chủ thư 127.0.0.1:{controller.port} từ chối đăng nhập của thu@sgd: kiểm tra tên "
                        "đăng nhập (thu.smtp.user) và mật khẩu (biến môi trường DVHT_SMTP_PASSWORD)\n")
        written = b"".join(p.read_bytes() for p in (season.out / "thu").rglob("*") if p.is_file())
        for text in (out, err, out2, err2):
            assert secret not in text
        assert secret.encode("utf-8") not in written
    finally:
        controller.stop()


def test_an_address_the_server_cannot_take_is_reported_and_the_rest_are_sent(season: Season) -> None:
    """A roster address with Vietnamese letters needs SMTPUTF8; a server without it refuses
    that one message, not the run (review of issue 15)."""
    text = season.roster.read_text(encoding="utf-8-sig").replace("stp@bacninh.gov.vn", "tư.pháp@bacninh.gov.vn")
    season.roster.write_text(text, encoding="utf-8-sig")
    plain = Controller(season.server, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=False)
    plain.start()
    try:
        season.config.write_text(f"thu:\n  smtp: {{host: 127.0.0.1, port: {plain.port}, security: none, user: '', "
                                 f"from: '{SENDER}'}}\n  nhip_gui: 0\n", encoding="utf-8")
        code, out, err = season.run("fix", "--send")
    finally:
        plain.stop()
    assert (code, err) == (0, "")
    assert ("STP: Máy chủ thư không nhận địa chỉ có chữ có dấu (tư.pháp@bacninh.gov.vn) — chưa gửi; hãy sửa địa "
            "chỉ trong danh sách đơn vị hoặc dùng máy chủ thư hỗ trợ SMTPUTF8") in out
    to_fix = sorted(u.email for u in season.units() if u.status == "to_fix")
    assert sorted(a for _, rcpt, _ in season.server.received for a in rcpt) == [a for a in to_fix
                                                                                if a != "stp@bacninh.gov.vn"]


def test_a_cell_with_two_addresses_makes_one_message_to_both(season: Season) -> None:
    text = season.roster.read_text(encoding="utf-8-sig").replace("stp@bacninh.gov.vn",
                                                                 "stp@bacninh.gov.vn; vp.stp@bacninh.gov.vn")
    season.roster.write_text(text, encoding="utf-8-sig")
    assert season.run("fix", "--send")[0] == 0
    both = [(rcpt, m["To"]) for _, rcpt, m in season.server.received if "stp@bacninh.gov.vn" in rcpt]
    assert both == [(["stp@bacninh.gov.vn", "vp.stp@bacninh.gov.vn"], "stp@bacninh.gov.vn, vp.stp@bacninh.gov.vn")]
