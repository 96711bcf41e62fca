"""Every picture checked on the worker, beside generation: a small face redrawn (the face pass),
likeness to the avatar and pose followed measured on each picture; a picture below a bar is
redone with the next re-roll seed, free, at most ``BatchChecks.rerolls`` times, and the best
attempt is kept.

- Face pass (``BatchChecks.face_pass``): each picture's largest face redrawn at the model's
  native size (``pipelines.face_pass``); likeness is measured before and after, and the redraw
  is kept unless the original measurably looks more like the avatar.
- Drift: below the pose bar, or below the likeness bar where likeness is measured for the
  avatar. A picture with no visible face (likeness ``None``, "face not visible") is below the
  likeness bar: a stranger turned away and a missing face are the same failure to the creator.
  A check that could not run ("not measured") is never a drift: nothing says the picture is bad.
- Best: passes both bars first, then the higher likeness, then the better pose; of equals, the
  earliest attempt.
- A check or face pass that fails on a picture (a perception model erroring) is a "not measured"
  note, never a failed item; it is logged once per batch, not once per picture.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from studio.services.quality import BatchChecks, below

if TYPE_CHECKING:
    from PIL import Image

    from studio.core import Studio
    from studio.db.tables import Generation

    from pipelines.face_pass import FacePassResult
    from pipelines.generation import PoseResult
    from pipelines.keypoints import Keypoints
    from pipelines.likeness import FaceDescriptor, Likeness
    from pipelines.pose_match import PoseMatch

log = logging.getLogger(__name__)
NOT_MEASURED = "not measured"
# A result -> its picture with the face redrawn (at the result's seed), or unchanged with the reason.
FacePass = Callable[["PoseResult"], "FacePassResult"]


def _unmeasured(what: str, exc: Exception) -> str:
    return f"{NOT_MEASURED}: the {what} check failed ({exc.__class__.__name__})"


def not_measured(note: str) -> bool:
    """A score that could not be taken (no descriptor, a model failing), as opposed to a score
    of a picture: "face not visible" and "nobody seen" are measurements."""
    return note.startswith(NOT_MEASURED)


@dataclass
class Attempt:
    result: "PoseResult"  # its image is the picture kept for this attempt (face-passed where kept)
    likeness: "Likeness"
    pose: "PoseMatch"
    face_pass: dict[str, Any] | None = None

    def record(self, kept: bool) -> dict[str, Any]:
        return {"seed": self.result.seed, "likeness": self.likeness.score, "pose_match": self.pose.score,
                "kept": kept}


@dataclass
class Checked:
    """The picture to keep for one item and what was measured on it and its siblings."""

    kept: Attempt
    attempts: list[Attempt] = field(default_factory=list)
    measured: bool = True  # False: the studio measures nothing; only the face pass ran

    @property
    def image(self) -> "Image.Image":
        return self.kept.result.image

    def quality(self) -> dict[str, Any]:
        """The item's ``quality`` column; empty when nothing was measured, so the batch's
        summary does not count a picture nobody checked."""
        if not self.measured:
            return {}
        out = {"likeness": self.kept.likeness.to_json(), "pose": self.kept.pose.to_json(),
               "attempts": [a.record(a is self.kept) for a in self.attempts]}
        if self.kept.face_pass is not None:
            out["face_pass"] = self.kept.face_pass
        return out

    def columns(self) -> dict[str, Any]:
        """The item's score columns, set in the same update that completes it."""
        if not self.measured:
            return {}
        return {"likeness": self.kept.likeness.score, "pose_match": self.kept.pose.score, "quality": self.quality()}

    def metadata(self) -> dict[str, Any]:
        """What the PNG's ``parameters`` chunk says of the checks (the kept picture's seed is in
        the result's own metadata)."""
        out: dict[str, Any] = {}
        if self.measured:
            out = {"likeness": self.kept.likeness.score, "likeness_distance": self.kept.likeness.distance,
                   "likeness_note": self.kept.likeness.note, "pose_match": self.kept.pose.score,
                   "pose_note": self.kept.pose.note, "attempts": len(self.attempts)}
        if self.kept.face_pass is not None:
            out["face_pass"] = self.kept.face_pass
        return out


