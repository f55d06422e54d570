"""scripts/dependency_audit.py: what it makes of pip-audit's report and PyPI's records."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "dependency_audit.py"


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("dependency_audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module.metadata, "version", lambda name: "1.0")
    return module


def report(*dependencies):
    return {"dependencies": list(dependencies), "fixes": []}


VULN = {"id": "PYSEC-0000-1", "aliases": ["CVE-0000-1"], "fix_versions": ["1.1"]}


def test_a_vulnerability_pip_audit_found_fails_the_audit(audit, monkeypatch):
    monkeypatch.setattr(
        audit,
        "run_pip_audit",
        lambda: report({"name": "flask", "version": "1.0", "vulns": [VULN]}),
    )

    assert audit.main() == 1


def test_a_skipped_dependency_is_checked_against_pypis_record(audit, monkeypatch):
    monkeypatch.setattr(
        audit,
        "run_pip_audit",
        lambda: report(
            {"name": "flask", "skip_reason": "Dependency not found on PyPI"}
        ),
    )
    monkeypatch.setattr(audit, "project_vulnerabilities", lambda name: ("1.0", [VULN]))

    assert audit.main() == 1


def test_a_clean_record_passes_and_an_older_release_is_only_warned_about(
    audit, monkeypatch, caplog
):
    monkeypatch.setattr(
        audit,
        "run_pip_audit",
        lambda: report(
            {"name": "flask", "skip_reason": "not found"},
            {"name": "requests", "version": "1.0", "vulns": []},
            {"name": "panopto-lti-tool", "skip_reason": "not found"},
        ),
    )
    latest = {"flask": ("1.0", []), "requests": ("1.0", [])}
    monkeypatch.setattr(audit, "project_vulnerabilities", lambda name: latest[name])

    assert audit.main() == 0

    monkeypatch.setattr(audit, "project_vulnerabilities", lambda name: ("2.0", [VULN]))
    assert audit.main() == 0  # the record is about 2.0, not the installed 1.0
    assert "flask 1.0 (latest 2.0)" in caplog.text
