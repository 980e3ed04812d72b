"""The folder listing is the pipeline: stage packages, dependencies pointing one way, no cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent
STAGES = {"text", "system", "model", "template", "intake", "register", "judge", "report", "demo", "mail"}


def test_the_layering_contract_holds():
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_no_import_cycle_anywhere_in_processor():
    graph = grimp.build_graph("processor")
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if not target.startswith("processor"):
                continue
            if state.get(target) == 1:
                cycle = [*path[path.index(target):], target] if target in path else [module, target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph.modules):
        if module not in state:
            visit(module, [module])


def test_processor_top_level_is_the_stage_packages_and_a_handful_of_modules():
    entries = {p.name for p in (REPO / "processor").iterdir() if not p.name.startswith(("__pycache__", "."))}
    packages = {name for name in entries if (REPO / "processor" / name / "__init__.py").is_file()}
    modules = {name for name in entries if name.endswith(".py")}
    assert packages == STAGES
    assert modules == {"__init__.py", "cli.py", "pipeline.py"}


def test_the_readme_architecture_section_lists_every_package():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Architecture.**", 1)[1].split("**Decisions.**", 1)[0]
    listed = {line.split()[0].rstrip("/") for line in section.split("```")[1].splitlines()[2:] if line.strip()}
    assert STAGES <= listed, STAGES - listed
