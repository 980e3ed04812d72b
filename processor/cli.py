"""Command line: parse options, call one library function, turn a fatal error into one
Vietnamese line and an exit code. Nothing else lives here.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from processor.model.errors import DvhtError, UsageError
from processor.model.records import Unit
from processor.model.statuses import Status
from processor.system.oserrors import describe
from processor.text.dates import default_report_year

if TYPE_CHECKING:
    from processor.model.rubric import AnyRubric
    from processor.model.settings import Settings
    from processor.report.publish import OutputLock

EXIT_OK, EXIT_STRICT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        return super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse speaking Vietnamese, raising instead of exiting so main() picks the code."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tuỳ chọn"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, replacement in _ARGPARSE_VI:
            message = re.sub(pattern, replacement, message)
        raise UsageError(f"{message} (xem: python {self.prog} --help)")


# argparse's own messages are English; officials get them in Vietnamese.
_ARGPARSE_VI = (
    (r"argument (\S+): invalid choice: (\S+) \(choose from (.*)\)", r"\1: \2 không hợp lệ (chọn một trong: \3)"),
    (r"argument (\S+): invalid int value: (\S+)", r"\1: \2 không phải số nguyên"),
    (r"argument (\S+): expected one argument", r"\1 cần một giá trị"),
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"không hiểu tham số: \1"),
    (r"argument (\S+): invalid (\S+) value: (\S+)", r"\1: giá trị \3 không hợp lệ"),
    (r"^argument (\S+): ", r"\1: "),  # our own type functions already speak Vietnamese
)


def _year(text: str) -> int:
    """--year of every command: a typo such as 20255 or 205 is a usage error, not a run."""
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"năm '{text}' không phải số nguyên") from None
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"năm {year} không hợp lệ (cần từ 2000 đến 2100)")
    return year


def _day(text: str) -> date:
    from processor.text.dates import parse_vn_date

    value = parse_vn_date(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"ngày '{text}' không hợp lệ (dạng dd/mm/yyyy)")
    return value


def _common_options() -> argparse.ArgumentParser:
    """Options every command takes, declared once and inherited (argparse parents=)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="in chi tiết lỗi kỹ thuật")
    # SUPPRESS: a subcommand inherits the option without overwriting a value given before it
    common.add_argument("--ngay-chay", type=_day, metavar="NGÀY", dest="run_date", default=argparse.SUPPRESS,
                        help="coi hôm nay là NGÀY (dd/mm/yyyy): năm đánh giá và hạn nộp mặc định, ngày báo cáo "
                        "bất thường đều tính theo ngày này (mặc định: ngày thật)")
    return common


_YEAR_HELP = ("năm đánh giá (mặc định: trước ngày 16/02 là năm trước, từ 16/02 là năm nay — đợt đang tổng hợp "
              "hoặc chuẩn bị)")
