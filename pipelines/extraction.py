"""A pose read off a reference photo with MediaPipe (Pose, Hands, FaceDetection).

MediaPipe Pose gives 33 landmarks with a visibility each; they become the 18 OpenPose body
points (``MEDIAPIPE_TO_BODY18``; the neck is the shoulders' midpoint). A joint whose visibility
is under ``MIN_VISIBILITY``, or that falls outside the picture, is left out (v = 0): MediaPipe
still places hidden joints, but those places are guesses, and a guessed elbow steers a
generation as firmly as a real one.

Every reading is made twice, of the picture and of its mirror, and merged
(``merge_readings``): a landmark's place moves by several percent of the picture with small
changes of the input, and a hidden joint's visibility can come out high in one reading. Reading
both ways halves that jitter, drops joints the two readings place apart, and makes the pose of a
mirrored photo exactly the mirrored pose.

Several people: MediaPipe Pose reads one person per picture. FaceDetection (the full-range
model) finds every face; with two or more, Pose reads a crop around each face, and the person
whose seen joints span the most pixels is taken. A neighbour inside a crop can throw the reading
off (the two readings then disagree on the head and shoulders), so each face is read in crops of
a few widths and the crop whose readings agree best is kept; a crop whose nose lands outside its
face holds a neighbour and is dropped. ``ExtractedPose.people`` says how many were seen.

Hands: MediaPipe Hands runs on the whole picture, and each hand found goes to the body wrist
nearest its own wrist point, not by MediaPipe's left/right label, which is mirrored for selfies
and unreliable for hands seen from the back.

Every model goes through ``pipelines.mediapipe_models.run`` (one per process, one call at a time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image

from .keypoints import HAND_SIDES, JOINT, JOINT_NAMES, MIN_VISIBLE_JOINTS, REQUIRED_JOINTS, Keypoints, PoseError
from .mediapipe_models import detector_input, run, solutions

# MediaPipe Pose landmark of each BODY-18 joint (COCO order); the neck (None) is the shoulders' midpoint.
MEDIAPIPE_TO_BODY18 = (0, None, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27, 5, 2, 8, 7)
MEDIAPIPE_SHOULDERS = (11, 12)
MEDIAPIPE_WRISTS = {"left": 15, "right": 16}
# Each landmark's left/right partner (MediaPipe's order), to read a mirrored picture's landmarks back.
MEDIAPIPE_MIRROR = (0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21, 24, 23,
                    26, 25, 28, 27, 30, 29, 32, 31)
# MediaPipe's own drawing threshold: above it a landmark was seen, below it placed by the model.
MIN_VISIBILITY = 0.5
MIN_FACE_SCORE = 0.5
# Readings of the picture and of its mirror that place a joint further apart than this share of
# the shoulders' span do not know where it is (seen: up to 0.07 for joints in plain view).
MAX_DISAGREEMENT = 0.3
HAND_POINTS = 21
HAND_WRIST, HAND_MIDDLE_TIP = 0, 12  # MediaPipe Hands' (and OpenPose's) points of a hand's length
# More faces than this in one picture is a crowd; the largest ones are read.
MAX_PEOPLE = 6
MAX_HANDS = 4  # two people's hands, so the chosen person's are found beside a neighbour's
# A person's crop around their face, in face widths and heights: arms out reach about 3 face
# widths from the face's centre, and a standing body is about 8 heads tall. Narrower crops are
# tried too, for a neighbour standing close.
CROP_SIDES_FACES = (3.0, 2.5, 2.0)
CROP_ABOVE_FACES = 1.0
CROP_BELOW_FACES = 8.0
# Readings whose head and shoulders disagree by less than this share of the shoulders' span are
# as good as it gets (the same photo read whole: about 0.05); no narrower crop is tried.
GOOD_AGREEMENT = 0.08

# A photo's pose must show at least one of these besides the head and shoulders.
BELOW_SHOULDERS = ("right_elbow", "left_elbow", "right_hip", "left_hip")

WHAT_WORKS = ("use a photo of one person, seen from the head to at least the waist with the arms in view, "
              "facing the camera, in good light")


class PhotoPoseError(PoseError):
    """No usable pose in the photo; the message says why and what kind of photo works."""


class NoPersonFound(PhotoPoseError):
    """Nobody was seen in the photo."""


class PersonCutOff(PhotoPoseError):
    """A person was seen, but too little of them (cut off by the frame, or hidden) to give a pose."""


@dataclass(frozen=True)
class ExtractedPose:
    keypoints: Keypoints  # normalised to the photo (aspect = its width / height)
    people: int  # how many people were seen; the largest was taken


Point = tuple[float, float, float]  # x, y normalised to the picture, visibility 0..1


def extract_pose(image: Image.Image, *, check: bool = True) -> ExtractedPose:
    """The largest person's pose in ``image``, checked usable.

    NoPersonFound when nobody is seen; PersonCutOff when the person shows too few joints.
    ``check=False`` skips that check: a pose read back to be compared (``pipelines.pose_match``)
    counts whatever joints were seen, a headshot's head and shoulders too.
    """
    picture = detector_input(image)
    height, width = picture.shape[:2]
    faces = _faces(picture)
    whole = (0, 0, width, height)
    readings = [_read_person(picture, whole)] if len(faces) < 2 else [_read_face(picture, f) for f in faces]
    people = [r for r in readings if r is not None]
    if not people and len(faces) >= 2:  # no crop held its face's person: read the picture whole
        people = [r for r in [_read_person(picture, whole)] if r is not None]
    if not people:
        raise NoPersonFound(f"no person was found in the photo; {WHAT_WORKS}")
    marks = max(people, key=lambda r: _extent(r.marks, width, height)).marks
    hands = assign_hands(_hands(picture), {side: marks[i] for side, i in MEDIAPIPE_WRISTS.items()},
                         aspect=width / height)
    keypoints = Keypoints(body=body18(marks), aspect=width / height, hands=hands)
    if check:
        check_usable_photo_pose(keypoints)
    return ExtractedPose(keypoints=keypoints, people=max(len(faces), len(people)))


def body18(marks: Sequence[Point], min_visibility: float = MIN_VISIBILITY) -> tuple[Point, ...]:
    """The 18 OpenPose body points of 33 MediaPipe landmarks; unseen or outside ones are (0, 0, 0)."""
    body = []
    for index in MEDIAPIPE_TO_BODY18:
        if index is None:
            (ax, ay, av), (bx, by, bv) = (marks[i] for i in MEDIAPIPE_SHOULDERS)
            body.append(_seen(((ax + bx) / 2, (ay + by) / 2, min(av, bv)), min_visibility))
        else:
            body.append(_seen(marks[index], min_visibility))
    return tuple(body)


def assign_hands(hands: Sequence[Sequence[tuple[float, float]]], wrists: dict[str, Point], *,
                 aspect: float) -> tuple[tuple[Point, ...], ...] | None:
    """Each hand (21 points, normalised) given to the body wrist nearest its own wrist point.

    ``wrists`` holds MediaPipe Pose's wrist estimates by side, seen or not: a hand next to a
    hidden wrist still belongs to that arm. A hand further from a wrist than its own length
    (wrist to middle fingertip) belongs to nobody here. The result is in ``HAND_SIDES`` order,
    a side without a hand all (0, 0, 0); None when no hand was given to either side.
    """
    def reach(hand: Sequence[tuple[float, float]], side: str) -> float:
        return _gap(hand[HAND_WRIST], wrists[side], aspect=aspect)

    pairs = sorted((reach(hand, side), n, side) for n, hand in enumerate(hands) for side in HAND_SIDES
                   if reach(hand, side) <= _gap(hand[HAND_WRIST], hand[HAND_MIDDLE_TIP], aspect=aspect))
    given: dict[str, int] = {}
    for _, n, side in pairs:
        if side not in given and n not in given.values():
            given[side] = n
    if not given:
        return None
    missing = ((0.0, 0.0, 0.0),) * HAND_POINTS
    # MediaPipe Hands gives no visibility per point: a point found inside the picture is seen.
    return tuple(tuple(_seen((x, y, 1.0), MIN_VISIBILITY) for x, y in hands[given[side]]) if side in given
                 else missing for side in HAND_SIDES)


def check_usable_photo_pose(keypoints: Keypoints) -> None:
    """PersonCutOff, saying what could be seen and what works, unless the pose can steer a generation.

    Beyond what every pose needs (``Keypoints.check_usable``), a photo's pose must show a joint
    below the shoulders: MediaPipe places the shoulders of a face cut off at the chest along the
    photo's bottom edge, and such a pose says nothing the gallery's headshots do not.
    """
    seen = keypoints.visible()
    missing = [name for name in REQUIRED_JOINTS if JOINT[name] not in seen]
    if missing:
        needs = f"the {' and '.join(n.replace('_', ' ') for n in missing)} cannot be seen"
    elif len(seen) < MIN_VISIBLE_JOINTS:
        needs = f"only {len(seen)} joints can be seen, and a pose needs at least {MIN_VISIBLE_JOINTS}"
    elif not any(JOINT[name] in seen for name in BELOW_SHOULDERS):
        needs = "nothing below the shoulders can be seen (no elbow and no hip)"
    else:
        return
    shown = ", ".join(JOINT_NAMES[i].replace("_", " ") for i in seen) or "nothing"
    raise PersonCutOff(f"the person in the photo is cut off or hidden: {needs} (seen: {shown}); {WHAT_WORKS}")


def _seen(point: Point, min_visibility: float) -> Point:
    x, y, visibility = point
    if visibility >= min_visibility and 0 <= x <= 1 and 0 <= y <= 1:
        return (float(x), float(y), 1.0)
    return (0.0, 0.0, 0.0)


def _faces(picture: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Face boxes (x0, y0, x1, y1 in pixels), largest first, at most MAX_PEOPLE."""
    height, width = picture.shape[:2]
    found = run("face_detection_full", lambda: solutions().face_detection.FaceDetection(
        model_selection=1, min_detection_confidence=MIN_FACE_SCORE), lambda model: model.process(picture))
    boxes = []
    for detection in found.detections or ():
        box = detection.location_data.relative_bounding_box
        boxes.append((box.xmin * width, box.ymin * height, (box.xmin + box.width) * width,
                      (box.ymin + box.height) * height))
    boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    return boxes[:MAX_PEOPLE]


