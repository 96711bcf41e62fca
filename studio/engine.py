"""Which generation engine this studio runs: its settings turned into ``EngineOptions``.

The web process (avatars from words) and the worker (pose batches) both come through here,
so they load a preset with the same options and share one cached engine per process.
``pipelines`` is imported lazily: importing this module does not load torch.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from studio.core import Studio
from studio.settings import Settings

if TYPE_CHECKING:
    from pipelines.generation import PoseEngine
    from pipelines.loading import EngineOptions
    from pipelines.readiness import Readiness

_TRUE = ("1", "true", "yes", "on")


def engine_options(settings: Settings) -> "EngineOptions":
    from pipelines.loading import EngineOptions

    return EngineOptions(
        models_dir=settings.models_dir,
        device=settings.device,
        dtype=settings.dtype,
        threads=settings.threads,
        cpu_offload=settings.cpu_offload,
        vae_slicing=settings.vae_slicing,
        vae_tiling=settings.vae_tiling,
        # huggingface-hub reads the same variable; passing it on makes a missing model fail at
        # once with a clear message instead of waiting on a network that is not there.
        offline=os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE,
    )


def engine_for(studio: Studio, preset_key: str | None = None) -> "PoseEngine":
    """The loaded engine for ``preset_key`` (default: the studio's STUDIO_PRESET), loaded once
    per process and options. Raises ``pipelines.loading.ModelUnavailableError`` when the
    preset's models are not on this machine and cannot be downloaded."""
    from pipelines.loading import get_engine

    return get_engine(preset_key or studio.settings.preset, engine_options(studio.settings))


def readiness(studio: Studio, preset_key: str, *, here: bool = False) -> "Readiness | None":
    """Whether ``preset_key`` can run where its work runs: its models are on that machine or can
    be downloaded there. None when this process cannot tell: batches go to RQ workers on other
    machines (``here=True`` asks about this process, as avatars from words run in it)."""
    from pipelines.presets import get_preset
    from pipelines.readiness import preset_readiness

    if studio.settings.redis_url and not here:
        return None
    options = engine_options(studio.settings)
    return preset_readiness(get_preset(preset_key), models_dir=options.models_dir, offline=options.offline,
                            device=options.device, cpu_offload=options.cpu_offload)


def refuse_unready(studio: Studio, preset_key: str, *, here: bool = False, what: str) -> None:
    """Raise InvalidInput before anything is charged or drawn when the preset cannot run there;
    ``what`` says what was asked for ("Quality: Fast", "An avatar")."""
    from studio.services.errors import InvalidInput

    answer = readiness(studio, preset_key, here=here)
    if answer is not None and not answer.ready:
        raise InvalidInput(f"{what} cannot run on this studio now: the {preset_key!r} preset {answer.note}. "
                           f"Nothing was charged; {answer.remedy}.")


def compute_report(studio: Studio) -> dict:
    """How this process runs the models (/healthz, the Admin tab): the loaded engine's compute path
    when the studio's preset is loaded, else the one loading it would choose (nothing is loaded)."""
    from pipelines.loading import compute_path, loaded_engine

    options = engine_options(studio.settings)
    engine = loaded_engine(studio.settings.preset, options)
    if engine is not None:
        path = engine.compute
    elif options.device is None and "torch" not in sys.modules:
        # Whether there is a GPU takes importing torch to tell (seconds): a health check must not. A
        # web process that never loads models (RQ workers draw) says what a CPU here would get.
        path = compute_path(replace(options, device="cpu"))
        path = replace(path, reason=f"{path.reason} (if no GPU is found when the models load)")
    else:
        path = compute_path(options)
    return {**path.to_json(), "loaded": engine is not None, "preset": studio.settings.preset}
