"""run.py collect: replies brought from a live IMAP server (pymap, in this process) and from a
folder of .eml files into the input folder; the batch then judges lateness by arrival and
matches a file without a code to the unit whose roster address sent it."""

from __future__ import annotations

import asyncio
import hashlib
import imaplib
import io
import threading
from argparse import Namespace
from collections.abc import Iterator
from datetime import date
from email.header import Header
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from processor.cli import main
from processor.intake.collect import collect, safe_name
from processor.intake.mailbox import RawMessage, read_eml_dir, read_imap
from processor.model.batch import BatchOptions, Limits
from processor.model.issues import make_issue
from processor.model.records import Unit
from processor.model.register import Arrival
from processor.model.rubric import load_rubric
from processor.model.settings import MailServer
from processor.pipeline import run_batch, validity_years
from processor.register.store import load_arrivals, record_arrivals
from processor.report.summary import summarise

USER, PASSWORD = "vanthu@sogd.example", "mat-khau-thu"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- a live IMAP server ---------------------------------------------------------------

@pytest.fixture
def imap_port() -> Iterator[int]:
    """pymap with its in-memory backend, serving one user on a free port of this machine."""
    from proxyprotocol.reader import ProxyProtocolReader
    from pymap.backend.dict import DictBackend
    from pymap.imap import IMAPServer

    ready, box = threading.Event(), {}

    async def serve() -> None:
        args = Namespace(host="127.0.0.1", port=0, debug=False, cert=None, key=None, tls=False,
                         insecure_login=True, demo_data=False, demo_user=USER, demo_password=PASSWORD,
                         passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)
        backend, config = await DictBackend.init(args, invalid_user_sleep=0)
        config.apply_context()
        callback = ProxyProtocolReader(config.proxy_protocol).get_callback(IMAPServer(backend.login, config))
        server = await asyncio.start_server(callback, host="127.0.0.1", port=0)
        box["port"], box["stop"], box["loop"] = server.sockets[0].getsockname()[1], asyncio.Event(), \
            asyncio.get_running_loop()
        ready.set()
        await box["stop"].wait()
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(30), "the IMAP server did not start"
    yield box["port"]
    box["loop"].call_soon_threadsafe(box["stop"].set)
    thread.join(30)


