"""What a service tells about itself to anyone who can reach its API port: its health, and only where asked
for its API's description (/docs, /openapi.json) and its metrics (on a port of their own)."""

import httpx

from flipside_devstack.ports import free_port
from flipside_devstack.service_process import ServiceProcess


def test_metrics_on_their_own_port_and_no_api_description_unless_asked_for(sandbox, tmp_path):
    metrics_port = free_port()
    with ServiceProcess("scheduling", sandbox.env(FLIPSIDE_METRICS_PORT=str(metrics_port)), tmp_path) as scheduling:
        api = {
            path: httpx.get(f"{scheduling.url}{path}", timeout=10).status_code
            for path in ("/metrics", "/docs", "/redoc", "/openapi.json")
        }
        assert api == {"/metrics": 404, "/docs": 404, "/redoc": 404, "/openapi.json": 404}
        assert httpx.get(f"{scheduling.url}/health/ready", timeout=10).status_code == 200
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
        assert scraped.status_code == 200 and "flipside_outbox_backlog" in scraped.text
    with ServiceProcess("scheduling", sandbox.env(FLIPSIDE_HTTP_DOCS="true"), tmp_path) as described:
        assert httpx.get(f"{described.url}/openapi.json", timeout=10).json()["info"]["title"] == "Flipside scheduling"
        assert httpx.get(f"{described.url}/docs", timeout=10).status_code == 200
        assert "flipside_outbox_backlog" in httpx.get(f"{described.url}/metrics", timeout=10).text, (
            "unset: metrics on the API's port"
        )
