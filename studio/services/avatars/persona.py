"""What describes an avatar: its name, persona, visual attributes, prompts and seed, each checked
and trimmed as it arrives; and where its pictures are kept."""

from __future__ import annotations

import secrets
from typing import Any

from pipelines.params import MAX_PROMPT_CHARS, MAX_SEED, is_seed
from studio.db.tables import Avatar
from studio.services.errors import InvalidInput
from studio.services.fields import clean_text

AVATARS = "avatars"  # media kind of avatar pictures and thumbnails
MIN_AGE, MAX_AGE = 1, 120

PERSONA_FIELDS = {"name": "persona_name", "age": "persona_age", "personality": "persona_personality",
                  "background": "persona_background"}
ATTRIBUTE_FIELDS = ("gender", "age_range", "ethnicity", "body_type", "hair_style", "hair_colour", "eye_colour",
                    "skin_tone", "style")
EDITABLE_FIELDS = ("name", *PERSONA_FIELDS.values(), *ATTRIBUTE_FIELDS)


def clean_persona(persona: dict[str, Any] | None) -> dict[str, Any]:
    """The persona's known fields (name, age, personality, background), checked and trimmed."""
    persona = persona or {}
    if not isinstance(persona, dict):
        raise InvalidInput("the persona must be a set of named fields (name, age, personality, background)")
    out: dict[str, Any] = {}
    for field, column in PERSONA_FIELDS.items():
        value = persona.get(field)
        if field == "age":
            out[field] = clean_age(value)
        else:
            out[field] = clean_text(value, f"the persona's {field}", column_length(column))
    return out


def clean_attributes(attributes: dict[str, Any] | None) -> dict[str, str]:
    """The visual attributes (gender, age range, hair...), checked and trimmed; unknown keys dropped."""
    attributes = attributes or {}
    if not isinstance(attributes, dict):
        raise InvalidInput(f"the attributes must be named fields: {', '.join(ATTRIBUTE_FIELDS)}")
    return {f: clean_text(attributes.get(f), f.replace("_", " "), column_length(f)) for f in ATTRIBUTE_FIELDS}


def column_length(field: str) -> int:
    return Avatar.__table__.columns[field].type.length


def avatar_name(name: Any) -> str:
    text = clean_text(name, "the avatar name", 120)
    if not text:
        raise InvalidInput("give the avatar a name")
    return text


def clean_prompt(value: str | None, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    value = value.strip()
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"{what} is {len(value)} characters long; keep it under {MAX_PROMPT_CHARS}")
    return value


def clean_age(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else None
        age = int(number) if number is not None and number.is_integer() else None
    except (TypeError, ValueError, OverflowError):
        age = None
    if age is None or not MIN_AGE <= age <= MAX_AGE:
        raise InvalidInput(f"the age must be a whole number from {MIN_AGE} to {MAX_AGE}, not {value!r}")
    return age


def clean_seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(2**31)
    if not is_seed(seed):
        raise InvalidInput(f"the seed must be a whole number from 0 to {MAX_SEED}, not {seed!r}")
    return seed


def persona_columns(persona: dict[str, Any]) -> dict[str, Any]:
    return {column: persona.get(field) if field == "age" else persona.get(field, "")
            for field, column in PERSONA_FIELDS.items()}
