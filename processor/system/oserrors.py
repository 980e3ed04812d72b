"""The operating system's refusals in words an official can act on.

OSError messages are English and technical ("Not a directory", "File exists"); every stage
that reports one to a user goes through describe(), so the same failure reads the same way
on the console, in the workbook and in the log.
"""

from __future__ import annotations

import errno

_WORDS = {
    errno.ENOENT: "không tìm thấy",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không có quyền truy cập",
    errno.ENOSPC: "đĩa đầy",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENOTDIR: "không phải thư mục",
    errno.EISDIR: "là một thư mục, không phải tệp",
    errno.EEXIST: "đã có một tệp hoặc thư mục cùng tên",
    errno.ENAMETOOLONG: "đường dẫn dài quá giới hạn của hệ điều hành",
    errno.EBUSY: "đang được chương trình khác dùng",
    errno.ELOOP: "liên kết vòng lặp",
    errno.EIO: "lỗi đọc, ghi đĩa",
    errno.EMFILE: "mở quá nhiều tệp cùng lúc",
    errno.ENOTEMPTY: "thư mục không trống",
}
_WINDOWS_WORDS = {32: "tệp đang mở trong chương trình khác", 33: "tệp đang mở trong chương trình khác",
                  206: "đường dẫn dài quá giới hạn của hệ điều hành"}
if hasattr(errno, "EDQUOT"):
    _WORDS[errno.EDQUOT] = "đĩa đầy (hết hạn mức)"


def describe(exc: OSError) -> str:
    """What went wrong, in Vietnamese, without the path (callers name it)."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WINDOWS_WORDS:
        return _WINDOWS_WORDS[winerror]
    return _WORDS.get(exc.errno or -1, f"lỗi hệ thống (mã {exc.errno})" if exc.errno else "lỗi hệ thống")
