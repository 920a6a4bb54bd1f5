"""`python -m functions.forms send-pending | purge-local`: the local commands behind `make send-pending` and
`make purge-local`."""

from __future__ import annotations

import sys

from functions.forms.adapters.local import purge
from functions.forms.application.deliver import send_pending
from functions.forms.bootstrap import is_local, local_services
from functions.forms.config import settings

USAGE = "usage: python -m functions.forms send-pending | purge-local"


def main(argv: list[str]) -> int:
    if argv[:1] == ["send-pending"]:
        results = send_pending(local_services())
        print(
            f"Sent {results.get('sent', 0)}, still waiting {results.get('failed', 0)}, "
            f"held as spam {results.get('held', 0)}."
        )
        return 0 if not results.get("failed") else 1
    if argv[:1] == ["purge-local"]:
        config = settings()
        if not is_local(config):
            print("purge-local only deletes files on this computer (FORMS_BACKEND=local).", file=sys.stderr)
            return 2
        removed = purge(config.var_dir, config.local_retention_days)
        print(
            f"Deleted what was older than {config.local_retention_days} days from {config.var_dir}: "
            f"{removed.get('submissions', 0)} submissions, {removed.get('emails', 0)} emails, "
            f"{removed.get('uploads', 0)} uploaded files."
        )
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
