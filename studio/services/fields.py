"""Checks of free-text fields a creator types, shared by the services."""

from __future__ import annotations

from typing import Any

from studio.services.errors import InvalidInput


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
