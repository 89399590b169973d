"""CI audits the locked dependencies for known vulnerabilities: here against an OSV service on 127.0.0.1
that knows one advisory, since the public advisory databases are out of this machine's reach."""

import json
import os
import subprocess
import sys
from pathlib import Path

from werkzeug import Request, Response

ROOT = Path(__file__).resolve().parents[2]
ADVISORY = {
    "id": "GHSA-test-0000-0000",
    "schema_version": "1.6.0",
    "summary": "a made-up advisory for the test",
    "affected": [
        {
            "package": {"name": "pyjwt", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
        }
    ],
}


def osv(vulnerable: set[str]):
    def answer(request: Request) -> Response:
        name = json.loads(request.get_data())["package"]["name"]
        return Response(
            json.dumps({"vulns": [ADVISORY]} if name in vulnerable else {}), content_type="application/json"
        )

    return answer


def audit(httpserver) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUDIT_OSV_URL": httpserver.url_for("/v1/query")}
    return subprocess.run(
        [sys.executable, "scripts/audit_dependencies.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_locked_package_with_a_known_vulnerability_fails_the_audit_and_is_named(httpserver):
    httpserver.expect_request("/v1/query", method="POST").respond_with_handler(osv({"pyjwt"}))
    result = audit(httpserver)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pyjwt" in result.stdout and "GHSA-test-0000-0000 (fixed in 99.0.0)" in result.stdout


def test_without_known_vulnerabilities_the_audit_passes_having_asked_about_every_locked_package(httpserver):
    httpserver.expect_request("/v1/query", method="POST").respond_with_handler(osv(set()))
    result = audit(httpserver)
    assert result.returncode == 0, result.stdout + result.stderr
    asked = {json.loads(request.get_data())["package"]["name"] for request, _ in httpserver.log}
    assert {"pyjwt", "fastapi", "asyncpg", "aiokafka"} <= asked
    assert f"no known vulnerabilities in {len(asked)} locked package(s)" in result.stdout


def test_ci_runs_the_audit():
    assert "scripts/audit_dependencies.py" in (ROOT / ".ci" / "run").read_text()
