"""Known vulnerabilities in the installed dependencies: pip-audit, with a fallback.

``make test`` runs this. pip-audit asks PyPI's JSON API about each installed *release*
(``/pypi/NAME/VERSION/json``). Some package mirrors serve only the project document
(``/pypi/NAME/json``) and answer 404 for releases, so pip-audit skips every dependency and
still reports "no known vulnerabilities". That is not an audit, so for each dependency it
skipped we read the project document ourselves: its ``vulnerabilities`` list covers the
latest release, which is what ``make install`` installs. Dependencies older than the
latest release, which neither source covers, are named in a warning.

Exit status: 1 when a vulnerability is known, 0 otherwise.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import requests

logger = logging.getLogger("dependency_audit")

PROJECT_URL = "https://pypi.org/pypi/{name}/json"
TIMEOUT_SECONDS = 20
#: This project itself, installed in its own virtualenv but not on PyPI.
OURSELVES = "panopto-lti-tool"


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    report = run_pip_audit()
    dependencies = report.get("dependencies", [])

    dependencies = [dep for dep in dependencies if dep["name"] != OURSELVES]
    found = [dep for dep in dependencies if dep.get("vulns")]
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    logger.info(
        "pip-audit checked %d dependencies and skipped %d", len(audited), len(skipped)
    )

    with ThreadPoolExecutor(max_workers=8) as pool:
        records = list(pool.map(project_vulnerabilities, [d["name"] for d in skipped]))

    unchecked = []
    for dep, (latest, vulns) in zip(skipped, records, strict=True):
        # pip-audit names no version for a dependency it skipped; this is its venv.
        dep["version"] = metadata.version(dep["name"])
        if latest != dep["version"]:
            unchecked.append(f"{dep['name']} {dep['version']} (latest {latest})")
            continue
        if vulns:
            found.append({**dep, "vulns": vulns})

    for dep in found:
        for vuln in dep["vulns"]:
            ids = ", ".join([vuln.get("id", "?"), *vuln.get("aliases", [])])
            logger.error("%s %s: %s", dep["name"], dep["version"], ids)
    if unchecked:
        logger.warning(
            "Not audited (no vulnerability data for these releases): %s",
            "; ".join(unchecked),
        )
    if found:
        return 1
    logger.info(
        "No known vulnerabilities in %d dependencies (%d through pip-audit, %d through "
        "PyPI's project records, %d without data).",
        len(dependencies),
        len(audited),
        len(skipped) - len(unchecked),
        len(unchecked),
    )
    return 0


def run_pip_audit() -> dict:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    result = subprocess.run(
        [str(pip_audit), "--skip-editable", "--progress-spinner", "off", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1) or not result.stdout.strip():
        logger.error("pip-audit failed: %s", result.stderr.strip()[-2000:])
        raise SystemExit(2)
    return json.loads(result.stdout)


def project_vulnerabilities(name: str) -> tuple[str | None, list[dict]]:
    """The latest release of ``name`` and the vulnerabilities PyPI lists for it."""
    try:
        response = requests.get(PROJECT_URL.format(name=name), timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as err:
        logger.warning("Could not read PyPI's record of %s: %s", name, err)
        return None, []
    return document.get("info", {}).get("version"), document.get(
        "vulnerabilities"
    ) or []


if __name__ == "__main__":
    sys.exit(main())
