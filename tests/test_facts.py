"""One definition per fact: settings, presets and the price catalog name the same presets, and the
studio enforces the pipelines' limits rather than its own."""

from __future__ import annotations

import json

import pytest

from pipelines.params import MAX_PROMPT_CHARS, MAX_SEED, MAX_VARIATIONS, GenerationParams, ParamsError
from pipelines.presets import PRESETS, public_preset_keys
from studio.db.catalog import catalog_problems, pose_price_key
from studio.db.seed import DATA_DIR
from studio.settings import PRESET_KEYS, SettingsError, load_settings


def shipped_catalog() -> list[dict]:
    return json.loads((DATA_DIR / "model_catalog.json").read_text(encoding="utf-8"))


def test_settings_presets_and_the_price_catalog_name_the_same_presets():
    pose_rows = [row for row in shipped_catalog() if row["kind"] == "pose"]
    assert list(PRESET_KEYS) == public_preset_keys()
    assert sorted(row["preset"] for row in pose_rows) == sorted(public_preset_keys())
    assert sorted(row["key"] for row in pose_rows) == sorted(pose_price_key(k) for k in public_preset_keys())
    assert catalog_problems(shipped_catalog()) == []


def test_settings_accept_exactly_the_offered_presets():
    for key in public_preset_keys():
        assert load_settings(STUDIO_PRESET=key).preset == key
    internal = [key for key, preset in PRESETS.items() if preset.internal]
    assert internal  # tiny-xl: a test preset the studio never offers
    for key in internal:
        with pytest.raises(SettingsError, match="STUDIO_PRESET: must be one of"):
            load_settings(STUDIO_PRESET=key)


@pytest.mark.parametrize("change, message", [
    (lambda rows: [r for r in rows if r["key"] != "pose.pro"], "preset pro has no price: add a row with key pose.pro"),
    (lambda rows: rows + [{**rows[-1], "key": "pose.huge", "kind": "pose", "preset": "huge"}],
     "pose.huge prices 'huge', which is not a preset"),
    (lambda rows: rows + [dict(next(r for r in rows if r["key"] == "pose.fast"))], "pose.fast appear more than once"),
    (lambda rows: [{**r, "key": "pose.quick"} if r["key"] == "pose.fast" else r for r in rows],
     "pose.quick prices preset fast: give it key pose.fast"),
])
def test_a_catalog_that_does_not_price_exactly_the_presets_is_named(change, message):
    problems = catalog_problems(change(shipped_catalog()))
    assert any(message in p for p in problems), problems


def test_the_limits_the_studio_enforces_are_the_pipelines_ones():
    assert MAX_VARIATIONS == 10  # what the batch tab offers creators
    GenerationParams(variations=MAX_VARIATIONS, seed=MAX_SEED, prompt="x" * MAX_PROMPT_CHARS).validate()
    for bad in ({"variations": MAX_VARIATIONS + 1}, {"seed": MAX_SEED + 1}, {"prompt": "x" * (MAX_PROMPT_CHARS + 1)}):
        with pytest.raises(ParamsError):
            GenerationParams(**bad).validate()