def imap_client(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    client.login(USER, PASSWORD)
    return client


def append(port: int, messages: list[bytes]) -> None:
    """Deliver messages as a mail client would: IMAP APPEND, no flags."""
    client = imap_client(port)
    for raw in messages:
        when = parsedate_to_datetime(parsed(raw)["Date"])
        assert client.append("INBOX", "", imaplib.Time2Internaldate(when), raw)[0] == "OK"
    client.logout()


def parsed(raw: bytes) -> EmailMessage:
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def mailbox_state(port: int) -> list[tuple[bytes, bytes]]:
    """Every message's flags and bytes, read without changing them."""
    client = imap_client(port)
    client.select("INBOX", readonly=True)
    _, found = client.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
    state = []
    for uid in found[0].split():
        _, parts = client.uid("FETCH", uid.decode(), "(FLAGS BODY.PEEK[])")
        state.append((parts[0][0].split(b"BODY")[0], parts[0][1]))
    client.logout()
    return state


# ---- messages ---------------------------------------------------------------------------

def letter(sender: str, when: str, subject: str, attachments: list[tuple[str, bytes]],
           message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = USER
    message["Subject"] = subject
    message["Date"] = when
    message["Message-ID"] = message_id
    message.set_content("Kính gửi Sở GDĐT, đơn vị gửi hồ sơ tự đánh giá.")
    for name, data in attachments:
        kind = XLSX if name.lower().endswith(".xlsx") else "application/octet-stream"
        maintype, subtype = kind.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def rfc2047_attachment(raw: bytes, name: str) -> bytes:
    """The same message with its last attachment named the old way (RFC 2047 encoded word),
    as many webmail clients still send it."""
    encoded = Header(name, "utf-8").encode()
    message = parsed(raw)
    part = list(message.iter_attachments())[-1]
    del part["Content-Disposition"]
    part["Content-Disposition"] = f'attachment; filename="{encoded}"'
    return message.as_bytes()


VN_NAME = "Báo cáo tự đánh giá Sở Nội vụ.xlsx"
BIG = Limits(max_file_bytes=40_000)


def season_messages(book: bytes, other: bytes) -> list[bytes]:
    first = rfc2047_attachment(letter("Sở Nội vụ <SNV@bacninh.example>", "Sat, 10 Jan 2026 09:15:00 +0700",
                                      "Hồ sơ tự đánh giá năm 2025", [(VN_NAME, book)], "<a1@bacninh.example>"),
                               VN_NAME)
    return [
        # given newest first: collect orders by message date, then Message-ID
        letter("stc@bacninh.example", "Mon, 12 Jan 2026 08:00:00 +0700", "Gửi lại",
               [(VN_NAME, other)], "<c3@bacninh.example>"),
        letter("stc@bacninh.example", "Sun, 11 Jan 2026 16:30:00 +0700", "Hồ sơ STC",
               [("ghi chú.docx", b"PK\x03\x04word"), ("lớn.xlsx", b"x" * 50_000), ("trùng.xlsx", book),
                ("../../x.xlsx", b"outside?"), ("CON.xlsx", b"device")], "<b2@bacninh.example>"),
        first,
    ]


@pytest.fixture
def books(make_submission, tmp_path) -> tuple[bytes, bytes]:
    """Two filled workbooks, made outside the folders collect reads and writes."""
    made = tmp_path / "da_dien"
    return (make_submission("a.xlsx", folder=made).read_bytes(),
            make_submission("b.xlsx", folder=made, ma_don_vi="STC", ten_don_vi="Sở Tài chính").read_bytes())


def check_collected(result, to: Path, book: bytes, other: bytes, source: str) -> None:
    sha = hashlib.sha256
    assert [(a.path, a.sender, a.received, a.subject, a.message_id, a.source) for a in result.saved] == [
        (VN_NAME, "snv@bacninh.example", "2026-01-10T09:15:00+07:00", "Hồ sơ tự đánh giá năm 2025",
         "<a1@bacninh.example>", source),
        ("x.xlsx", "stc@bacninh.example", "2026-01-11T16:30:00+07:00", "Hồ sơ STC", "<b2@bacninh.example>", source),
        ("_CON.xlsx", "stc@bacninh.example", "2026-01-11T16:30:00+07:00", "Hồ sơ STC", "<b2@bacninh.example>",
         source),
        ("Báo cáo tự đánh giá Sở Nội vụ (2).xlsx", "stc@bacninh.example", "2026-01-12T08:00:00+07:00", "Gửi lại",
         "<c3@bacninh.example>", source),
    ]
    assert (to / VN_NAME).read_bytes() == book
    assert (to / "Báo cáo tự đánh giá Sở Nội vụ (2).xlsx").read_bytes() == other
    assert (to / "x.xlsx").read_bytes() == b"outside?"
    assert not (to.parent / "x.xlsx").exists() and not (to.parent.parent / "x.xlsx").exists()
    assert sorted(p.name for p in to.iterdir()) == sorted(["cu.xlsx", *(a.path for a in result.saved)])
    assert [a.sha256 for a in result.saved] == [sha(book).hexdigest(), sha(b"outside?").hexdigest(),
                                                sha(b"device").hexdigest(), sha(other).hexdigest()]
    assert result.present == (("trùng.xlsx", VN_NAME),)
    label = 'thư của stc@bacninh.example lúc 16:30 ngày 11/01/2026 (UTC+0700), tiêu đề "Hồ sơ STC"'
    assert result.refused == (
        f'Không lưu tệp đính kèm "ghi chú.docx" của {label}: không phải sổ tính (.xlsx, .xlsm, .xls, .ods, .xlsb); '
        "chỉ lưu phiếu tự đánh giá bằng Excel.",
        f'Không lưu tệp đính kèm "lớn.xlsx" của {label}: tệp nặng 48,8 KB, vượt giới hạn 39,1 KB của phiếu tự đánh '
        "giá; hãy đề nghị đơn vị gửi lại đúng tệp mẫu đã điền.",
    )
    assert result.messages == 3


def test_collect_from_eml_files(tmp_path, books):
    book, other = books
    mails, to = tmp_path / "thu", tmp_path / "vao" / "ho_so"
    mails.mkdir()
    to.mkdir(parents=True)
    (to / "cu.xlsx").write_bytes(b"an earlier file")
    for n, raw in enumerate(season_messages(book, other)):
        (mails / f"{n}.eml").write_bytes(raw)
    result = collect(read_eml_dir(mails), to, BIG)
    check_collected(result, to, book, other, "eml")
    assert (to / "cu.xlsx").read_bytes() == b"an earlier file"
    again = collect(read_eml_dir(mails), to, BIG)  # a second run saves nothing twice
    assert again.saved == ()
    assert [rel for _, rel in again.present] == [VN_NAME, VN_NAME, "x.xlsx", "_CON.xlsx",
                                                 "Báo cáo tự đánh giá Sở Nội vụ (2).xlsx"]


def test_collect_from_live_imap_leaves_the_mailbox_as_it_was(tmp_path, books, imap_port):
    book, other = books
    append(imap_port, season_messages(book, other))
    before = mailbox_state(imap_port)
    assert all(b"\\Seen" not in flags for flags, _ in before)
    to = tmp_path / "ho_so"
    to.mkdir()
    (to / "cu.xlsx").write_bytes(b"an earlier file")
    server = MailServer(host="127.0.0.1", port=imap_port, security="none", user=USER, folder="INBOX")
    raws = read_imap(server, PASSWORD)
    assert all(r.arrived for r in raws)
    check_collected(collect(raws, to, BIG), to, book, other, "imap")
    assert mailbox_state(imap_port) == before


def test_safe_names():
    assert [safe_name(n) for n in ["../../x.xlsx", "..\\..\\y.xlsx", "a\x00b\x1f.xlsx", ".an.xlsx", "~$SNV.xlsx",
                                   "nul.xlsx", "Lpt1.tên.xlsx", "So\u031b\u0309.xlsx", "a:b?.xlsx", "", "tệp. "]] == [
        "x.xlsx", "y.xlsx", "ab.xlsx", "an.xlsx", "SNV.xlsx", "_nul.xlsx", "_Lpt1.tên.xlsx",
        "Sở.xlsx", "a_b_.xlsx", "tep_dinh_kem", "tệp"]


# ---- the command --------------------------------------------------------------------------

ROSTER_CSV = "Mã đơn vị,Tên đơn vị,Email\nSNV,Sở Nội vụ,snv@bacninh.example\nSTC,Sở Tài chính,stc@bacninh.example\n"


def cli(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "ds.csv"
    path.write_text(ROSTER_CSV, encoding="utf-8")
    return path


def test_collect_command_records_arrivals(tmp_path, books, roster):
    book, other = books
    mails, to, out = tmp_path / "thu", tmp_path / "ho_so", tmp_path / "ket_qua"
    mails.mkdir()
    to.mkdir()
    for n, raw in enumerate(season_messages(book, other)):
        (mails / f"{n}.eml").write_bytes(raw)
    code, printed, err = cli("collect", "--year", "2025", "--roster", str(roster), "--eml-dir", str(mails),
                             "--to", str(to), "--out", str(out))
    assert (code, err) == (0, "")
    assert printed.splitlines()[0] == ("Đã đọc 3 thư; lưu 5 tệp, 1 tệp đã có sẵn (không lưu lại), từ chối 1 tệp "
                                       "đính kèm.")  # the 50 KB file is within the batch's own limit
    arrivals = load_arrivals(out / "du_lieu" / "dvht.sqlite", validity_years)
    assert arrivals[hashlib.sha256(book).hexdigest()].path == VN_NAME
    assert sorted(a.path for a in arrivals.values()) == sorted(
        [VN_NAME, "x.xlsx", "_CON.xlsx", "lớn.xlsx", "Báo cáo tự đánh giá Sở Nội vụ (2).xlsx"])


def test_collect_command_from_imap_with_password_from_environment(tmp_path, books, roster, imap_port, monkeypatch):
    book, other = books
    append(imap_port, season_messages(book, other))
    config = tmp_path / "cau_hinh.yaml"
    config.write_text(f"thu:\n  imap: {{host: 127.0.0.1, port: {imap_port}, security: none, user: {USER}}}\n",
                      encoding="utf-8")
    to, out = tmp_path / "ho_so", tmp_path / "ket_qua"
    to.mkdir()
    monkeypatch.setenv("DVHT_IMAP_PASSWORD", PASSWORD)
    code, printed, err = cli("collect", "--year", "2025", "--roster", str(roster), "--imap", "--to", str(to),
                             "--out", str(out), "--config", str(config))
    assert (code, err) == (0, "")
    assert PASSWORD not in printed
    assert (to / VN_NAME).read_bytes() == book
    monkeypatch.setenv("DVHT_IMAP_PASSWORD", "khong-dung-9731")
    code, printed, err = cli("collect", "--year", "2025", "--roster", str(roster), "--imap", "--to", str(to),
                             "--out", str(out), "--config", str(config))
    assert (code, printed) == (2, "")
    assert err.splitlines() == [f"Lỗi: Máy chủ thư 127.0.0.1:{imap_port} từ chối đăng nhập của {USER}. Hãy kiểm tra "
                                "tên đăng nhập (thu.imap.user) và mật khẩu (biến môi trường DVHT_IMAP_PASSWORD)."]


@pytest.mark.parametrize(("extra", "message"), [
    ((), "chọn một trong hai: --imap (hộp thư trong cấu hình) hoặc --eml-dir THƯ_MỤC"),
    (("--imap", "--eml-dir", "thu"), "chọn một trong hai: --imap (hộp thư trong cấu hình) hoặc --eml-dir THƯ_MỤC"),
    (("--imap",), "--imap: chưa cấu hình máy chủ thư đến (thu.imap.host) trong tệp cấu hình"),
    (("--eml-dir", "khong_co"), "không tìm thấy thư mục thư khong_co"),
])
def test_collect_usage_errors(tmp_path, roster, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ho_so").mkdir()
    (tmp_path / "thu").mkdir()
    code, printed, err = cli("collect", "--year", "2025", "--roster", str(roster), "--to", "ho_so", *extra)
    assert (code, printed) == (2, "")
    assert err.splitlines() == [f"Lỗi: {message}"]


def test_collect_usage_error_missing_input_folder(tmp_path, roster):
    (tmp_path / "thu").mkdir()
    code, _, err = cli("collect", "--year", "2025", "--roster", str(roster), "--eml-dir", str(tmp_path / "thu"),
                       "--to", str(tmp_path / "khong_co"))
    assert (code, err.splitlines()) == (2, [f"Lỗi: không tìm thấy thư mục hồ sơ {tmp_path / 'khong_co'}"])


# ---- the batch uses arrivals ----------------------------------------------------------------

ROSTER = (Unit("SNV", "Sở Nội vụ", "Sở", email="snv@bacninh.example"),
          Unit("STC", "Sở Tài chính", "Sở", email="chung@bacninh.example"),
          Unit("SYT", "Sở Y tế", "Sở", email="Chung@bacninh.example; syt@bacninh.example"))


def batch(folder: Path, out: Path, arrivals: list[Arrival]):
    db = out / "dvht.sqlite"
    out.mkdir(exist_ok=True)
    record_arrivals(db, validity_years, arrivals, "2026-04-10T08:00:00+07:00")
    options = BatchOptions(input_dir=folder, out_dir=out, year=2025, rubric=load_rubric("tt22-2020"), roster=ROSTER,
                           deadline=date(2026, 3, 31), workers=1, today=date(2026, 4, 10), register_path=db)
    result = run_batch(options)
    return result, summarise(result)


def arrived(path: Path, when: str, sender: str = "snv@bacninh.example") -> Arrival:
    return Arrival(path=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), sender=sender,
                   received=when, subject="Hồ sơ", message_id=f"<{path.name}>", source="eml")


def test_lateness_is_judged_by_arrival(tmp_path, make_submission):
    inbox = tmp_path / "ho_so"
    typed_early = make_submission("snv.xlsx", folder=inbox, ngay_bao_cao="20/03/2026")
    typed_late = make_submission("stc.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính",
                                 ngay_bao_cao="05/04/2026")
    make_submission("syt.xlsx", folder=inbox, ma_don_vi="SYT", ten_don_vi="Sở Y tế", ngay_bao_cao="05/04/2026")
    # arrived after the deadline (the last minutes of 31/03 in UTC are 01/04 in Hà Nội), and before it
    _, summary = batch(inbox, tmp_path / "kq", [arrived(typed_early, "2026-04-01T00:30:00+07:00"),
                                                     arrived(typed_late, "2026-03-31T23:59:00+07:00",
                                                             "chung@bacninh.example")])
    assert [(u.code, u.on_time) for u in summary.units] == [("SNV", False), ("STC", True), ("SYT", False)]
    notes = {f.rel: f.note for f in summary.files}
    assert notes == {"snv.xlsx": "Nhận qua thư của snv@bacninh.example lúc 00:30 ngày 01/04/2026 (UTC+0700)",
                     "stc.xlsx": "Nhận qua thư của chung@bacninh.example lúc 23:59 ngày 31/03/2026 (UTC+0700)",
                     "syt.xlsx": ""}


def test_a_file_without_code_is_matched_by_its_unique_sender(tmp_path, make_submission):
    inbox = tmp_path / "ho_so"
    by_snv = make_submission("a.xlsx", folder=inbox, ma_don_vi="", ten_don_vi="Phòng Tổ chức cán bộ")
    by_shared = make_submission("b.xlsx", folder=inbox, ma_don_vi="", ten_don_vi="Văn phòng Sở")
    sent = [arrived(by_snv, "2026-03-01T08:00:00+07:00", "SNV@bacninh.example"),
            arrived(by_shared, "2026-03-01T09:00:00+07:00", "chung@bacninh.example")]
    result, summary = batch(inbox, tmp_path / "kq", sent)
    files = {f.rel: f for f in result.resolution.files}
    name_cell = result.layout.identity["ten_don_vi"]
    assert list(files["a.xlsx"].issues) == [
        make_issue("matched-by-sender", "a.xlsx", name_cell.sheet, name_cell.a1, gia_tri="Phòng Tổ chức cán bộ",
                   email="snv@bacninh.example", ma="SNV", ten="Sở Nội vụ")]
    assert result.resolution.unit_of_file["a.xlsx"] == "SNV"
    assert [i.code for i in files["b.xlsx"].issues] == ["name-not-in-roster"]
    assert result.resolution.unit_of_file["b.xlsx"] == "Văn phòng Sở"
    assert {u.code: u.status.value for u in summary.units if u.code} == {"SNV": "valid", "STC": "missing",
                                                                        "SYT": "missing"}


def test_raw_message_without_date_uses_server_time(tmp_path):
    raw = letter("a@b.example", "", "x", [("a.xlsx", b"abc")], "<m@x>")
    to = tmp_path / "ho_so"
    to.mkdir()
    result = collect([RawMessage(raw, "imap", "INBOX, UID 1", "2026-01-02T03:04:05+00:00")], to, Limits())
    assert [a.received for a in result.saved] == ["2026-01-02T03:04:05+00:00"]



# ---- hostile messages and folders (review of issue 15) ----------------------------------------

def nested(depth: int) -> bytes:
    """A message whose MIME parts nest deeper than Python's email parser can recurse."""
    head = b"From: x@y.example\r\nDate: Mon, 30 Mar 2026 10:00:00 +0700\r\nMessage-ID: <deep@x>\r\n"
    body = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth))
    return head + body + b'Content-Disposition: attachment; filename="z.xlsx"\r\n\r\nPK\r\n'


def test_a_message_nested_too_deep_is_refused_and_the_others_saved(tmp_path):
    to = tmp_path / "ho_so"
    to.mkdir()
    good = letter("a@b.example", "Mon, 30 Mar 2026 09:00:00 +0700", "x", [("a.xlsx", b"abc")], "<m@x>")
    result = collect([RawMessage(nested(3000), "eml", "sau.eml"), RawMessage(good, "eml", "tot.eml")], to, Limits())
    assert [a.path for a in result.saved] == ["a.xlsx"]
    assert result.refused == ("Không đọc được thư sau.eml: các phần của thư lồng nhau quá sâu, không phải thư do "
                              "chương trình thư thông thường tạo ra; hãy mở thư bằng chương trình thư, lưu riêng "
                              "tệp đính kèm vào thư mục hồ sơ.",)
    assert result.messages == 2
    assert sorted(p.name for p in to.iterdir()) == ["a.xlsx"]


@pytest.mark.parametrize("inside", ["html", "van_ban"])
def test_collect_refuses_a_folder_the_runs_rewrite(tmp_path, roster, inside):
    (tmp_path / "thu").mkdir()
    out = tmp_path / "ket_qua"
    to = out / inside / "ho_so"
    to.mkdir(parents=True)
    code, printed, err = cli("collect", "--year", "2025", "--roster", str(roster), "--eml-dir", str(tmp_path / "thu"),
                             "--to", str(to), "--out", str(out))
    assert (code, printed) == (2, "")
    assert err.splitlines() == [f"Lỗi: thư mục hồ sơ {to} nằm trong {out / inside}, nơi phần mềm ghi kết quả; "
                                "hãy chuyển hồ sơ ra chỗ khác hoặc chọn thư mục kết quả khác"]


def test_collect_refuses_a_file_given_as_the_folder(tmp_path, roster):
    (tmp_path / "thu").mkdir()
    (tmp_path / "ho_so.xlsx").write_bytes(b"PK")
    code, printed, err = cli("collect", "--year", "2025", "--roster", str(roster), "--eml-dir", str(tmp_path / "thu"),
                             "--to", str(tmp_path / "ho_so.xlsx"))
    assert (code, printed) == (2, "")
    assert err.splitlines() == [f"Lỗi: --to {tmp_path / 'ho_so.xlsx'} là một tệp, không phải thư mục; hãy chỉ "
                                "thư mục hồ sơ mà lệnh process đọc"]


def test_lateness_by_arrival_is_judged_on_the_clock_of_ha_noi(tmp_path, make_submission):
    """The deadline is a day in Việt Nam: a message dated in another zone near midnight is
    on time or late by the moment it reached Hà Nội (UTC+7), not by the sender's calendar."""
    inbox = tmp_path / "ho_so"
    west = make_submission("snv.xlsx", folder=inbox, ngay_bao_cao="20/03/2026")
    east = make_submission("stc.xlsx", folder=inbox, ma_don_vi="STC", ten_don_vi="Sở Tài chính",
                           ngay_bao_cao="20/03/2026")
    _, summary = batch(inbox, tmp_path / "kq", [
        arrived(west, "2026-03-31T20:00:00-05:00"),  # 08:00 on 01/04 in Hà Nội: late
        arrived(east, "2026-04-01T01:00:00+09:00", "chung@bacninh.example"),  # 23:00 on 31/03 in Hà Nội: on time
    ])
    assert [(u.code, u.on_time) for u in summary.units] == [("SNV", False), ("STC", True), ("SYT", None)]
