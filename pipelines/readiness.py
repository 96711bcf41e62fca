"""Can this machine run a preset now? Its model files are here, or they can be downloaded.

Answered from the file system and huggingface-hub's cache only (no network), in a few
milliseconds, so the studio can say before a batch is paid for which presets will run and what
the others need, instead of failing the batch after it started (and refunding it). A preset that
states the GPU memory it needs (``Preset.gpu_memory_gib``) is also checked against this machine's
GPU (``gpu_readiness``: torch is imported for those presets only, once).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .presets import Preset


@dataclass(frozen=True)
class Readiness:
    ready: bool
    # "" when every file is here; otherwise what happens or what is missing, in a creator's words.
    note: str = ""
    missing: tuple[str, ...] = ()  # model ids not found here
    # What the creator can do about it, in their words.
    remedy: str = "ask the studio's admin to add the models"


def needed_files(preset: Preset) -> list[tuple[str, str, str]]:
    """(what, model id, a file that must be there) for each part ``pipelines.loading`` loads."""
    if preset.is_edit:  # one repo: the pipeline and the processor its loader reads first
        return [("edit model", preset.base_model, "model_index.json"),
                ("processor", preset.base_model, "processor/tokenizer_config.json")]
    files = [("base model", preset.base_model, "model_index.json"),
             ("ControlNet", preset.controlnet, "config.json")]
    if preset.vae:
        files.append(("VAE", preset.vae, "config.json"))
    adapter = f"{preset.ip_adapter_subfolder}/{preset.ip_adapter_weight}".strip("/")
    files.append(("IP-Adapter", preset.ip_adapter_repo, adapter))
    # A bare encoder name sits inside the adapter's folder; a path with "/" is from the repo root.
    encoder = (preset.image_encoder if "/" in preset.image_encoder
               else f"{preset.ip_adapter_subfolder}/{preset.image_encoder}".strip("/"))
    files.append(("image encoder", preset.ip_adapter_repo, f"{encoder}/config.json"))
    if preset.lora:
        files.append(("LoRA", preset.lora, preset.lora_weight or "pytorch_lora_weights.safetensors"))
    if preset.refiner:
        files.append(("refiner", preset.refiner, "model_index.json"))
    return files


def _is_here(model_id: str, filename: str, models_dir: Path, local: bool) -> bool:
    if Path(model_id).is_absolute() or local:
        folder = Path(model_id) if Path(model_id).is_absolute() else Path(models_dir) / model_id
        return (folder / filename).is_file()
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(model_id, filename), str)


def preset_readiness(preset: Preset, *, models_dir: Path, offline: bool, device: str | None = None,
                     cpu_offload: bool = False) -> Readiness:
    """Whether ``preset`` can load on this machine, and if not, what it needs: its GPU first (no
    download helps a GPU that is too small), then its files."""
    gpu = gpu_readiness(preset, device=device, cpu_offload=cpu_offload)
    if not gpu.ready:
        return gpu
    if preset.local and preset.base_model.startswith("tiny/"):
        return Readiness(True)  # built on this machine on first use, from nothing
    missing = tuple(dict.fromkeys(model_id for _, model_id, filename in needed_files(preset)
                                  if not _is_here(model_id, filename, models_dir, preset.local)))
    if not missing:
        return Readiness(True)
    if preset.local:
        return Readiness(False, f"needs its models in {Path(models_dir)}: {', '.join(missing)}", missing)
    if offline:
        return Readiness(False, f"needs {', '.join(missing)}, not on this machine, and the studio runs offline "
                                "(HF_HUB_OFFLINE=1): download them once with the internet on", missing)
    return Readiness(True, f"downloads {', '.join(missing)} on first use (several GB, minutes)", missing)


_GPU_REMEDY = "choose another Quality, or ask the studio's admin to run it on a GPU worker"


def gpu_readiness(preset: Preset, *, device: str | None, cpu_offload: bool) -> Readiness:
    """Whether this machine's GPU holds ``preset`` (ready when the preset states no need).
    ``device`` is the studio's STUDIO_DEVICE (None: the first CUDA GPU, if any)."""
    if not preset.gpu_memory_gib:
        return Readiness(True)
    return gpu_verdict(preset, _gpu(device), cpu_offload=cpu_offload)


def gpu_verdict(preset: Preset, gpu: tuple[str, float] | None, *, cpu_offload: bool) -> Readiness:
    """The verdict for a GPU (its name and total memory in GiB; None: no CUDA GPU to use)."""
    offload = preset.gpu_memory_offload_gib if cpu_offload and preset.gpu_memory_offload_gib else 0
    need = offload or preset.gpu_memory_gib
    wanted = f"needs an NVIDIA GPU with at least {preset.gpu_memory_gib:g} GiB of memory"
    if preset.gpu_memory_offload_gib and not cpu_offload:
        wanted += f" ({preset.gpu_memory_offload_gib:g} GiB with STUDIO_CPU_OFFLOAD=1)"
    elif offload:
        wanted = f"needs an NVIDIA GPU with at least {offload:g} GiB of memory with CPU offload"
    if gpu is None:
        return Readiness(False, f"{wanted}; this machine has no CUDA GPU to run it on", remedy=_GPU_REMEDY)
    name, total = gpu
    if total < need:
        return Readiness(False, f"{wanted}; this machine's GPU ({name}) has {total:.1f} GiB", remedy=_GPU_REMEDY)
    return Readiness(True)


@functools.lru_cache(maxsize=8)
def _gpu(device: str | None) -> tuple[str, float] | None:
    """(name, total GiB) of the CUDA GPU ``device`` names, or None where it names none. Total, not
    free: a studio's own loaded models must not make it look too small to itself."""
    if device is not None and not device.startswith("cuda"):
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    index = int(device.split(":", 1)[1]) if device and ":" in device else 0
    if index >= torch.cuda.device_count():
        return None
    props = torch.cuda.get_device_properties(index)
    return props.name, props.total_memory / 2**30
