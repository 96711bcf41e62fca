"""Can this machine run a preset now? Its model files are here, or they can be downloaded.

Answered from the file system and huggingface-hub's cache only (no torch, no network), in a few
milliseconds, so the studio can say before a batch is paid for which presets will run and what
the others need, instead of failing the batch after it started (and refunding it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .presets import Preset


@dataclass(frozen=True)
class Readiness:
    ready: bool
    # "" when every file is here; otherwise what happens or what is missing, in a creator's words.
    note: str = ""
    missing: tuple[str, ...] = ()  # model ids not found here


def needed_files(preset: Preset) -> list[tuple[str, str, str]]:
    """(what, model id, a file that must be there) for each part ``pipelines.loading`` loads."""
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


def preset_readiness(preset: Preset, *, models_dir: Path, offline: bool) -> Readiness:
    """Whether ``preset`` can load on this machine, and if not, what it needs."""
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
