"""The SDXL path (pro preset's classes) on the internal tiny-xl preset: ControlNet + IP-Adapter
on the base, then the refiner. 64 px, 2 base + 1 refiner steps, CPU, offline."""

import numpy as np

from conftest import noise_image
from pipelines.generation import PoseItem
from pipelines.params import GenerationParams

PARAMS = GenerationParams(prompt="a person")  # tiny-xl: 3 steps, refiner from 60%


def run(engine, avatar, items, params=PARAMS, **kwargs):
    return list(engine.generate_poses(avatar, items, params, **kwargs))


def pixels(result):
    assert result.error is None, result.error
    return np.asarray(result.image)


def count_calls(monkeypatch, module):
    calls = []
    original = module.forward
    monkeypatch.setattr(module, "forward", lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_refiner_is_loaded_once_and_shares_the_base_components(xl_engine):
    from diffusers import StableDiffusionXLControlNetPipeline, StableDiffusionXLImg2ImgPipeline
    from diffusers.models.attention_processor import IPAdapterAttnProcessor2_0

    assert isinstance(xl_engine.pipe, StableDiffusionXLControlNetPipeline)
    assert isinstance(xl_engine.refiner, StableDiffusionXLImg2ImgPipeline)
    assert xl_engine.refiner.text_encoder_2 is xl_engine.pipe.text_encoder_2
    assert xl_engine.refiner.vae is xl_engine.pipe.vae
    assert xl_engine.refiner.text_encoder is None and xl_engine.refiner.unet is not xl_engine.pipe.unet
    assert xl_engine.pipe.image_encoder is not None
    assert any(isinstance(p, IPAdapterAttnProcessor2_0) for p in xl_engine.pipe.unet.attn_processors.values())
    assert xl_engine.stage_steps(3) == (2, 1)
    assert xl_engine.stage_steps(1) == (1, 0)  # too short for the refiner: the base runs alone


def test_poses_seeds_identity_and_progress_through_both_stages(xl_engine, monkeypatch, standing, waving):
    refiner_calls = count_calls(monkeypatch, xl_engine.refiner.unet)
    events = []
    stand, wave = PoseItem("stand", standing, 7), PoseItem("wave", waving, 7)
    a = run(xl_engine, noise_image(1), [stand], on_progress=events.append)[0]
    assert a.image.size == (64, 64) and a.metadata["models"]["refiner"] == "tiny/sdxl-refiner"
    assert [(e.step, e.total_steps, e.stage) for e in events] == [(1, 3, "base"), (2, 3, "base"), (3, 3, "refiner")]
    assert len(refiner_calls) == 1  # one refiner step (CFG doubles the batch, not the calls)
    b = run(xl_engine, noise_image(1), [wave])[0]
    assert not np.array_equal(pixels(a), pixels(b))  # the skeleton steers the SDXL ControlNet
    again = run(xl_engine, noise_image(1), [stand])[0]
    assert np.array_equal(pixels(a), pixels(again))  # same seed, same picture, through both stages
    other_face = run(xl_engine, noise_image(2), [stand])[0]
    assert not np.array_equal(pixels(a), pixels(other_face))  # the SDXL IP-Adapter reads the avatar


def test_cancel_stops_within_one_step_in_either_stage(xl_engine, monkeypatch, standing):
    base_calls = count_calls(monkeypatch, xl_engine.pipe.controlnet)
    refiner_calls = count_calls(monkeypatch, xl_engine.refiner.unet)
    params = GenerationParams(steps=5)
    base_n, refiner_n = xl_engine.stage_steps(5)
    assert base_n >= 2 and refiner_n >= 2
    items = [PoseItem(f"p{i}", standing, i) for i in range(2)]

    events = []
    run_ = xl_engine.generate_poses(noise_image(1), items, params, on_progress=events.append,
                                    should_cancel=lambda: len(events) >= 1)
    assert list(run_) == [] and run_.cancelled
    assert (len(base_calls), len(refiner_calls), len(events)) == (1, 0, 1)  # the refiner never started

    base_calls.clear()
    events = []
    run_ = xl_engine.generate_poses(noise_image(1), items, params, on_progress=events.append,
                                    should_cancel=lambda: len(events) >= base_n + 1)
    assert list(run_) == [] and run_.cancelled
    assert (len(base_calls), len(refiner_calls)) == (base_n, 1)
    assert events[-1].stage == "refiner" and events[-1].total_steps == base_n + refiner_n

    refiner_calls.clear()
    events = []
    short = run(xl_engine, noise_image(1), items[:1], GenerationParams(steps=1), on_progress=events.append)
    assert short[0].ok and not refiner_calls and [(e.step, e.total_steps, e.stage) for e in events] == [(1, 1, "base")]
