"""Known vulnerabilities in the locked dependencies fail the build.

The lock file, exported as pinned and hashed requirements, is audited by pip-audit against PyPI's
advisories, or against an OSV-compatible service at AUDIT_OSV_URL (a mirror inside your network).
A machine that reaches the package index but not the advisories gets every package skipped: this
says so loudly and passes, unless AUDIT_REQUIRED=true, where it fails (set it where CI can reach them).
Exit codes: 0 nothing known, 1 a known vulnerability (named, with the fixed versions), 2 not audited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as work:
        requirements, report = Path(work) / "requirements.txt", Path(work) / "audit.json"
        subprocess.run(
            # uv runs this script and names itself in $UV.
            [
                os.environ.get("UV", "uv"),
                "export",
                "--frozen",
                "--format",
                "requirements-txt",
                "--all-groups",
                "--no-emit-workspace",
                "--quiet",
                "--output-file",
                str(requirements),
            ],
            cwd=ROOT,
            check=True,
        )
        osv_url = os.environ.get("AUDIT_OSV_URL")
        service = (
            ["--vulnerability-service", "osv", "--osv-url", osv_url] if osv_url else ["--vulnerability-service", "pypi"]
        )
        audit = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--requirement",
                str(requirements),
                "--require-hashes",
                "--disable-pip",
                *service,
                "--format",
                "json",
                "--output",
                str(report),
                "--progress-spinner",
                "off",
                "--cache-dir",
                str(Path(work) / "cache"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if not report.exists():
            print(f"dependency audit: pip-audit failed: {audit.stderr.strip()}", file=sys.stderr)
            return 2
        dependencies = json.loads(report.read_text())["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    for dependency in vulnerable:
        for vulnerability in dependency["vulns"]:
            fixed = ", ".join(vulnerability.get("fix_versions") or []) or "no fixed version yet"
            print(f"{dependency['name']} {dependency['version']}: {vulnerability['id']} (fixed in {fixed})")
    if vulnerable:
        print(
            f"dependency audit: {len(vulnerable)} locked package(s) with known vulnerabilities: upgrade them in uv.lock"
        )
        return 1
    if skipped and audited == 0:
        print(
            f"dependency audit: NOT AUDITED: the advisory database answered for none of the {len(skipped)} locked packages"
            f" ({skipped[0]['skip_reason']}); set AUDIT_OSV_URL to a reachable OSV service",
            file=sys.stderr,
        )
        return 2 if os.environ.get("AUDIT_REQUIRED") == "true" else 0
    print(
        f"dependency audit: no known vulnerabilities in {audited} locked package(s)"
        + (f"; {len(skipped)} could not be audited" if skipped else "")
    )
    return 2 if skipped and os.environ.get("AUDIT_REQUIRED") == "true" else 0


if __name__ == "__main__":
    sys.exit(main())
