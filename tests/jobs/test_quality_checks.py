"""Every picture checked on the worker: likeness and pose match stored with it, drifts re-rolled
free with the next seeds, the best kept, the ledger balanced to the item."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest
from PIL import Image

from pipelines.likeness import NOT_VISIBLE
from pipelines.params import GenerationParams, reroll_seed
from studio.db.tables import Avatar, AvatarProject
from studio.jobs import worker
from studio.services import exports, generations
from studio.services.errors import InvalidInput
from tests import photos
from tests.conftest import make_studio
from tests.jobs.conftest import Batches


@pytest.fixture
def reroll_studio(shared_root, db_url):
    s = make_studio(shared_root, db_url, STUDIO_BATCH_SIZE=2, STUDIO_MAX_REROLLS=2)
    yield s
    s.db.dispose()


def photo_avatar(studio, user_id: int) -> int:
    """An avatar of the astronaut, made before likeness existed: no descriptor stored yet."""
    path = studio.media.save_png(user_id, "avatars", photos.astronaut())
    with studio.db.session() as session:
        project = AvatarProject(user_id=user_id, name="p")
        session.add(project)
        session.flush()
        avatar = Avatar(user_id=user_id, project_id=project.id, name="Her", source="uploaded", image_path=path)
        session.add(avatar)
        session.flush()
        return avatar.id


def submit(studio, user_id, avatar_id, pose_ids, checks=None):
    return generations.submit(studio, user_id=user_id, request=generations.SubmitRequest(
        avatar_id=avatar_id, pose_ids=tuple(pose_ids), variations=1, preset_key="tiny",
        params=GenerationParams(prompt="a portrait", seed=11), checks=checks, submission_key=uuid.uuid4().hex))


def test_a_bar_no_picture_passes_makes_three_pictures_per_image_keeps_one_and_charges_for_one(reroll_studio):
    batches = Batches(reroll_studio)
    uid = batches.user(balance=1000)
    avatar = photo_avatar(reroll_studio, uid)
    g = submit(reroll_studio, uid, avatar, batches.poses(3), checks={"pose_bar": 1.0, "max_rerolls": 2})
    assert worker.process_generation(reroll_studio, g.id) == "completed"

    g = batches.generation(g.id)
    assert (g.pictures_made, g.done_items, g.total_items) == (9, 3, 3)
    assert g.credits_charged == 3 * g.price_per_item and g.credits_refunded == 0
    batches.assert_money_right(uid, g.id, 1000)
    for item in batches.items(g.id):
        attempts = item.quality["attempts"]
        assert [a["seed"] for a in attempts] == [item.seed, reroll_seed(item.seed, 1), reroll_seed(item.seed, 2)]
        assert [a["kept"] for a in attempts].count(True) == 1
        kept = next(a for a in attempts if a["kept"])
        # Tiny pictures are noise: no face in them, and the pose is not followed.
        assert item.likeness is None and item.quality["likeness"]["note"] == NOT_VISIBLE
        assert item.pose_match == kept["pose_match"] is not None and item.pose_match < 1.0
        with Image.open(reroll_studio.media.absolute(item.image_path)) as png:
            meta = json.loads(png.text["parameters"])
        assert (meta["seed"], meta["attempts"], meta["pose_match"], meta["likeness"]) == \
               (kept["seed"], 3, item.pose_match, None)
        assert meta["likeness_note"] == NOT_VISIBLE

    # The avatar's face was described once, on its first batch, and kept.
    with reroll_studio.db.session() as session:
        assert len(session.get(Avatar, avatar).face_descriptor) == 128

    shown = generations.progress(reroll_studio.db, user_id=uid, generation_id=g.id)
    assert shown.pictures_made == 9 and all(i.attempts == 3 for i in shown.items)
    assert shown.quality.pose_below == 3 and shown.quality.likeness_below == 3

    # The ZIP's manifest carries the same scores and the kept picture's seed.
    with zipfile.ZipFile(exports.generation_zip(reroll_studio, user_id=uid, generation_id=g.id)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    by_item = {i.id: i for i in batches.items(g.id)}
    assert sorted(e["pose_match"] for e in manifest["items"]) == sorted(i.pose_match for i in by_item.values())
    assert all(e["attempts"] == 3 and e["likeness"] is None and e["likeness_note"] == NOT_VISIBLE
               for e in manifest["items"])
    assert sorted(e["seed"] for e in manifest["items"]) == sorted(
        next(a["seed"] for a in i.quality["attempts"] if a["kept"]) for i in by_item.values())


def test_with_re_roll_off_each_image_is_one_picture_and_still_measured(reroll_studio):
    batches = Batches(reroll_studio)
    uid = batches.user()
    g = submit(reroll_studio, uid, photo_avatar(reroll_studio, uid), batches.poses(3),
               checks={"pose_bar": 1.0, "reroll": False})
    assert worker.process_generation(reroll_studio, g.id) == "completed"
    assert batches.generation(g.id).pictures_made == 3
    items = batches.items(g.id)
    assert all(len(i.quality["attempts"]) == 1 and i.pose_match is not None for i in items)


def test_an_avatar_without_a_face_re_rolls_by_pose_only_and_says_why(reroll_studio):
    batches = Batches(reroll_studio)
    uid = batches.user()
    noise = batches.avatar(uid)  # random pixels: no face to describe
    g = submit(reroll_studio, uid, noise, batches.poses(1), checks={"pose_bar": 0.0, "max_rerolls": 2})
    assert worker.process_generation(reroll_studio, g.id) == "completed"
    # The likeness bar cannot be met (no likeness at all), yet nothing was re-rolled for it.
    assert batches.generation(g.id).pictures_made == 1
    item = batches.items(g.id)[0]
    assert item.likeness is None and item.quality["likeness"]["note"] == "not measured"
    with reroll_studio.db.session() as session:
        assert session.get(Avatar, noise).face_note.startswith("no face found")


@pytest.mark.parametrize("checks, message", [
    ({"likeness_bar": 1.5}, "likeness bar must be between 0 and 100 %; got 150 %"),
    ({"pose_bar": -0.1}, "pose bar must be between 0 and 100 %"),
    ({"max_rerolls": 3}, "re-rolls per image: at most 2"),
    ({"max_rerolls": 1.5}, "re-rolls per image"),
    ({"reroll": "yes"}, "re-roll drifts must be true or false"),
    ({"bars": 1}, "unknown option"),
    ("on", "quality checks must be an object"),
])
def test_bad_check_options_are_refused_before_any_charge(reroll_studio, checks, message):
    from studio.services import credits

    batches = Batches(reroll_studio)
    uid = batches.user(balance=500)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace("+", r"\+")):
        submit(reroll_studio, uid, batches.avatar(uid), batches.poses(1), checks=checks)
    assert credits.balance(reroll_studio.db, user_id=uid) == 500


def test_a_picture_with_no_visible_face_is_below_any_likeness_bar_and_is_re_rolled(reroll_studio, monkeypatch):
    batches = Batches(reroll_studio)
    uid = batches.user()
    steps = []
    real_progress = worker.Heartbeat.progress
    monkeypatch.setattr(worker.Heartbeat, "progress",
                        lambda self, step, total, preview=None: (steps.append((step, total)),
                                                                 real_progress(self, step, total, preview)))
    # Both bars at 0 %: every measured score passes them; only a missing face (None) can drift.
    g = submit(reroll_studio, uid, photo_avatar(reroll_studio, uid), batches.poses(1),
               checks={"likeness_bar": 0.0, "pose_bar": 0.0, "max_rerolls": 2})
    assert worker.process_generation(reroll_studio, g.id) == "completed"
    g = batches.generation(g.id)
    assert (g.pictures_made, g.done_items, g.total_items) == (3, 1, 1)
    item = batches.items(g.id)[0]
    assert [a["likeness"] for a in item.quality["attempts"]] == [None, None, None]
    assert item.quality["attempts"][0]["kept"]  # of equals, the first
    # The heartbeat showed each re-roll's own steps, not only the first picture's.
    total = steps[0][1]
    assert steps == [(step, total) for step in range(1, total + 1)] * 3


def test_a_missing_face_drifts_but_a_check_that_could_not_run_does_not():
    from pipelines.likeness import FaceDescriptor, Likeness
    from pipelines.pose_match import PoseMatch
    from studio.jobs.checks import NOT_MEASURED, Attempt, PictureChecks
    from studio.services.quality import BatchChecks

    checks = PictureChecks(BatchChecks(measure=True, reroll=True, likeness_bar=0.6, pose_bar=0.5, max_rerolls=2),
                           FaceDescriptor((0.0,) * 128), "")
    ok_pose = PoseMatch(0.9)
    assert checks.drifted(Attempt(None, Likeness(None, None, NOT_VISIBLE), ok_pose))
    assert not checks.drifted(Attempt(None, Likeness(None, None, f"{NOT_MEASURED}: the likeness check failed"),
                                      ok_pose))
    assert not checks.drifted(Attempt(None, Likeness(0.7, 0.45), ok_pose))
    assert checks.drifted(Attempt(None, Likeness(0.7, 0.45), PoseMatch(0.0, "nobody seen in the picture")))
    assert not checks.drifted(Attempt(None, Likeness(0.7, 0.45), PoseMatch(None, NOT_MEASURED)))
    # Best: passing both bars beats a higher likeness that drifts by pose.
    passing = Attempt(None, Likeness(0.61, 0.58), ok_pose)
    drifting = Attempt(None, Likeness(0.95, 0.07), PoseMatch(0.1))
    assert max([drifting, passing], key=checks.rank) is passing


def test_the_face_pass_runs_on_every_attempt_and_is_not_counted_as_a_picture(reroll_studio, monkeypatch):
    import pipelines.face_pass

    batches = Batches(reroll_studio)
    uid = batches.user()
    passes = []
    real_pass = pipelines.face_pass.face_pass
    monkeypatch.setattr(pipelines.face_pass, "face_pass",
                        lambda *a, **k: passes.append(k["seed"]) or real_pass(*a, **k))
    g = submit(reroll_studio, uid, photo_avatar(reroll_studio, uid), batches.poses(2),
               checks={"pose_bar": 1.0, "max_rerolls": 2, "face_pass": True})
    assert worker.process_generation(reroll_studio, g.id) == "completed"
    g = batches.generation(g.id)
    assert g.pictures_made == 6 and g.credits_charged == 2 * g.price_per_item
    items = batches.items(g.id)
    assert sorted(passes) == sorted(a["seed"] for i in items for a in i.quality["attempts"])
    for item in items:
        # Tiny pictures are noise: the pass finds no face, says so, and leaves the picture as it was.
        assert item.quality["face_pass"] == {"applied": False, "note": "no face to redraw"}
        with Image.open(reroll_studio.media.absolute(item.image_path)) as png:
            assert json.loads(png.text["parameters"])["face_pass"]["note"] == "no face to redraw"


def test_with_the_studio_measuring_nothing_the_face_pass_still_runs_and_nothing_is_re_rolled(shared_root, db_url):
    studio = make_studio(shared_root, db_url, STUDIO_BATCH_SIZE=2, STUDIO_MAX_REROLLS=2, STUDIO_QUALITY_CHECKS=False)
    try:
        batches = Batches(studio)
        uid = batches.user()
        g = submit(studio, uid, photo_avatar(studio, uid), batches.poses(2),
                   checks={"pose_bar": 1.0, "max_rerolls": 2, "face_pass": True})
        assert worker.process_generation(studio, g.id) == "completed"
        assert batches.generation(g.id).pictures_made == 2
        for item in batches.items(g.id):
            assert (item.likeness, item.pose_match, item.quality) == (None, None, {})
            with Image.open(studio.media.absolute(item.image_path)) as png:
                meta = json.loads(png.text["parameters"])
            assert meta["face_pass"]["note"] == "no face to redraw" and "pose_match" not in meta
    finally:
        studio.db.dispose()


def measuring_then(monkeypatch, after):
    """PictureChecks.measure that calls ``after(n)`` once the n-th picture is measured."""
    from studio.jobs.checks import PictureChecks

    real_measure = PictureChecks.measure
    measured = []

    def measure(self, *args, **kwargs):
        attempt = real_measure(self, *args, **kwargs)
        measured.append(attempt)
        after(len(measured))
        return attempt
    monkeypatch.setattr(PictureChecks, "measure", measure)
    return measured


def test_a_stop_between_attempts_keeps_the_best_so_far_and_the_batch_resumes_with_the_rest(reroll_studio,
                                                                                            monkeypatch):
    from tests.jobs.conftest import RecordingQueue

    reroll_studio.queue = RecordingQueue()
    batches = Batches(reroll_studio)
    uid = batches.user()
    g = submit(reroll_studio, uid, photo_avatar(reroll_studio, uid), batches.poses(3),
               checks={"pose_bar": 1.0, "max_rerolls": 2})
    measuring_then(monkeypatch, lambda n: worker.STOP.set())  # SIGTERM as the first picture is measured
    try:
        assert worker.process_generation(reroll_studio, g.id) == "queued"
    finally:
        worker.STOP.clear()
    # The first chunk's two pictures exist: each is kept, without its re-rolls.
    done = [i for i in batches.items(g.id) if i.status == "completed"]
    assert len(done) == 2 and all(len(i.quality["attempts"]) == 1 and i.image_path for i in done)
    assert batches.generation(g.id).pictures_made == 2

    monkeypatch.undo()
    assert worker.process_generation(reroll_studio, g.id) == "completed"
    g = batches.generation(g.id)
    assert (g.pictures_made, g.done_items) == (5, 3)
    assert sorted(len(i.quality["attempts"]) for i in batches.items(g.id)) == [1, 1, 3]
    assert g.credits_charged == 3 * g.price_per_item
    batches.assert_money_right(uid, g.id, 1000)


def test_a_cancel_mid_re_roll_keeps_the_best_attempt_so_far_and_refunds_only_the_image_not_made(reroll_studio,
                                                                                                 monkeypatch):
    batches = Batches(reroll_studio)
    uid = batches.user()
    g = submit(reroll_studio, uid, photo_avatar(reroll_studio, uid), batches.poses(3),
               checks={"pose_bar": 1.0, "max_rerolls": 2})
    beats = []

    class Seen(worker.Heartbeat):
        def __enter__(self):
            beats.append(self)
            return super().__enter__()
    monkeypatch.setattr(worker, "Heartbeat", Seen)

    def cancel_at_the_first_re_roll(n):
        if n == 2:  # the first picture's first re-roll is measured
            generations.cancel(reroll_studio, user_id=uid, generation_id=g.id)
            beats[0].beat()  # the worker reads the flag now, not at its next beat
    measuring_then(monkeypatch, cancel_at_the_first_re_roll)
    assert worker.process_generation(reroll_studio, g.id) == "cancelled"

    g = batches.generation(g.id)
    items = batches.items(g.id)
    assert [i.status for i in items] == ["completed", "completed", "cancelled"]
    first, second, _ = items
    assert len(first.quality["attempts"]) == 2 and [a["kept"] for a in first.quality["attempts"]].count(True) == 1
    kept = next(a for a in first.quality["attempts"] if a["kept"])
    assert first.pose_match == kept["pose_match"]
    assert len(second.quality["attempts"]) == 1  # already made in the same chunk: kept, not re-rolled
    assert (g.pictures_made, g.done_items, g.cancelled_items) == (3, 2, 1)
    assert g.credits_charged - g.credits_refunded == 2 * g.price_per_item
    batches.assert_money_right(uid, g.id, 1000)


def test_a_check_that_fails_on_a_picture_is_a_not_measured_note_never_a_failed_image(reroll_studio, monkeypatch,
                                                                                    caplog):
    import pipelines.pose_match

    def broken(*args, **kwargs):
        raise RuntimeError("the pose model crashed")
    monkeypatch.setattr(pipelines.pose_match, "pose_match_of", broken)
    batches = Batches(reroll_studio)
    uid = batches.user()
    # A noise avatar: no likeness either, so nothing is left that could call a picture a drift.
    g = submit(reroll_studio, uid, batches.avatar(uid), batches.poses(2), checks={"pose_bar": 1.0, "max_rerolls": 2})
    with caplog.at_level("WARNING", logger="studio.jobs.checks"):
        assert worker.process_generation(reroll_studio, g.id) == "completed"
    g = batches.generation(g.id)
    assert (g.pictures_made, g.done_items, g.failed_items) == (2, 2, 0)
    for item in batches.items(g.id):
        assert item.pose_match is None
        assert item.quality["pose"]["note"] == "not measured: the pose match check failed (RuntimeError)"
    assert len([r for r in caplog.records if "pose match" in r.getMessage()]) == 1  # once a batch


def test_the_face_pass_keeps_the_redraw_unless_the_original_looks_more_like_the_avatar():
    from pipelines.face_pass import FacePassResult
    from pipelines.generation import PoseResult
    from pipelines.keypoints import Keypoints
    from pipelines.likeness import describe_face
    from studio.jobs.checks import PictureChecks
    from studio.services.quality import BatchChecks
    from tests.jobs.conftest import STANDING

    her, stranger = photos.astronaut(), photos.grace_hopper()
    options = BatchChecks(measure=True, reroll=True, likeness_bar=0.6, pose_bar=0.0, max_rerolls=0, face_pass=True)
    pose = Keypoints.from_json({"aspect": 1.0, "body": STANDING})

    def checks_redrawing_to(picture):  # the engine's redraw stood in by a real photo
        return PictureChecks(options, describe_face(her), "",
                             face_pass=lambda result: FacePassResult(picture, True, "", (0, 0, 8, 8)))

    made_of_stranger = PoseResult("1", 5, stranger, None, {}, 1.0)
    better = checks_redrawing_to(her).check(made_of_stranger, pose, reroll=lambda n: None)
    assert better.image is her and better.kept.likeness.score > 0.6
    record = better.quality()["face_pass"]
    assert record["applied"] and record["kept"] and record["likeness_before"] < 0.6 < record["likeness_after"]

    made_of_her = PoseResult("1", 5, her, None, {}, 1.0)
    worse = checks_redrawing_to(stranger).check(made_of_her, pose, reroll=lambda n: None)
    assert worse.image is her and worse.kept.likeness.score > 0.6
    assert worse.quality()["face_pass"]["kept"] is False
