"""Loading presets: caching, thread safety, offline errors, the real from_pretrained path."""

import threading
import types
import time
from dataclasses import replace

import numpy as np
import pytest

from pipelines import loading
from pipelines.generation import PoseItem
from pipelines.loading import EngineOptions, ModelUnavailableError, get_engine, loaded_presets
from pipelines.params import GenerationParams
from pipelines.presets import UnknownPresetError


def test_engine_is_cached_per_preset_and_options(engine, engine_options):
    assert get_engine("tiny", engine_options) is engine
    assert "tiny" in loaded_presets()
    assert engine.device == "cpu" and engine.dtype == "float32"


def test_concurrent_first_callers_load_once(monkeypatch, tmp_path):
    loads = []

    def slow_load(preset, options):
        loads.append(preset.key)
        time.sleep(0.2)
        return types.SimpleNamespace(device="cpu")

    monkeypatch.setattr(loading, "load_engine", slow_load)
    options = EngineOptions(models_dir=tmp_path, device="cpu", vae_tiling=True)
    got = []
    threads = [threading.Thread(target=lambda: got.append(get_engine("tiny", options))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loads == ["tiny"] and len(got) == 4 and all(g is got[0] for g in got)
    loading._engines.pop(("tiny", options))


def test_unknown_preset_lists_the_valid_ones(engine_options):
    with pytest.raises(UnknownPresetError, match="unknown preset 'huge'.*tiny, fast, standard, pro"):
        get_engine("huge", engine_options)


def test_missing_model_offline_names_it_and_the_way_out(tmp_path):
    options = EngineOptions(models_dir=tmp_path, device="cpu", offline=True)
    with pytest.raises(ModelUnavailableError) as err:
        get_engine("standard", options)
    message = str(err.value)
    assert "xinsir/controlnet-openpose-sdxl-1.0" in message
    assert "STUDIO_PRESET=tiny" in message and "internet" in message
    assert "standard" not in loaded_presets()


def test_reloading_from_disk_offline_gives_identical_pictures(engine, engine_options, avatar, standing):
    """A second, independent from_pretrained load of the saved tiny models (HF_HUB_OFFLINE=1)."""
    from pipelines.presets import get_preset

    fresh = loading.load_engine(get_preset("tiny"), replace(engine_options, vae_slicing=True))
    assert fresh.pipe is not engine.pipe and fresh.pipe.unet is not engine.pipe.unet
    item = [PoseItem("stand", standing, 11)]
    params = GenerationParams(steps=2)
    a = next(iter(engine.generate_poses(avatar, item, params))).image
    b = next(iter(fresh.generate_poses(avatar, item, params))).image
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_tiny_models_are_built_once_in_the_standard_layout(models_dir):
    from pipelines.tiny import build_tiny_models

    tiny = models_dir / "tiny"
    stamp = (tiny / "sd15" / "model_index.json").stat().st_mtime_ns
    threads = [threading.Thread(target=build_tiny_models, args=(tiny,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (tiny / "sd15" / "model_index.json").stat().st_mtime_ns == stamp
    for part in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        assert (tiny / "sd15" / part).is_dir()
    assert (tiny / "controlnet-openpose" / "config.json").is_file()
    assert (tiny / "ip-adapter" / "models" / "ip-adapter-plus-face_sd15.safetensors").is_file()
    assert (tiny / "ip-adapter" / "models" / "image_encoder" / "config.json").is_file()


def test_presets_match_the_spec():
    from pipelines.presets import PRESETS, get_preset, public_preset_keys

    assert public_preset_keys() == ["tiny", "fast", "standard", "pro"]  # tiny-xl is for tests only
    fast, standard, pro = (get_preset(k) for k in ("fast", "standard", "pro"))
    assert fast.family == "sd15" and fast.lora == "latent-consistency/lcm-lora-sdv1-5"
    for preset in (standard, pro):
        assert preset.family == "sdxl" and preset.base_model == "stabilityai/stable-diffusion-xl-base-1.0"
        assert preset.controlnet == "xinsir/controlnet-openpose-sdxl-1.0"
        assert preset.ip_adapter_subfolder == "sdxl_models" and preset.image_encoder == "models/image_encoder"
        assert preset.vae == "madebyollin/sdxl-vae-fp16-fix" and preset.licence
    assert standard.refiner is None and pro.refiner == "stabilityai/stable-diffusion-xl-refiner-1.0"
    assert pro.steps > standard.steps and 0 < pro.refiner_start < 1 and "refiner" in pro.licence
    assert PRESETS["tiny-xl"].internal and PRESETS["tiny-xl"].refiner


def test_cpu_offload_and_device_apply_to_the_refiner_too(tmp_path):
    from pipelines.presets import get_preset

    class Stage:
        def __init__(self):
            self.calls, self.vae = [], types.SimpleNamespace(enable_slicing=lambda: None, enable_tiling=lambda: None)

        def enable_model_cpu_offload(self, device):
            self.calls.append(("offload", device))

        def to(self, device):
            self.calls.append(("to", device))

        def set_progress_bar_config(self, **kwargs):
            self.calls.append(("quiet",))

    for offload, expected in ((True, ("offload", "cuda")), (False, ("to", "cuda"))):
        base, refiner = Stage(), Stage()
        engine = loading.finish_engine(base, get_preset("pro"), EngineOptions(models_dir=tmp_path, cpu_offload=offload),
                                       "cuda", "float16", refiner=refiner)
        assert engine.refiner is refiner
        assert base.calls == refiner.calls == [expected, ("quiet",)]
