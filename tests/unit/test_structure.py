"""The layout keeps its shape: HTTP stays in its layers, modules stay small, rules have one home.

Read from the source files (AST), not by importing them, so a rule broken anywhere fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Where HTTP lives: the web pages, the machine surfaces, the composition root, and the fake of
# Twilio's HTTP API that tests and benchmarks run.
HTTP_LAYERS = ("followup/web/", "webhooks/", "followup/app.py", "followup/testing/")
HTTP_LIBRARIES = ("flask", "flask_wtf", "werkzeug")
# Data tables may be long: rules written as patterns, word lists, migrations.
DATA_TABLES = {
    "followup/replies/triage/rules.py",
    "followup/eligibility/sensitive.py",
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# A longer function says why on the line above it (a comment starting with this).
LONG_FUNCTION_REASON = "# Long because"


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_nothing_outside_the_http_layers_imports_flask_or_werkzeug():
    offenders = [
        (relative(path), module)
        for path in python_files("followup")
        if not relative(path).startswith(HTTP_LAYERS)
        for module in imported_modules(path)
        if module.split(".")[0] in HTTP_LIBRARIES
    ]
    assert offenders == []


def test_the_domain_never_imports_the_machine_surfaces_only_the_composition_root_does():
    offenders = [
        relative(path)
        for path in python_files("followup")
        if relative(path) != "followup/app.py"
        and any(module.split(".")[0] == "webhooks" for module in imported_modules(path))
    ]
    assert offenders == []


def test_benchmarks_never_import_the_tests():
    offenders = [
        relative(path)
        for path in python_files("bench")
        if any(module.split(".")[0] == "tests" for module in imported_modules(path))
    ]
    assert offenders == []


def test_only_browser_tests_load_playwright():
    offenders = [
        relative(path)
        for path in python_files("tests")
        if not relative(path).startswith("tests/browser/")
        and any(module.split(".")[0] == "playwright" for module in imported_modules(path))
    ]
    assert offenders == []


def test_no_module_is_longer_than_400_lines_data_tables_and_migrations_aside():
    too_long = {
        relative(path): lines
        for path in python_files("followup", "webhooks", "bench")
        if relative(path) not in DATA_TABLES
        and "/migrations/" not in relative(path)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def long_functions(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        length = node.end_lineno - node.lineno + 1
        above = lines[first - 2].strip() if first >= 2 else ""
        if length > MAX_FUNCTION_LINES and not above.startswith(LONG_FUNCTION_REASON):
            found.append(f"{relative(path)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_60_lines_without_a_reason_written_above_it():
    offenders = [
        found
        for path in python_files("followup", "webhooks", "bench")
        if "/migrations/" not in relative(path)
        for found in long_functions(path)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("number", "home"),
    [
        ("21610", "followup/sending/gateways/twilio_codes.py"),
        ("30007", "followup/sending/gateways/twilio_codes.py"),
        ("30003", "followup/sending/gateways/twilio_codes.py"),
    ],
)
def test_twilio_error_codes_are_written_in_one_module(number, home):
    mentioned = [
        relative(path)
        for path in python_files("followup", "webhooks")
        if relative(path) != home
        and "/testing/" not in relative(path)
        and any(
            isinstance(node, ast.Constant) and node.value == int(number)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert mentioned == []


def test_role_checks_are_written_once():
    """Whether a role may work callbacks is ``Role.can_work``; nobody lists the roles again."""
    offenders = [
        relative(path)
        for path in python_files("followup", "webhooks")
        if relative(path) != "followup/models/staff.py"
        and "Role.COMMANDER, Role.ADMIN" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_every_module_the_readme_map_names_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where each rule lives", 1)[1].split("\n## ", 1)[0]
    named = {
        path
        for cell in section.split("`")[1::2]
        for path in [cell.split(" ")[0]]
        if path.startswith(("followup/", "webhooks/", "tests/")) and "<" not in path
    }
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert len(named) > 20 and missing == []
