"""A batch's quality check options (validated, stored, defaulted from the studio and preset), the
batch summary, its results sorted and filtered by score, and the scores in the ZIP manifest.
The worker that measures is tested in tests/jobs/test_quality_checks.py."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest
from PIL import Image

from pipelines.likeness import LIKENESS_BAR, NOT_VISIBLE
from pipelines.params import GenerationParams
from pipelines.pose_match import NOBODY, POSE_BAR
from pipelines.presets import get_preset
from studio.db.tables import Avatar, Generation, GenerationItem
from studio.services import exports, generations, quality
from studio.services.errors import InvalidInput, NotFound
from studio.services.generations import SubmitRequest
from studio.services.quality import BatchChecks, default_checks, summarise, validated_checks
from studio.settings import load_settings
from tests.conftest import make_studio
from tests.services.test_generations import RecordingQueue, library_poses, make_avatar, make_user


def settings(**env):
    return load_settings(STUDIO_PRESET="tiny", **env)


@pytest.fixture
def checks_studio(tmp_path, db_url):
    """A studio allowing 3 re-rolls an image, whose queue only records (no worker)."""
    s = make_studio(tmp_path, db_url, STUDIO_MAX_REROLLS=3)
    s.queue = RecordingQueue()
    yield s
    s.db.dispose()


def submit(studio, user_id, avatar_id, checks=None, poses=1):
    return generations.submit(studio, user_id=user_id, request=SubmitRequest(
        avatar_id=avatar_id, pose_ids=library_poses(studio, poses), variations=1, preset_key="tiny",
        params=GenerationParams(prompt="a portrait", seed=3), checks=checks, submission_key=uuid.uuid4().hex))


# --- the options --------------------------------------------------------------------------


def test_a_batch_left_to_its_defaults_re_rolls_up_to_the_studios_limit_at_the_derived_bars(checks_studio):
    uid = make_user(checks_studio, "ana", 100)
    g = submit(checks_studio, uid, make_avatar(checks_studio, uid))
    with checks_studio.db.session() as session:
        stored = session.get(Generation, g.id).checks
    # The bars are the measures' own (dlib's 0.6 distance as a likeness; the pose bar), never retyped.
    assert stored == {"measure": True, "reroll": True, "likeness_bar": LIKENESS_BAR, "pose_bar": POSE_BAR,
                      "max_rerolls": 3, "likeness_off": "", "face_pass": False}
    assert BatchChecks.from_json(stored).rerolls == 3


def test_the_creators_choices_are_stored_as_shares_of_one(checks_studio):
    uid = make_user(checks_studio, "ana", 100)
    g = submit(checks_studio, uid, make_avatar(checks_studio, uid),
               checks={"likeness_bar": 0.75, "pose_bar": 0, "max_rerolls": 1, "reroll": False, "face_pass": True})
    with checks_studio.db.session() as session:
        checks = BatchChecks.from_json(session.get(Generation, g.id).checks)
    assert (checks.likeness_bar, checks.pose_bar, checks.max_rerolls, checks.reroll, checks.face_pass) == \
           (0.75, 0.0, 1, False, True)
    assert checks.rerolls == 0  # re-roll switched off: no picture is redone, whatever the count


def test_an_avatar_whose_face_cannot_be_described_turns_likeness_off_and_says_why(checks_studio):
    uid = make_user(checks_studio, "ana", 100)
    avatar = make_avatar(checks_studio, uid)
    with checks_studio.db.session() as session:
        session.get(Avatar, avatar).face_note = "no face found: use a photo where the face is clearly visible"
    g = submit(checks_studio, uid, avatar)
    checks = BatchChecks.from_json(generations.get_generation(checks_studio.db, user_id=uid,
                                                              generation_id=g.id).checks)
    assert checks.likeness_off == ("likeness is not measured for this avatar: no face found: use a photo "
                                   "where the face is clearly visible")
    assert checks.reroll is True  # the pose bar still re-rolls


@pytest.mark.parametrize("raw, message", [
    ({"likeness_bar": 60}, r"likeness bar must be between 0 and 100 %, given as a share of 1 \(0.6 for 60 %\); "
                           r"got 60"),
    ({"likeness_bar": 1.01}, "likeness bar must be between 0 and 100 %; got 101 %"),
    ({"pose_bar": float("nan")}, "pose bar must be between 0 and 100 %; got nan"),
    ({"pose_bar": None}, "pose bar must be between 0 and 100 %; got None"),
    ({"likeness_bar": True}, "likeness bar must be between 0 and 100 %; got True"),
    ({"max_rerolls": 4}, r"re-rolls per image: at most 3 \(this studio's limit\); got 4"),
    ({"max_rerolls": -1}, "re-rolls per image -1 is not allowed: use a whole number from 0 to 3"),
    ({"face_pass": "on"}, "face pass must be true or false"),
    ({"reroll": 1}, "re-roll drifts must be true or false"),
    ({"likeness": 0.6}, "unknown option.s. likeness; use reroll, likeness_bar, pose_bar, max_rerolls, face_pass"),
])
def test_bad_options_are_refused_naming_the_field(raw, message):
    with pytest.raises(InvalidInput, match=message):
        validated_checks(raw, settings=settings(STUDIO_MAX_REROLLS=3), face_note=None)


def test_with_checks_off_studio_wide_nothing_is_measured_or_re_rolled():
    checks = validated_checks({"max_rerolls": 2}, settings=settings(STUDIO_QUALITY_CHECKS="false",
                                                                    STUDIO_MAX_REROLLS=2), face_note=None)
    assert checks.measure is False and checks.max_rerolls == 2 and checks.rerolls == 0


def test_the_face_pass_defaults_to_the_presets_choice_and_the_creator_can_change_it():
    small_faces = get_preset("standard")  # full-body SDXL shots: faces come out small
    assert default_checks(settings(), small_faces)["face_pass"] is True
    assert default_checks(settings(), "pro")["face_pass"] is True
    assert default_checks(settings(), "tiny")["face_pass"] is False
    assert default_checks(settings(), "no-such-preset")["face_pass"] is False  # refused later, by name
    assert validated_checks(None, settings=settings(), face_note=None, preset=small_faces).face_pass is True
    assert validated_checks({"face_pass": False}, settings=settings(), face_note=None,
                            preset=small_faces).face_pass is False


def test_a_batch_stored_before_checks_existed_measures_and_re_rolls_nothing():
    old = BatchChecks.from_json({})
    assert (old.measure, old.rerolls, old.face_pass) == (False, 0, False)
    assert (old.likeness_bar, old.pose_bar) == (LIKENESS_BAR, POSE_BAR)


@pytest.mark.parametrize("limit, message", [("6", "less than or equal to 5"), ("-1", "greater than or equal to 0"),
                                            ("two", "valid integer")])
def test_a_re_roll_limit_outside_0_to_5_stops_the_start_naming_the_variable(limit, message):
    from studio.settings import SettingsError

    with pytest.raises(SettingsError, match=f"STUDIO_MAX_REROLLS: .*{message}"):
        settings(STUDIO_MAX_REROLLS=limit)


# --- the summary and the order of results -----------------------------------------------


def scored(likeness, pose, *, position=0, note="", pose_note="", attempts=1, status="completed"):
    """A finished item as the worker leaves it: the kept picture's scores, notes and attempts."""
    return GenerationItem(
        generation_id=0, resume_key=f"k{position}", seed=100 + position, position=position, status=status,
        pose_name=f"pose {position}", likeness=likeness, pose_match=pose,
        quality={"likeness": {"likeness": likeness, "distance": None if likeness is None else
                              round((1 - likeness) * 1.5, 4), "same_person": None, "note": note},
                 "pose": {"pose_match": pose, "note": pose_note},
                 "attempts": [{"seed": 100 + position + 1000 * n, "likeness": likeness, "pose_match": pose,
                               "kept": n == attempts - 1} for n in range(attempts)]})


