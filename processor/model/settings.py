"""Deployment settings (who receives the reports, the deadline, the sheet password) and the
template's wording, both read from data files so that a department changes them without code.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from processor.model.errors import ConfigError
from processor.model.season import Season
from processor.text.dates import end_of_first_quarter, format_vn_date, parse_vn_date
from processor.text.wording import wording

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "default.yaml"
TIERS = ("tinh", "huyen")


@dataclass(frozen=True)
class Issuer:
    """Who issues and signs one kind of document (Nghị định 30/2020/NĐ-CP, Phụ lục I).

    Names are written as in running text ("Sở Giáo dục và Đào tạo"); the header shows them
    upper-cased. head_title + name make the head's title in the text ("Giám đốc Sở Giáo dục
    và Đào tạo"); authority is the signature block's lines ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC");
    an empty signer leaves a dotted line for the clerk, never an invented name."""

    parent: str = ""  # co_quan_chu_quan
    name: str = ""  # ten
    symbol: str = ""  # ky_hieu, as in "Số:      /TTr-SGDĐT"
    head_title: str = ""  # chuc_danh: "Giám đốc", "Chủ tịch"
    authority: tuple[str, ...] = ()  # quyen_han_ky
    signer: str = ""  # nguoi_ky

    @property
    def head(self) -> str:
        """The head's title in running text: "Chủ tịch Ủy ban nhân dân tỉnh Bắc Ninh"."""
        return f"{self.head_title} {self.name}".strip()


@dataclass(frozen=True)
class DocumentSettings:
    """The issuers and signers of the recognition documents (config block van_ban); the
    defaults are those of processor/config/default.yaml."""

    place: str = ""  # dia_danh, as in "Bắc Ninh, ngày ... tháng ... năm ..."
    province: Issuer = Issuer(
        parent="", name="Ủy ban nhân dân tỉnh ……", symbol="UBND", head_title="Chủ tịch", authority=("CHỦ TỊCH",)
    )
    department: Issuer = Issuer(
        parent="Ủy ban nhân dân tỉnh ……", name="Sở Giáo dục và Đào tạo", symbol="SGDĐT", head_title="Giám đốc",
        authority=("GIÁM ĐỐC",),
    )
    council: Issuer = Issuer(
        parent="Sở Giáo dục và Đào tạo", name="Hội đồng đánh giá, công nhận “Đơn vị học tập” cấp tỉnh",
        symbol="HĐTĐ", head_title="Chủ tịch", authority=("CHỦ TỊCH HỘI ĐỒNG",),
    )
    tier: str = "tinh"  # cap_danh_gia: "cấp tỉnh" or "cấp huyện" in the titles
    wording_file: Path | None = None  # mau_van_ban: the department's own documents.yaml


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
    mail: MailSettings = field(default_factory=lambda: MailSettings())  # thu: SMTP and IMAP
    documents: DocumentSettings = field(default_factory=DocumentSettings)  # van_ban

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


SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailServer:
    """One mail server of the department's mailbox (config block thu.smtp / thu.imap)."""

    host: str = ""
    port: int = 0
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    sender: str = ""  # smtp: the From address ("Tên <địa chỉ>"); imap: unused
    folder: str = "INBOX"  # imap: the folder read

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class MailSettings:
    smtp: MailServer = MailServer(port=587)
    imap: MailServer = MailServer(port=993, security="ssl")
    pace_seconds: float = 2.0  # between two messages sent


def _merge_mail(base: dict[str, Any], mine: Any) -> Any:
    """The department's thu block over the defaults, key by key and server by server."""
    if not isinstance(mine, dict):
        return mine  # refused by mail_settings with its message
    merged = {**base, **mine}
    for server in ("smtp", "imap"):
        if isinstance(mine.get(server), dict):
            merged[server] = {**(base.get(server) or {}), **mine[server]}
    return merged


