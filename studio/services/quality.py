"""A batch's quality checks: the bars a picture must reach (likeness to the avatar, pose
followed), whether drifts are re-rolled (free, with the next seed), and the batch's summary.

The worker measures (studio/jobs/checks.py); this module is the one definition of the options,
their defaults and limits, and of how results are summed up for the creator.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from studio.services.errors import InvalidInput
from studio.services.fields import whole_number
from studio.settings import Settings


def _likeness_bar() -> float:
    from pipelines.likeness import LIKENESS_BAR

    return LIKENESS_BAR


def _pose_bar() -> float:
    from pipelines.pose_match import POSE_BAR

    return POSE_BAR


@dataclass(frozen=True)
class BatchChecks:
    measure: bool  # the studio's setting: measure likeness and pose match at all
    reroll: bool  # redo pictures below a bar, free
    likeness_bar: float  # 0..1
    pose_bar: float  # 0..1
    max_rerolls: int  # per picture
    # Why likeness is not measured for this batch's avatar ("" when it is): then only the
    # pose bar can trigger a re-roll.
    likeness_off: str = ""
    # Redraw a small face at the model's native size (pipelines.face_pass), keeping whichever
    # picture looks more like the avatar; on by default where the preset's faces come out small.
    face_pass: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "BatchChecks":
        """The stored options; a batch stored before checks existed measures nothing and re-rolls nothing."""
        if not data:
            return cls(measure=False, reroll=False, likeness_bar=_likeness_bar(), pose_bar=_pose_bar(),
                       max_rerolls=0)
        return cls(measure=bool(data.get("measure", True)), reroll=bool(data.get("reroll", False)),
                   likeness_bar=float(data.get("likeness_bar", _likeness_bar())),
                   pose_bar=float(data.get("pose_bar", _pose_bar())),
                   max_rerolls=int(data.get("max_rerolls", 0)), likeness_off=str(data.get("likeness_off", "")),
                   face_pass=bool(data.get("face_pass", False)))

    @property
    def rerolls(self) -> int:
        """How many times a drifting picture may be redone in this batch."""
        return self.max_rerolls if self.measure and self.reroll else 0


def default_checks(settings: Settings, preset: Any = None) -> dict[str, Any]:
    """What a batch gets when the creator sets nothing: re-roll on, the bars at their defaults,
    the studio's re-roll limit, and the face pass where the preset (a Preset or its key) has it on."""
    return {"reroll": True, "likeness_bar": _likeness_bar(), "pose_bar": _pose_bar(),
            "max_rerolls": settings.max_rerolls, "face_pass": _preset_face_pass(preset)}


def _preset_face_pass(preset: Any) -> bool:
    if isinstance(preset, str):
        from pipelines.presets import UnknownPresetError, get_preset

        try:
            preset = get_preset(preset)
        except UnknownPresetError:
            return False  # the request's own check names the unknown preset
    return bool(getattr(preset, "face_pass", False))


def _edit_preset(preset: Any) -> Any:
    """``preset`` (a Preset or its key) when it is of the edit kind, else None."""
    if isinstance(preset, str):
        from pipelines.presets import UnknownPresetError, get_preset

        try:
            preset = get_preset(preset)
        except UnknownPresetError:
            return None
    return preset if getattr(preset, "is_edit", False) else None


def _bar(value: Any, what: str) -> float:
    """A bar as stored and sent: a share of 1 (0.6 is 60 %); the UI shows and takes percent."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if number and 0 <= value <= 1:
        return float(value)
    if number and value == int(value) and 1 < value <= 100:
        # A script that sent the percent itself: say which form is wanted.
        raise InvalidInput(f"{what} must be between 0 and 100 %, given as a share of 1 (0.6 for 60 %); "
                           f"got {value:g}")
    raise InvalidInput(f"{what} must be between 0 and 100 %; got {f'{value * 100:g} %' if number else repr(value)}")


def validated_checks(raw: dict[str, Any] | None, *, settings: Settings, face_note: str | None,
                     preset: Any = None) -> BatchChecks:
    """The creator's options checked against the studio's limits. ``face_note`` is the avatar's:
    None when its face is described, else why not (likeness is then off, and said so).
    ``preset`` (a Preset or its key) gives the face pass's default."""
    defaults = default_checks(settings, preset)
    chosen = {**defaults, **(raw or {})}
    unknown = set(chosen) - set(defaults)
    if unknown:
        raise InvalidInput(f"quality checks: unknown option(s) {', '.join(sorted(map(str, unknown)))}; "
                           f"use {', '.join(defaults)}")
    if not isinstance(chosen["reroll"], bool):
        raise InvalidInput("re-roll drifts must be true or false")
    if not isinstance(chosen["face_pass"], bool):
        raise InvalidInput("face pass must be true or false")
    edit = _edit_preset(preset)
    if chosen["face_pass"] and edit is not None:
        raise InvalidInput(f"Face pass: not available with {edit.label}: the edit model draws the face from the "
                           "avatar itself; untick it")
    rerolls = chosen["max_rerolls"]
    if isinstance(rerolls, (int, float)) and not isinstance(rerolls, bool) and rerolls > settings.max_rerolls:
        raise InvalidInput(f"re-rolls per image: at most {settings.max_rerolls} (this studio's limit); got {rerolls}")
    rerolls = whole_number(rerolls, "re-rolls per image", 0, settings.max_rerolls)
    off = ""
    if face_note is not None:
        off = f"likeness is not measured for this avatar: {face_note}"
    return BatchChecks(measure=settings.quality_checks, reroll=chosen["reroll"],
                       likeness_bar=_bar(chosen["likeness_bar"], "likeness bar"),
                       pose_bar=_bar(chosen["pose_bar"], "pose bar"), max_rerolls=rerolls, likeness_off=off,
                       face_pass=chosen["face_pass"])