@dataclass(frozen=True)
class _Reading:
    marks: list[Point]  # MediaPipe's 33 landmarks, merged from both readings, normalised to the whole picture
    disagreement: float  # the readings' largest gap on the nose and shoulders, in shoulder spans


def _read_face(picture: np.ndarray, face: tuple[float, float, float, float]) -> _Reading | None:
    """The person of ``face``, read in the crop around it whose two readings agree best."""
    height, width = picture.shape[:2]
    x0, y0, x1, y1 = face
    face_w, face_h, centre = x1 - x0, y1 - y0, (x0 + x1) / 2
    top, bottom = max(0, int(y0 - CROP_ABOVE_FACES * face_h)), min(height, math.ceil(y1 + CROP_BELOW_FACES * face_h))
    best = None
    for side in CROP_SIDES_FACES:
        crop = (max(0, int(centre - side * face_w)), top, min(width, math.ceil(centre + side * face_w)), bottom)
        reading = _read_person(picture, crop, face=face)
        if reading is not None and (best is None or reading.disagreement < best.disagreement):
            best = reading
        if best is not None and best.disagreement <= GOOD_AGREEMENT:
            break
    return best


def _read_person(picture: np.ndarray, crop: tuple[int, int, int, int], *,
                 face: tuple[float, float, float, float] | None = None) -> _Reading | None:
    """The person MediaPipe Pose sees in ``crop``, read as it is and mirrored; None when nobody is
    there, when only one of the two readings finds someone, or (given ``face``) when the person
    found is not that face's."""
    height, width = picture.shape[:2]
    left, top, right, bottom = crop
    part = np.ascontiguousarray(picture[top:bottom, left:right])
    first, flipped = _read_pose(part), _read_pose(np.ascontiguousarray(part[:, ::-1]))
    if first is None or flipped is None:
        return None
    second = [(1 - flipped[j][0], flipped[j][1], flipped[j][2]) for j in MEDIAPIPE_MIRROR]
    aspect = part.shape[1] / part.shape[0]
    merged = merge_readings(first, second, aspect=aspect)
    span = max(_gap(*(merged[i] for i in MEDIAPIPE_SHOULDERS), aspect=aspect), 1e-6)
    disagreement = max(_gap(first[j], second[j], aspect=aspect) for j in (0, *MEDIAPIPE_SHOULDERS)) / span
    marks = [((left + x * (right - left)) / width, (top + y * (bottom - top)) / height, v) for x, y, v in merged]
    if face is not None:
        nose_x, nose_y = marks[0][0] * width, marks[0][1] * height
        if not (face[0] <= nose_x <= face[2] and face[1] <= nose_y <= face[3]):
            return None
    return _Reading(marks=marks, disagreement=disagreement)


