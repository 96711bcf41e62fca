"""Loading a preset's models into one engine per (preset, options), cached per process.

``get_engine`` loads on first use (concurrent first callers wait on one lock and build once)
and returns the same ``PoseEngine`` afterwards. Hub models are fetched by huggingface-hub into
its usual cache (``HF_HOME``); ``local`` presets are folders under ``EngineOptions.models_dir``
(the tiny preset is built there on first use). On a machine without the models and without the
internet (``offline=True`` or ``HF_HUB_OFFLINE=1``) loading raises ``ModelUnavailableError``
naming the missing model.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .compute import ComputePath, choose
from .presets import Preset, get_preset, pipeline_classes
from .torch_thread import on_torch_thread, use_threads

if TYPE_CHECKING:
    from .generation import PoseEngine

logger = logging.getLogger(__name__)

SCHEDULERS = ("euler_a", "dpmpp_2m_karras", "lcm", "ddim")


class ModelUnavailableError(RuntimeError):
    """A preset's model is not on this machine and cannot be downloaded."""


@dataclass(frozen=True)
class EngineOptions:
    models_dir: Path
    device: str | None = None  # None: cuda > mps > cpu
    dtype: str | None = None  # None: float16 on cuda/mps; on a CPU bfloat16 where it has bf16 instructions
    threads: int | None = None  # torch CPU threads; None: the cores this process may use
    cpu_offload: bool = False
    vae_slicing: bool = False
    vae_tiling: bool = False
    offline: bool = False


_engines: dict[tuple[str, EngineOptions], "PoseEngine"] = {}
_registry_lock = threading.Lock()
_load_locks: dict[tuple[str, EngineOptions], threading.Lock] = {}


def get_engine(preset_key: str, options: EngineOptions) -> "PoseEngine":
    """The loaded engine for ``preset_key`` with ``options``; loads it on the first call."""
    preset = get_preset(preset_key)
    key = (preset.key, options)
    engine = _engines.get(key)
    if engine is not None:
        return engine
    with _registry_lock:
        lock = _load_locks.setdefault(key, threading.Lock())
    with lock:  # one load per key; other presets load in parallel
        engine = _engines.get(key)
        if engine is None:
            started = time.perf_counter()
            engine = on_torch_thread(load_engine, preset, options)
            _engines[key] = engine
            logger.info("loaded preset %s (%s) in %.1f s", preset.key, engine.compute.label, time.perf_counter() - started)
    return engine


def loaded_engine(preset_key: str, options: EngineOptions) -> "PoseEngine | None":
    """The engine ``get_engine`` would return, if it is loaded already; never loads."""
    return _engines.get((preset_key, options))


def loaded_presets() -> list[str]:
    return sorted({preset_key for preset_key, _ in _engines})


def edit_compute_path(options: EngineOptions) -> ComputePath:
    """The compute path of an edit preset: as any other on an accelerator; on a CPU (tiny-edit, in
    tests) float32 unless STUDIO_DTYPE says otherwise, since the CPU fast path was measured for the
    ControlNet presets only."""
    from dataclasses import replace

    path = compute_path(options)
    if path.device.startswith("cpu") and options.dtype is None:
        path = replace(path, dtype="float32", channels_last=False,
                       reason="the edit tier runs on GPUs; on a CPU it stays in float32")
    return path


def compute_path(options: EngineOptions) -> ComputePath:
    """Where and how the options' models run (pipelines.compute chooses what is not set)."""
    path = choose(options.device, options.dtype)
    if options.threads and path.threads:
        from dataclasses import replace

        path = replace(path, threads=options.threads)
    return path


def load_engine(preset: Preset, options: EngineOptions) -> "PoseEngine":
    """Load ``preset`` now, uncached (``get_engine`` is the cached way)."""
    return on_torch_thread(_load, preset, options)