_RUBRIC_HELP = ("bộ tiêu chí, tên một tệp trong processor/rubrics/ (mặc định: theo năm đánh giá — đến năm 2023 "
                "tt22-2020, từ năm 2024 tt24-2023)")


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = _Parser(
        prog="run.py",
        description="Công cụ thu thập, kiểm tra và tổng hợp phiếu tự đánh giá "
        "\"Đơn vị học tập\": Thông tư 24/2023/TT-BGDĐT (năm đánh giá từ 2024) và Thông tư 22/2020/TT-BGDĐT "
        "(đến năm 2023).",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", title="lệnh", metavar="LỆNH", parser_class=_Parser)
    sub.required = True

    t = sub.add_parser("template", help="tạo mẫu Excel để gửi các đơn vị", parents=[common],
                       description="Tạo mẫu Excel trống và (nếu có danh sách) một mẫu cho từng đơn vị.")
    t.add_argument("--year", type=_year, metavar="NĂM", help=_YEAR_HELP)
    t.add_argument("--roster", type=Path, metavar="TỆP",
                   help="danh sách đơn vị (.csv hoặc .xlsx) có cột Mã đơn vị, Tên đơn vị; có thể có Nhóm, Email, "
                   "Người liên hệ, Loại đơn vị")
    t.add_argument("--out", type=Path, default=Path("input_templates"), metavar="THƯ_MỤC",
                   help="thư mục ghi mẫu (mặc định: %(default)s)")
    t.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (hạn nộp, nơi nhận, mật khẩu khoá trang)")
    t.add_argument("--rubric", metavar="MÃ", help=_RUBRIC_HELP)

    p = sub.add_parser("process", help="đọc, kiểm tra và tổng hợp các phiếu đơn vị gửi về", parents=[common],
                       description="Đọc mọi sổ tính trong THƯ_MỤC_HỒ_SƠ (cả thư mục con), kiểm tra, tự tính mức "
                       "độ đạt (Thông tư 24/2023) hoặc điểm và xếp loại (Thông tư 22/2020), ghi sổ tổng hợp "
                       "TongHop_DVHT_<năm>.xlsx.")
    p.add_argument("input_dir", type=Path, metavar="THƯ_MỤC_HỒ_SƠ", help="thư mục chứa các tệp đơn vị gửi về")
    _batch_options(p)
    p.add_argument("--roster", type=Path, metavar="TỆP", help="danh sách đơn vị (.csv hoặc .xlsx)")
    p.add_argument("--deadline", metavar="NGÀY",
                   help="hạn nộp, dạng dd/mm/yyyy hoặc yyyy-mm-dd (mặc định: theo cấu hình, hoặc theo thông tư "
                   "của năm đánh giá: 14/01 năm sau với Thông tư 24/2023, 31/03 năm sau với Thông tư 22/2020)")
    p.add_argument("--year", type=_year, metavar="NĂM", help=_YEAR_HELP)
    p.add_argument("--review-dir", type=Path, metavar="THƯ_MỤC", dest="review_dir",
                   help="thư mục sổ thẩm định của Hội đồng ThamDinh_DVHT_<năm>.xlsx (mặc định: tham_dinh/ trong "
                   "thư mục kết quả); sổ được cập nhật, không ghi đè")
    p.add_argument("--db", type=Path, metavar="TỆP", dest="db",
                   help="cơ sở dữ liệu của Sở (SQLite): các lần chạy, tệp, kết quả và quyết định công nhận "
                   "(mặc định: du_lieu/dvht.sqlite trong thư mục kết quả)")
    p.add_argument("--strict", action="store_true",
                   help="trả mã thoát 1 nếu còn đơn vị cần sửa hoặc chưa nộp")

    r = sub.add_parser("register", help="cơ sở dữ liệu: nhập và ghi quyết định công nhận", parents=[common],
                       description="Cơ sở dữ liệu của Sở (SQLite, mặc định du_lieu/dvht.sqlite trong thư mục kết quả): "
                       "nhập các quyết định công nhận đã có, ghi quyết định công nhận của đợt.")
    rsub = r.add_subparsers(dest="register_command", title="lệnh", metavar="LỆNH", parser_class=_Parser)
    rsub.required = True
    ri = rsub.add_parser("import", help="nhập quyết định công nhận các năm trước từ tệp .csv hoặc .xlsx",
                         parents=[common],
                         description="Nhập quyết định công nhận các năm trước. Tệp có các cột Mã đơn vị hoặc Tên "
                         "đơn vị, Năm, Mức độ (từ năm 2024) hoặc Xếp loại (đến năm 2023), Số quyết định, Ngày quyết "
                         "định. Chỉ cần một dòng có lỗi thì không dòng nào được nhập.")
    ri.add_argument("file", type=Path, metavar="TỆP", help="tệp quyết định (.csv hoặc .xlsx)")
    ri.add_argument("--roster", type=Path, metavar="TỆP", help="danh sách đơn vị, để khớp tên đơn vị với mã")
    _register_options(ri)
    rr = rsub.add_parser("record", help="ghi quyết định công nhận của đợt cho các đơn vị được đề nghị",
                         parents=[common],
                         description="Ghi danh sách đề nghị công nhận của lần chạy gần nhất của đợt (kết quả cuối cùng "
                         "sau thẩm định) là đã được công nhận theo quyết định, trừ các đơn vị ghi ở --except.")
    rr.add_argument("--year", type=_year, metavar="NĂM", required=True, help="năm đánh giá của đợt")
    rr.add_argument("--decision", metavar="SỐ", required=True, help='số và ký hiệu quyết định, ví dụ "123/QĐ-UBND"')
    rr.add_argument("--date", type=_day, metavar="NGÀY", required=True, help="ngày quyết định (dd/mm/yyyy)")
    rr.add_argument("--except", nargs="+", default=[], metavar="MÃ", dest="excluded",
                    help="mã các đơn vị được đề nghị nhưng không có trong quyết định")
    rr.add_argument("--rubric", metavar="MÃ", help=_RUBRIC_HELP)
    _register_options(rr)

    _collect_parser(sub, common)

    d = sub.add_parser("demo", help="chạy thử trên dữ liệu mẫu có sẵn", parents=[common],
                       description="Tạo bộ hồ sơ mẫu (các đơn vị cấp tỉnh, có lỗi thường gặp) rồi chạy tổng hợp: "
                       "năm 2025 theo Thông tư 24/2023, hoặc --year 2021 theo Thông tư 22/2020.")
    _batch_options(d)
    d.add_argument("--year", type=_year, metavar="NĂM",
                   help="năm của bộ hồ sơ mẫu: 2025 (Thông tư 24/2023, mặc định) hoặc 2021 (Thông tư 22/2020)")
    _mail_parser(sub, common)
    return parser


def _collect_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    c = sub.add_parser("collect", aliases=["thu-ve"], help="lấy các tệp Excel đơn vị gửi về qua thư vào thư mục hồ sơ",
                       parents=[common],
                       description="Đọc thư trả lời của các đơn vị từ hộp thư IMAP của Sở (chỉ đọc, không xoá, không "
                       "chuyển, không đánh dấu đã đọc) hoặc từ một thư mục các tệp .eml đã lưu; lưu các tệp sổ tính "
                       "đính kèm vào thư mục hồ sơ, không ghi đè tệp nào, và ghi người gửi, ngày gửi, tiêu đề vào cơ "
                       "sở dữ liệu để lệnh process xét đúng hạn theo ngày nhận thư.")
    c.add_argument("--year", type=_year, metavar="NĂM", required=True, help="năm đánh giá của đợt")
    c.add_argument("--roster", type=Path, metavar="TỆP", required=True, help="danh sách đơn vị (.csv hoặc .xlsx)")
    c.add_argument("--imap", action="store_true",
                   help="đọc hộp thư IMAP trong cấu hình (thu.imap); mật khẩu lấy từ biến môi trường "
                   "DVHT_IMAP_PASSWORD hoặc được hỏi khi chạy")
    c.add_argument("--eml-dir", type=Path, metavar="THƯ_MỤC", dest="eml_dir",
                   help="thư mục các thư đã lưu thành tệp .eml (cả thư mục con)")
    c.add_argument("--to", type=Path, metavar="THƯ_MỤC_HỒ_SƠ", required=True, dest="to_dir",
                   help="thư mục hồ sơ mà lệnh process đọc")
    _register_options(c)
    c.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (khối thu.imap)")


def _register_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, metavar="TỆP", dest="db",
                   help="cơ sở dữ liệu (mặc định: du_lieu/dvht.sqlite trong thư mục kết quả)")
    p.add_argument("--out", type=Path, default=Path("output"), metavar="THƯ_MỤC",
                   help="thư mục kết quả, nơi có cơ sở dữ liệu mặc định (mặc định: %(default)s)")


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("output"), metavar="THƯ_MỤC",
                   help="thư mục ghi kết quả (mặc định: %(default)s)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="số tiến trình đọc tệp song song (mặc định: 0 = mọi lõi CPU)")
    p.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (hạn nộp mặc định)")
    p.add_argument("--rubric", metavar="MÃ", help=_RUBRIC_HELP)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return _COMMANDS[args.command](args, out)
    except UsageError as exc:
        print(f"Lỗi: {exc}", file=err)
        return EXIT_USAGE
    except DvhtError as exc:
        print(f"Lỗi: {exc}", file=err)
        if debug:
            traceback.print_exc(file=err)
        return EXIT_USAGE
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"Lỗi: {where}{describe(exc)}", file=err)
        if debug:
            traceback.print_exc(file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu; kết quả cũ (nếu có) được giữ nguyên.", file=err)
        return 130
    except Exception as exc:  # a bug: one line for the official, the traceback for the maintainer
        print(f"Lỗi nội bộ của phần mềm ({type(exc).__name__}). Chạy lại với --debug để xem chi tiết "
              "và gửi cho người bảo trì.", file=err)
        if debug:
            traceback.print_exc(file=err)
        return EXIT_INTERNAL


def _season(args: argparse.Namespace) -> tuple[date, int, AnyRubric]:
    """Today, the evaluation year and the rubric of a command, from its options: the one
    place where "today" is read and the circular in force is chosen."""
    from processor.model.rubric import load_rubric, rubric_for_year
    from processor.text.dates import run_date

    today = getattr(args, "run_date", None) or run_date()
    year = args.year or default_report_year(today)
    rubric = load_rubric(args.rubric) if args.rubric else rubric_for_year(year)
    return today, year, rubric


def _cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    from processor.intake.roster import load_roster
    from processor.model.layout import build_layout
    from processor.model.level_layout import build_level_layout
    from processor.model.settings import load_settings
    from processor.template.distribute import generate_templates
    from processor.template.levels_writer import LevelTemplateRequest
    from processor.template.writer import TemplateRequest

    if args.roster is not None and not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    _, year, rubric = _season(args)
    settings = load_settings(args.config)
    deadline = settings.deadline_for(year, rubric.season)
    if rubric.kind == "levels":
        units = load_roster(args.roster, kind_of=_kind_reader(rubric, settings.tier)) if args.roster else None
        request: Any = LevelTemplateRequest(layout=build_level_layout(rubric, settings.tier), settings=settings,
                                            year=year, deadline=deadline)
    else:
        units = load_roster(args.roster) if args.roster else None
        request = TemplateRequest(layout=build_layout(rubric), settings=settings, year=year)
    result = generate_templates(args.out, request, units)
    print(f"Bộ tiêu chí: {rubric.legal_basis}; năm đánh giá {year}; hạn nộp {deadline:%d/%m/%Y}", file=out)
    print(f"Đã tạo mẫu trống: {result.blank}", file=out)
    if result.mail_merge:
        print(f"Đã tạo {len(result.unit_files)} mẫu cho từng đơn vị trong {result.mail_merge.parent}", file=out)
        print(f"Danh sách gửi thư (trộn thư): {result.mail_merge}", file=out)
    return EXIT_OK


def _kind_reader(rubric: AnyRubric, tier: str) -> Callable[[str], str | None]:
    """A roster's "Loại đơn vị" cell -> the kind's id, or None when the tier has no such kind."""
    def kind_of(text: str) -> str | None:
        kind = rubric.kind_by_label(text)
        return kind.id if kind is not None and tier in kind.tiers else None
    return kind_of


def _cmd_process(args: argparse.Namespace, out: TextIO) -> int:
    from processor.intake.roster import load_roster
    from processor.model.settings import load_settings
    from processor.register.db import check_writable
    from processor.report.publish import check_output, output_lock
    from processor.text.dates import parse_vn_date

    if not args.input_dir.is_dir():
        raise UsageError(f"không tìm thấy thư mục hồ sơ {args.input_dir}")
    if args.roster is not None and not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    if args.workers < 0:
        raise UsageError("--workers phải là số không âm")
    deadline = parse_vn_date(args.deadline) if args.deadline else None
    if args.deadline and deadline is None:
        raise UsageError(f"hạn nộp '{args.deadline}' không phải ngày hợp lệ (dạng dd/mm/yyyy hoặc yyyy-mm-dd)")
    today, year, rubric = _season(args)
    settings = load_settings(args.config)
    deadline = deadline or settings.deadline_for(year, rubric.season)
    kind_of = _kind_reader(rubric, settings.tier) if rubric.kind == "levels" else None
    roster = tuple(load_roster(args.roster, kind_of=kind_of)) if args.roster else ()
    check_output(args.input_dir, args.out, year)
    _check_review_dir(args.input_dir, args.review_dir or args.out / "tham_dinh", args.out, year)
    db = args.db or args.out / "du_lieu" / "dvht.sqlite"
    _check_db(args.input_dir, db, args.out, year)
    _open_register_early(db)
    with output_lock(args.out) as lock:  # an output folder that cannot be written is said first
        check_writable(db)  # nor a register this user cannot write: it would fail after publishing
        code = _run_batch(args, out, args.input_dir, year, rubric, roster, args.roster, deadline, lock, today,
                          settings, settings.tier, args.review_dir, args.db)
    return code if args.strict else EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from processor.demo.build import DEMO_CONFIG, build_demo, demo_scenario
    from processor.model.rubric import load_rubric
    from processor.model.settings import load_settings
    from processor.report.publish import check_output, output_lock

    scenario = demo_scenario(args.year)
    if args.rubric and args.rubric != scenario.rubric:
        raise UsageError(f"bản chạy thử dùng bộ tiêu chí {scenario.rubric}; bỏ --rubric {args.rubric}")
    rubric = load_rubric(scenario.rubric)
    root = args.out / "du_lieu_mau"
    check_output(root, args.out, scenario.year)
    settings = load_settings(args.config or DEMO_CONFIG)
    with output_lock(args.out) as lock:
        demo = build_demo(root, scenario)
        print(f"Đã tạo hồ sơ mẫu trong {demo.input_dir}", file=out)
        today = getattr(args, "run_date", None) or demo.run_date
        review_dir = root / "tham_dinh"  # inside the demo's own folder, rebuilt with it
        if demo.past_decisions is not None:
            _demo_register(demo, out)
        _demo_council(args, demo, rubric, scenario.path, review_dir, settings, today)
        print(f"Đã điền một số ý kiến của Hội đồng vào sổ thẩm định trong {review_dir}", file=out)
        _run_batch(args, out, demo.input_dir, demo.year, rubric, demo.units, demo.roster, demo.deadline, lock,
                   today, settings, demo.tier, review_dir, demo.register)
    return EXIT_OK


def _demo_register(demo: Any, out: TextIO) -> None:
    """The demo's register starts with the decisions of earlier seasons, as a department's would."""
    from processor.intake.recognitions import read_recognitions
    from processor.model.rubric import rubric_for_year
    from processor.pipeline import validity_years
    from processor.register.store import store_recognitions

    recognitions = read_recognitions(demo.past_decisions, rubric_for_year, demo.units)
    stamp = datetime.combine(demo.run_date, datetime.min.time()).isoformat(timespec="seconds")
    stored = store_recognitions(demo.register, validity_years, recognitions, stamp)
    print(f"Đã nhập {len(stored.added)} quyết định công nhận các năm trước vào {demo.register}", file=out)


def _demo_council(args: argparse.Namespace, demo: Any, rubric: AnyRubric, scenario: Path, review_dir: Path,
                  settings: Settings, today: date) -> None:
    """The season's first run makes the council workbook; the demo's council then types its
    decisions into it, as the council would before the run that writes the documents."""
    from processor.demo.council import council_entries, type_into
    from processor.model.batch import BatchOptions
    from processor.pipeline import run_batch
    from processor.report.council_workbook import update_council_workbook
    from processor.report.summary import summarise

    options = BatchOptions(input_dir=demo.input_dir, out_dir=args.out, year=demo.year, rubric=rubric,
                           roster=demo.units, roster_path=demo.roster, deadline=demo.deadline, workers=args.workers,
                           today=today, tier=demo.tier, review_dir=review_dir, documents=settings.documents,
                           register_path=demo.register)
    first = run_batch(options)
    assert first.council_path is not None and first.council_layout is not None
    update_council_workbook(first, summarise(first), first.council_path, settings.sheet_password)
    files = {u.unit.code: u.submission for u in first.resolution.units if u.submission is not None}
    type_into(first.council_path, first.council_layout, council_entries(scenario, rubric, files))


def _check_review_dir(input_dir: Path, review_dir: Path, out_dir: Path, year: int) -> None:
    """The council workbook must not sit among the replies (the batch would read it as one),
    nor in a folder every run replaces whole (html/, van_ban/): it outlives the runs."""
    import os

    if os.path.lexists(review_dir) and not review_dir.is_dir():
        raise UsageError(f"--review-dir {review_dir} là một tệp, không phải thư mục")
    _check_kept(input_dir, review_dir, out_dir, year, f"thư mục sổ thẩm định {review_dir}",
                "hãy chọn thư mục khác (mặc định: tham_dinh/ trong thư mục kết quả)")


def _open_register_early(db: Path) -> None:
    """A register that is not ours, or from a newer version, stops the run before it reads anything."""
    from processor.pipeline import validity_years
    from processor.register.db import open_register

    if db.exists():
        with open_register(db, validity_years):
            pass


def _check_db(input_dir: Path, db: Path, out_dir: Path, year: int) -> None:
    """The register outlives the runs too, and is never written among the replies."""
    if db.is_dir():
        raise UsageError(f"--db {db} là một thư mục, không phải tệp cơ sở dữ liệu")
    _check_kept(input_dir, db, out_dir, year, f"cơ sở dữ liệu {db}",
                "hãy chọn chỗ khác (mặc định: du_lieu/dvht.sqlite trong thư mục kết quả)")


def _check_kept(input_dir: Path, place: Path, out_dir: Path, year: int, what: str, other: str) -> None:
    import os

    from processor.report.publish import OWNED_NAMES

    source, target = Path(os.path.realpath(input_dir)), Path(os.path.realpath(place))
    if source == target or source in target.parents:
        raise UsageError(f"{what} nằm trong thư mục hồ sơ {input_dir}; {other}")
    out = Path(os.path.realpath(out_dir))
    if out in target.parents:
        first = target.relative_to(out).parts[0]
        if first.casefold() in {name.format(year=year).casefold() for name in OWNED_NAMES}:
            raise UsageError(f"{what} nằm trong {out_dir / first}, nơi mỗi lần chạy ghi lại toàn bộ; {other}")


def _run_batch(args: argparse.Namespace, out: TextIO, input_dir: Path, year: int, rubric: AnyRubric,
               roster: tuple[Unit, ...], roster_path: Path | None, deadline: date | None, lock: OutputLock,
               today: date, settings: Settings, tier: str, review_dir: Path | None, db: Path | None = None) -> int:
    """Run the batch and print the summary; returns EXIT_STRICT when units remain to fix or missing.
    lock: taken before the batch reads, so no other run writes into the output meanwhile."""
    from processor.model.batch import BatchOptions
    from processor.pipeline import keep_parsed, run_batch, validity_years
    from processor.register.store import record_run
    from processor.report.console import Progress, safe_line, summary_lines
    from processor.report.council_workbook import update_council_workbook
    from processor.report.publish import publish
    from processor.report.register_record import run_record

    options = BatchOptions(input_dir=input_dir, out_dir=args.out, year=year, rubric=rubric, roster=roster,
                           roster_path=roster_path, deadline=deadline, workers=args.workers, today=today, tier=tier,
                           review_dir=review_dir, documents=settings.documents, register_path=db)
    result = run_batch(options, progress=Progress())
    for note in result.notes:
        print(safe_line(note), file=out)
    published = publish(result, lock)
    for line in summary_lines(published.summary, published.paths):
        print(safe_line(line), file=out)
    assert result.council_path is not None
    update = update_council_workbook(result, published.summary, result.council_path, settings.sheet_password)
    print(safe_line(update.line()), file=out)
    for note in keep_parsed(result):
        print(safe_line(note), file=out)
    record_run(options.register_file, validity_years, run_record(result, published.summary,
                                                                 datetime.now().astimezone()))
    print(f"Cơ sở dữ liệu: {options.register_file}", file=out)
    incomplete = any(u.status in (Status.TO_FIX, Status.MISSING) for u in published.summary.units)
    return EXIT_STRICT if incomplete else EXIT_OK


def _cmd_register(args: argparse.Namespace, out: TextIO) -> int:
    db = args.db or args.out / "du_lieu" / "dvht.sqlite"
    if args.register_command == "import":
        return _register_import(args, db, out)
    return _register_record(args, db, out)


def _register_import(args: argparse.Namespace, db: Path, out: TextIO) -> int:
    from processor.intake.recognitions import read_recognitions
    from processor.intake.roster import load_roster
    from processor.model.rubric import rubric_for_year
    from processor.pipeline import validity_years
    from processor.register.store import store_recognitions

    if not args.file.is_file():
        raise UsageError(f"không tìm thấy tệp quyết định {args.file}")
    if args.roster is not None and not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    roster = load_roster(args.roster) if args.roster else []
    recognitions = read_recognitions(args.file, rubric_for_year, roster)
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    stored = store_recognitions(db, validity_years, recognitions, stamp)
    if stored.conflicts:
        raise UsageError(_conflicts(list(stored.conflicts)))
    print(f"Đã nhập {len(stored.added)} quyết định công nhận vào {db}"
          + (f" ({len(stored.unchanged)} quyết định đã có, giữ nguyên)" if stored.unchanged else ""), file=out)
    return EXIT_OK


def _conflicts(conflicts: list, source: str = "tệp") -> str:  # type: ignore[type-arg]
    """source: who says the new decision, the imported file ("tệp") or the command ("lệnh này")."""
    first = "; ".join(f"{new.unit_code or new.unit_name} năm {new.year}: cơ sở dữ liệu đã ghi {_said(old)}, {source} "
                      f"ghi {_said(new)}" for new, old in conflicts[:3])
    more = f" và {len(conflicts) - 3} trường hợp khác" if len(conflicts) > 3 else ""
    return f"không ghi gì vì {len(conflicts)} quyết định khác với cơ sở dữ liệu: {first}{more}"


def _said(r) -> str:  # type: ignore[no-untyped-def]
    from processor.text.dates import format_vn_date

    what = f"mức độ {r.level}" if r.level is not None else f"xếp loại {r.klass}"
    when = f" ngày {format_vn_date(r.decision_date)}" if r.decision_date else ""
    return f"{what}, quyết định {r.decision}{when}"


def _register_record(args: argparse.Namespace, db: Path, out: TextIO) -> int:
    from processor.model.levels import LevelRubric
    from processor.model.register import Recognition
    from processor.model.rubric import load_rubric, rubric_for_year
    from processor.pipeline import validity_years
    from processor.register.store import season_results, store_recognitions
    from processor.text.dates import format_vn_date

    if not db.is_file():
        raise UsageError(f"không tìm thấy cơ sở dữ liệu {db} (chạy lệnh process của đợt trước, hoặc chỉ rõ --db)")
    rubric = load_rubric(args.rubric) if args.rubric else rubric_for_year(args.year)
    if args.date <= date(args.year, 12, 31):
        raise UsageError(f"ngày quyết định {format_vn_date(args.date)} không sau năm đánh giá {args.year}; quyết "
                         "định công nhận được ban hành sau khi kết thúc năm đánh giá")
    _, units = season_results(db, validity_years, args.year, rubric.id)
    recommended = [u for u in units if u.final_rank is not None]
    codes = {u.code.casefold(): u for u in recommended if u.code}
    unknown = [c for c in args.excluded if c.casefold() not in codes]
    if unknown:
        raise UsageError(f"--except: {', '.join(unknown)} không có trong danh sách đề nghị công nhận năm {args.year}")
    left_out = {c.casefold() for c in args.excluded}
    levels = isinstance(rubric, LevelRubric)
    granted = [Recognition(unit_code=u.code, unit_name=u.name, year=args.year, rubric=rubric.id,
                           level=u.final_rank if levels else None, klass="" if levels else u.final_result,
                           decision=args.decision.strip(), decision_date=args.date,
                           valid_through=args.year + rubric.validity_years if levels else None,  # type: ignore[union-attr]
                           source="record")
               for u in recommended if u.code.casefold() not in left_out]
    stored = store_recognitions(db, validity_years, granted, datetime.now().astimezone().isoformat(timespec="seconds"))
    if stored.conflicts:
        raise UsageError(_conflicts(list(stored.conflicts), "lệnh này"))
    print(f"Đã ghi quyết định {args.decision.strip()} ngày {format_vn_date(args.date)}: {len(stored.added)} đơn vị "
          f"được công nhận năm {args.year}" + (f", {len(stored.unchanged)} đã ghi từ trước" if stored.unchanged else "")
          + (f"; không công nhận: {', '.join(args.excluded)}" if args.excluded else ""), file=out)
    return EXIT_OK


def _cmd_collect(args: argparse.Namespace, out: TextIO) -> int:
    """Usage checked before the mailbox is opened; the register written once, after every file is saved."""
    import os

    from processor.intake.collect import collect, summary_lines
    from processor.intake.mailbox import read_eml_dir, read_imap
    from processor.intake.roster import load_roster
    from processor.model.batch import Limits
    from processor.model.settings import load_settings
    from processor.pipeline import validity_years
    from processor.register.store import record_arrivals
    from processor.report.console import safe_line
    from processor.report.publish import check_input_place

    if args.imap == (args.eml_dir is not None):
        raise UsageError("chọn một trong hai: --imap (hộp thư trong cấu hình) hoặc --eml-dir THƯ_MỤC")
    if args.to_dir.exists() and not args.to_dir.is_dir():
        raise UsageError(f"--to {args.to_dir} là một tệp, không phải thư mục; "
                         "hãy chỉ thư mục hồ sơ mà lệnh process đọc")
    if not args.to_dir.is_dir():
        raise UsageError(f"không tìm thấy thư mục hồ sơ {args.to_dir}")
    if not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    check_input_place(args.to_dir, args.out, args.year)  # process would refuse to read it there
    if args.eml_dir is not None and not args.eml_dir.is_dir():
        raise UsageError(f"không tìm thấy thư mục thư {args.eml_dir}")
    settings = load_settings(args.config)
    server = settings.mail.imap
    if args.imap and not server.configured:
        raise UsageError("--imap: chưa cấu hình máy chủ thư đến (thu.imap.host) trong tệp cấu hình")
    db = args.db or args.out / "du_lieu" / "dvht.sqlite"
    _check_db(args.to_dir, db, args.out, args.year)
    _open_register_early(db)
    load_roster(args.roster)  # a roster that cannot be read stops the run before the mailbox is opened
    if args.imap:
        password = os.environ.get("DVHT_IMAP_PASSWORD")
        if password is None:
            import getpass

            password = getpass.getpass(f"Mật khẩu hộp thư {server.user} trên {server.host}: ")
        raws = read_imap(server, password)
    else:
        raws = read_eml_dir(args.eml_dir)
    result = collect(raws, args.to_dir, Limits())
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    if result.saved or result.known:
        record_arrivals(db, validity_years, [*result.saved, *result.known], stamp)
    for line in summary_lines(result):
        print(safe_line(line), file=out)
    return EXIT_OK


# ---- mail ----------------------------------------------------------------------------------

_MAIL_KINDS = {"invite": "gửi mẫu Excel của từng đơn vị, kèm hướng dẫn và hạn nộp",
               "remind": "nhắc các đơn vị chưa có hồ sơ hợp lệ (chưa nộp hoặc cần sửa; trừ đơn vị đang bảo lưu)",
               "fix": "gửi các đơn vị cần sửa danh sách lỗi cần sửa, kèm trang kết quả của đơn vị",
               "reply": "gửi văn bản trả lời (bản PDF đã ký) cho các đơn vị không được đề nghị công nhận"}


def _mail_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    m = sub.add_parser("mail", help="soạn và gửi thư cho các đơn vị: gửi mẫu, nhắc nộp, đề nghị sửa, trả lời",
                       parents=[common],
                       description="Soạn một thư cho mỗi đơn vị, ghi thành tệp .eml trong thu/<loại thư>/ của thư mục "
                       "kết quả (mở bằng Outlook hoặc Thunderbird để gửi) kèm danh sách danh_sach_thu.csv; với --send "
                       "thì gửi qua máy chủ SMTP trong cấu hình (khối thu.smtp), mật khẩu lấy từ biến môi trường "
                       "DVHT_SMTP_PASSWORD hoặc hỏi khi chạy. Thư đã gửi không gửi lại.")
    m.add_argument("kind", choices=list(_MAIL_KINDS), metavar="LOẠI",
                   help="; ".join(f"{k}: {v}" for k, v in _MAIL_KINDS.items()))
    m.add_argument("--year", type=_year, metavar="NĂM", required=True, help="năm đánh giá của đợt")
    m.add_argument("--roster", type=Path, metavar="TỆP", required=True,
                   help="danh sách đơn vị (.csv hoặc .xlsx) có cột Email")
    m.add_argument("--out", type=Path, default=Path("output"), metavar="THƯ_MỤC",
                   help="thư mục kết quả của đợt (trang html/, văn bản van_ban/; thư ghi vào thu/) "
                   "(mặc định: %(default)s)")
    m.add_argument("--db", type=Path, metavar="TỆP", dest="db",
                   help="cơ sở dữ liệu (mặc định: du_lieu/dvht.sqlite trong thư mục kết quả)")
    m.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (khối thu: máy chủ thư, nhịp gửi)")
    m.add_argument("--templates", type=Path, default=Path("input_templates"), metavar="THƯ_MỤC",
                   help="thư mục mẫu của lệnh template; mẫu chưa có thì được tạo khi gửi (mặc định: %(default)s)")
    m.add_argument("--rubric", metavar="MÃ", help=_RUBRIC_HELP)
    m.add_argument("--send", action="store_true", help="gửi thư qua máy chủ SMTP (mặc định: chỉ ghi tệp .eml)")
    m.add_argument("--resend", action="store_true", help="cùng --send: gửi lại cả thư đã gửi ở lần chạy trước")


def _cmd_mail(args: argparse.Namespace, out: TextIO) -> int:
    import getpass
    import os

    from processor.intake.roster import load_roster
    from processor.mail.outbox import NO_ADDRESS, SENT, password_from
    from processor.mail.season import KIND_LABELS, MailJob, run_mail
    from processor.model.settings import load_settings
    from processor.pipeline import validity_years
    from processor.report.console import safe_line

    if not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    if args.resend and not args.send:
        raise UsageError("--resend chỉ dùng cùng --send")
    _, year, rubric = _season(args)
    settings = load_settings(args.config)
    smtp = settings.mail.smtp
    if args.send and not smtp.configured:
        raise UsageError("--send cần máy chủ thư: ghi thu.smtp.host (và port, security, user, from) trong tệp "
                         "cấu hình --config")
    if args.send and not (smtp.sender or settings.submit_email):
        raise UsageError("--send cần địa chỉ người gửi: ghi thu.smtp.from (hoặc submit_email) trong tệp cấu hình")
    db = args.db or args.out / "du_lieu" / "dvht.sqlite"
    if args.kind != "invite" and not db.is_file():
        raise UsageError(f"không tìm thấy cơ sở dữ liệu {db} (chạy lệnh process của đợt trước, hoặc chỉ rõ --db)")
    levels = rubric.kind == "levels"
    roster = tuple(load_roster(args.roster, kind_of=_kind_reader(rubric, settings.tier) if levels else None))
    deadline = settings.deadline_for(year, rubric.season)
    job = MailJob(kind=args.kind, year=year, rubric_id=rubric.id, deadline=deadline, settings=settings, roster=roster,
                  out_dir=args.out, register=db, validity=validity_years, templates_dir=args.templates,
                  make_template_request=lambda: _template_request(rubric, settings, year, deadline),
                  send=args.send, resend=args.resend)

    def say(line: str) -> None:
        print(safe_line(line), file=out)

    result = run_mail(job, lambda: password_from(os.environ, getpass.getpass, smtp.user), say)
    say(f"{KIND_LABELS[args.kind].capitalize()} năm {year}: {len(result.outcomes)} thư, ghi trong {result.folder}")
    if args.send:
        say(f"Đã gửi {result.count(SENT)} thư qua {smtp.host}")
    for o in result.outcomes:
        if o.status == NO_ADDRESS:
            say(f"  Không có địa chỉ email: {o.draft.code} {o.draft.name}")
        elif not o.draft.sendable:
            say(f"  {o.draft.code} {o.draft.name}: {o.status}")
    say(f"Danh sách thư: {result.listing}")
    return EXIT_OK


def _template_request(rubric: AnyRubric, settings: Settings, year: int, deadline: date) -> Any:
    """The request the template command makes for this season (mail invite makes missing ones)."""
    from processor.model.layout import build_layout
    from processor.model.level_layout import build_level_layout
    from processor.template.levels_writer import LevelTemplateRequest
    from processor.template.writer import TemplateRequest

    if rubric.kind == "levels":
        return LevelTemplateRequest(layout=build_level_layout(rubric, settings.tier), settings=settings, year=year,
                                    deadline=deadline)
    return TemplateRequest(layout=build_layout(rubric), settings=settings, year=year)


_COMMANDS = {"template": _cmd_template, "process": _cmd_process, "demo": _cmd_demo, "register": _cmd_register,
             "collect": _cmd_collect, "thu-ve": _cmd_collect, "mail": _cmd_mail}
