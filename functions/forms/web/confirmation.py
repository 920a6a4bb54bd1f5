"""Fill the confirmation page's reference and dates from its address (the local server does this without JavaScript)."""

from __future__ import annotations

import datetime as dt
import re

from functions.forms.domain.reference import is_reference
from functions.forms.domain.schemas import Form

# Which "what happens next" the page shows for an answer its form does not list in copy_next_steps_by (a MIAS,
# mediation): the page's block data-kids-needs="steps_mias_mediation".
DEFAULT_STEPS = "mias_mediation"


def values_from_query(
    query: dict[str, str], lang: str = "en", today: dt.date | None = None, form: Form | None = None
) -> dict[str, str]:
    """The safe values to show: a well-formed reference, dates worked out from a real letter date (in words, in the
    page's language) and whether each has passed or is soon, and which next steps fit the service asked for.

    A date's news is a flag: "contact_passed" or "contact_in_time", "appeal_passed" or "appeal_soon" show the page's
    blocks of that name (an empty value: nothing to write, only a block to show)."""
    from functions.forms.domain.i18n import long_date

    def _long_date(day: dt.date) -> str:
        return long_date(day, lang)

    values: dict[str, str] = {}
    reference = query.get("reference", "")
    if is_reference(reference):
        values["reference"] = reference
    letter = query.get("letter_date", "")
    try:
        letter_date = dt.date.fromisoformat(letter) if letter else None
    except ValueError:
        letter_date = None
    if letter_date is not None:
        from functions.forms.domain.deadlines import (
            IN_TIME,
            PASSED,
            DeadlineError,
            appeal_deadline,
            contact_deadline,
            how_soon,
        )

        today = today or dt.date.today()
        try:
            contact_by = contact_deadline(letter_date, today)
            appeal_by = appeal_deadline(letter_date, None, today)
            values["letter_date"] = _long_date(letter_date)
            values["contact_by"] = _long_date(contact_by)
            values["appeal_by"] = _long_date(appeal_by)
        except (DeadlineError, ValueError):
            for key in ("letter_date", "contact_by", "appeal_by"):
                values.pop(key, None)
        else:
            # The request is in: contacting us is done, or late. The appeal may still be to come, so soon counts.
            values["contact_passed" if how_soon(contact_by, today) == PASSED else "contact_in_time"] = ""
            appeal = how_soon(appeal_by, today)
            if appeal != IN_TIME:
                values["appeal_passed" if appeal == PASSED else "appeal_soon"] = ""  # SOON
    if form is not None:
        values.update(_steps(form, query))
    return values


def _steps(form: Form, query: dict[str, str]) -> dict[str, str]:
    """Which "what happens next" to show: the one for the service asked for, when the address names one the form
    offers. Without one, the page keeps its block for every service (data-kids-unless="steps")."""
    path = form.settings.copy_next_steps_field
    field = form.by_path().get(path) if path else None
    value = query.get(field.name, "") if field is not None else ""
    if field is None or value not in field.schema.get("enum", []):
        return {}
    steps = value if value in form.settings.copy_next_steps_by else DEFAULT_STEPS
    return {"steps": steps, f"steps_{steps}": ""}


def fill(html: str, values: dict[str, str]) -> str:
    """Put each value into the element marked data-kids-fill="name"; show blocks marked data-kids-needs="name", and
    hide those marked data-kids-unless="name"."""
    from markupsafe import escape  # as the templates escape: the page is HTML, each value text

    for name, value in values.items():
        html = re.sub(rf'(<\w+[^>]*\bdata-kids-unless="{re.escape(name)}")', r"\1 hidden", html)
        pattern = re.compile(rf'(<(\w+)[^>]*\bdata-kids-fill="{re.escape(name)}"[^>]*>)(.*?)(</\2>)', re.S)
        html = _put(pattern, str(escape(value)), html)
        html = re.sub(
            rf'(<\w+[^>]*\bdata-kids-needs="{re.escape(name)}"[^>]*?)\s+hidden(?:="[^"]*")?(?=[\s/>])',
            r"\1",
            html,
        )
    return html


def _put(pattern: re.Pattern[str], text: str, html: str) -> str:
    """`text` (escaped already) as the content of each element the pattern finds."""
    return pattern.sub(lambda m: m.group(1) + text + m.group(4), html)


def choose_words(html: str, young: bool) -> str:
    """Hide the wording not meant for this reader (data-kids-words="child" or "young"), as the page's script does."""
    other = "child" if young else "young"
    return re.sub(rf'(<\w+[^>]*\bdata-kids-words="{other}")', r"\1 hidden", html)
