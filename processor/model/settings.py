"""Deployment settings (who receives the reports, the deadline, the sheet password) and the
template's wording, both read from data files so that a department changes them without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from processor.model.errors import ConfigError
from processor.model.season import Season
from processor.text.dates import end_of_first_quarter, format_vn_date, parse_vn_date

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "default.yaml"
TIERS = ("tinh", "huyen")


@dataclass(frozen=True)
class Settings:
    receiving_department: str
    submit_email: str
    contact: str
    deadline: date | None
    sheet_password: str
    instructions_how: tuple[str, ...]
    instructions_dont: tuple[str, ...]
    instructions_submit: tuple[str, ...]
    tier: str = "tinh"  # cap_danh_gia: the tier this office evaluates (tinh for a Sở, huyen)

    def deadline_for(self, year: int, season: Season | None = None) -> date:
        """The configured deadline, else the one of the circular in force (TT24: 14/01 of the
        next year; TT22: the end of its first quarter)."""
        if self.deadline:
            return self.deadline
        return season.deadline_for(year) if season else end_of_first_quarter(year)

    def placeholders(self, year: int, deadline: date | None = None) -> dict[str, str]:
        return {
            "nam": str(year),
            "nam_sau": str(year + 1),
            "han_nop": format_vn_date(deadline or self.deadline_for(year)),
            "noi_nhan": self.receiving_department,
            "email": self.submit_email or "(Sở sẽ thông báo)",
            "lien_he": self.contact or "(Sở sẽ thông báo)",
        }


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {path}.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Tệp cấu hình {path} không đọc được: {exc}") from None


def load_settings(path: Path | None = None) -> Settings:
    """Defaults from processor/config/default.yaml, overridden key by key by the user's file."""
    data = dict(read_yaml(DEFAULT_CONFIG))
    if path is not None:
        override = read_yaml(path)
        if not isinstance(override, dict):
            raise ConfigError(f"Tệp cấu hình {path} phải là một bảng khoá–giá trị.")
        unknown = sorted(set(override) - set(data))
        if unknown:
            raise ConfigError(
                f"Tệp cấu hình {path} có khoá không dùng được: {', '.join(unknown)}. "
                f"Các khoá hợp lệ: {', '.join(sorted(data))}."
            )
        data.update(override)
    raw_deadline = str(data.get("deadline") or "").strip()
    deadline = parse_vn_date(raw_deadline) if raw_deadline else None
    if raw_deadline and deadline is None:
        raise ConfigError(
            f"Hạn nộp '{raw_deadline}' trong cấu hình không phải ngày hợp lệ "
            "(dùng dạng ngày/tháng/năm, ví dụ 31/03/2026)."
        )
    tier = str(data.get("cap_danh_gia") or "tinh").strip()
    if tier not in TIERS:
        raise ConfigError(f"cap_danh_gia '{tier}' trong cấu hình không hợp lệ; chọn một trong: {', '.join(TIERS)}.")
    instructions = data.get("instructions") or {}
    return Settings(
        receiving_department=str(data.get("receiving_department") or ""),
        submit_email=str(data.get("submit_email") or ""),
        contact=str(data.get("contact") or ""),
        deadline=deadline,
        sheet_password=str(data.get("sheet_password") or ""),
        instructions_how=tuple(map(str, instructions.get("how", ()))),
        instructions_dont=tuple(map(str, instructions.get("dont", ()))),
        instructions_submit=tuple(map(str, instructions.get("submit", ()))),
        tier=tier,
    )

