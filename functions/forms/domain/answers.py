"""What a family sent, once read from the request: the answers, what they typed, and any files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FilePart:
    """One chosen file: its form name, its bytes, and whether it was over the size limit."""

    name: str
    data: bytes
    too_large: bool = False
    chosen: bool = True


@dataclass
class Parsed:
    """The answers, and what the family typed in the form (kept to show it back to them)."""

    answers: dict[str, Any]
    typed: dict[str, str] = field(default_factory=dict)
    controls: dict[str, str] = field(default_factory=dict)
    # Files sent inside the form itself (without JavaScript)
    files: list[FilePart] = field(default_factory=list)
