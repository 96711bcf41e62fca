"""Every picture checked on the worker: likeness and pose match stored with it, drifts re-rolled
free with the next seeds, the best kept, the ledger balanced to the item."""

from __future__ import annotations

import json
import uuid

import pytest
from PIL import Image

from pipelines.likeness import NOT_VISIBLE
from pipelines.params import GenerationParams, reroll_seed
from studio.db.tables import Avatar, AvatarProject
from studio.jobs import worker
from studio.services import generations
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