def merge_readings(first: Sequence[Point], second: Sequence[Point], *, aspect: float) -> list[Point]:
    """Two readings of one person's 33 landmarks (normalised to one picture of ``aspect``) as one:
    each landmark at their midpoint, as visible as the less sure of the two, and not visible at
    all where they disagree by more than ``MAX_DISAGREEMENT`` of the shoulders' span."""
    merged = [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, min(a[2], b[2])) for a, b in zip(first, second)]
    span = _gap(*(merged[i] for i in MEDIAPIPE_SHOULDERS), aspect=aspect)
    return [(x, y, v if _gap(a, b, aspect=aspect) <= MAX_DISAGREEMENT * span else 0.0)
            for (x, y, v), a, b in zip(merged, first, second)]


def _gap(a: Sequence[float], b: Sequence[float], *, aspect: float) -> float:
    """The distance of two normalised points, in picture heights."""
    return math.hypot((a[0] - b[0]) * aspect, a[1] - b[1])


def _read_pose(part: np.ndarray) -> list[Point] | None:
    found = run("pose", lambda: solutions().pose.Pose(static_image_mode=True, model_complexity=1,
                                                     enable_segmentation=False, min_detection_confidence=0.5),
                lambda model: model.process(part))
    if not found.pose_landmarks:
        return None
    return [(m.x, m.y, m.visibility) for m in found.pose_landmarks.landmark]


def _extent(marks: Sequence[Point], width: int, height: int) -> float:
    """How large the person is: the diagonal, in pixels, of their seen joints' box."""
    seen = [(x * width, y * height) for x, y, v in body18(marks) if v > 0]
    if not seen:
        return 0.0
    xs, ys = [p[0] for p in seen], [p[1] for p in seen]
    return math.hypot(max(xs) - min(xs), max(ys) - min(ys))


def _hands(picture: np.ndarray) -> list[list[tuple[float, float]]]:
    found = run("hands", lambda: solutions().hands.Hands(static_image_mode=True, max_num_hands=MAX_HANDS,
                                                        min_detection_confidence=0.5),
                lambda model: model.process(picture))
    return [[(m.x, m.y) for m in hand.landmark] for hand in found.multi_hand_landmarks or ()]

