"""The edit tier on the internal tiny-edit preset: QwenImageEditPlusPipeline with random weights,
built offline and loaded with from_pretrained, 64 px, 2 steps, CPU.

Every pipeline call re-encodes both references at about a megapixel (the pipeline's own rule),
a few seconds here, so the pictures most tests compare are made once, in ``made``."""

import json

import numpy as np
import pytest

from tests.pipelines.conftest import noise_image
from pipelines.edit_engine import EDIT_INSTRUCTION, EditEngine, EditTierUnsupported, same_pose_chunks
from pipelines.generation import PoseItem
from pipelines.params import GenerationParams, ParamsError

PARAMS = GenerationParams(prompt="a person in a red coat", steps=2)


def run(engine, avatar, items, params=PARAMS, **kwargs):
    return list(engine.generate_poses(avatar, items, params, **kwargs))


def pixels(result):
    assert result.error is None, result.error
    return np.asarray(result.image).astype(int)


@pytest.fixture(scope="module")
def made(edit_engine, standing, waving):
    """The pictures the tests compare: one batched run (two variations of standing, one waving),
    then single calls for the same seed again, the second variation alone, and another avatar."""
    avatar, other = noise_image(1), noise_image(7)
    events = []
    batched = run(edit_engine, avatar, [PoseItem("s1", standing, 1), PoseItem("s2", standing, 2),
                                        PoseItem("w1", waving, 1)], batch_size=4, on_progress=events.append)
    return {
        "batched": batched, "events": events,
        "alone": run(edit_engine, avatar, [PoseItem("s1", standing, 1)])[0],
        "again": run(edit_engine, avatar, [PoseItem("s1", standing, 1)])[0],
        "s2 alone": run(edit_engine, avatar, [PoseItem("s2", standing, 2)], batch_size=1)[0],
        "other avatar": run(edit_engine, other, [PoseItem("s1", standing, 1)])[0],
    }


def test_it_loads_the_edit_pipeline_from_its_saved_folder(edit_engine, models_dir):
    assert isinstance(edit_engine, EditEngine)
    assert type(edit_engine.pipe).__name__ == "QwenImageEditPlusPipeline"
    assert type(edit_engine.pipe.text_encoder).__name__ == "Qwen2_5_VLForConditionalGeneration"
    assert type(edit_engine.pipe.processor).__name__ == "PictureProcessor"
    index = json.loads((models_dir / "tiny" / "qwen-image-edit" / "model_index.json").read_text())
    assert index["_class_name"] == "QwenImageEditPlusPipeline"
    assert index["processor"] == ["transformers", "Qwen2VLProcessor"]  # as Qwen's repos name it


def test_the_pose_matters_and_the_same_seed_repeats(made):
    s1, s2, w1 = made["batched"]
    assert s1.image.size == (64, 64)
    assert not np.array_equal(pixels(s1), pixels(w1))  # same seed, same avatar, another skeleton
    assert not np.array_equal(pixels(s1), pixels(s2))  # same skeleton, another seed
    assert np.array_equal(pixels(made["alone"]), pixels(made["again"]))


def test_the_person_matters(made):
    assert not np.array_equal(pixels(made["alone"]), pixels(made["other avatar"]))


def test_variations_of_a_pose_share_a_call_and_batched_equals_one_at_a_time(made):
    # One prompt per call: the two standing variations are one call, the waving pose another.
    assert [(e.item_keys, e.chunk_index, e.step) for e in made["events"]] == [
        (("s1", "s2"), 0, 1), (("s1", "s2"), 0, 2), (("w1",), 1, 1), (("w1",), 1, 2)]
    assert all(e.total_steps == 2 and e.chunks == 2 for e in made["events"])
    diff = np.abs(pixels(made["batched"][1]) - pixels(made["s2 alone"]))
    # CPU matrix kernels round differently for other batch sizes: at most a level here and there
    assert diff.max() <= 2 and diff.mean() < 0.05


def test_the_prompt_names_each_picture_and_the_skeleton_is_the_second(edit_engine, standing, monkeypatch):
    seen = {}
    original = edit_engine.pipe.__class__.__call__

    def spy(pipe, *args, **kwargs):
        seen.update(kwargs)
        return original(pipe, *args, **kwargs)

    monkeypatch.setattr(edit_engine.pipe.__class__, "__call__", spy)
    avatar = noise_image(3)
    result = run(edit_engine, avatar, [PoseItem("s", standing, 5)])[0]
    assert seen["prompt"].startswith(EDIT_INSTRUCTION) and seen["prompt"].endswith("a person in a red coat")
    assert result.metadata["prompt_sent"] == seen["prompt"]
    first, second = seen["image"]
    assert np.array_equal(np.asarray(first), np.asarray(avatar.convert("RGB")))
    assert np.array_equal(np.asarray(second), np.asarray(edit_engine.control_image(standing, 64, 64)))
    assert seen["num_images_per_prompt"] == 1 and seen["true_cfg_scale"] == 4.0


def test_cancel_stops_within_one_step(edit_engine, standing):
    events = []
    items = [PoseItem(f"p{i}", standing, i) for i in range(3)]
    run_ = edit_engine.generate_poses(noise_image(1), items, GenerationParams(steps=4), batch_size=1,
                                      on_progress=events.append, should_cancel=lambda: len(events) >= 1)
    assert list(run_) == []
    assert run_.cancelled and len(events) == 1


def test_bad_input_is_refused_before_any_work(edit_engine, standing):
    avatar, items = noise_image(1), [PoseItem("s", standing, 1)]
    with pytest.raises(ParamsError, match="width 80 is not a multiple of 32.*use 64 or 96"):
        edit_engine.generate_poses(avatar, items, GenerationParams(width=80))
    with pytest.raises(ParamsError, match="steps 0"):
        edit_engine.generate_poses(avatar, items, GenerationParams(steps=0))
    with pytest.raises(ValueError, match="batch_size"):
        edit_engine.generate_poses(avatar, items, PARAMS, batch_size=0)
    with pytest.raises(ValueError, match="no usable picture"):
        edit_engine.generate_poses(None, items, PARAMS)


def test_an_unusable_pose_is_that_items_error(edit_engine, standing):
    from pipelines.keypoints import Keypoints

    body = [list(row) for row in standing.body]
    body[1] = [0.5, 0.2, 0]  # no neck
    broken = Keypoints.from_json({"aspect": 0.75, "body": body})
    results = run(edit_engine, noise_image(1), [PoseItem("bad", broken, 1)])
    assert [r.key for r in results] == ["bad"] and not results[0].ok and "bad" in results[0].error


def test_what_this_tier_does_not_make_says_so(edit_engine):
    for make in (lambda: edit_engine.generate_avatars("a", "", seeds=[1], width=64, height=64),
                 lambda: edit_engine.generate_scene("a beach", 1, 64, 64),
                 lambda: edit_engine.redraw(None, None, prompt="", negative_prompt="", seed=1, strength=0.4)):
        with pytest.raises(EditTierUnsupported, match="draws an avatar you already have in new poses"):
            make()


def test_chunks_group_consecutive_items_of_one_pose(standing, waving):
    items = [PoseItem("a", standing, 1), PoseItem("b", standing, 2), PoseItem("c", standing, 3),
             PoseItem("d", waving, 1), PoseItem("e", standing, 4)]
    assert [[i.key for i in c] for c in same_pose_chunks(items, 2)] == [["a", "b"], ["c"], ["d"], ["e"]]
