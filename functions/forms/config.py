"""Settings, read from the environment once, with embedded defaults for `make serve`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from functions.forms.domain.paths import ROOT


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
    # The time trap (spam.py): the key that signs page-load times, and the fewest seconds a person takes.
    forms_secret: str = ""
    min_seconds: float = 3.0
    # Per-client throttling (throttle.py): requests a minute and a burst; 0 turns it off (AWS throttles per route).
    throttle_per_minute: int = 0
    throttle_burst: int = 0
    # `make serve` only: submissions, emails and uploads older than this are deleted (retention.py).
    local_retention_days: int = 30
    # AWS: the bucket the site is served from (confirmation pages are filled in from it, sent_page.py).
    site_bucket: str = ""
    # AWS: Secrets Manager secrets read once when the function starts (bootstrap.py), never plain in the
    # configuration: the time trap's and file links' key, and the header CloudFront sends to prove a request
    # came through it (X-Origin-Verify; requests without it are refused, so the execute-api address is closed).
    forms_secret_arn: str = ""
    origin_secret_arn: str = ""
    origin_secret: str = ""
    # The worker sends at most this many team emails a minute; more wait for a later try (0: no cap).
    max_team_emails_per_minute: int = 0
    # On your own computer http://localhost:8000/ and http://127.0.0.1:8000/ are the same server: both may post.
    also_local_origins: tuple[str, ...] = ()
    # AWS: the functions whose metrics make the figures (the worker's Monday summary reads them back)
    figures_functions: tuple[str, ...] = ()
    # Upload targets (POST /api/uploads) one client may ask for in a minute, as a burst too, apart from the
    # throttle above: each can bring 20 MB to the disk (0: off; AWS throttles the route, and S3 takes the files).
    uploads_per_minute: int = 0

    @property
    def allowed_origin(self) -> str:
        """The only origin a browser may post from: the site's own."""
        parts = urlsplit(self.site_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def allowed_origins(self) -> frozenset[str]:
        """The origins a browser may post from: the site's own (and its other local name, see from_env)."""
        return frozenset({self.allowed_origin, *self.also_local_origins})

    @property
    def site_path(self) -> str:
        """The site's path prefix, for redirects and links ('/' at the top of a domain)."""
        path = urlsplit(self.site_url).path or "/"
        return path if path.endswith("/") else path + "/"


def _local_names(site_url: str) -> tuple[str, ...]:
    """Both names of a server on this computer (127.0.0.1 and localhost), when the site is on one of them."""
    parts = urlsplit(site_url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        return ()
    port = f":{parts.port}" if parts.port else ""
    return (f"{parts.scheme}://127.0.0.1{port}", f"{parts.scheme}://localhost{port}")


def from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    backend = env.get("FORMS_BACKEND", "local")
    if backend not in {"local", "aws"}:
        raise ValueError("FORMS_BACKEND must be 'local' or 'aws'")
    port = env.get("PORT", "8000")
    site_dir = env.get("SITE_DIR") or (str(ROOT / "site") if backend == "local" else "")
    site_url = env.get("SITE_URL") or f"http://127.0.0.1:{port}/"
    return Settings(
        backend=backend,
        var_dir=Path(env.get("VAR_DIR", ROOT / "var")),
        site_url=site_url,
        mail_from=env.get("MAIL_FROM", "KIDS SEND Mediation forms <forms@send-mediation.localhost>"),
        team_email=env.get("TEAM_EMAIL", "SEND Mediation team <team@send-mediation.localhost>"),
        submissions_bucket=env.get("SUBMISSIONS_BUCKET", ""),
        uploads_bucket=env.get("UPLOADS_BUCKET", ""),
        queue_url=env.get("QUEUE_URL", ""),
        site_dir=Path(site_dir) if site_dir else None,
        max_body_bytes=int(env.get("MAX_BODY_BYTES", 256 * 1024)),
        forms_secret=env.get("FORMS_SECRET", ""),
        min_seconds=float(env.get("FORMS_MIN_SECONDS", 3)),
        throttle_per_minute=int(env.get("THROTTLE_PER_MINUTE", 300 if backend == "local" else 0)),
        throttle_burst=int(env.get("THROTTLE_BURST", 100 if backend == "local" else 0)),
        local_retention_days=int(env.get("LOCAL_RETENTION_DAYS", 30)),
        site_bucket=env.get("SITE_BUCKET", ""),
        forms_secret_arn=env.get("FORMS_SECRET_ARN", ""),
        origin_secret_arn=env.get("ORIGIN_SECRET_ARN", ""),
        max_team_emails_per_minute=int(env.get("MAX_TEAM_EMAILS_PER_MINUTE", 0)),
        figures_functions=tuple(n for n in env.get("FIGURES_FUNCTIONS", "").split(",") if n),
        also_local_origins=_local_names(site_url) if backend == "local" else (),
        uploads_per_minute=int(env.get("UPLOADS_PER_MINUTE", 10 if backend == "local" else 0)),
    )


@cache
def settings() -> Settings:
    """This process's settings."""
    return from_env()
