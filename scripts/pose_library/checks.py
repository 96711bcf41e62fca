"""Anatomy the build holds every hand to, so a recipe with an impossible hand fails the build.

The hand model keeps each hand on its wrist and its fingers their real lengths; what a recipe
can still get wrong is the way the hand is turned. A wrist bends about 80 degrees towards the
palm, 70 back, 25 towards the thumb and 40 towards the little finger; with the elbow bent, the
forearm turns the palm about 90 degrees either way from a handshake (thumb up). Beyond those
the hand is broken, or it is the other hand.
"""

from __future__ import annotations

import math

import numpy as np

from .framing import HAND_SIDES, hands_3d
from .hands import FINGERS, PINCH, THUMB, hand_frame
from .recipes import Library, Pose
from .skeleton import BUILDS, L_ELB, L_SHO, L_WRI, R_ELB, R_SHO, R_WRI, chest_frame, skeleton_3d

FLEX, EXTEND, TO_THUMB, TO_LITTLE = 80.0, 70.0, 25.0, 40.0
FOREARM_TURN = 100.0   # from the handshake position, either way (a little slack for the carpals)
ELBOW_BENT = 35.0      # below this the upper arm's own turn hides the forearm's
PINCH_GAP = 0.05       # head units between thumb and index tips in an OK sign
ARMS = {"left": (1, L_SHO, L_ELB, L_WRI), "right": (-1, R_SHO, R_ELB, R_WRI)}


def hand_problems(pose: Pose, *, hands_required: bool) -> list[str]:
    """What is wrong with the pose's hands, in words naming the hand; empty when nothing is."""
    recipe = pose.recipe
    if recipe.r_hand is None:
        return ["its sub-category shows both hands, but the recipe gives none (add r_hand and l_hand)"] \
            if hands_required else []
    joints, _, _ = skeleton_3d(recipe, BUILDS[pose.gender])
    chest = chest_frame(recipe)
    points = hands_3d(recipe, joints)
    problems = []
    for side, (sign, sho, elb, wri) in ARMS.items():
        hand = recipe.l_hand if side == "left" else recipe.r_hand
        frame = hand_frame(hand, chest, sign)
        forearm = _unit(joints[wri] - joints[elb])
        upper = _unit(joints[elb] - joints[sho])
        flex = math.degrees(math.asin(_clip(-np.dot(forearm, frame.palm))))
        deviation = math.degrees(math.asin(_clip(-np.dot(forearm, frame.thumb))))
        if flex > FLEX:
            problems.append(f"{side} hand bent {flex:.0f}° towards the palm at the wrist (at most {FLEX:.0f}°)")
        if -flex > EXTEND:
            problems.append(f"{side} hand bent {-flex:.0f}° back at the wrist (at most {EXTEND:.0f}°)")
        if deviation > TO_THUMB:
            problems.append(f"{side} hand bent {deviation:.0f}° towards the thumb at the wrist "
                            f"(at most {TO_THUMB:.0f}°)")
        if -deviation > TO_LITTLE:
            problems.append(f"{side} hand bent {-deviation:.0f}° towards the little finger at the wrist "
                            f"(at most {TO_LITTLE:.0f}°)")
        if np.dot(forearm, frame.along) < 0:
            problems.append(f"{side} hand's fingers point back along the forearm")
        bend = math.degrees(math.acos(_clip(np.dot(upper, forearm))))
        if bend >= ELBOW_BENT:
            turn = _forearm_turn(upper, forearm, frame.thumb)
            if abs(turn) > FOREARM_TURN:
                problems.append(f"{side} forearm turned {abs(turn):.0f}° from a handshake "
                                f"(at most {FOREARM_TURN:.0f}°): the palm faces the impossible way")
        if hand.shape.thumb == PINCH:
            gap = float(np.linalg.norm(points[side][THUMB[3]] - points[side][FINGERS[0][3]]))
            if gap > PINCH_GAP:
                problems.append(f"{side} thumb stops {gap:.2f} head units short of the index tip")
    framed = pose.framed()
    for side, rows in zip(HAND_SIDES, framed.hands or []):
        hidden = sum(1 for row in rows if row[2] == 0)
        if hands_required and hidden:
            problems.append(f"{side} hand has {hidden} of its 21 points outside the {pose.framing} picture; "
                            "frame it wider or raise the hand")
    return problems


def check_library(lib: Library, source: str) -> None:
    """Raise SystemExit naming every pose whose hands are impossible."""
    shown = {c["slug"] for parent in lib.categories for c in parent["children"] if c.get("hands")}
    report = [f"{source}: pose {pose.slug!r}: {problem}"
              for pose in lib.poses for problem in hand_problems(pose, hands_required=pose.category in shown)]
    if report:
        raise SystemExit("\n".join(report))


def _forearm_turn(upper: np.ndarray, forearm: np.ndarray, thumb: np.ndarray) -> float:
    """Degrees the thumb is turned about the forearm from where a handshake holds it: away
    from the upper arm, square to the forearm."""
    neutral = -upper - np.dot(-upper, forearm) * forearm
    actual = thumb - np.dot(thumb, forearm) * forearm
    if np.linalg.norm(neutral) < 1e-6 or np.linalg.norm(actual) < 1e-6:
        return 0.0
    neutral, actual = _unit(neutral), _unit(actual)
    return math.degrees(math.atan2(float(np.dot(np.cross(neutral, actual), forearm)), float(np.dot(neutral, actual))))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))
