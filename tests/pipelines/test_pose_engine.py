"""The generation engine on the tiny preset: 64 px, 2-3 steps, CPU, offline."""

import json
import threading

import numpy as np
import pytest
from PIL import Image

from conftest import noise_image
from pipelines.generation import PoseItem, Progress, png_info
from pipelines.keypoints import Keypoints
from pipelines.params import GenerationParams, ParamsError
from pipelines.skeleton import render_pose
from pipelines.step_preview import PREVIEW_SCALE

PARAMS = GenerationParams(prompt="a person", steps=2)


def run(engine, avatar, items, params=PARAMS, **kwargs):
    return list(engine.generate_poses(avatar, items, params, **kwargs))


def pixels(result):
    assert result.error is None, result.error
    return np.asarray(result.image)


def test_different_skeletons_give_different_images_and_same_seed_repeats(engine, avatar, standing, waving):
    a, b = run(engine, avatar, [PoseItem("stand", standing, 7), PoseItem("wave", waving, 7)])
    again, _ = run(engine, avatar, [PoseItem("stand", standing, 7), PoseItem("wave", waving, 7)])
    assert a.image.size == (64, 64)
    assert not np.array_equal(pixels(a), pixels(b))
    assert np.array_equal(pixels(a), pixels(again))


def test_mirrored_pose_is_generated_and_differs(engine, avatar, waving):
    a, b = run(engine, avatar, [PoseItem("wave", waving, 3), PoseItem("mirror", waving.mirrored(), 3)])
    assert not np.array_equal(pixels(a), pixels(b))


def test_the_rendered_skeleton_reaches_the_controlnet(engine, avatar, waving, monkeypatch):
    seen = []
    controlnet = engine.pipe.controlnet
    original = controlnet.forward

    def spy(*args, **kwargs):
        seen.append(kwargs["controlnet_cond"].detach().clone())
        return original(*args, **kwargs)

    monkeypatch.setattr(controlnet, "forward", spy)
    run(engine, avatar, [PoseItem("wave", waving, 1)], GenerationParams(steps=2, width=64, height=80))
    assert len(seen) == 2  # one call per step (CFG doubles the batch, not the calls)
    cond = seen[0]
    assert cond.shape[-2:] == (80, 64)
    expected = np.asarray(render_pose(waving, 64, 80)).astype(np.float32) / 255
    got = cond[0].permute(1, 2, 0).float().numpy()
    # bfloat16 keeps 8 bits of mantissa: the 1/255 levels land within 1/256 of themselves
    assert np.abs(got - expected).max() < (1e-5 if engine.dtype == "float32" else 4e-3)


def test_ip_adapter_is_loaded_and_the_avatar_changes_the_picture(engine, waving):
    from diffusers.models.attention_processor import IPAdapterAttnProcessor2_0

    assert engine.pipe.image_encoder is not None
    assert any(isinstance(p, IPAdapterAttnProcessor2_0) for p in engine.pipe.unet.attn_processors.values())
    item = [PoseItem("wave", waving, 5)]
    one = pixels(run(engine, noise_image(1), item)[0])
    other = pixels(run(engine, noise_image(2), item)[0])
    assert not np.array_equal(one, other)
    # identity strength is the adapter's scale: at 0 the avatar no longer matters
    silent = GenerationParams(steps=2, identity_strength=0.0)
    assert np.array_equal(pixels(run(engine, noise_image(1), item, silent)[0]),
                          pixels(run(engine, noise_image(2), item, silent)[0]))


def test_batched_equals_one_at_a_time(engine, avatar, standing, waving):
    items = [PoseItem(f"p{i}", kp, 100 + i) for i, kp in enumerate([standing, waving, standing.mirrored()])]
    batched = run(engine, avatar, items, batch_size=3)
    single = run(engine, avatar, items, batch_size=1)
    assert [r.key for r in batched] == [r.key for r in single] == ["p0", "p1", "p2"]
    diffs = [np.abs(pixels(a).astype(int) - pixels(b).astype(int)) for a, b in zip(batched, single)]
    # CPU matrix kernels round differently for other batch sizes: at most a level here and there
    # (in bfloat16, the engine's choice on a CPU with bf16 instructions, a little more often)
    often = 0.05 if engine.dtype == "float32" else 0.25
    assert max(d.max() for d in diffs) <= 2 and max(d.mean() for d in diffs) < often, \
        [(d.max(), d.mean()) for d in diffs]


def test_progress_reports_every_step_of_every_item(engine, avatar, standing, waving):
    events: list[Progress] = []
    items = [PoseItem(f"p{i}", kp, i) for i, kp in enumerate([standing, waving, standing])]
    results = run(engine, avatar, items, GenerationParams(steps=3), batch_size=2, on_progress=events.append)
    assert len(results) == 3
    assert [(e.chunk_index, e.step) for e in events] == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]
    assert {e.item_keys for e in events} == {("p0", "p1"), ("p2",)}
    assert all(e.total_steps == 3 and e.chunks == 2 for e in events)
    # each step carries a rough picture of the chunk's first item: the latent grid, enlarged twice
    side = 64 // engine.pipe.vae_scale_factor * PREVIEW_SCALE
    assert all(e.preview is not None and e.preview.size == (side, side) for e in events)
    first, last = np.asarray(events[0].preview).astype(int), np.asarray(events[2].preview).astype(int)
    assert np.abs(first - last).mean() > 1  # the picture forms from step to step


