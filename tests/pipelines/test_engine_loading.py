"""Loading presets: caching, thread safety, offline errors, the real from_pretrained path."""

import threading
import types
import time
from dataclasses import replace

import numpy as np
import pytest

from pipelines import loading
from pipelines.compute import ComputePath, choose
from pipelines.generation import PoseItem
from pipelines.loading import EngineOptions, ModelUnavailableError, get_engine, loaded_presets
from pipelines.params import GenerationParams
from pipelines.presets import UnknownPresetError


def test_engine_is_cached_per_preset_and_options(engine, engine_options):
    assert get_engine("tiny", engine_options) is engine
    assert "tiny" in loaded_presets()
    assert engine.device == "cpu" and engine.compute == choose("cpu")  # this machine's own choice


def test_concurrent_first_callers_load_once(monkeypatch, tmp_path):
    loads = []

    def slow_load(preset, options):
        loads.append(preset.key)
        time.sleep(0.2)
        return types.SimpleNamespace(device="cpu", compute=choose("cpu"))

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

    fast, standard, pro = (get_preset(k) for k in ("fast", "standard", "pro"))
    # tiny-xl and tiny-edit are for tests only
    assert public_preset_keys() == ["tiny", "fast", "standard", "pro", "best"]
    best = get_preset("best")
    assert best.is_edit and best.base_model == "Qwen/Qwen-Image-Edit-2511" and best.licence == "Apache-2.0"
    assert best.gpu_memory_gib > best.gpu_memory_offload_gib > 0 and best.gpu_dtype == "bfloat16"
    assert PRESETS["tiny-edit"].internal and PRESETS["tiny-edit"].is_edit and not fast.is_edit
    assert fast.family == "sd15" and fast.lora == "latent-consistency/lcm-lora-sdv1-5"
    for preset in (standard, pro):
        assert preset.family == "sdxl" and preset.base_model == "stabilityai/stable-diffusion-xl-base-1.0"
        assert preset.controlnet == "xinsir/controlnet-openpose-sdxl-1.0"
        assert preset.ip_adapter_subfolder == "sdxl_models" and preset.image_encoder == "models/image_encoder"
        assert preset.vae == "madebyollin/sdxl-vae-fp16-fix" and preset.licence
    assert standard.refiner is None and pro.refiner == "stabilityai/stable-diffusion-xl-refiner-1.0"
    assert pro.steps > standard.steps and 0 < pro.refiner_start < 1 and "refiner" in pro.licence
    assert PRESETS["tiny-xl"].internal and PRESETS["tiny-xl"].refiner
    # fp16 weights where the repo has them (MODELS.md lists what each repo holds)
    assert fast.fp16_variants == {"base", "controlnet"}  # SD 1.5 and lllyasviel's ControlNet
    assert standard.fp16_variants == {"base"}  # xinsir's ControlNet and the VAE fix have one set only
    assert pro.fp16_variants == {"base", "refiner"}
    assert fast.variant("controlnet", "float16") == "fp16" and standard.variant("controlnet", "float16") is None
    # bfloat16 (a CPU's fast path) reads the same 16-bit files; float32 the full ones
    assert all(p.variant(c, "bfloat16") == p.variant(c, "float16") for p in PRESETS.values()
               for c in ("base", "controlnet", "vae", "refiner"))
    assert all(p.variant(c, "float32") is None for p in PRESETS.values() for c in ("base", "controlnet", "vae", "refiner"))
    with pytest.raises(ValueError, match="unet"):
        replace(fast, fp16_variants=frozenset({"unet"}))


def test_half_precision_reads_the_fp16_files_and_full_precision_does_not(models_dir, tmp_path):
    """The tiny models carry fp16 files as the real repos do. With the full-precision weights of the
    base model and the ControlNet deleted, a float16 load still works, offline, because it reads the
    ``*.fp16.safetensors`` files; a float32 load names the missing model instead."""
    import shutil

    import torch

    from pipelines.presets import get_preset

    tiny = get_preset("tiny")
    assert tiny.fp16_variants == get_preset("fast").fp16_variants  # loaded as the fast preset is
    shutil.copytree(models_dir / "tiny", tmp_path / "tiny")
    full = [f for folder in ("sd15", "controlnet-openpose") for f in (tmp_path / "tiny" / folder).rglob("*.safetensors")
            if ".fp16." not in f.name]
    assert len(full) == 4  # unet, vae, text_encoder, ControlNet
    for weights in full:
        weights.unlink()
    half = loading.load_engine(tiny, EngineOptions(models_dir=tmp_path, device="cpu", dtype="float16", offline=True))
    assert half.pipe.unet.dtype == half.pipe.controlnet.dtype == torch.float16
    # a CPU's bfloat16 path reads the same half-size files
    bf16 = loading.load_engine(tiny, EngineOptions(models_dir=tmp_path, device="cpu", dtype="bfloat16", offline=True))
    assert bf16.pipe.unet.dtype == bf16.pipe.controlnet.dtype == torch.bfloat16
    with pytest.raises(ModelUnavailableError, match="not available"):
        loading.load_engine(tiny, EngineOptions(models_dir=tmp_path, device="cpu", dtype="float32", offline=True))


def test_each_engine_draws_the_pose_as_its_controlnet_expects(engine, xl_engine, standing):
    from pipelines.skeleton import LineStyle, render_pose

    assert engine.control_image(standing, 64, 96).tobytes() == render_pose(standing, 64, 96).tobytes()
    xl = xl_engine.control_image(standing, 64, 96)
    assert xl.tobytes() == render_pose(standing, 64, 96, line_style=LineStyle.XINSIR).tobytes()
    lit = lambda image: int((np.asarray(image) > 0).any(axis=-1).sum())  # noqa: E731
    assert lit(xl) > 2 * lit(engine.control_image(standing, 64, 96))  # thicker limbs


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
                                       ComputePath("cuda", "float16", False, None, "test"), refiner=refiner)
        assert engine.refiner is refiner
        assert base.calls == refiner.calls == [expected, ("quiet",)]