class PictureChecks:
    """The checks of one batch: its options, the avatar's descriptor and the face pass (None:
    off), applied to each picture. ``measuring`` is the studio's setting: off, only the face
    pass runs (it measures likeness for its own choice) and nothing is re-rolled."""

    def __init__(self, checks: BatchChecks, descriptor: "FaceDescriptor | None", face_note: str, *,
                 measuring: bool = True, face_pass: FacePass | None = None):
        self.checks = checks
        self.descriptor = descriptor
        self.measuring = measuring
        self.face_pass = face_pass
        self.rerolls = checks.rerolls if measuring else 0
        self.likeness_off = checks.likeness_off or (f"likeness is not measured for this avatar: {face_note}"
                                                    if descriptor is None and face_note else "")
        if descriptor is None and not self.likeness_off:
            self.likeness_off = "likeness is not measured: the avatar's face could not be described"
        self._failed: set[str] = set()

    # measuring one picture ----------------------------------------------------------------

    def measure(self, result: "PoseResult", keypoints: "Keypoints",
                should_cancel: Callable[[], bool] = lambda: False) -> Attempt:
        from pipelines.pose_match import PoseMatch, pose_match_of

        likeness = self._likeness(result.image)
        passed = None
        if self.face_pass is not None:
            result, likeness, passed = self._face_passed(result, likeness, should_cancel)
        if self.measuring:
            pose = self._measured("pose match", lambda: pose_match_of(keypoints, result.image),
                                  lambda exc: PoseMatch(None, _unmeasured("pose match", exc)))
        else:
            pose = PoseMatch(None, NOT_MEASURED)
        return Attempt(result, likeness, pose, passed)

    def _likeness(self, image) -> "Likeness":
        from pipelines.likeness import Likeness, likeness_to

        if self.descriptor is None:
            return Likeness(None, None, NOT_MEASURED)
        return self._measured("likeness", lambda: likeness_to(self.descriptor, image),
                              lambda exc: Likeness(None, None, _unmeasured("likeness", exc)))

    def _face_passed(self, result: "PoseResult", before: "Likeness", should_cancel: Callable[[], bool]):
        """(result, its likeness, the face pass's record): the redrawn picture unless the original
        measurably looks more like the avatar."""
        if should_cancel():  # a stopping worker saves what it has; the redraw would delay it
            return result, before, {"applied": False, "note": "not run: the batch was stopping"}
        started = time.perf_counter()
        redrawn = self._measured("face pass", lambda: self.face_pass(result),
                                 lambda exc: f"not run: the face pass failed ({exc.__class__.__name__})")
        # The redraw is part of making the picture: its time is the item's too.
        result = replace(result, seconds=result.seconds + time.perf_counter() - started)
        if isinstance(redrawn, str):
            return result, before, {"applied": False, "note": redrawn}
        if not redrawn.applied:  # nothing was redrawn: there is no before and after to tell
            return result, before, {"applied": False, "note": redrawn.note}
        after = self._likeness(redrawn.image)
        keep = not (before.score is not None and (after.score is None or after.score < before.score))
        record = {"applied": True, "note": "", "likeness_before": before.score, "likeness_after": after.score,
                  "kept": keep}
        if not keep:
            return result, before, record
        return replace(result, image=redrawn.image), after, record

    def _measured(self, what: str, measure: Callable[[], Any], fallback: Callable[[Exception], Any]) -> Any:
        try:
            return measure()
        except Exception as exc:  # noqa: BLE001 - a check that fails is "not measured", never a failed picture
            if what not in self._failed:  # once a batch: the same model fails the same way on every picture
                self._failed.add(what)
                log.warning("the %s failed on a picture; the picture is kept without it (logged once "
                            "a batch)", what, exc_info=True)
            return fallback(exc)

    # the re-roll loop ------------------------------------------------------------------------

    def drifted(self, attempt: Attempt) -> bool:
        """Below a bar this batch re-rolls for (likeness only where it is measured for the avatar).
        No visible face (score None) is below the likeness bar; a check that could not run is not."""
        likeness, pose = attempt.likeness, attempt.pose
        by_likeness = (not self.likeness_off and not not_measured(likeness.note)
                       and below(likeness.score, self.checks.likeness_bar))
        by_pose = not not_measured(pose.note) and below(pose.score, self.checks.pose_bar)
        return by_likeness or by_pose

    def rank(self, attempt: Attempt) -> tuple:
        return (not self.drifted(attempt), attempt.likeness.score or 0.0, attempt.pose.score or 0.0)

    def check(self, first: "PoseResult", keypoints: "Keypoints", reroll: Callable[[int], "PoseResult | None"],
              should_cancel: Callable[[], bool] = lambda: False) -> Checked:
        """Measure ``first``; while the best so far drifted and re-rolls are left, ask ``reroll(n)``
        for the n-th re-roll (None: cancelled or failed, stop) and keep the best. A cancel between
        attempts keeps the best so far: those pictures exist."""
        attempts = [self.measure(first, keypoints, should_cancel)]
        best = attempts[0]
        while self.drifted(best) and len(attempts) <= self.rerolls and not should_cancel():
            again = reroll(len(attempts))
            if again is None or not again.ok:
                break
            attempts.append(self.measure(again, keypoints, should_cancel))
            best = max(attempts, key=self.rank)  # max keeps the first of equals: the earliest attempt
        return Checked(best, attempts, measured=self.measuring)


