"""Obviously invented people for the tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

# The headers of every email to the team, in the order it has always had them; nothing else may appear.
TEAM_EMAIL_HEADERS = [
    "Subject",
    "From",
    "To",
    "Reply-To",
    "Date",
    "Message-ID",
    "Importance",
    "X-Priority",
    "MIME-Version",
    "Content-Type",
]

REFERRAL: dict[str, Any] = {
    "submission_id": "00000000-0000-4000-8000-000000000001",
    "service": "mediation",
    "you": {
        "role": "parent_carer",
        "name": "Testy McTestface",
        "email": "testy.mctestface@example.com",
        "phone": "07700 900 982",
        "contact_preference": "email",
        "best_time_to_call": "Weekday mornings",
    },
    "child": {
        "name": "Zoë Ó Súilleabháin-Łukasz",
        "date_of_birth": "2015-03-27",
        "education_setting": "Example Primary",
    },
    "local_authority": "Exampleshire County Council",
    "decision": {"kind": "plan_contents", "letter_date": "2026-10-20"},
    "disagreement": "We disagree about section F.\nThe plan does not name the speech therapy.",
    "needs": {"interpreter_language": "Polish", "access_needs": "Breaks, please", "meeting_format": "online"},
    "consent": {"share_with_local_authority": True, "privacy_notice_read": True},
    "website": "",
}


def referral(**changes: Any) -> dict[str, Any]:
    """A complete, valid referral with a fresh submission id; dotted keys change nested answers."""
    answers = copy.deepcopy(REFERRAL)
    answers["submission_id"] = str(uuid.uuid4())
    for key, value in changes.items():
        target = answers
        parts = key.split("__")
        for part in parts[:-1]:
            target = target[part]
        if value is ...:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = value
    return answers
