"""The price catalog's rule: one pose price per preset the studio offers, keyed ``pose.<preset>``.

``pipelines/presets.py`` is the one list of presets, settings derive STUDIO_PRESET's choices
from it, and ``data/model_catalog.json`` prices each of them. The seed step checks that the
three agree before it writes a row, so a preset added without its price (or a price left for a
preset that is gone) stops the start with one line, not a "not available" at the first batch.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipelines.presets import public_preset_keys
from studio.settings import PRESET_KEYS


class CatalogError(RuntimeError):
    """The price catalog disagrees with the presets; the message names each difference and the fix."""


def pose_price_key(preset_key: str) -> str:
    """The catalog key of one pose image made with ``preset_key``."""
    return f"pose.{preset_key}"


def catalog_problems(entries: list[dict[str, Any]]) -> list[str]:
    """What keeps the catalog ``entries`` (the JSON rows) from pricing exactly the offered presets."""
    offered = public_preset_keys()
    problems = []
    if list(PRESET_KEYS) != offered:
        problems.append(f"STUDIO_PRESET accepts {', '.join(PRESET_KEYS)} but pipelines/presets.py offers "
                        f"{', '.join(offered)}")
    doubled = sorted(key for key, n in Counter(e.get("key") for e in entries).items() if n > 1)
    if doubled:
        problems.append(f"{', '.join(map(str, doubled))} appear more than once: keep one row each")
    priced = [e for e in entries if e.get("kind") == "pose" or e.get("preset") is not None]
    for entry in priced:
        preset = entry.get("preset")
        if preset not in offered:
            problems.append(f"{entry.get('key')} prices {preset!r}, which is not a preset: remove the row "
                            "or add the preset to pipelines/presets.py")
        elif entry.get("key") != pose_price_key(preset) or entry.get("kind") != "pose":
            problems.append(f"{entry.get('key')} prices preset {preset}: give it key {pose_price_key(preset)} "
                            "and kind pose")
    named = {e.get("preset") for e in priced}
    for preset in offered:
        if preset not in named:
            problems.append(f"preset {preset} has no price: add a row with key {pose_price_key(preset)}, "
                            f"kind pose and preset {preset}")
    return problems


def check_catalog(entries: list[dict[str, Any]], source: object = "data/model_catalog.json") -> None:
    """Raise CatalogError, in one line, when the catalog read from ``source`` does not price exactly
    the offered presets."""
    problems = catalog_problems(entries)
    if problems:
        raise CatalogError(f"{source} does not match the presets: " + "; ".join(problems))
