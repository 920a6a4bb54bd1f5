"""Load on the local server: 1,000 submissions at a concurrency of 20, from one address, throttle raised."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import start_server
from tests.reliability.helpers import HEAVY, outbox, record, stored, valid

TOTAL = 1000
CONCURRENCY = 20


@pytest.fixture(scope="module")
def loaded_server(tmp_path_factory):
    # The load comes from one address: the per-client limits are raised for it (they are configuration).
    running, httpd = start_server(
        tmp_path_factory.mktemp("load-var"), THROTTLE_PER_MINUTE="1000000", THROTTLE_BURST="100000"
    )
    yield running
    httpd.shutdown()
    httpd.server_close()


def test_1000_submissions_at_concurrency_20_all_stored_all_emailed_no_errors(loaded_server):
    total = TOTAL * 5 if HEAVY else TOTAL  # the heavy form: 5,000
    bodies = [json.dumps(valid("referral" if n % 2 else "child-views")).encode("utf-8") for n in range(total)]
    paths = ["/api/referrals" if n % 2 else "/api/child-views" for n in range(total)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    local = threading.local()

    def one(n: int) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", loaded_server.port, timeout=60)
        started = time.perf_counter()
        try:
            local.conn.request(
                "POST",
                paths[n],
                body=bodies[n],
                headers={"Content-Type": "application/json", "Origin": loaded_server.origin},
            )
            response = local.conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            local.conn.close()
            del local.conn
            status = 0
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses.append(status)

    began = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, range(total)))
    wall = time.perf_counter() - began
    errors = sum(1 for s in statuses if s != 201)
    saved, emails = len(stored(loaded_server.var_dir)), len(outbox(loaded_server.var_dir))
    cut = statistics.quantiles(latencies, n=100, method="inclusive")
    label = f"{total} submissions at concurrency {CONCURRENCY}"
    record("Load (local server)", label, f"{saved} stored, {emails} emails, {errors} errors")
    record("Load (local server)", "throughput", f"{total / wall:.0f} submissions/s ({wall:.1f} s)")
    record("Load (local server)", "latency p50 / p99", f"{cut[49] * 1000:.0f} ms / {cut[98] * 1000:.0f} ms")
    assert errors == 0 and saved == total and emails == total