def _load(preset: Preset, options: EngineOptions) -> "PoseEngine":
    offline = options.offline or os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    if preset.is_edit:  # the second kind: avatar + skeleton into an edit model (pipelines.edit_loading)
        from .edit_loading import load_edit_engine

        return load_edit_engine(preset, options, edit_compute_path(options), where=_source(preset, options),
                                fetch=_Fetcher(preset, offline), offline=offline)
    import torch
    from diffusers import AutoencoderKL, ControlNetModel

    path = compute_path(options)
    use_threads(path.threads)
    dtype_name = path.dtype
    dtype = getattr(torch, dtype_name)
    if preset.local and preset.base_model.startswith("tiny/"):
        from .tiny import build_tiny_models, build_tiny_xl_models

        build = build_tiny_xl_models if preset.family == "sdxl" else build_tiny_models
        build(Path(options.models_dir) / "tiny")
    where = _source(preset, options)
    common: dict[str, Any] = {"dtype": dtype}
    if offline:
        common["local_files_only"] = True
    fetch = _Fetcher(preset, offline)
    controlnet = fetch(preset.controlnet, "ControlNet", lambda: ControlNetModel.from_pretrained(
        where(preset.controlnet), variant=preset.variant("controlnet", dtype_name), **common))
    extra: dict[str, Any] = {}
    if preset.vae:
        extra["vae"] = fetch(preset.vae, "VAE", lambda: AutoencoderKL.from_pretrained(
            where(preset.vae), variant=preset.variant("vae", dtype_name), **common))
    pipeline_cls = pipeline_classes(preset.family)[0]
    if preset.family == "sd15":
        extra.update(safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe = fetch(preset.base_model, "base model", lambda: pipeline_cls.from_pretrained(
        where(preset.base_model), controlnet=controlnet, variant=preset.variant("base", dtype_name),
        **extra, **common))
    fetch(f"{preset.ip_adapter_repo}/{preset.ip_adapter_subfolder}/{preset.ip_adapter_weight}", "IP-Adapter",
          lambda: pipe.load_ip_adapter(where(preset.ip_adapter_repo), subfolder=preset.ip_adapter_subfolder,
                                       weight_name=preset.ip_adapter_weight,
                                       image_encoder_folder=preset.image_encoder,
                                       local_files_only=offline or None))
    if preset.lora:
        _fuse_lora(pipe, preset, where, fetch, offline)
    pipe.scheduler = make_scheduler(preset.scheduler, pipe.scheduler.config)
    refiner = None
    if preset.refiner:
        refiner = fetch(preset.refiner, "refiner", lambda: load_refiner(
            pipe, where(preset.refiner), preset.variant("refiner", dtype_name), common))
        refiner.scheduler = make_scheduler(preset.scheduler, refiner.scheduler.config)
    return finish_engine(pipe, preset, options, path, refiner=refiner)


def load_refiner(base, where: str, variant: str | None, common: dict[str, Any]):
    """The SDXL refiner over the base's ``text_encoder_2``, ``tokenizer_2`` and VAE (passed in, so
    from_pretrained loads only the refiner's own UNet and scheduler: no second copy in memory)."""
    import diffusers

    if base.__class__.__name__ not in ("StableDiffusionXLControlNetPipeline", "StableDiffusionXLPipeline"):
        raise ValueError(f"a refiner needs an SDXL base pipeline, not {base.__class__.__name__}")
    return diffusers.StableDiffusionXLImg2ImgPipeline.from_pretrained(
        where, text_encoder_2=base.text_encoder_2, tokenizer_2=base.tokenizer_2, vae=base.vae,
        text_encoder=None, tokenizer=None, variant=variant, **common)


def finish_engine(pipe, preset: Preset, options: EngineOptions, path: ComputePath,
                  refiner=None) -> "PoseEngine":
    """Move ``pipe`` (and the refiner) to the device, apply the memory options and layout, wrap
    them in an engine."""
    from .generation import PoseEngine

    device = path.device
    stages = [pipe] if refiner is None else [pipe, refiner]
    if path.channels_last:
        import torch

        # The convolution-heavy models; the text and image encoders are transformers (no convolutions).
        for stage in stages:
            for name in ("unet", "controlnet", "vae"):
                model = getattr(stage, name, None)
                if model is not None:
                    model.to(memory_format=torch.channels_last)
    for stage in stages:
        if options.cpu_offload and device != "cpu":
            # Each pipeline puts its own hooks on the modules it uses; the shared text_encoder_2 and
            # VAE end up with the refiner's, which still move them on and off the GPU as they run.
            stage.enable_model_cpu_offload(device=device)
        elif device != "cpu":  # loaded on the CPU already
            stage.to(device)
        stage.set_progress_bar_config(disable=True)
    if options.vae_slicing:
        pipe.vae.enable_slicing()
    if options.vae_tiling:
        pipe.vae.enable_tiling()
    return PoseEngine(pipe, preset, compute=path, refiner=refiner)


def make_scheduler(name: str, config: Any):
    from diffusers import (DDIMScheduler, DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler,
                           LCMScheduler)

    if name == "euler_a":
        return EulerAncestralDiscreteScheduler.from_config(config)
    if name == "dpmpp_2m_karras":
        return DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++", use_karras_sigmas=True)
    if name == "lcm":
        return LCMScheduler.from_config(config)
    if name == "ddim":
        return DDIMScheduler.from_config(config)
    raise ValueError(f"unknown scheduler {name!r}; use one of {', '.join(SCHEDULERS)}")


def _source(preset: Preset, options: EngineOptions) -> Callable[[str], str]:
    def where(model_id: str) -> str:
        if Path(model_id).is_absolute():
            return model_id
        if preset.local:
            return str(Path(options.models_dir) / model_id)
        return model_id
    return where


class _Fetcher:
    """Runs one loading step and turns "not found / cannot download" into ModelUnavailableError."""

    def __init__(self, preset: Preset, offline: bool):
        self.preset, self.offline = preset, offline

    def __call__(self, model_id: str, what: str, load: Callable[[], Any]) -> Any:
        from huggingface_hub.errors import HfHubHTTPError

        try:
            return load()
        except (OSError, HfHubHTTPError, ValueError) as exc:
            if isinstance(exc, ValueError) and "not found" not in str(exc).lower() \
                    and "does not appear" not in str(exc).lower():
                raise
            how = ("this machine is offline (HF_HUB_OFFLINE or offline=True)" if self.offline
                   else "it could not be downloaded")
            raise ModelUnavailableError(
                f"the {what} {model_id!r} of preset {self.preset.key!r} is not available: {how}. "
                "Use STUDIO_PRESET=tiny to run without downloads, or connect to the internet so the "
                f"model can be downloaded once. ({type(exc).__name__}: {str(exc)[:300]})") from exc


def _fuse_lora(pipe, preset: Preset, where, fetch: _Fetcher, offline: bool) -> None:
    from diffusers.utils import USE_PEFT_BACKEND

    if not USE_PEFT_BACKEND:
        raise ModelUnavailableError(
            f"preset {preset.key!r} uses the LoRA {preset.lora!r}, which needs the `peft` package: "
            "pip install peft, or choose another preset")
    fetch(preset.lora, "LoRA", lambda: pipe.load_lora_weights(
        where(preset.lora), weight_name=preset.lora_weight, adapter_name="preset",
        local_files_only=offline or None))
    # Fused once at load: no per-call LoRA work and no shared LoRA state to mutate per request.
    pipe.fuse_lora(adapter_names=["preset"])
    pipe.unload_lora_weights()
