"""Shared fixtures: a freshly built site served by our own local server, with its own var/ folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_site(target: Path, site_url: str, extra_env: dict[str, str] | None = None) -> str:
    """Build the site strictly into target; fail on any warning. Returns the build output."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": site_url, **(extra_env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "WARNING" not in output, output
    return output


@dataclass
class LiveServer:
    url: str
    port: int
    site_dir: Path
    var_dir: Path

    @property
    def outbox(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def submissions(self) -> Path:
        return self.var_dir / "submissions"


# The live server's settings, beyond where it is. FORMS_MIN_SECONDS=0 turns the time trap off (no send is quicker
# than 0 s), so the browser tests need not wait 3 s before each send; the trap itself is tested with its default
# (tests/reliability/test_defences.py).
LIVE_SERVER_ENV = {"FORMS_MIN_SECONDS": "0"}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The built site and the forms API on 127.0.0.1, exactly as `make serve` runs them."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    site_dir = tmp_path_factory.mktemp("site")
    var_dir = tmp_path_factory.mktemp("var")
    build_site(site_dir, url)
    env = {
        "PORT": str(port),
        "SITE_URL": url,
        "SITE_DIR": str(site_dir),
        "VAR_DIR": str(var_dir),
        **LIVE_SERVER_ENV,
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    from functions.forms import bootstrap, config

    config.settings.cache_clear()  # settings and services are made once per process: made again from env
    bootstrap.services.cache_clear()
    import devserver

    httpd = devserver.serve("127.0.0.1", port, site_dir)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, port=port, site_dir=site_dir, var_dir=var_dir)
    finally:
        httpd.shutdown()
        httpd.server_close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        config.settings.cache_clear()
        bootstrap.services.cache_clear()


@pytest.fixture(scope="session")
def site_url(live_server: LiveServer) -> str:
    return live_server.url
