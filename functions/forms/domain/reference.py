"""Reference numbers: 8 random characters from an alphabet with no look-alikes (no 0, O, 1, I, Q or Z)."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPRSTUVWXY23456789"
LENGTH = 8
PATTERN = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_reference() -> str:
    """A fresh random reference, never sequential."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_reference(text: str) -> bool:
    return bool(PATTERN.match(text))
