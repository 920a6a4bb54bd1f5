"""Everything a use case or a handler needs from the world, made once by bootstrap.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from functions.forms.config import Settings
from functions.forms.domain.throttle import Throttle
from functions.forms.ports import Mailer, Metrics, Queue, SitePages, Storage, UploadStore


@dataclass
class Services:
    settings: Settings
    storage: Storage
    queue: Queue
    mailer: Mailer
    uploads: UploadStore
    site_pages: SitePages
    throttle: Throttle
    # Upload targets each client may ask for a minute (settings.uploads_per_minute; off when 0)
    upload_throttle: Throttle
    # The key that signs file links in the team's email (derived from FORMS_SECRET, or a local key file).
    link_key: Callable[[], bytes]
    metrics: Metrics
    # The team's emails a minute (settings.max_team_emails_per_minute; off when 0).
    email_budget: Throttle
