"""Facts in one place: the phone number, email address and time limits live in data/facts.yml.

Pages write ``{{ facts.phone }}``, ``{{ facts.contact_window_months }} months`` and so on. This check finds
the same facts written out by hand (which would go out of date when data/facts.yml changes) and facts
written out wrongly (another 0333 number, a different address at the same domain, or a time limit phrase
with a different number).

Time limits are the facts whose names end in _months, _weeks, _days, _working_days, _minutes or _percent,
so a new one added to data/facts.yml is checked without changing this file. A number that only looks like
a time limit (for example "a meeting lasts 2 hours" is fine, but "reply within 2 weeks" matches the value of
agreed_actions_weeks) can be kept by ending its line with <!-- not-a-fact -->.

Facts the service has not confirmed yet are listed under ``awaiting_confirmation:`` in data/facts.yml (the
fact's name and what to ask the service). ``check_awaiting`` lists each one as a warning, with the pages that
use it, until an editor takes it out of the list: like a translation awaiting review, it never fails a check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from functions.forms.domain.facts import FACTS_FILE
from tools.content_check.model import FACT_MARKER, WARNING, Finding, Page, Project

NOT_A_FACT = "<!-- not-a-fact -->"
PHONE = re.compile(r"(?<![\w+])(?:\+\s?44\s?(?:\(0\)\s?)?|0)\d(?:[ \t.-]?\d){8,9}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)

UNITS: dict[str, tuple[str, str]] = {
    # suffix of the fact's name: (pattern after the number, the word to write after the marker)
    "_working_days": (r"working[\s-]+days?", "working days"),
    "_days": (r"(?<!working )days?", "days"),
    "_weeks": (r"weeks?", "weeks"),
    "_months": (r"months?", "months"),
    "_minutes": (r"minutes?", "minutes"),
    "_percent": (r"%|per[\s-]?cent", "%"),
}
ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
)
ONES += "seventeen eighteen nineteen"
TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
WORD_VALUES = {word: n for n, word in enumerate(ONES.split())}
for _i, _tens in enumerate(TENS.split(), start=2):
    WORD_VALUES[_tens] = _i * 10
    for _j, _one in enumerate(ONES.split()[1:10], start=1):
        WORD_VALUES[f"{_tens}-{_one}"] = _i * 10 + _j
        WORD_VALUES[f"{_tens} {_one}"] = _i * 10 + _j
NUMBER = r"\d+|" + "|".join(sorted((re.escape(w) for w in WORD_VALUES), key=len, reverse=True))

# Phrases that always mean one time limit: if the number in them differs from data/facts.yml, it is wrong.
# {n} stands for the number.
PHRASES: dict[str, list[str]] = {
    "contact_window_months": [r"within {n} months? of the date", r"contact us within {n} months?"],
    "appeal_after_certificate_months": [
        r"{n} months? (?:after|from) (?:the date on )?(?:your|the) certificate"
    ],
    "mias_minutes": [r"(?:call|MIAS)\b[^.]*?\btakes? (?:about |around )?{n} minutes?"],
    "meeting_weeks": [r"within (?:about |around )?{n} weeks? of (?:you )?asking"],
    "agreement_rate_percent": [
        r"(?:around |about )?{n} ?(?:%|per[\s-]?cent) of (?:cases|families|mediations)"
    ],
    "certificate_working_days": [r"certificate within {n} working days?"],
    "mediation_arranged_days": [r"(?:mediation|meeting)[^.]*? within {n} days"],
    "agreed_actions_weeks": [r"must be done within {n} weeks?"],
}


def number_value(text: str) -> int | None:
    text = re.sub(r"\s+", " ", text.strip().lower())
    if text.isdigit():
        return int(text)
    return WORD_VALUES.get(text)


def digits(text: str) -> str:
    value = re.sub(r"\D", "", text)
    return "0" + value[2:] if value.startswith("44") else value


@dataclass(frozen=True)
class TimeFact:
    name: str
    value: int
    unit: str  # the unit pattern
    word: str  # the word to write after the marker


def time_facts(facts: dict[str, object]) -> list[TimeFact]:
    found = []
    for name, value in facts.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        for suffix, (unit, word) in UNITS.items():
            if name.endswith(suffix):
                found.append(TimeFact(name, value, unit, word))
                break
    return found


def _prose(page: Page) -> Iterator[tuple[int, str]]:
    """Body lines (and the front matter's text values) with the facts markers taken out."""
    for number, line in enumerate(page.lines[: page.body_start - 1], start=1):
        if re.match(r"^(title|description|question|summary)\s*:", line):
            yield number, FACT_MARKER.sub(" FACT ", line)
    for number, line in page.body_lines:
        if NOT_A_FACT in page.raw_line(number):
            continue
        yield number, FACT_MARKER.sub(" FACT ", line)


def check_page(page: Page, facts: dict[str, object]) -> Iterator[Finding]:
    phone = str(facts.get("phone", ""))
    ours = digits(phone)
    email = str(facts.get("email", "")).lower()
    domain = email.partition("@")[2]
    timed = time_facts(facts)
    for number, line in _prose(page):
        for match in PHONE.finditer(line):
            written = match.group(0)
            found = digits(written)
            in_link = line[: match.start()].endswith("tel:")
            marker = "{{ facts.phone_link }}" if in_link else "{{ facts.phone }}"
            if found == ours:
                yield Finding(
                    page.rel,
                    number,
                    f'The phone number is written by hand as "{written}". Write {marker} instead, so it '
                    "stays right everywhere.",
                    "facts",
                )
            elif found.startswith("0333"):
                yield Finding(
                    page.rel,
                    number,
                    f'"{written}" is not our phone number: data/facts.yml says {phone}. Write {marker} '
                    "instead, so it stays right everywhere.",
                    "facts",
                )
        for match in EMAIL.finditer(line):
            written = match.group(0).rstrip(".")
            if written.lower() == email:
                yield Finding(
                    page.rel,
                    number,
                    f'The email address is written by hand as "{written}". Write {{{{ facts.email }}}} '
                    "instead, so it stays right everywhere.",
                    "facts",
                )
            elif domain and written.lower().endswith("@" + domain):
                yield Finding(
                    page.rel,
                    number,
                    f'"{written}" is not our email address: data/facts.yml says {email}. Write '
                    "{{ facts.email }} instead.",
                    "facts",
                )
        reported: set[int] = set()
        for fact in timed:
            gap = r"\s?" if fact.word == "%" else r"[\s-]+"
            pattern = re.compile(rf"(?<![\w.,£])({NUMBER}){gap}(?:{fact.unit})(?!\w)", re.I)
            for match in pattern.finditer(line):
                if match.start() in reported:
                    continue
                value = number_value(match.group(1))
                if value != fact.value:
                    continue
                same = [f.name for f in timed if f.unit == fact.unit and f.value == value]
                reported.add(match.start())
                word = fact.word[:-1] if value == 1 and fact.word.endswith("s") else fact.word
                markers = " or ".join(f"{{{{ facts.{name} }}}} {word}" for name in same)
                yield Finding(
                    page.rel,
                    number,
                    f'"{match.group(0).strip()}" is written by hand, and it is a time limit in '
                    f"data/facts.yml ({', '.join(same)}). Write {markers} instead, so it stays right if "
                    f"the time limit changes. If it means something else, end the line with {NOT_A_FACT}.",
                    "facts",
                )
        for fact in timed:
            for phrase in PHRASES.get(fact.name, []):
                pattern = re.compile(phrase.replace("{n}", rf"(?P<n>{NUMBER})"), re.I)
                for match in pattern.finditer(line):
                    value = number_value(match.group("n"))
                    if value is None or value == fact.value:
                        continue
                    word = fact.word[:-1] if fact.value == 1 and fact.word.endswith("s") else fact.word
                    yield Finding(
                        page.rel,
                        number,
                        f'"{match.group(0).strip()}" does not match data/facts.yml, which says '
                        f"{fact.value} {word} ({fact.name}). Write {{{{ facts.{fact.name} }}}} "
                        f"{word} instead, so it stays right everywhere.",
                        "facts",
                    )


def check(project: Project) -> Iterator[Finding]:
    facts = project.facts
    for page in project.pages:
        yield from check_page(page, facts)


# Facts awaiting the service's confirmation

AWAITING = "awaiting_confirmation"
AWAITING_HOW = (
    f"When the service confirms it, correct the fact if it needs it, then take its line out of {AWAITING} in "
    "data/facts.yml."
)


def awaiting_confirmation(facts: dict[str, object]) -> dict[str, str]:
    """The facts the service has not confirmed yet, with what to ask it: {name: reason}.

    data/facts.yml lists them under ``awaiting_confirmation:``, one a line as ``name: "what to confirm"``.
    A plain list of names (``- name``) is read too, with no reason.
    """
    listed = facts.get(AWAITING)
    if isinstance(listed, dict):
        return {str(name): "" if reason is None else str(reason).strip() for name, reason in listed.items()}
    if isinstance(listed, list):
        found: dict[str, str] = {}
        for item in listed:
            if isinstance(item, dict):
                found.update({str(k): "" if v is None else str(v).strip() for k, v in item.items()})
            elif item is not None:
                found[str(item)] = ""
        return found
    return {}


def _awaiting_lines(text: str) -> dict[str, int]:
    """The line of each name in the awaiting_confirmation list of data/facts.yml (for the warnings)."""
    lines: dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.split("\n"), start=1):
        if re.match(rf"^{AWAITING}\s*:", line):
            inside = True
            continue
        if not inside or not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            break  # the next top-level fact: the list has ended
        match = re.match(r"^\s*(?:-\s*)?['\"]?([A-Za-z_][\w]*)['\"]?\s*(?::|$)", line)
        if match and match.group(1) not in lines:
            lines[match.group(1)] = number
    return lines


