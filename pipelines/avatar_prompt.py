"""Prompts for an avatar made from words: persona + visual attributes -> (prompt, negative).

Deterministic and readable: the creator sees the prompt and may edit it before generating.
No torch here.
"""

from __future__ import annotations

from typing import Any

from .presets import DEFAULT_NEGATIVE

_PHRASES = {
    "age_range": "{} years old",
    "skin_tone": "{} skin",
    "hair_style": "{} hair",
    "hair_colour": "{} hair",
    "eye_colour": "{} eyes",
    "body_type": "{} build",
    "style": "{} style",
}
_QUALITY = "portrait photo, looking at the camera, natural light, sharp focus, detailed face"


def persona_prompt(persona: dict[str, Any], attributes: dict[str, Any]) -> tuple[str, str]:
    """(prompt, negative prompt) describing the person; empty fields are left out."""
    persona = persona or {}
    attributes = attributes or {}
    parts: list[str] = []
    subject = " ".join(_clean(attributes.get(k)) for k in ("ethnicity", "gender") if _clean(attributes.get(k)))
    age = _clean(persona.get("age")) or _clean(attributes.get("age_range"))
    head = f"a {subject}".strip() if subject else "a person"
    if age:
        head += f", {age} years old" if not age.endswith("years old") else f", {age}"
    parts.append(head)
    hair = " ".join(_clean(attributes.get(k)) for k in ("hair_style", "hair_colour") if _clean(attributes.get(k)))
    if hair:
        parts.append(f"{hair} hair")
    for key in ("eye_colour", "skin_tone", "body_type"):
        value = _clean(attributes.get(key))
        if value:
            parts.append(_PHRASES[key].format(value))
    personality = _clean(persona.get("personality"))
    if personality:
        parts.append(f"{personality} expression")
    background = _clean(persona.get("background"))
    if background:
        parts.append(f"({background})")
    style = _clean(attributes.get("style"))
    if style:
        parts.append(_PHRASES["style"].format(style))
    parts.append(_QUALITY)
    return ", ".join(parts), DEFAULT_NEGATIVE + ", multiple people, disfigured face"


def _clean(value: Any) -> str:
    if value is None:
        return ""
    text = " ".join(str(value).replace("_", " ").split())
    return text.strip(" ,.").lower() if len(text) < 200 else text[:200].strip(" ,.").lower()