def mail_settings(raw: Any, origin: Path | None) -> MailSettings:
    """The thu block, checked: a wrong port or security is refused when the settings load."""
    where = f" trong {origin}" if origin else ""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"Khoá thu{where} phải là một bảng khoá–giá trị.")
    servers = {}
    for name, default_port, default_security in (("smtp", 587, "starttls"), ("imap", 993, "ssl")):
        block = raw.get(name) or {}
        if not isinstance(block, dict):
            raise ConfigError(f"Khoá thu.{name}{where} phải là một bảng khoá–giá trị.")
        allowed = {"host", "port", "security", "user", "from", "folder"}
        unknown = sorted(set(block) - allowed)
        if unknown:
            raise ConfigError(f"Khoá thu.{name}{where} có khoá không dùng được: {', '.join(unknown)}. Các khoá hợp lệ: "
                              f"{', '.join(sorted(allowed))}.")
        security = str(block.get("security") or default_security).strip().lower()
        if security not in SECURITY:
            raise ConfigError(f"thu.{name}.security '{security}'{where} không hợp lệ; chọn một trong: "
                              f"{', '.join(SECURITY)}.")
        try:
            port = int(block.get("port") or default_port)
        except (TypeError, ValueError):
            port = -1
        if not 0 < port < 65536:
            raise ConfigError(f"thu.{name}.port '{block.get('port')}'{where} không phải cổng hợp lệ (1 đến 65535).")
        servers[name] = MailServer(host=str(block.get("host") or "").strip(), port=port, security=security,
                                   user=str(block.get("user") or "").strip(),
                                   sender=str(block.get("from") or "").strip(),
                                   folder=str(block.get("folder") or "INBOX").strip())
    try:
        pace = float(raw.get("nhip_gui", 2))
    except (TypeError, ValueError):
        pace = -1.0
    if pace < 0:
        raise ConfigError(f"thu.nhip_gui '{raw.get('nhip_gui')}'{where} phải là số giây không âm.")
    return MailSettings(smtp=servers["smtp"], imap=servers["imap"], pace_seconds=pace)


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
        documents = _merge_documents(data.get("van_ban"), override.get("van_ban"), path)
        mail = _merge_mail(data.get("thu") or {}, override.get("thu", {}))
        data.update(override)
        data["van_ban"] = documents
        data["thu"] = mail
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
    documents = document_settings(data.get("van_ban"), tier, path)
    document_wording(documents)  # a wrong copy of documents.yaml is refused now, not at the end of a run
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
        documents=documents,
        mail=mail_settings(data.get("thu"), path),
    )


_ISSUERS = {"ubnd": "province", "so": "department", "hoi_dong": "council"}
_ISSUER_KEYS = {"co_quan_chu_quan": "parent", "ten": "name", "ky_hieu": "symbol", "chuc_danh": "head_title",
                "quyen_han_ky": "authority", "nguoi_ky": "signer"}
_DOCUMENT_KEYS = ("dia_danh", *_ISSUERS, "mau_van_ban")


def _merge_documents(default: Any, override: Any, path: Path) -> dict[str, Any]:
    """The user's van_ban block over the default one, key by key (an issuer's block too), so
    a department that only fills in its signers keeps every other default."""
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in (default or {}).items()}
    if override is None:
        return merged
    if not isinstance(override, dict):
        raise ConfigError(f"Khoá van_ban trong tệp cấu hình {path} phải là một bảng khoá–giá trị.")
    for key, value in override.items():
        if key in _ISSUERS and isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def document_settings(block: Any, tier: str = "tinh", config: Path | None = None) -> DocumentSettings:
    """Parse the van_ban block; every wrong key or value is named in a Vietnamese ConfigError."""
    where = f"tệp cấu hình {config}" if config else "cấu hình"
    if not isinstance(block, dict):
        raise ConfigError(f"Khoá van_ban trong {where} phải là một bảng khoá–giá trị.")
    unknown = sorted(map(str, set(block) - set(_DOCUMENT_KEYS)))
    if unknown:
        raise ConfigError(f"Khoá van_ban trong {where} có khoá không dùng được: {', '.join(unknown)}. "
                          f"Các khoá hợp lệ: {', '.join(_DOCUMENT_KEYS)}.")
    issuers: dict[str, Issuer] = {}
    for key, attr in _ISSUERS.items():
        raw = block.get(key) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"Khoá van_ban.{key} trong {where} phải là một bảng khoá–giá trị "
                              f"({', '.join(_ISSUER_KEYS)}).")
        wrong = sorted(map(str, set(raw) - set(_ISSUER_KEYS)))
        if wrong:
            raise ConfigError(f"Khoá van_ban.{key} trong {where} có khoá không dùng được: {', '.join(wrong)}. "
                              f"Các khoá hợp lệ: {', '.join(_ISSUER_KEYS)}.")
        values: dict[str, Any] = {}
        for name, field_name in _ISSUER_KEYS.items():
            value = raw.get(name)
            if name == "quyen_han_ky":
                lines = value if isinstance(value, list) else str(value or "").split("\n")
                values[field_name] = tuple(line for line in (_config_text(v) for v in lines) if line)
            elif isinstance(value, (dict, list)):
                raise ConfigError(f"Khoá van_ban.{key}.{name} trong {where} phải là một dòng chữ.")
            else:
                values[field_name] = _config_text(value)
        issuers[attr] = Issuer(**values)
    return DocumentSettings(
        place=_config_text(block.get("dia_danh")),
        tier=tier,
        wording_file=_wording_file(block.get("mau_van_ban"), config, where),
        **issuers,
    )