SCORES = [(0.82, 0.9), (0.41, 0.95), (None, 0.3), (0.7, None)]


def test_the_summary_gives_mean_worst_and_how_many_are_below_each_bar():
    items = [scored(lk, ps, position=n, note=NOT_VISIBLE if lk is None else "",
                    pose_note=NOBODY if ps is None else "") for n, (lk, ps) in enumerate(SCORES)]
    summary = summarise(items, BatchChecks.from_json({"likeness_bar": 0.6, "pose_bar": 0.5}))
    assert summary.measured == 4
    assert summary.likeness_mean == pytest.approx((0.82 + 0.41 + 0.7) / 3) and summary.likeness_worst == 0.41
    assert summary.pose_mean == pytest.approx((0.9 + 0.95 + 0.3) / 3) and summary.pose_worst == 0.3
    # No face visible and nobody seen are below the bar: neither is what the creator asked for.
    assert (summary.likeness_below, summary.pose_below) == (2, 2)


def test_an_avatar_without_a_likeness_counts_nothing_below_the_likeness_bar():
    items = [scored(None, 0.9, note="not measured")]
    summary = summarise(items, BatchChecks.from_json({"likeness_off": "likeness is not measured: no face found"}))
    assert summary.likeness_below == 0 and summary.likeness_mean is None
    assert summary.likeness_off == "likeness is not measured: no face found"
    assert summarise([], BatchChecks.from_json({})) is None  # nothing measured yet: no summary line


