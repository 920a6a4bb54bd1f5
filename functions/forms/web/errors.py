"""The one error request parsing raises: the body cannot be read as answers at all (always a 4xx)."""

from __future__ import annotations


class ParseError(ValueError):
    """The body cannot be read as answers at all."""

    def __init__(self, text: str, status: int = 400):
        super().__init__(text)
        self.text = text
        self.status = status
