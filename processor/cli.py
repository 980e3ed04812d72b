"""Command line: parse options, call one library function, turn a fatal error into one
Vietnamese line and an exit code. Nothing else lives here.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from processor.model.errors import DvhtError, UsageError
from processor.model.records import Unit
from processor.model.statuses import Status
from processor.system.oserrors import describe
from processor.text.dates import default_report_year

if TYPE_CHECKING:
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


def _common_options() -> argparse.ArgumentParser:
    """Options every command takes, declared once and inherited (argparse parents=)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="in chi tiết lỗi kỹ thuật")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = _Parser(
        prog="run.py",
        description="Công cụ thu thập, kiểm tra và tổng hợp phiếu tự đánh giá "
        "\"Đơn vị học tập\" (Thông tư 22/2020/TT-BGDĐT).",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", title="lệnh", metavar="LỆNH", parser_class=_Parser)
    sub.required = True

    t = sub.add_parser("template", help="tạo mẫu Excel để gửi các đơn vị", parents=[common],
                       description="Tạo mẫu Excel trống và (nếu có danh sách) một mẫu cho từng đơn vị.")
    t.add_argument("--year", type=_year, default=default_report_year(), metavar="NĂM",
                   help="năm đánh giá (mặc định: năm trước, %(default)s)")
    t.add_argument("--roster", type=Path, metavar="TỆP",
                   help="danh sách đơn vị (.csv hoặc .xlsx) có cột Mã đơn vị, Tên đơn vị")
    t.add_argument("--out", type=Path, default=Path("input_templates"), metavar="THƯ_MỤC",
                   help="thư mục ghi mẫu (mặc định: %(default)s)")
    t.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (hạn nộp, nơi nhận, mật khẩu khoá trang)")
    t.add_argument("--rubric", default="tt22-2020", metavar="MÃ", help="bộ tiêu chí (mặc định: %(default)s)")

    p = sub.add_parser("process", help="đọc, kiểm tra và tổng hợp các phiếu đơn vị gửi về", parents=[common],
                       description="Đọc mọi sổ tính trong THƯ_MỤC_HỒ_SƠ (cả thư mục con), kiểm tra, tính lại "
                       "điểm và xếp loại, ghi sổ tổng hợp TongHop_DVHT_<năm>.xlsx.")
    p.add_argument("input_dir", type=Path, metavar="THƯ_MỤC_HỒ_SƠ", help="thư mục chứa các tệp đơn vị gửi về")
    _batch_options(p)
    p.add_argument("--roster", type=Path, metavar="TỆP", help="danh sách đơn vị (.csv hoặc .xlsx)")
    p.add_argument("--deadline", metavar="NGÀY",
                   help="hạn nộp, dạng dd/mm/yyyy hoặc yyyy-mm-dd (mặc định: theo cấu hình, hoặc 31/03 năm sau)")
    p.add_argument("--year", type=_year, default=default_report_year(), metavar="NĂM",
                   help="năm đánh giá (mặc định: năm trước, %(default)s)")
    p.add_argument("--strict", action="store_true",
                   help="trả mã thoát 1 nếu còn đơn vị cần sửa hoặc chưa nộp")

    d = sub.add_parser("demo", help="chạy thử trên dữ liệu mẫu có sẵn", parents=[common],
                       description="Tạo bộ hồ sơ mẫu của 40 đơn vị (có lỗi thường gặp) rồi chạy tổng hợp.")
    _batch_options(d)
    return parser


def _batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("output"), metavar="THƯ_MỤC",
                   help="thư mục ghi kết quả (mặc định: %(default)s)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="số tiến trình đọc tệp song song (mặc định: 0 = mọi lõi CPU)")
    p.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (hạn nộp mặc định)")
    p.add_argument("--rubric", default="tt22-2020", metavar="MÃ", help="bộ tiêu chí (mặc định: %(default)s)")


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


def _cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    from processor.intake.roster import load_roster
    from processor.model.layout import build_layout
    from processor.model.rubric import load_rubric
    from processor.model.settings import load_settings
    from processor.template.distribute import generate_templates
    from processor.template.writer import TemplateRequest

    if args.roster is not None and not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    settings = load_settings(args.config)
    units = load_roster(args.roster) if args.roster else None
    request = TemplateRequest(layout=build_layout(load_rubric(args.rubric)), settings=settings, year=args.year)
    result = generate_templates(args.out, request, units)
    print(f"Đã tạo mẫu trống: {result.blank}", file=out)
    if result.mail_merge:
        print(f"Đã tạo {len(result.unit_files)} mẫu cho từng đơn vị trong {result.mail_merge.parent}", file=out)
        print(f"Danh sách gửi thư (trộn thư): {result.mail_merge}", file=out)
    return EXIT_OK


def _cmd_process(args: argparse.Namespace, out: TextIO) -> int:
    from processor.intake.roster import load_roster
    from processor.model.settings import load_settings
    from processor.report.publish import check_output, output_lock
    from processor.text.dates import parse_vn_date

    if not args.input_dir.is_dir():
        raise UsageError(f"không tìm thấy thư mục hồ sơ {args.input_dir}")
    if args.roster is not None and not args.roster.is_file():
        raise UsageError(f"không tìm thấy danh sách đơn vị {args.roster}")
    if args.workers < 0:
        raise UsageError("--workers phải là số không âm")
    deadline = None
    if args.deadline:
        deadline = parse_vn_date(args.deadline)
        if deadline is None:
            raise UsageError(f"hạn nộp '{args.deadline}' không phải ngày hợp lệ (dạng dd/mm/yyyy hoặc yyyy-mm-dd)")
    else:
        deadline = load_settings(args.config).deadline_for(args.year)
    roster = tuple(load_roster(args.roster)) if args.roster else ()
    check_output(args.input_dir, args.out, args.year)
    with output_lock(args.out) as lock:
        code = _run_batch(args, out, args.input_dir, args.year, roster, args.roster, deadline, lock)
    return code if args.strict else EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from processor.demo.build import build_demo, demo_year
    from processor.model.layout import build_layout
    from processor.model.rubric import load_rubric
    from processor.report.publish import check_output, output_lock

    root = args.out / "du_lieu_mau"
    check_output(root, args.out, demo_year())
    with output_lock(args.out) as lock:
        demo = build_demo(root, build_layout(load_rubric(args.rubric)))
        print(f"Đã tạo hồ sơ mẫu trong {demo.input_dir}", file=out)
        _run_batch(args, out, demo.input_dir, demo.year, demo.units, demo.roster, demo.deadline, lock,
                   today=demo.run_date)
    return EXIT_OK


def _run_batch(args: argparse.Namespace, out: TextIO, input_dir: Path, year: int, roster: tuple[Unit, ...],
               roster_path: Path | None, deadline: date | None, lock: OutputLock, today: date | None = None) -> int:
    """Run the batch and print the summary; returns EXIT_STRICT when units remain to fix or missing.
    lock: taken before the batch reads, so no other run writes into the output meanwhile."""
    from processor.model.rubric import load_rubric
    from processor.pipeline import BatchOptions, run_batch
    from processor.report.console import Progress, safe_line, summary_lines
    from processor.report.publish import publish

    options = BatchOptions(input_dir=input_dir, out_dir=args.out, year=year, rubric=load_rubric(args.rubric),
                           roster=roster, roster_path=roster_path, deadline=deadline, workers=args.workers,
                           **({"today": today} if today else {}))
    result = run_batch(options, progress=Progress())
    published = publish(result, lock)
    for line in summary_lines(published.summary, published.paths):
        print(safe_line(line), file=out)
    incomplete = any(u.status != Status.VALID for u in published.summary.units)
    return EXIT_STRICT if incomplete else EXIT_OK


_COMMANDS = {"template": _cmd_template, "process": _cmd_process, "demo": _cmd_demo}
