"""Loading an edit preset (``Preset.kind == EDIT``): one ``QwenImageEditPlusPipeline`` repo.

``pipelines.loading.load_engine`` hands edit presets here. The GPU is checked first, against
the memory the preset states (``pipelines.readiness.gpu_readiness``), so a machine that cannot
hold the model says so at start instead of failing half-way through 58 GB of weights. The
processor is loaded on its own, as ``PictureProcessor`` (the repo's ``Qwen2VLProcessor`` minus
its video half, which transformers 5 cannot build without torchvision), and passed in; the rest
of the repo loads through diffusers' ``from_pretrained`` as its model card shows.

Memory options (``EngineOptions``): ``cpu_offload`` uses diffusers' model CPU offload (text
encoder, transformer, VAE take turns on the GPU: the transformer's ~38 GiB is then the peak);
``vae_slicing`` / ``vae_tiling`` decode a picture in slices or tiles (AutoencoderKLQwenImage has
both). On a GPU the weights load in the preset's ``gpu_dtype`` (bfloat16 for Qwen-Image, as its
card loads it) unless STUDIO_DTYPE says otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .loading import EngineOptions, ModelUnavailableError, _Fetcher, _source, resolve_device
from .presets import Preset

if TYPE_CHECKING:
    from .edit_engine import EditEngine


class GPUTooSmallError(ModelUnavailableError):
    """This machine's GPU cannot hold the preset (or there is none); the message says what it needs."""


def edit_device(preset: Preset, options: EngineOptions) -> tuple[str, str]:
    """(device, dtype name) for an edit preset: as ``resolve_device``, with the preset's GPU dtype."""
    device, dtype = resolve_device(options)
    if options.dtype is None and device != "cpu" and preset.gpu_dtype:
        dtype = preset.gpu_dtype
    return device, dtype


def load_edit_engine(preset: Preset, options: EngineOptions) -> "EditEngine":
    import torch
    from diffusers import QwenImageEditPlusPipeline

    from .edit_engine import EditEngine
    from .picture_processor import PictureProcessor
    from .readiness import gpu_readiness

    device, dtype_name = edit_device(preset, options)
    gpu = gpu_readiness(preset, device=device, cpu_offload=options.cpu_offload)
    if not gpu.ready:
        raise GPUTooSmallError(f"preset {preset.key!r} {gpu.note}: {gpu.remedy}")
    if preset.local and preset.base_model.startswith("tiny/"):
        from .tiny_edit import build_tiny_edit_models

        build_tiny_edit_models(Path(options.models_dir) / "tiny")
    offline = options.offline or os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    root = _source(preset, options)(preset.base_model)
    fetch = _Fetcher(preset, offline)
    only_here: dict[str, Any] = {"local_files_only": True} if offline else {}
    processor = fetch(preset.base_model, "processor", lambda: PictureProcessor.from_pretrained(
        root, subfolder="processor", **only_here))
    pipe = fetch(preset.base_model, "edit model", lambda: QwenImageEditPlusPipeline.from_pretrained(
        root, processor=processor, dtype=getattr(torch, dtype_name), **only_here))
    if options.cpu_offload and device != "cpu":
        pipe.enable_model_cpu_offload(device=device)
    elif device != "cpu":
        pipe.to(device)
    if options.vae_slicing:
        pipe.vae.enable_slicing()
    if options.vae_tiling:
        pipe.vae.enable_tiling()
    pipe.set_progress_bar_config(disable=True)
    return EditEngine(pipe, preset, device=device, dtype=dtype_name)