def test_results_arrive_chunk_by_chunk(engine, avatar, standing):
    events = []
    items = [PoseItem(f"p{i}", standing, i) for i in range(3)]
    run_ = engine.generate_poses(avatar, items, PARAMS, batch_size=2, on_progress=events.append)
    first = next(run_)
    assert first.key == "p0" and {e.chunk_index for e in events} == {0}  # chunk 1 has not started
    rest = list(run_)
    assert [r.key for r in rest] == ["p1", "p2"] and run_.finished and not run_.cancelled


def test_cancel_stops_within_one_step(engine, avatar, standing, monkeypatch):
    calls = []
    controlnet = engine.pipe.controlnet
    original = controlnet.forward
    monkeypatch.setattr(controlnet, "forward", lambda *a, **k: calls.append(1) or original(*a, **k))
    events = []
    items = [PoseItem(f"p{i}", standing, i) for i in range(4)]
    run_ = engine.generate_poses(avatar, items, GenerationParams(steps=4), batch_size=2,
                                 on_progress=events.append, should_cancel=lambda: len(events) >= 1)
    assert list(run_) == []
    assert run_.cancelled
    assert len(calls) == 1 and len(events) == 1
    # the shared pipeline is usable again afterwards
    assert run(engine, avatar, items[:1])[0].error is None


def test_one_failing_item_does_not_lose_the_others(engine, avatar, standing, waving, monkeypatch):
    original = engine._call_pipeline

    def flaky(chunk, call, index):
        if any(item.key == "bad" for item in chunk):
            raise RuntimeError("simulated out-of-memory")
        return original(chunk, call, index)

    monkeypatch.setattr(engine, "_call_pipeline", flaky)
    off_frame = Keypoints.from_json({"body": [[x + 2, y, v] for x, y, v in standing.body]})
    items = [PoseItem("a", standing, 1), PoseItem("bad", waving, 2), PoseItem("c", waving, 3),
             PoseItem("outside", off_frame, 4)]
    results = {r.key: r for r in run(engine, avatar, items, batch_size=4)}
    assert set(results) == {"a", "bad", "c", "outside"}
    assert results["a"].ok and results["c"].ok
    assert "simulated out-of-memory" in results["bad"].error and results["bad"].image is None
    assert "outside the frame" in results["outside"].error
    single = run(engine, avatar, [PoseItem("a", standing, 1)])[0]
    assert np.array_equal(pixels(results["a"]), pixels(single))


def test_bad_input_fails_before_any_work_with_clear_messages(engine, avatar, standing):
    from pipelines.face import NoFaceError

    item = [PoseItem("a", standing, 1)]
    with pytest.raises(ParamsError, match="width 65 is not a multiple of 8: use 64 or 72"):
        engine.generate_poses(avatar, item, GenerationParams(width=65))
    with pytest.raises(ParamsError, match="width 4096"):
        engine.generate_poses(avatar, item, GenerationParams(width=4096))
    with pytest.raises(NoFaceError, match="face"):
        engine.generate_poses(Image.new("RGB", (64, 64), "white"), item, PARAMS, strict_face=True)
    with pytest.raises(ValueError, match="batch_size"):
        engine.generate_poses(avatar, item, PARAMS, batch_size=0)


def test_metadata_travels_in_png_text(engine, avatar, standing, tmp_path):
    result = run(engine, avatar, [PoseItem("stand", standing, 42)])[0]
    meta = result.metadata
    assert meta["preset"] == "tiny" and meta["seed"] == 42 and meta["pose"] == "stand"
    assert meta["params"]["steps"] == 2 and meta["params"]["width"] == 64
    path = tmp_path / "out.png"
    result.image.save(path, pnginfo=png_info(meta))
    assert json.loads(Image.open(path).text["parameters"]) == json.loads(json.dumps(meta))


def test_avatars_and_scenes_share_the_components(engine):
    a = engine.generate_avatars("a smiling person", "", seeds=[1, 2], width=64, height=64, steps=2)
    again = engine.generate_avatars("a smiling person", "", seeds=[1, 2], width=64, height=64, steps=2)
    assert engine.text2img.unet is engine.pipe.unet and engine.text2img.vae is engine.pipe.vae
    assert np.array_equal(np.asarray(a[0]), np.asarray(again[0]))
    assert not np.array_equal(np.asarray(a[0]), np.asarray(a[1]))
    scene = engine.generate_scene("a beach at sunset", 3, 72, 64)
    assert scene.size == (72, 64)
    with pytest.raises(ParamsError, match="height 50"):
        engine.generate_avatars("x", "", seeds=[1], width=64, height=50)


def test_threads_share_one_engine_without_mixing_results(engine, avatar, standing, waving):
    expected = {k: pixels(run(engine, avatar, [PoseItem(k, kp, 9)])[0]) for k, kp in (("s", standing), ("w", waving))}
    got = {}

    def work(key, kp):
        got[key] = pixels(run(engine, avatar, [PoseItem(key, kp, 9)])[0])

    threads = [threading.Thread(target=work, args=a) for a in (("s", standing), ("w", waving))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in expected:
        assert np.array_equal(expected[key], got[key])
