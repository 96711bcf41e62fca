"""Pose-conditioned generation: the same person (IP-Adapter on the avatar's face) in every pose
(OpenPose ControlNet on the skeleton rendered at the output size).

``PoseEngine.generate_poses`` runs items in chunks, one pipeline call per chunk, one
``torch.Generator`` per image (so an item's picture depends only on its seed, batched or not),
and yields each chunk's results as soon as it finishes so the caller can save them before the
next chunk runs. Cancel is checked at every step (``callback_on_step_end`` sets the pipeline's
``_interrupt``); an interrupted chunk yields nothing and iteration ends, with ``run.cancelled``
set. A chunk that fails is retried item by item so one bad item does not lose the others.

With a refiner (SDXL ensemble of experts), one chunk is two calls: the pose pipeline denoises the
first ``preset.refiner_start`` of the schedule and returns latents (``denoising_end``,
``output_type="latent"``), the refiner finishes the same schedule from there (``denoising_start``)
with the same per-image generators. Progress counts the steps of both stages as one run, and
cancel works in either.

Every call into the shared pipeline (which carries per-call state: the IP-Adapter scale, the
scheduler's timesteps, ``_interrupt``) runs on the process's one torch thread
(``pipelines.torch_thread``), so calls never interleave and torch keeps one CPU thread team.
The avatar's identity (the IP-Adapter's image embedding of the face crop) is computed once per
face and guidance mode and reused by every chunk, re-roll and face pass of that avatar.
torch is imported lazily: the dataclasses here are cheap to import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .compute import ComputePath
from .face import face_crop
from .keypoints import Keypoints, PoseError
from .params import GenerationParams
from .presets import Preset, pipeline_classes
from .skeleton import render_pose
from .step_preview import latent_preview
from .torch_thread import on_torch_thread

logger = logging.getLogger(__name__)

# Identity embeddings kept per engine: a few avatars' worth (a batch uses one; the web process
# may draw for several creators in turn).
IDENTITIES_KEPT = 8

SCENE_NEGATIVE = "people, person, human, figure, text, watermark, lowres, blurry"


@dataclass(frozen=True)
class PoseItem:
    key: str
    keypoints: Keypoints
    seed: int


@dataclass
class PoseResult:
    key: str
    seed: int
    image: Image.Image | None
    error: str | None
    metadata: dict[str, Any]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None and self.image is not None


@dataclass(frozen=True)
class Progress:
    item_keys: tuple[str, ...]
    step: int  # 1-based step just finished
    total_steps: int
    chunk_index: int  # 0-based
    chunks: int
    stage: str = "base"  # "base" | "refiner"
    # The chunk's first picture as it stands after this step, rough and small (pipelines.step_preview);
    # None where the latent space has no preview map.
    preview: Image.Image | None = None


def parameters_text(metadata: dict[str, Any]) -> str:
    """The generation's parameters as the JSON every file of the picture carries."""
    return json.dumps(metadata, sort_keys=True, default=str)


def png_info(metadata: dict[str, Any]) -> PngInfo:
    """PNG text chunks carrying the generation's parameters (``parameters`` holds the JSON)."""
    info = PngInfo()
    info.add_text("parameters", parameters_text(metadata))
    info.add_text("Software", "Pose Studio")
    return info


class _Interrupted(Exception):
    pass


class PoseRun(Iterator[PoseResult]):
    """The iterator ``generate_poses`` returns: results as chunks finish, plus ``cancelled``."""

    def __init__(self, results: Iterator[PoseResult]):
        self._results = results
        self.cancelled = False
        self.finished = False

    def __iter__(self) -> "PoseRun":
        return self

    def __next__(self) -> PoseResult:
        try:
            return next(self._results)
        except StopIteration:
            self.finished = True
            raise


@dataclass
class _Call:
    """What one chunk's pipeline call needs, besides the items."""

    params: GenerationParams
    face: Image.Image
    on_progress: Callable[[Progress], None] | None
    should_cancel: Callable[[], bool] | None
    chunks: int
    metadata: dict[str, Any] = field(default_factory=dict)