def _pages_using(project: Project, name: str) -> list[str]:
    """The pages, and the forms' files in schemas/, that write {{ facts.NAME }} for this fact."""
    used = [
        page.rel
        for page in project.pages
        if any(match.group(1) == name for match in FACT_MARKER.finditer(page.text))
    ]
    schemas = project.root / "schemas"
    for path in sorted(schemas.rglob("*.json")) if schemas.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(match.group(1) == name for match in FACT_MARKER.finditer(text)):
            used.append(path.relative_to(project.root).as_posix())
    return used


def check_awaiting(project: Project) -> Iterator[Finding]:
    """One warning per fact awaiting the service's confirmation (warnings never fail the checks)."""
    facts = project.facts
    awaiting = awaiting_confirmation(facts)
    if not awaiting and facts.get(AWAITING) not in (None, [], {}):
        yield Finding(
            "data/facts.yml",
            1,
            f'{AWAITING} cannot be read. Write one fact a line under it, like:  meeting_ways: "what to ask '
            'the service"',
            "confirmation",
            WARNING,
        )
        return
    path = project.root / "data" / FACTS_FILE  # its lines, to point at each fact
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = _awaiting_lines(text)
    for name, reason in awaiting.items():
        line = lines.get(name, 1)
        why = f" {reason}" + ("" if reason.endswith((".", "?", "!")) else ".") if reason else ""
        if name not in facts or name == AWAITING:
            yield Finding(
                "data/facts.yml",
                line,
                f"Awaiting confirmation: '{name}' is not a fact in data/facts.yml. Check the spelling, or add the "
                f"fact.{why}",
                "confirmation",
                WARNING,
            )
            continue
        used = _pages_using(project, name)
        where = f" Used on {', '.join(used)}." if used else " Not used on any page yet."
        yield Finding(
            "data/facts.yml",
            line,
            f"Awaiting confirmation: the service has not confirmed {name} yet.{why}{where} {AWAITING_HOW}",
            "confirmation",
            WARNING,
        )


def awaiting_names(project: Project) -> list[str]:
    """The names of the facts still awaiting the service's confirmation (for reports)."""
    return sorted(awaiting_confirmation(project.facts))