def _config_text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _wording_file(value: Any, config: Path | None, where: str) -> Path | None:
    """mau_van_ban: the department's copy of processor/texts/documents.yaml, relative to the
    configuration file; it must exist now, not fail at the end of a run."""
    text = _config_text(value)
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute() and config is not None:
        path = config.resolve().parent / path
    if not path.is_file():
        raise ConfigError(f"Không tìm thấy tệp mẫu văn bản {path} (khoá van_ban.mau_van_ban trong {where}). "
                          "Sao chép processor/texts/documents.yaml, sửa, rồi ghi đường dẫn của bản sao vào khoá này.")
    return path



def document_wording(documents: DocumentSettings) -> dict[str, Any]:
    """The documents' wording: processor/texts/documents.yaml, with the department's own copy
    (mau_van_ban) over it key by key. The copy may leave keys out (the default stays) but not
    add unknown ones, change a text into a list, or use a placeholder the text cannot have:
    every such mistake is a ConfigError naming the key, found before the run, not in a letter."""
    default = wording("documents")
    if documents.wording_file is None:
        return default
    path = documents.wording_file
    custom = read_yaml(path)
    if not isinstance(custom, dict):
        raise ConfigError(f"Tệp mẫu văn bản {path} phải là một bảng khoá–giá trị như processor/texts/documents.yaml.")
    common = _placeholders(default.get("cho_thay_chung", []))
    unknown = sorted(map(str, set(custom) - set(default)))
    if unknown:
        raise ConfigError(f"Tệp mẫu văn bản {path}: khoá không dùng được {', '.join(unknown)}."
                          " Chỉ sửa nội dung các khoá có trong processor/texts/documents.yaml.")
    return {key: _merge_wording(value, custom[key], path, key, common | _placeholders(value))
            if key in custom else value for key, value in default.items()}


def _merge_wording(default: Any, custom: Any, path: Path, key: str, allowed: set[str]) -> Any:
    """custom over default at key; a text may use the placeholders of its document (the
    top-level section) and the common ones."""
    if isinstance(default, dict):
        if not isinstance(custom, dict):
            raise ConfigError(f"Tệp mẫu văn bản {path}: khoá {key} phải là một bảng khoá–giá trị như trong "
                              "processor/texts/documents.yaml.")
        unknown = sorted(map(str, set(custom) - set(default)))
        if unknown:
            names = ", ".join(f"{key}.{u}" for u in unknown)
            raise ConfigError(f"Tệp mẫu văn bản {path}: khoá không dùng được {names}."
                              " Chỉ sửa nội dung các khoá có trong processor/texts/documents.yaml.")
        return {k: _merge_wording(v, custom[k], path, f"{key}.{k}", allowed) if k in custom else v
                for k, v in default.items()}
    if isinstance(default, list):
        if not isinstance(custom, list) or not all(isinstance(v, str) for v in custom):
            raise ConfigError(f"Tệp mẫu văn bản {path}: khoá {key} phải là một danh sách các dòng chữ.")
        texts = [str(v) for v in custom]
    else:
        if not isinstance(custom, (str, int, float)):
            raise ConfigError(f"Tệp mẫu văn bản {path}: khoá {key} phải là một dòng chữ.")
        texts = [str(custom)]
    for text in texts:
        try:
            used = _placeholders(text)
        except ValueError:
            raise ConfigError(f"Tệp mẫu văn bản {path}: khoá {key} có dấu ngoặc nhọn không khớp trong «{text}» "
                              "(chỗ thay phải viết dạng {nam}; ngoặc nhọn thường viết {{ và }}).") from None
        wrong = sorted(used - allowed)
        if wrong:
            raise ConfigError(f"Tệp mẫu văn bản {path}: khoá {key} dùng chỗ thay không có: "
                              f"{', '.join('{' + w + '}' for w in wrong)}. Các chỗ thay dùng được ở khoá này: "
                              f"{', '.join('{' + a + '}' for a in sorted(allowed)) or '(không có)'}.")
    return texts if isinstance(default, list) else texts[0]


def _placeholders(value: Any) -> set[str]:
    """The {name} placeholders of a text (or of every line of a list)."""
    if isinstance(value, list):
        return set().union(*(_placeholders(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_placeholders(v) for v in value.values())) if value else set()
    return {name for _, name, _, _ in string.Formatter().parse(str(value)) if name}