class PoseEngine:
    """A loaded preset: the pose pipeline plus a text-to-image view sharing its components."""

    def __init__(self, pipe: Any, preset: Preset, *, compute: ComputePath, refiner: Any = None):
        self.pipe = pipe
        self.refiner = refiner  # SDXL img2img pipeline sharing pipe's text_encoder_2 and VAE, or None
        self.preset = preset
        self.compute = compute
        self._lock = threading.Lock()  # the lazy pipeline views and the identity cache
        self._text2img = None
        self._img2img = None
        self._identities: dict[tuple[str, bool], list] = {}

    @property
    def device(self) -> str:
        return self.compute.device

    @property
    def dtype(self) -> str:
        return self.compute.dtype

    def _torch_dtype(self):
        """The engine's number type as torch names it: from_pipe casts the shared components to
        the dtype it is given, float32 when none is (which would undo a 16-bit engine)."""
        import torch

        return getattr(torch, self.dtype)

    # pose images -------------------------------------------------------------------------

    def generate_poses(self, avatar_image: Image.Image, items: Sequence[PoseItem], params: GenerationParams, *,
                       batch_size: int = 4, on_progress: Callable[[Progress], None] | None = None,
                       should_cancel: Callable[[], bool] | None = None, strict_face: bool = False) -> PoseRun:
        """Yield one PoseResult per item, chunk by chunk. Raises at once (before any work) for
        bad parameters (ParamsError), a bad batch size, or no face in strict mode (NoFaceError);
        an unusable pose becomes that item's ``error``."""
        params = params.resolved(self.preset)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size {batch_size!r} must be a whole number of at least 1")
        face, box = face_crop(avatar_image, strict=strict_face)
        call = _Call(params, face, on_progress, should_cancel, chunks=0, metadata={
            "preset": self.preset.key, "models": self.preset.model_ids, "scheduler": self.preset.scheduler,
            "params": params.to_json(), "face_found": box is not None, "device": self.device,
            "dtype": self.dtype, "compute": self.compute.label,
        })
        run = PoseRun(iter(()))
        run._results = self._run(run, list(items), batch_size, call)
        return run

    def _run(self, run: PoseRun, items: list[PoseItem], batch_size: int, call: _Call) -> Iterator[PoseResult]:
        usable: list[PoseItem] = []
        for item in items:
            try:
                item.keypoints.check_usable()
                usable.append(item)
            except PoseError as exc:
                yield self._result(item, None, f"pose {item.key!r}: {exc}", call, 0.0)
        chunks = [usable[i:i + batch_size] for i in range(0, len(usable), batch_size)]
        call.chunks = len(chunks)
        for index, chunk in enumerate(chunks):
            if call.should_cancel and call.should_cancel():
                run.cancelled = True
                return
            started = time.perf_counter()
            try:
                images = self._call_pipeline(chunk, call, index)
            except _Interrupted:
                run.cancelled = True
                return
            except Exception as exc:  # noqa: BLE001 - retried item by item below
                if len(chunk) == 1:
                    logger.exception("item %s failed", chunk[0].key)
                    yield self._result(chunk[0], None, _describe(exc), call, time.perf_counter() - started)
                    continue
                logger.warning("chunk %d (%d items) failed (%s); retrying one at a time", index, len(chunk), exc)
                for item in chunk:
                    if call.should_cancel and call.should_cancel():
                        run.cancelled = True
                        return
                    one_started = time.perf_counter()
                    try:
                        image = self._call_pipeline([item], call, index)[0]
                    except _Interrupted:
                        run.cancelled = True
                        return
                    except Exception as item_exc:  # noqa: BLE001 - reported on the item
                        logger.exception("item %s failed", item.key)
                        yield self._result(item, None, _describe(item_exc), call, time.perf_counter() - one_started)
                    else:
                        yield self._result(item, image, None, call, time.perf_counter() - one_started)
                continue
            each = (time.perf_counter() - started) / len(chunk)
            for item, image in zip(chunk, images):
                yield self._result(item, image, None, call, each)

    def _call_pipeline(self, chunk: Sequence[PoseItem], call: _Call, chunk_index: int) -> list[Image.Image]:
        """One pipeline call for ``chunk`` (two with a refiner); raises _Interrupted when cancelled."""
        import torch

        p = call.params
        controls = [self.control_image(item.keypoints, p.width, p.height) for item in chunk]
        generators = [torch.Generator("cpu").manual_seed(item.seed) for item in chunk]
        keys = tuple(item.key for item in chunk)
        interrupted = False

        def on_step_end(stage: str, done_before: int, total: int):
            def callback(pipe, i, t, kwargs):
                nonlocal interrupted
                if call.on_progress:
                    preview = latent_preview(kwargs.get("latents"), self.preset.family)
                    call.on_progress(Progress(keys, done_before + i + 1, total, chunk_index, call.chunks, stage,
                                              preview))
                if call.should_cancel and call.should_cancel():
                    pipe._interrupt = True
                    interrupted = True
                return kwargs
            return callback

        prompts = dict(prompt=[p.prompt] * len(chunk), negative_prompt=[p.negative_prompt] * len(chunk))

        def draw():
            base_steps, refiner_steps = self.stage_steps(p.steps)
            total = base_steps + refiner_steps
            # A schedule too short to give both stages a step runs the base alone.
            split = self.preset.refiner_start if refiner_steps else None
            self.pipe.set_ip_adapter_scale(p.identity_strength)
            stage_two = {} if split is None else {"denoising_end": split, "output_type": "latent"}
            output = self.pipe(
                **prompts, image=controls, ip_adapter_image_embeds=self.identity(self.pipe, call.face, p.guidance),
                num_inference_steps=p.steps, guidance_scale=p.guidance,
                controlnet_conditioning_scale=p.pose_strength, width=p.width, height=p.height,
                generator=generators, callback_on_step_end=on_step_end("base", 0, total), **stage_two,
            )
            if interrupted or split is None:
                return output
            # The refiner has no IP-Adapter or ControlNet: pose and identity are set by the time
            # it starts; it sharpens detail on the last, low-noise part of the schedule.
            return self.refiner(
                **prompts, image=output.images, num_inference_steps=p.steps, denoising_start=split,
                guidance_scale=p.guidance, generator=generators,
                callback_on_step_end=on_step_end("refiner", base_steps, total),
            )

        output = on_torch_thread(draw)
        if interrupted:
            raise _Interrupted
        return list(output.images)

    def control_image(self, keypoints: Keypoints, width: int, height: int) -> Image.Image:
        """The pose as this preset's ControlNet reads it: OpenPose colours, its own line widths."""
        return render_pose(keypoints, width, height, line_style=self.preset.line_style)

    def stage_steps(self, steps: int) -> tuple[int, int]:
        """(base steps, refiner steps) a call with ``steps`` runs: diffusers' own split of the
        schedule at ``refiner_start`` (timesteps >= the cutoff go to the base), from each stage's
        scheduler config."""
        if self.refiner is None:
            return steps, 0
        split = self.preset.refiner_start
        base = _fresh_timesteps(self.pipe.scheduler, steps)
        refine = _fresh_timesteps(self.refiner.scheduler, steps)
        base_n = int((base >= _cutoff(self.pipe.scheduler, split)).sum())
        refine_n = int((refine < _cutoff(self.refiner.scheduler, split)).sum())
        if refine_n and getattr(self.refiner.scheduler, "order", 1) == 2 and refine_n % 2 == 0:
            refine_n += 1  # as StableDiffusionXLImg2ImgPipeline.get_timesteps does
        if not base_n or not refine_n:
            return steps, 0  # a schedule too short to split: the base (pose, identity) runs alone
        return base_n, refine_n

    def identity(self, pipe: Any, face: Image.Image, guidance: float) -> list:
        """The IP-Adapter's embedding of ``face`` as ``pipe`` takes it (``ip_adapter_image_embeds``),
        computed once per face and guidance mode: with classifier-free guidance it carries the
        unconditional half too. Runs on the torch thread (the caller's, or submitted there)."""
        import torch

        cfg = guidance > 1 and pipe.unet.config.time_cond_proj_dim is None  # as the pipelines decide
        key = (hashlib.blake2b(face.tobytes(), digest_size=16).hexdigest() + face.mode + str(face.size), cfg)
        with self._lock:
            embeds = self._identities.get(key)
        if embeds is None:
            def encode():
                with torch.no_grad():
                    return pipe.prepare_ip_adapter_image_embeds(face, None, pipe._execution_device, 1, cfg)
            embeds = on_torch_thread(encode)
            with self._lock:
                while len(self._identities) >= IDENTITIES_KEPT:
                    self._identities.pop(next(iter(self._identities)))
                self._identities[key] = embeds
        return embeds

    def _result(self, item: PoseItem, image, error, call: _Call, seconds: float) -> PoseResult:
        metadata = {**call.metadata, "pose": item.key, "seed": item.seed}
        return PoseResult(item.key, item.seed, image, error, metadata, seconds)

    # text to image -----------------------------------------------------------------------

    @property
    def text2img(self):
        """The text-to-image pipeline over the same components (``from_pipe``: no second copy)."""
        if self._text2img is None:
            with self._lock:
                if self._text2img is None:
                    text_cls = pipeline_classes(self.preset.family)[1]
                    self._text2img = text_cls.from_pipe(self.pipe, dtype=self._torch_dtype())
                    self._text2img.set_progress_bar_config(disable=True)
        return self._text2img

    def generate_avatars(self, prompt: str, negative_prompt: str, *, seeds: list[int], width: int, height: int,
                         steps: int | None = None, guidance: float | None = None) -> list[Image.Image]:
        """Text-to-image portraits, one per seed (same seed, same picture)."""
        import torch

        params = GenerationParams(prompt=prompt, negative_prompt=negative_prompt, steps=steps, guidance=guidance,
                                  width=width, height=height).resolved(self.preset)
        if not seeds:
            raise ValueError("seeds is empty: give at least one seed, one picture is made per seed")
        pipe = self.text2img
        # The UNet carries the IP-Adapter's layers: they need an image, which scale 0 silences.
        neutral = Image.new("RGB", (224, 224), (127, 127, 127))

        def draw():
            pipe.set_ip_adapter_scale(0.0)
            return pipe(
                prompt=[params.prompt] * len(seeds), negative_prompt=[params.negative_prompt] * len(seeds),
                ip_adapter_image_embeds=self.identity(pipe, neutral, params.guidance),
                num_inference_steps=params.steps, guidance_scale=params.guidance,
                width=params.width, height=params.height,
                generator=[torch.Generator("cpu").manual_seed(s) for s in seeds],
            )
        return list(on_torch_thread(draw).images)

    @property
    def img2img(self):
        """The image-to-image pipeline over the same components (the face pass redraws with it;
        the UNet keeps the IP-Adapter, so the avatar's face steers the redraw)."""
        if self._img2img is None:
            with self._lock:
                if self._img2img is None:
                    img_cls = pipeline_classes(self.preset.family)[2]
                    self._img2img = img_cls.from_pipe(self.pipe, dtype=self._torch_dtype())
                    self._img2img.set_progress_bar_config(disable=True)
        return self._img2img

    def redraw(self, image: Image.Image, face: Image.Image, *, prompt: str, negative_prompt: str, seed: int,
               strength: float, steps: int | None = None, guidance: float | None = None,
               identity_strength: float | None = None) -> Image.Image:
        """``image`` redrawn at its own size with img2img at ``strength`` (above 0, at most 1: how
        much changes), the IP-Adapter on ``face`` at ``identity_strength``; ``None`` values are the
        preset's. The same seed gives the same picture."""
        import math

        import torch

        params = GenerationParams(prompt=prompt, negative_prompt=negative_prompt, steps=steps, guidance=guidance,
                                  identity_strength=identity_strength).resolved(self.preset)
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 < strength <= 1:
            raise ValueError(f"strength {strength!r} is not allowed: use a number above 0 and at most 1")
        if image.width % 8 or image.height % 8:
            # diffusers would silently shrink it to a multiple of 8: the caller could not paste it back.
            raise ValueError(f"the picture to redraw is {image.width}x{image.height}; both sides must be "
                             "multiples of 8")
        # img2img runs int(steps x strength) of the schedule's steps: the preset's few steps at a
        # low strength would run none, so the schedule is lengthened until at least two run.
        steps = max(params.steps, math.ceil(2 / strength))
        pipe = self.img2img

        def draw():
            pipe.set_ip_adapter_scale(params.identity_strength)
            return pipe(prompt=params.prompt, negative_prompt=params.negative_prompt, image=image.convert("RGB"),
                        ip_adapter_image_embeds=self.identity(pipe, face, params.guidance), strength=strength,
                        num_inference_steps=steps, guidance_scale=params.guidance,
                        generator=torch.Generator("cpu").manual_seed(seed))
        return on_torch_thread(draw).images[0]

    def generate_scene(self, prompt: str, seed: int, width: int, height: int) -> Image.Image:
        """A background picture with no people in it."""
        return self.generate_avatars(prompt, SCENE_NEGATIVE, seeds=[seed], width=width, height=height)[0]


def _fresh_timesteps(scheduler, steps: int):
    """The timesteps ``scheduler`` would use for ``steps``, from a copy (the pipeline's own is
    stateful and belongs to the running call)."""
    copy = scheduler.__class__.from_config(scheduler.config)
    copy.set_timesteps(steps)
    return copy.timesteps


def _cutoff(scheduler, fraction: float) -> int:
    """The timestep where ``denoising_end`` / ``denoising_start`` = ``fraction`` splits the schedule
    (the same arithmetic as the SDXL pipelines)."""
    train = scheduler.config.num_train_timesteps
    return int(round(train - fraction * train))


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]