def finished_batch(studio, user_id, scores, checks):
    """A batch whose items finished with ``scores`` (likeness, pose) and the given check options."""
    avatar = make_avatar(studio, user_id)
    with studio.db.session() as session:
        g = Generation(user_id=user_id, avatar_id=avatar, preset_key="tiny", submission_key=uuid.uuid4().hex,
                       status="completed", total_items=len(scores), done_items=len(scores), checks=checks,
                       pictures_made=len(scores) + 2)
        session.add(g)
        session.flush()
        for n, (lk, ps) in enumerate(scores):
            item = scored(lk, ps, position=n, note=NOT_VISIBLE if lk is None else "",
                          pose_note=NOBODY if ps is None else "", attempts=3 if n == 1 else 1)
            item.generation_id = g.id
            item.image_path = studio.media.save_png(user_id, "outputs", Image.new("RGB", (64, 96), (n * 60, 90, 9)))
            session.add(item)
        return g.id


def test_results_sort_by_either_score_best_first_with_the_unmeasured_last(studio):
    uid = make_user(studio, "ana", 0)
    g = finished_batch(studio, uid, SCORES, {"likeness_bar": 0.6, "pose_bar": 0.5, "reroll": True})

    def order(**how):
        return [i.position for i in generations.list_items(studio.db, user_id=uid, generation_id=g, **how)]

    assert order() == [0, 1, 2, 3]
    assert order(sort="likeness") == [0, 3, 1, 2]
    assert order(sort="pose") == [1, 0, 2, 3]
    assert order(show="below_likeness") == [1, 2]
    assert order(show="below_pose", sort="likeness") == [3, 2]
    with pytest.raises(InvalidInput, match="sort results by one of made, likeness, pose; got 'size'"):
        order(sort="size")
    with pytest.raises(InvalidInput, match="show one of all, below_likeness, below_pose"):
        order(show="best")
    eve = make_user(studio, "eve", 0)
    with pytest.raises(NotFound):
        generations.list_items(studio.db, user_id=eve, generation_id=g, sort="likeness")


def test_progress_shows_each_results_scores_notes_and_attempts_and_the_summary(studio):
    uid = make_user(studio, "ana", 0)
    g = finished_batch(studio, uid, SCORES, {"likeness_bar": 0.6, "pose_bar": 0.5, "reroll": True})
    shown = generations.progress(studio.db, user_id=uid, generation_id=g)
    by_pose = {i.pose_name: i for i in shown.items}
    assert (by_pose["pose 0"].likeness, by_pose["pose 0"].pose_match, by_pose["pose 0"].attempts) == (0.82, 0.9, 1)
    assert by_pose["pose 1"].attempts == 3
    assert by_pose["pose 2"].likeness is None and by_pose["pose 2"].likeness_note == NOT_VISIBLE
    assert by_pose["pose 3"].pose_match is None and by_pose["pose 3"].pose_note == NOBODY
    assert shown.pictures_made == 6 and shown.checks.likeness_bar == 0.6
    assert (shown.quality.likeness_below, shown.quality.pose_below, shown.quality.likeness_worst) == (2, 2, 0.41)
    assert quality.percent(by_pose["pose 0"].likeness) == "82 %" and quality.percent(None) == "–"


def test_the_zip_manifest_carries_each_images_scores_notes_attempts_and_kept_seed(studio):
    uid = make_user(studio, "ana", 0)
    checks = {"likeness_bar": 0.6, "pose_bar": 0.5, "reroll": True, "max_rerolls": 2}
    g = finished_batch(studio, uid, SCORES, checks)
    with zipfile.ZipFile(exports.generation_zip(studio, user_id=uid, generation_id=g)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["checks"] == checks and manifest["pictures_made"] == 6
    entries = {e["pose"]: e for e in manifest["items"]}
    assert {k: entries["pose 0"][k] for k in ("likeness", "likeness_distance", "pose_match", "likeness_note",
                                              "pose_note", "attempts", "seed")} == \
           {"likeness": 0.82, "likeness_distance": 0.27, "pose_match": 0.9, "likeness_note": "", "pose_note": "",
            "attempts": 1, "seed": 100}
    # Re-rolled twice: the kept picture is the third attempt, with its own seed.
    assert entries["pose 1"]["attempts"] == 3 and entries["pose 1"]["seed"] == 101 + 2000
    assert entries["pose 2"]["likeness"] is None and entries["pose 2"]["likeness_note"] == NOT_VISIBLE
    assert entries["pose 3"]["pose_match"] is None and entries["pose 3"]["pose_note"] == NOBODY