# wiring one batch's checks (the worker calls these) -------------------------------------


def for_batch(studio: "Studio", generation: "Generation", avatar_image, engine, params) -> "PictureChecks | None":
    """The batch's picture checks, or None where this batch measures nothing and has no face pass
    (the studio's setting turns measuring off; the face pass is part of making the picture)."""
    from studio.services.avatars.likeness import ensure_descriptor

    checks = BatchChecks.from_json(generation.checks)
    measuring = checks.measure and studio.settings.quality_checks
    if not (measuring or checks.face_pass):
        return None
    # Described once and stored on the avatar; the face pass needs it too, to keep the better picture.
    descriptor, note = ensure_descriptor(studio, generation.avatar_id, avatar_image)
    return PictureChecks(checks, descriptor, note, measuring=measuring,
                         face_pass=face_passer(engine, avatar_image, params) if checks.face_pass else None)


def face_passer(engine, avatar_image, params) -> FacePass:
    """``face_pass(result)``: the result's small face redrawn with the identity adapter on the
    avatar's face, at the result's own seed (so the same batch redraws the same way)."""
    from pipelines.face import face_crop
    from pipelines.face_pass import face_pass

    face, _ = face_crop(avatar_image)
    resolved = params.resolved(engine.preset)

    def redraw(result):
        return face_pass(engine, result.image, face, prompt=resolved.prompt, negative_prompt=resolved.negative_prompt,
                         seed=result.seed, identity_strength=resolved.identity_strength)
    return redraw


def rerolls(engine, avatar_image, pose, seed: int, params, progress: Callable[[int, int], None],
            should_cancel: Callable[[], bool]):
    """``reroll(n)``: the item made again with its n-th re-roll seed (None when cancelled)."""
    from pipelines.generation import PoseItem
    from pipelines.params import reroll_seed

    def reroll(n: int):
        if should_cancel():
            return None
        run = engine.generate_poses(avatar_image, [PoseItem(pose.key, pose.keypoints, reroll_seed(seed, n))],
                                    params, batch_size=1, should_cancel=should_cancel,
                                    on_progress=lambda p: progress(p.step, p.total_steps))
        return next(iter(run), None)
    return reroll
