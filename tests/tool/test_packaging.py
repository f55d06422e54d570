"""What is installed, and what production code may import."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "app"
FORBIDDEN_TOP_LEVEL = "devkit"


def test_the_maintained_fork_pylti1p3next_2_0_2_is_installed():
    assert importlib.metadata.version("pylti1p3next") == "2.0.2"


def test_the_original_pylti1p3_distribution_is_not_installed():
    # Both install the import package `pylti1p3`; the old one would silently replace the fork.
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("pylti1p3")


def test_the_pylti1p3_import_package_comes_from_the_fork():
    import pylti1p3

    owners = importlib.metadata.packages_distributions().get("pylti1p3", [])

    assert owners == ["pylti1p3next"]
    assert Path(pylti1p3.__file__).parent.name == "pylti1p3"


def _imported_modules(tree: ast.AST) -> list[str]:
    """Every module named by an import statement, importlib call or __import__ call."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", "")
            )
            first = node.args[0]
            if called in {"import_module", "__import__"} and isinstance(
                first, ast.Constant
            ):
                names.append(str(first.value))
    return names


def test_production_code_never_imports_devkit():
    sources = sorted(APP_DIR.rglob("*.py"))
    assert len(sources) > 10, "the scan must see the app package"

    offenders = []
    for path in sources:
        tree = ast.parse(path.read_text(), filename=str(path))
        for module in _imported_modules(tree):
            if module.split(".")[0] == FORBIDDEN_TOP_LEVEL:
                offenders.append(f"{path.relative_to(APP_DIR.parent)}: {module}")

    assert offenders == []


def test_the_import_scan_would_notice_a_devkit_import():
    source = (
        "import devkit.panopto_sim\n"
        "from devkit import dev_platform\n"
        "importlib.import_module('devkit.x')\n"
    )

    found = _imported_modules(ast.parse(source))

    assert [name.split(".")[0] for name in found] == ["devkit"] * 3
