"""Command line: parse options, call one library function, turn a fatal error into one
Vietnamese line and an exit code. Nothing else lives here.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from processor.dates import default_report_year
from processor.errors import DvhtError, UsageError

EXIT_OK, EXIT_STRICT, EXIT_USAGE = 0, 1, 2


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
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="run.py",
        description="Công cụ thu thập, kiểm tra và tổng hợp phiếu tự đánh giá "
        "\"Đơn vị học tập\" (Thông tư 22/2020/TT-BGDĐT).",
    )
    parser.add_argument("--debug", action="store_true", help="in chi tiết lỗi kỹ thuật")
    sub = parser.add_subparsers(dest="command", title="lệnh", metavar="LỆNH", parser_class=_Parser)
    sub.required = True

    t = sub.add_parser("template", help="tạo mẫu Excel để gửi các đơn vị",
                       description="Tạo mẫu Excel trống và (nếu có danh sách) một mẫu cho từng đơn vị.")
    t.add_argument("--year", type=int, default=default_report_year(), metavar="NĂM",
                   help="năm đánh giá (mặc định: năm trước, %(default)s)")
    t.add_argument("--roster", type=Path, metavar="TỆP",
                   help="danh sách đơn vị (.csv hoặc .xlsx) có cột Mã đơn vị, Tên đơn vị")
    t.add_argument("--out", type=Path, default=Path("input_templates"), metavar="THƯ_MỤC",
                   help="thư mục ghi mẫu (mặc định: %(default)s)")
    t.add_argument("--config", type=Path, metavar="TỆP", help="tệp cấu hình (hạn nộp, nơi nhận, mật khẩu khoá trang)")
    t.add_argument("--rubric", default="tt22-2020", metavar="MÃ", help="bộ tiêu chí (mặc định: %(default)s)")
    t.add_argument("--debug", action="store_true", help="in chi tiết lỗi kỹ thuật")
    return parser


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
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu; kết quả cũ (nếu có) được giữ nguyên.", file=err)
        return 130


def _cmd_template(args: argparse.Namespace, out: TextIO) -> int:
    from processor.distribute import generate_templates
    from processor.layout import build_layout
    from processor.roster import load_roster
    from processor.rubric import load_rubric
    from processor.settings import load_settings
    from processor.template import TemplateRequest

    if not 2000 <= args.year <= 2100:
        raise UsageError(f"năm {args.year} không hợp lệ (cần từ 2000 đến 2100)")
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


_COMMANDS = {"template": _cmd_template}
