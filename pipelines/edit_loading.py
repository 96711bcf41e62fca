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

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from .compute import ComputePath
from .presets import Preset
from .torch_thread import use_threads

# pipelines.loading passes its own helpers in (the device it resolved, where a model id lives,
# its "not available" fetcher), so this module does not import it back.


class GPUTooSmallError(RuntimeError):
    """This machine's GPU cannot hold the preset (or there is none); the message says what it needs."""


def edit_device(preset: Preset, options: Any, resolved: ComputePath) -> ComputePath:
    """The compute path of an edit preset: ``resolved`` (pipelines.loading's answer for
    ``options``), with the preset's GPU dtype where the studio names none."""
    if options.dtype is None and resolved.device != "cpu" and preset.gpu_dtype:
        return replace(resolved, dtype=preset.gpu_dtype, reason=f"{preset.key} runs in {preset.gpu_dtype} on a GPU")
    return resolved


def load_edit_engine(preset: Preset, options: Any, resolved: ComputePath, *, where: Callable[[str], str],
                     fetch: Callable[..., Any], offline: bool):
    """The ``EditEngine`` of ``preset`` (``options``: pipelines.loading.EngineOptions)."""
    import torch
    from diffusers import QwenImageEditPlusPipeline

    from .edit_engine import EditEngine
    from .picture_processor import PictureProcessor
    from .readiness import gpu_readiness

    path = edit_device(preset, options, resolved)
    device, dtype_name = path.device, path.dtype
    use_threads(path.threads)
    gpu = gpu_readiness(preset, device=device, cpu_offload=options.cpu_offload)
    if not gpu.ready:
        raise GPUTooSmallError(f"preset {preset.key!r} {gpu.note}: {gpu.remedy}")
    if preset.local and preset.base_model.startswith("tiny/"):
        from .tiny_edit import build_tiny_edit_models

        build_tiny_edit_models(Path(options.models_dir) / "tiny")
    root = where(preset.base_model)
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
    return EditEngine(pipe, preset, compute=path)
