"""The parameters of one generation: one frozen, validated object, stored as JSON and passed
to the engine unchanged. ``None`` means "the preset's default"; ``resolved(preset)`` fills them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .presets import Preset

MIN_SIZE, MAX_SIZE = 64, 2048
MAX_STEPS = 100
MAX_STRENGTH = 2.0
MAX_GUIDANCE = 30.0
# The one definition of each limit: the studio's services and the UI read these, never their own.
MAX_VARIATIONS = 10  # per pose in one batch (and item_seed's stride)
MAX_PROMPT_CHARS = 2000
# Seeds are stored in signed 64-bit columns (BigInteger): every seed is below 2**63.
MAX_SEED = 2**63 - 1


class ParamsError(ValueError):
    """A parameter a creator must change; the message names it and says what works."""


@dataclass(frozen=True)
class GenerationParams:
    prompt: str = ""
    negative_prompt: str = ""
    steps: int | None = None
    guidance: float | None = None
    pose_strength: float | None = None
    identity_strength: float | None = None
    width: int | None = None
    height: int | None = None
    seed: int = 0
    variations: int = 1

    def validate(self) -> "GenerationParams":
        """Raise ParamsError for the first bad value; return self when all are fine."""
        for name in ("prompt", "negative_prompt"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ParamsError(f"{name.replace('_', ' ')} must be text, got {type(value).__name__}")
            if len(value) > MAX_PROMPT_CHARS:
                raise ParamsError(f"{name.replace('_', ' ')} is {len(value)} characters long; "
                                  f"keep it under {MAX_PROMPT_CHARS}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is None:
                continue
            if not _is_int(value) or not MIN_SIZE <= value <= MAX_SIZE:
                raise ParamsError(f"{name} {value!r} is not allowed: use a whole number of pixels "
                                  f"from {MIN_SIZE} to {MAX_SIZE}")
            if value % 8:
                lower, upper = value - value % 8, value - value % 8 + 8
                raise ParamsError(f"{name} {value} is not a multiple of 8: use {lower} or {upper}")
        if self.steps is not None and (not _is_int(self.steps) or not 1 <= self.steps <= MAX_STEPS):
            raise ParamsError(f"steps {self.steps!r} is not allowed: use a whole number from 1 to {MAX_STEPS}")
        for name, top in (("pose_strength", MAX_STRENGTH), ("identity_strength", MAX_STRENGTH),
                          ("guidance", MAX_GUIDANCE)):
            value = getattr(self, name)
            if value is None:
                continue
            if not _is_number(value) or not 0 <= value <= top:
                raise ParamsError(f"{name.replace('_', ' ')} {value!r} is not allowed: use a number from 0 to {top:g}")
        if not is_seed(self.seed):
            raise ParamsError(f"seed {self.seed!r} is not allowed: use a whole number from 0 to {MAX_SEED}")
        if not _is_int(self.variations) or not 1 <= self.variations <= MAX_VARIATIONS:
            raise ParamsError(f"variations {self.variations!r} is not allowed: use 1 to {MAX_VARIATIONS} per pose")
        return self

    def resolved(self, preset: "Preset") -> "GenerationParams":
        """A copy with every ``None`` replaced by the preset's default, validated."""
        defaults = {
            "steps": preset.steps, "guidance": preset.guidance, "pose_strength": preset.pose_strength,
            "identity_strength": preset.identity_strength, "width": preset.width, "height": preset.height,
        }
        filled = {k: v for k, v in defaults.items() if getattr(self, k) is None}
        out = replace(self, **filled)
        if not out.negative_prompt and preset.negative_prompt:
            out = replace(out, negative_prompt=preset.negative_prompt)
        out.validate()
        multiple = getattr(preset, "size_multiple", 8)  # the edit presets pack latents 2x2: 16 or 32
        for name in ("width", "height"):
            value = getattr(out, name)
            if value % multiple:
                lower = max(multiple, value - value % multiple)
                raise ParamsError(f"{name} {value} is not a multiple of {multiple}, which the {preset.label} "
                                  f"preset needs: use {lower} or {lower + multiple}")
        return out

    def work_factor(self, preset: "Preset") -> Fraction:
        """One image's work (pixels x steps) over the preset's default, exact: what prices scale by.

        ``steps`` is the whole schedule. With a refiner (pro) the base and the refiner split that
        one schedule between them (``refiner_start``), so the default 40 steps are factor 1 and
        the split itself changes nothing."""
        p = self.resolved(preset)
        return Fraction(p.width * p.height * p.steps, preset.width * preset.height * preset.steps)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "GenerationParams":
        if not isinstance(data, dict):
            raise ParamsError(f"generation parameters must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParamsError(f"unknown generation parameter(s): {', '.join(unknown)}; "
                              f"known ones are {', '.join(sorted(known))}")
        return cls(**data).validate()


def is_seed(value: Any) -> bool:
    """A whole number a seed column holds and ``torch.Generator.manual_seed`` takes."""
    return _is_int(value) and 0 <= value <= MAX_SEED


def nth_seed(base_seed: int, n: int) -> int:
    """The seed ``n`` places after ``base_seed``, wrapping round so it stays a seed."""
    return (base_seed + n) % (MAX_SEED + 1)


# Re-rolls of a drifting picture step by this much from its seed: far past every other item's
# seed in the batch (those are base + position x MAX_VARIATIONS + variation), so a re-roll never
# draws a picture the batch already has.
REROLL_STRIDE = 2**32


def reroll_seed(seed: int, attempt: int) -> int:
    """The seed of the ``attempt``-th re-roll (1, 2, ...) of a picture made with ``seed``."""
    return nth_seed(seed, attempt * REROLL_STRIDE)


def item_seed(base_seed: int, position: int, variation: int) -> int:
    """The seed of one batch item: stable in (pose position, variation), whatever the batch's size.

    The stride is MAX_VARIATIONS, so no two items of one batch share a seed."""
    return nth_seed(base_seed, position * MAX_VARIATIONS + variation)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
