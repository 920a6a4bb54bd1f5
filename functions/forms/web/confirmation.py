"""Fill the confirmation page's reference and dates from its address (the local server does this without JavaScript)."""

from __future__ import annotations

import datetime as dt
import re

from functions.forms.domain.reference import is_reference


def values_from_query(query: dict[str, str], lang: str = "en") -> dict[str, str]:
    """The safe values to show: a well-formed reference, and dates worked out from a real letter date (in words,
    in the page's language)."""
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
        from functions.forms.domain.deadlines import DeadlineError, appeal_deadline, contact_deadline

        try:
            values["letter_date"] = _long_date(letter_date)
            values["contact_by"] = _long_date(contact_deadline(letter_date))
            values["appeal_by"] = _long_date(appeal_deadline(letter_date))
        except (DeadlineError, ValueError):
            for key in ("letter_date", "contact_by", "appeal_by"):
                values.pop(key, None)
    return values


def fill(html: str, values: dict[str, str]) -> str:
    """Put each value into the element marked data-kids-fill="name"; show blocks marked data-kids-needs="name"."""
    from markupsafe import escape  # as the templates escape: the page is HTML, each value text

    for name, value in values.items():
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
