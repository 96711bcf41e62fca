"""Checks of what clients send, shared by the services: free text, row ids, counts."""

from __future__ import annotations

from typing import Any

from studio.services.errors import InvalidInput, NotFound


def clean_text(value: Any, what: str, limit: int) -> str:
    """Whitespace collapsed, at most ``limit`` characters; ``what`` names the field in the error."""
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InvalidInput(f"{what} must be text")
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise InvalidInput(f"{what} is {len(text)} characters long; keep it to {limit}")
    return text


# Row ids are INTEGER columns (32-bit in PostgreSQL): a larger number names no row, and sent to
# the database it makes the query fail, which a creator would read as a server error.
MAX_ID = 2**31 - 1


def row_id(value: Any) -> int | None:
    """``value`` as a row id, or None when no row can have it (not a whole number from 1 to
    MAX_ID); callers answer "not found", as they do for an id that is someone else's."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON clients may send 7.0 for 7
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if 1 <= value <= MAX_ID else None


def found_id(value: Any, what: str) -> int:
    """The row id in ``value``, or NotFound("``what`` not found") when no row can have it."""
    number = row_id(value)
    if number is None:
        raise NotFound(f"{what} not found")
    return number


def whole_number(value: Any, what: str, low: int, high: int, unit: str = "") -> int:
    """A count a client sent: refused (not truncated) unless it is a whole number in [low, high]."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(f"{what} {value!r} is not allowed: use a whole number from {low} to {high}{unit}")
    return value
