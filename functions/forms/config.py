"""Settings, read from the environment once, with embedded defaults for `make serve`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from .paths import ROOT


@dataclass(frozen=True)
class Settings:
    backend: str
    var_dir: Path
    site_url: str
    mail_from: str
    team_email: str
    submissions_bucket: str
    uploads_bucket: str
    queue_url: str
    site_dir: Path | None
    max_body_bytes: int

    @property
    def allowed_origin(self) -> str:
        """The only origin a browser may post from: the site's own."""
        parts = urlsplit(self.site_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def site_path(self) -> str:
        """The site's path prefix, for redirects and links ('/' at the top of a domain)."""
        path = urlsplit(self.site_url).path or "/"
        return path if path.endswith("/") else path + "/"


def from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    backend = env.get("FORMS_BACKEND", "local")
    if backend not in {"local", "aws"}:
        raise ValueError("FORMS_BACKEND must be 'local' or 'aws'")
    port = env.get("PORT", "8000")
    site_dir = env.get("SITE_DIR") or (str(ROOT / "site") if backend == "local" else "")
    return Settings(
        backend=backend,
        var_dir=Path(env.get("VAR_DIR", ROOT / "var")),
        site_url=env.get("SITE_URL") or f"http://127.0.0.1:{port}/",
        mail_from=env.get("MAIL_FROM", "KIDS SEND Mediation forms <forms@send-mediation.localhost>"),
        team_email=env.get("TEAM_EMAIL", "SEND Mediation team <team@send-mediation.localhost>"),
        submissions_bucket=env.get("SUBMISSIONS_BUCKET", ""),
        uploads_bucket=env.get("UPLOADS_BUCKET", ""),
        queue_url=env.get("QUEUE_URL", ""),
        site_dir=Path(site_dir) if site_dir else None,
        max_body_bytes=int(env.get("MAX_BODY_BYTES", 256 * 1024)),
    )


@cache
def settings() -> Settings:
    """This process's settings."""
    return from_env()
