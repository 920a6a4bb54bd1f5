"""The reliability suite's fixtures: its own local server and var/ folder; and the table of figures at the end."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.reliability.helpers import FIGURES, HEAVY, REPORTS, make_services


@dataclass
class Server:
    port: int
    var_dir: Path
    services: object

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_server(var_dir: Path, **env: str) -> tuple[Server, object]:
    import devserver

    port = free_port()
    site = var_dir / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>Home</title><p>Home</p>", encoding="utf-8")
    (site / "404.html").write_text("<!doctype html><title>Not found</title>", encoding="utf-8")
    services = make_services(var_dir, SITE_URL=f"http://127.0.0.1:{port}/", SITE_DIR=str(site), **env)
    httpd = devserver.serve("127.0.0.1", port, site, services=services)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return Server(port=port, var_dir=var_dir, services=services), httpd


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The local server with its own services (throttling off unless a test turns it on)."""
    running, httpd = start_server(tmp_path_factory.mktemp("server-var"))
    yield running
    httpd.shutdown()
    httpd.server_close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The figures the tests counted, as a table (and var/reliability-summary.json): a report, not a test, so it
    depends on no test's order and cannot hide a failure (each count's own test asserts it)."""
    for make in REPORTS:
        make()
    if not FIGURES:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"Reliability summary ({'heavy' if HEAVY else 'quick'} form)")
    width = max(len(name) for rows in FIGURES.values() for name in rows) + 2
    for section, rows in FIGURES.items():
        write(f"{section}")
        for name, value in rows.items():
            write(f"  {name:<{width}} {value}")
    out = Path(config.rootpath) / "var" / "reliability-summary.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(FIGURES, indent=1, default=str), encoding="utf-8")
    except OSError:
        pass
