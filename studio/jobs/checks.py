"""Every picture checked on the worker, beside generation: likeness to the avatar and pose
followed, measured on each picture; a picture below a bar is redone with the next re-roll seed,
free, at most ``BatchChecks.rerolls`` times, and the best attempt is kept.

Best means: passes both bars first, then the higher likeness, then the better pose. A check
that cannot run (a perception model failing on a picture) is a "not measured" note, never a
failed item. The avatar's face is described once (``ensure_descriptor``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from studio.services.quality import BatchChecks, below

if TYPE_CHECKING:
    from PIL import Image

    from pipelines.generation import PoseResult
    from pipelines.keypoints import Keypoints
    from pipelines.likeness import FaceDescriptor, Likeness
    from pipelines.pose_match import PoseMatch

log = logging.getLogger(__name__)
NOT_MEASURED = "not measured"


@dataclass
class Attempt:
    result: "PoseResult"
    likeness: "Likeness"
    pose: "PoseMatch"

    def record(self, kept: bool) -> dict[str, Any]:
        return {"seed": self.result.seed, "likeness": self.likeness.score, "pose_match": self.pose.score,
                "kept": kept}


@dataclass
class Checked:
    """The picture to keep for one item and what was measured on it and its siblings."""

    kept: Attempt
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def image(self) -> "Image.Image":
        return self.kept.result.image

    def quality(self) -> dict[str, Any]:
        return {"likeness": self.kept.likeness.to_json(), "pose": self.kept.pose.to_json(),
                "attempts": [a.record(a is self.kept) for a in self.attempts]}

    def metadata(self) -> dict[str, Any]:
        """What the PNG's ``parameters`` chunk says of the checks (the kept picture's seed is in it)."""
        return {"likeness": self.kept.likeness.score, "likeness_distance": self.kept.likeness.distance,
                "likeness_note": self.kept.likeness.note, "pose_match": self.kept.pose.score,
                "pose_note": self.kept.pose.note, "attempts": len(self.attempts)}


class PictureChecks:
    """The checks of one batch: its options and the avatar's descriptor, measured per picture."""

    def __init__(self, checks: BatchChecks, descriptor: "FaceDescriptor | None", face_note: str):
        self.checks = checks
        self.descriptor = descriptor
        self.likeness_off = checks.likeness_off or (f"likeness is not measured for this avatar: {face_note}"
                                                    if descriptor is None and face_note else "")
        if descriptor is None and not self.likeness_off:
            self.likeness_off = "likeness is not measured: the avatar's face could not be described"

    def measure(self, result: "PoseResult", keypoints: "Keypoints") -> Attempt:
        from pipelines.likeness import Likeness
        from pipelines.pose_match import PoseMatch, pose_match_of

        if self.descriptor is None:
            likeness = Likeness(None, None, NOT_MEASURED)
        else:
            likeness = _measured(lambda: _likeness(self.descriptor, result.image), Likeness(None, None, NOT_MEASURED))
        pose = _measured(lambda: pose_match_of(keypoints, result.image), PoseMatch(None, NOT_MEASURED))
        return Attempt(result, likeness, pose)

    def drifted(self, attempt: Attempt) -> bool:
        """Below a bar this batch re-rolls for (likeness only where it is measured for the avatar)."""
        by_likeness = not self.likeness_off and below(attempt.likeness.score, self.checks.likeness_bar)
        by_pose = attempt.pose.note != NOT_MEASURED and below(attempt.pose.score, self.checks.pose_bar)
        return by_likeness or by_pose

    def rank(self, attempt: Attempt) -> tuple:
        return (not self.drifted(attempt), attempt.likeness.score or 0.0, attempt.pose.score or 0.0)

    def check(self, first: "PoseResult", keypoints: "Keypoints",
              reroll: Callable[[int], "PoseResult | None"]) -> Checked:
        """Measure ``first``; while the best so far drifted and re-rolls are left, ask ``reroll(n)``
        for the n-th re-roll (None: cancelled or failed, stop) and keep the best."""
        attempts = [self.measure(first, keypoints)]
        best = attempts[0]
        while self.drifted(best) and len(attempts) <= self.checks.rerolls:
            again = reroll(len(attempts))
            if again is None or not again.ok:
                break
            attempts.append(self.measure(again, keypoints))
            best = max(attempts, key=self.rank)  # the first of equals: the earliest attempt
        return Checked(best, attempts)


def _likeness(descriptor: "FaceDescriptor", image) -> "Likeness":
    from pipelines.likeness import likeness_to

    return likeness_to(descriptor, image)


def _measured(measure: Callable[[], Any], fallback: Any) -> Any:
    try:
        return measure()
    except Exception:  # noqa: BLE001 - a check that fails is "not measured", never a failed picture
        log.warning("a quality check failed on a picture", exc_info=True)
        return fallback
