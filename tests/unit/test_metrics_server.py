"""The metrics endpoint serves /metrics, /healthz and /readyz on one port."""

from __future__ import annotations

import httpx

from cdc_consumer import metrics


def test_endpoints() -> None:
    ready = {"value": False}
    server = metrics.MetricsServer("127.0.0.1", 0, lambda: ready["value"]).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        metrics.INVOICES.labels("created").inc()
        body = httpx.get(f"{base}/metrics").text
        assert 'cdc_invoices_total{action="created"}' in body
        assert "cdc_consumer_lag_seconds" in body
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 503
        ready["value"] = True
        assert httpx.get(f"{base}/readyz").status_code == 200
        assert httpx.get(f"{base}/nope").status_code == 404
    finally:
        server.stop()
