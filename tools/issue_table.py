"""Print the README's table of issue codes from processor/texts/issues.yaml."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processor.model.issues import catalogue

SEVERITY = {"error": "lỗi", "warning": "cảnh báo"}


def main() -> None:
    print("| mã | mức | ý nghĩa |")
    print("|---|---|---|")
    for code, kind in catalogue().items():
        print(f"| `{code}` | {SEVERITY[kind.severity]} | {kind.title} |")


if __name__ == "__main__":
    main()
