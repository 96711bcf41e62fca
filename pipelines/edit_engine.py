"""The edit tier: this person (picture 1, the avatar) in this pose (picture 2, the skeleton),
one ``QwenImageEditPlusPipeline`` call, the same interface as ``PoseEngine``.

The ControlNet presets steer a text-to-image model with the skeleton and a face crop; here an
edit model is shown the whole avatar picture and the pose's skeleton (body, hands where the pose
has them, face points) and asked, in words that name each picture, for that person in that pose.
So the face, hair, build and clothes come from the avatar itself.

``EditEngine.generate_poses`` takes the same arguments and returns the same ``PoseRun`` of
``PoseResult`` as ``PoseEngine.generate_poses``, so the worker, the checks, exports and the UI
need no special case:

- one ``torch.Generator`` per image: an item's picture depends only on its seed;
- chunks: the pipeline takes one prompt per call (diffusers raises for more), but several
  pictures of that prompt (``num_images_per_prompt``, one generator each), so consecutive items
  of the same pose (a pose's variations) are made in one call, up to ``batch_size``; another
  pose starts another call. Batched or not, an item's picture is the same;
- per-step progress and cancel through ``callback_on_step_end`` (the pipeline's ``_interrupt``);
- a chunk that fails is retried item by item; an unusable pose is that item's error.

``guidance`` is the pipeline's ``true_cfg_scale`` (classifier-free guidance with the negative
prompt; 1 or less turns it off). The edit model has no pose-strength or identity-strength
knob: those parameters are validated and stored as for every preset, and do not change the
picture here (the README says so).

What this tier does not do: avatars from words, generated scene backgrounds and the face pass
(each a text-to-image or img2img call on the ControlNet presets' models) raise
``EditTierUnsupported``; the studio refuses them before any charge (``studio.engine``,
``studio.services``), so a creator never meets this error from a batch.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from PIL import Image

from .compute import ComputePath
from .face import face_crop
from .generation import PoseItem, PoseResult, PoseRun, Progress
from .keypoints import Keypoints, PoseError
from .params import GenerationParams
from .presets import Preset
from .skeleton import render_pose
from .torch_thread import on_torch_thread

logger = logging.getLogger(__name__)

# What each picture is, said to the model (the pipeline itself labels them "Picture 1:" and
# "Picture 2:" in front of the prompt), then the creator's own words.
EDIT_INSTRUCTION = (
    "Picture 1 is a photo of the person. Picture 2 is an OpenPose skeleton of a pose: coloured lines and "
    "dots for the body, hands and face, on black. Show the person from Picture 1, with the same face, hair, "
    "body and clothes, in exactly the pose of the skeleton in Picture 2, whole body framed as in Picture 2. "
    "Do not draw the skeleton."
)


class EditTierUnsupported(RuntimeError):
    """Something this tier does not make (avatars from words, scenes, the face pass)."""


def edit_prompt(creator_prompt: str) -> str:
    """The prompt the edit model gets: what each picture is, then what the creator asked for."""
    creator_prompt = creator_prompt.strip()
    return f"{EDIT_INSTRUCTION} {creator_prompt}" if creator_prompt else EDIT_INSTRUCTION


class _Interrupted(Exception):
    pass


@dataclass
class _Call:
    params: GenerationParams
    avatar: Image.Image
    prompt: str
    on_progress: Callable[[Progress], None] | None
    should_cancel: Callable[[], bool] | None
    metadata: dict[str, Any]
    chunks: int = 0


class EditEngine:
    """A loaded edit preset: ``QwenImageEditPlusPipeline`` given the avatar and the skeleton."""

    refiner = None  # the PoseEngine attribute some callers read: an edit preset has no second stage

    def __init__(self, pipe: Any, preset: Preset, *, compute: ComputePath):
        if not preset.is_edit:
            raise ValueError(f"preset {preset.key!r} is of kind {preset.kind!r}; EditEngine runs edit presets")
        self.pipe = pipe
        self.preset = preset
        self.compute = compute

    @property
    def device(self) -> str:
        return self.compute.device

    @property
    def dtype(self) -> str:
        return self.compute.dtype

    # pose images -------------------------------------------------------------------------

    def generate_poses(self, avatar_image: Image.Image, items: Sequence[PoseItem], params: GenerationParams, *,
                       batch_size: int = 4, on_progress: Callable[[Progress], None] | None = None,
                       should_cancel: Callable[[], bool] | None = None, strict_face: bool = False) -> PoseRun:
        """Yield one PoseResult per item, chunk by chunk (see the module's docstring). Raises at
        once, before any work, for bad parameters (ParamsError), a bad batch size, an avatar
        without a usable picture, or no face in strict mode (NoFaceError)."""
        params = params.resolved(self.preset)
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size {batch_size!r} must be a whole number of at least 1")
        if not isinstance(avatar_image, Image.Image) or min(avatar_image.size) < 1:
            raise ValueError("the avatar has no usable picture: upload its photo again")
        avatar = avatar_image.convert("RGB")
        _, box = face_crop(avatar, strict=strict_face)  # the same face rule as every preset
        prompt = edit_prompt(params.prompt)
        call = _Call(params, avatar, prompt, on_progress, should_cancel, metadata={
            "preset": self.preset.key, "kind": self.preset.kind, "models": self.preset.model_ids,
            "scheduler": self.preset.scheduler, "params": params.to_json(), "prompt_sent": prompt,
            "face_found": box is not None, "device": self.device, "dtype": self.dtype,
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
        chunks = same_pose_chunks(usable, batch_size)
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
        """One pipeline call for ``chunk`` (items of one pose); raises _Interrupted when cancelled."""
        import torch

        p = call.params
        skeleton = self.control_image(chunk[0].keypoints, p.width, p.height)
        generators = [torch.Generator("cpu").manual_seed(item.seed) for item in chunk]
        keys = tuple(item.key for item in chunk)
        interrupted = False

        def on_step_end(pipe, i, t, kwargs):
            nonlocal interrupted
            if call.on_progress:
                call.on_progress(Progress(keys, i + 1, p.steps, chunk_index, call.chunks))
            if call.should_cancel and call.should_cancel():
                pipe._interrupt = True
                interrupted = True
            return kwargs

        guided = p.guidance > 1  # true classifier-free guidance needs a negative prompt, and costs 2x
        # On the process's one torch thread, which also keeps calls into the shared pipeline (its
        # _interrupt, its timesteps) from interleaving.
        output = on_torch_thread(
            self.pipe, image=[call.avatar, skeleton], prompt=call.prompt,
            negative_prompt=(p.negative_prompt or " ") if guided else None, true_cfg_scale=p.guidance,
            width=p.width, height=p.height, num_inference_steps=p.steps, num_images_per_prompt=len(chunk),
            generator=generators, callback_on_step_end=on_step_end,
        )
        if interrupted:
            raise _Interrupted
        return list(output.images)

    def control_image(self, keypoints: Keypoints, width: int, height: int) -> Image.Image:
        """The skeleton the model is shown: the whole OpenPose drawing (body, hands, face points)."""
        return render_pose(keypoints, width, height, line_style=self.preset.line_style)

    def stage_steps(self, steps: int) -> tuple[int, int]:
        """(steps, 0): one stage (as PoseEngine.stage_steps reports for presets without a refiner)."""
        return steps, 0

    def _result(self, item: PoseItem, image, error, call: _Call, seconds: float) -> PoseResult:
        metadata = {**call.metadata, "pose": item.key, "seed": item.seed}
        return PoseResult(item.key, item.seed, image, error, metadata, seconds)

    # what this tier does not make ----------------------------------------------------------

    def generate_avatars(self, *args, **kwargs):
        raise EditTierUnsupported(unsupported(self.preset, "avatars from words"))

    def generate_scene(self, *args, **kwargs):
        raise EditTierUnsupported(unsupported(self.preset, "generated scene backgrounds"))

    def redraw(self, *args, **kwargs):
        raise EditTierUnsupported(unsupported(self.preset, "the face pass"))


def unsupported(preset: Preset, what: str) -> str:
    """The sentence a creator reads when ``what`` is asked of an edit preset."""
    return (f"{preset.label} does not make {what}: it draws an avatar you already have in new poses. "
            "Choose another Quality for this")


def same_pose_chunks(items: Sequence[PoseItem], batch_size: int) -> list[list[PoseItem]]:
    """Consecutive items grouped by pose (one call takes one skeleton), at most ``batch_size`` a chunk."""
    chunks: list[list[PoseItem]] = []
    for item in items:
        if chunks and len(chunks[-1]) < batch_size and chunks[-1][0].keypoints == item.keypoints:
            chunks[-1].append(item)
        else:
            chunks.append([item])
    return chunks


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]
