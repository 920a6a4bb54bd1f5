"""Retention on your own machine (`make serve`): delete what is older than LOCAL_RETENTION_DAYS (30).

Submissions (with their .sent and .claim files), emails in the outbox and uploaded files are deleted once their
file is older than the limit: by `make purge-local`, and each time the local server starts. On AWS the buckets'
lifecycle rules do the same (template.yaml).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from .config import Settings, settings

FOLDERS = {"submissions": "submissions/*/*", "emails": "outbox/*", "uploads": "uploads/*/*"}


def purge(var_dir: Path, days: float, now: float | None = None) -> Counter[str]:
    """Delete files under var_dir older than `days`; a count of what went, by kind. Nothing is logged but counts."""
    now = time.time() if now is None else now
    cutoff = now - days * 86400
    removed: Counter[str] = Counter()
    for kind, pattern in FOLDERS.items():
        for path in Path(var_dir).glob(pattern):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    if kind != "submissions" or path.suffix == ".json":
                        removed[kind] += 1
            except FileNotFoundError:
                continue
    return removed


def purge_settings(config: Settings | None = None, now: float | None = None) -> Counter[str]:
    config = config or settings()
    return purge(config.var_dir, config.local_retention_days, now)


def main(argv: list[str]) -> int:
    config = settings()
    if config.backend != "local":
        print("purge-local only deletes files on this computer (FORMS_BACKEND=local).", file=sys.stderr)
        return 2
    removed = purge_settings(config)
    print(
        f"Deleted what was older than {config.local_retention_days} days from {config.var_dir}: "
        f"{removed.get('submissions', 0)} submissions, {removed.get('emails', 0)} emails, "
        f"{removed.get('uploads', 0)} uploaded files."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
