"""Parameters, presets and persona prompts: plain Python."""

import pytest

from pipelines.avatar_prompt import persona_prompt
from pipelines.params import GenerationParams, ParamsError
from pipelines.presets import PRESETS, UnknownPresetError, get_preset


@pytest.mark.parametrize("kwargs, message", [
    ({"width": 513}, "width 513 is not a multiple of 8: use 512 or 520"),
    ({"height": 4096}, "height 4096 is not allowed: use a whole number of pixels from 64 to 2048"),
    ({"steps": 0}, "steps 0 is not allowed: use a whole number from 1 to 100"),
    ({"pose_strength": 2.5}, "pose strength 2.5 is not allowed: use a number from 0 to 2"),
    ({"identity_strength": -1.0}, "identity strength -1.0"),
    ({"guidance": 31}, "guidance 31 is not allowed: use a number from 0 to 30"),
    ({"seed": -3}, "seed -3"),
    ({"variations": 0}, "variations 0"),
])
def test_bad_values_are_named_with_what_works(kwargs, message):
    with pytest.raises(ParamsError, match=message):
        GenerationParams(**kwargs).validate()


def test_resolved_fills_only_missing_values_from_the_preset():
    preset = get_preset("standard")
    params = GenerationParams(prompt="x", steps=10).resolved(preset)
    assert params.steps == 10 and params.guidance == preset.guidance and params.width == preset.width
    assert params.negative_prompt == preset.negative_prompt


def test_json_round_trip_and_unknown_keys():
    params = GenerationParams(prompt="hi", steps=5, seed=9, width=512)
    assert GenerationParams.from_json(params.to_json()) == params
    with pytest.raises(ParamsError, match="unknown generation parameter.*cfg.*known ones are"):
        GenerationParams.from_json({"prompt": "hi", "cfg": 7})


def test_presets_are_complete():
    assert {"tiny", "fast", "standard", "pro", "best", "tiny-edit"} <= set(PRESETS)
    for preset in PRESETS.values():
        GenerationParams().resolved(preset)  # defaults are valid
        assert preset.licence and preset.description
        # each kind loads through its own seam: the ControlNet families, or the edit pipeline
        assert preset.family in (("qwen_edit",) if preset.is_edit else ("sd15", "sdxl"))
        assert preset.width % preset.size_multiple == 0 and preset.height % preset.size_multiple == 0
    with pytest.raises(UnknownPresetError, match="choose one of: tiny"):
        get_preset("nope")


def test_persona_prompt_is_readable_and_deterministic():
    persona = {"name": "Sari", "age": 28, "personality": "cheerful", "background": "a baker in Jakarta"}
    attrs = {"gender": "woman", "ethnicity": "Indonesian", "hair_style": "long wavy", "hair_colour": "black",
             "eye_colour": "brown", "skin_tone": "", "style": "casual"}
    prompt, negative = persona_prompt(persona, attrs)
    assert prompt == persona_prompt(persona, attrs)[0]
    assert prompt.startswith("a indonesian woman, 28 years old, long wavy black hair, brown eyes")
    assert "cheerful" in prompt and "baker" in prompt and "skin" not in prompt
    assert "lowres" in negative
    assert persona_prompt({}, {})[0].startswith("a person")


def test_item_seeds_are_distinct_within_a_batch_and_stay_seeds():
    from pipelines.params import MAX_SEED, MAX_VARIATIONS, is_seed, item_seed, nth_seed

    seeds = [item_seed(7, p, v) for p in range(50) for v in range(MAX_VARIATIONS)]
    assert len(set(seeds)) == len(seeds) and seeds[:2] == [7, 8] and item_seed(7, 1, 0) == 7 + MAX_VARIATIONS
    assert nth_seed(MAX_SEED, 1) == 0 and all(is_seed(s) for s in (item_seed(MAX_SEED, 3, 9), nth_seed(MAX_SEED, 7)))
    assert not is_seed(MAX_SEED + 1) and not is_seed(-1) and not is_seed(True) and not is_seed(1.0)