def below(score: float | None, bar: float) -> bool:
    """A picture below the bar: a score under it, or no score at all (no face visible, nobody seen)."""
    return score is None or score < bar


@dataclass(frozen=True)
class QualitySummary:
    measured: int  # completed pictures with a quality record
    likeness_mean: float | None
    likeness_worst: float | None
    likeness_below: int  # below the likeness bar (no face visible counts)
    pose_mean: float | None
    pose_worst: float | None
    pose_below: int
    likeness_off: str = ""


def summarise(items: Iterable[Any], checks: BatchChecks) -> QualitySummary | None:
    """Mean, worst and how many below each bar over the measured pictures; None when none was."""
    measured = [i for i in items if i.quality]
    if not measured:
        return None
    likeness = [i.likeness for i in measured if i.likeness is not None]
    poses = [i.pose_match for i in measured if i.pose_match is not None]
    return QualitySummary(
        measured=len(measured),
        likeness_mean=sum(likeness) / len(likeness) if likeness else None,
        likeness_worst=min(likeness) if likeness else None,
        likeness_below=0 if checks.likeness_off else sum(below(i.likeness, checks.likeness_bar) for i in measured),
        pose_mean=sum(poses) / len(poses) if poses else None,
        pose_worst=min(poses) if poses else None,
        pose_below=sum(below(i.pose_match, checks.pose_bar) for i in measured),
        likeness_off=checks.likeness_off)


def percent(score: float | None) -> str:
    return "–" if score is None else f"{round(score * 100)} %"


# How results can be ordered and narrowed, in the creator's words; shared by the Batch and
# History tabs (anything with ``likeness`` and ``pose_match``: FinishedItem, GenerationItem).
RESULT_SORTS = (("As made", "made"), ("Likeness, best first", "likeness"), ("Pose match, best first", "pose"))
RESULT_SHOWS = (("All results", "all"), ("Below the likeness bar", "below_likeness"),
                ("Below the pose bar", "below_pose"))


def order_results(items: list, checks: BatchChecks | None, *, sort: str = "made", show: str = "all") -> list:
    """``items`` narrowed by ``show`` and ordered by ``sort``; a score not measured sorts last."""
    if sort not in {key for _, key in RESULT_SORTS}:
        raise InvalidInput(f"sort results by one of {', '.join(k for _, k in RESULT_SORTS)}; got {sort!r}")
    if show not in {key for _, key in RESULT_SHOWS}:
        raise InvalidInput(f"show one of {', '.join(k for _, k in RESULT_SHOWS)}; got {show!r}")
    checks = checks or BatchChecks.from_json(None)
    if show == "below_likeness":
        items = [i for i in items if below(i.likeness, checks.likeness_bar)]
    elif show == "below_pose":
        items = [i for i in items if below(i.pose_match, checks.pose_bar)]
    if sort == "made":
        return list(items)
    score = "likeness" if sort == "likeness" else "pose_match"
    return sorted(items, key=lambda i: (getattr(i, score) is None, -(getattr(i, score) or 0.0)))


def kept_seed(item: Any) -> int:
    """The seed of the picture kept for a GenerationItem: a re-roll's when a drift was redone."""
    kept = [a for a in (item.quality or {}).get("attempts") or () if a.get("kept")]
    return int(kept[0]["seed"]) if kept else item.seed


def item_scores(item: Any) -> dict[str, Any]:
    """A GenerationItem's checks as the API and the ZIP manifest give them."""
    quality = item.quality or {}
    return {"likeness": item.likeness, "pose_match": item.pose_match,
            "likeness_distance": (quality.get("likeness") or {}).get("distance"),
            "likeness_note": (quality.get("likeness") or {}).get("note", ""),
            "pose_note": (quality.get("pose") or {}).get("note", ""),
            "attempts": len(quality.get("attempts") or ()) or 1}

