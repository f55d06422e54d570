"""docs/security.md names a test for every threat; each named test must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
#: `tool/test_x.py::test_name` or `::test_name` (same file as the reference before it).
REFERENCE = re.compile(r"`((?:[\w/]+\.py)?)::(test_\w+)")
THREAT_ROW = re.compile(r"^\| [A-Z]\d+ \|")


def references() -> list[tuple[str, str]]:
    found, current = [], None
    for path, name in REFERENCE.findall(DOC.read_text()):
        current = path or current
        found.append((current, name))
    return found


def test_every_test_the_threat_model_names_exists():
    missing = []
    for path, name in references():
        source = (ROOT / "tests" / path).read_text()
        if not re.search(rf"^def {name}\(", source, re.MULTILINE):
            missing.append(f"{path}::{name}")

    assert len(references()) > 60
    assert missing == []


def test_every_threat_has_a_test_or_a_check():
    rows = [line for line in DOC.read_text().splitlines() if THREAT_ROW.match(line)]

    assert len(rows) > 40
    for row in rows:
        assert "::test_" in row or "make test" in row, row
