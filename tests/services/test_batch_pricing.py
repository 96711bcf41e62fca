"""A batch's price follows its work, and what clients send is checked before any charge:
size and steps priced in proportion (estimate = charge = refunds), counts refused rather than
truncated, ids no row can have answered "not found", colours and backdrop paths checked.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image
from sqlmodel import func, select

from pipelines.params import GenerationParams
from studio.db.tables import CreditAccount, Generation, GenerationItem
from studio.enums import ItemStatus
from studio.services import avatars, batch_pricing, credits, exports, generations, my_poses, pose_requests, poses
from studio.services import projects
from studio.services.errors import InsufficientCredits, InvalidInput, NotFound
from studio.services.generations import SubmitRequest
from tests.services.test_generations import assert_books_balance, library_poses, make_avatar, make_user

# The tiny preset's price (15) covers 64x64 at 2 steps; 128x128 at 4 steps is 4 x 2 = 8 times the work.
BIG = {"width": 128, "height": 128, "steps": 4}


def ask(avatar_id, pose_ids, *, params=None, variations=1, background=None, preset="tiny") -> SubmitRequest:
    return SubmitRequest(avatar_id=avatar_id, pose_ids=pose_ids, variations=variations, preset_key=preset,
                         params=params if params is not None else GenerationParams(seed=3),
                         background=background, submission_key=uuid.uuid4().hex)


def nothing_made(studio, uid, balance):
    assert credits.balance(studio.db, user_id=uid) == balance
    with studio.db.session() as session:
        assert session.exec(select(func.count()).select_from(Generation)).one() == 0
        assert session.exec(select(func.count()).select_from(GenerationItem)).one() == 0
    assert_books_balance(studio, uid)


def test_a_larger_size_or_more_steps_costs_in_proportion_and_the_estimate_is_the_charge(studio, ana, monkeypatch):
    uid, avatar_id = ana
    pose_ids = library_poses(studio, 2)
    est = generations.estimate(studio.db, user_id=uid, pose_count=2, variations=1, preset_key="tiny",
                               background=False, params=BIG)
    assert (est.price_per_item, est.total, est.work_factor) == (120, 240, 8.0)
    assert est.message.startswith("128x128, 4 steps: 8x the work of the default (64x64, 2 steps)")
    g = generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids, params=GenerationParams(**BIG)))
    assert (g.price_per_item, g.credits_charged) == (120, est.total)
    assert credits.balance(studio.db, user_id=uid) == 1000 - 240
    # Rounded up to whole credits (72x64 is 1.125x: 16.875 -> 17), never below the catalog price.
    odd = generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="tiny",
                               background=True, params={"width": 72})
    assert (odd.price_per_item, odd.background_per_item, odd.total) == (17, 10, 27)
    less = generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="tiny",
                                background=False, params={"steps": 1, "width": 64})
    assert (less.price_per_item, less.work_factor) == (15, 0.5) and "work" not in less.message
    # The case: fast at 2048x2048 and 100 steps is 178x its 512x768 at 6 steps (online, so
    # the fast preset counts as runnable: its models download on first use).
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    huge = generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="fast",
                                background=False, params={"width": 2048, "height": 2048, "steps": 100})
    assert (huge.price_per_item, huge.affordable) == (2667, False)
    assert "178x the work" in huge.message and "costs 2667 credits but your balance is 760" in huge.message
    with pytest.raises(InsufficientCredits, match="2667"):
        generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids[:1], preset="fast",
                                                            params={"width": 2048, "height": 2048, "steps": 100}))
    assert_books_balance(studio, uid)


def test_the_pro_presets_two_stages_share_one_schedule(studio, ana):
    uid, _ = ana
    # 40 steps split between the base and the refiner is the price's default: factor 1, not 2.
    default = generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="pro",
                                   background=False, params={"steps": 40})
    longer = generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="pro",
                                  background=False, params={"steps": 60})
    assert (default.price_per_item, longer.price_per_item) == (40, 60)


def test_refunds_of_a_larger_batch_give_back_exactly_what_each_item_cost(studio, ana):
    uid, avatar_id = ana
    g = generations.submit(studio, user_id=uid, request=ask(avatar_id, library_poses(studio, 3),
                                                            params=GenerationParams(width=72)))
    assert (g.price_per_item, g.credits_charged) == (17, 51)
    items = generations.list_items(studio.db, user_id=uid, generation_id=g.id)
    with studio.db.session() as session:
        done = session.get(GenerationItem, items[0].id)
        done.status = ItemStatus.completed.value
        session.add(done)
    with studio.db.session() as session:
        settled = batch_pricing.settle(session, g.id, leftover=ItemStatus.failed, reason="test")
        assert (settled.status, settled.credits_refunded) == ("partial", 34)
    assert credits.balance(studio.db, user_id=uid) == 1000 - 17
    assert_books_balance(studio, uid)


def test_the_unlimited_quota_counts_a_larger_image_as_its_work_and_gives_it_back(studio, ana):
    uid, avatar_id = ana
    credits.set_unlimited(studio.db, user_id=uid, active=True, daily_quota=20)
    now = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
    est = generations.estimate(studio.db, user_id=uid, pose_count=3, variations=1, preset_key="tiny",
                               background=False, params=BIG, now=now)
    assert not est.affordable and "needs 24 poses but 20 are left" in est.message
    g = generations.submit(studio, user_id=uid, request=ask(avatar_id, library_poses(studio, 2),
                                                            params=GenerationParams(**BIG)), now=now)
    assert (g.credits_charged, g.quota_charged) == (0, 16)
    generations.cancel(studio, user_id=uid, generation_id=g.id)
    with studio.db.session() as session:
        assert session.get(CreditAccount, uid).quota_used == 0


def test_counts_and_ids_that_are_not_whole_numbers_are_refused_at_no_cost(studio, ana):
    uid, avatar_id = ana
    pose_ids = library_poses(studio, 2)
    with pytest.raises(InvalidInput, match=r"variations 2\.5 is not allowed: use a whole number from 1 to 10"):
        generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids, variations=2.5))
    with pytest.raises(InvalidInput, match="variations"):
        generations.estimate(studio.db, user_id=uid, pose_count=2, variations=2.5, preset_key="tiny",
                             background=False)
    with pytest.raises(InvalidInput, match="number of poses"):
        generations.estimate(studio.db, user_id=uid, pose_count=1.5, variations=1, preset_key="tiny",
                             background=False)
    for bad_pose in (pose_ids[0] + 0.5, 10**30, -1, True, "1"):
        with pytest.raises(NotFound, match="pose not found"):
            generations.submit(studio, user_id=uid, request=ask(avatar_id, (pose_ids[0], bad_pose)))
    for bad_avatar in (avatar_id + 0.5, 10**30, 2**63, 0, None):
        with pytest.raises(NotFound, match="avatar not found"):
            generations.submit(studio, user_id=uid, request=ask(bad_avatar, pose_ids))
    with pytest.raises(InvalidInput, match="list"):
        generations.submit(studio, user_id=uid, request=ask(avatar_id, 5))
    nothing_made(studio, uid, 1000)


@pytest.mark.parametrize("params, field", [
    ({"colour": 1}, "colour"), ({"steps": "4"}, "steps"), ({"steps": 4.5}, "steps"), ({"width": 100}, "width"),
    ({"width": 4096}, "width"), ({"guidance": float("nan")}, "guidance"), ({"seed": -1}, "seed"),
    ({"prompt": None}, "prompt"), ([1, 2], "JSON object"),
])
def test_bad_parameters_are_refused_at_no_cost_naming_the_field(studio, ana, params, field):
    uid, avatar_id = ana
    with pytest.raises(InvalidInput, match=field):
        generations.submit(studio, user_id=uid, request=ask(avatar_id, library_poses(studio, 1), params=params))
    with pytest.raises(InvalidInput, match=field):
        generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="tiny",
                             background=False, params=params)
    nothing_made(studio, uid, 1000)


def test_a_background_colour_must_be_a_colour(studio, ana):
    uid, avatar_id = ana
    pose_ids = library_poses(studio, 1)
    for bad in ("not-a-colour", "#12345", "rgb(300, 0, 0)", "javascript:alert(1)", 7, ["#fff"]):
        with pytest.raises(InvalidInput, match=r"Background colour: .* use #rrggbb"):
            generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids, background={"colour": bad}))
    nothing_made(studio, uid, 1000)
    for given, stored in (("#FFF", "#ffffff"), ("rgba(255, 0, 0, 1)", "#ff0000"), (" #00aa11", "#00aa11")):
        g = generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids, background={"colour": given}))
        assert g.background == {"colour": stored}


def test_a_backdrop_outside_the_creators_own_folder_is_not_found_and_not_charged(studio, ana):
    uid, avatar_id = ana
    bob = make_user(studio, "bob", 100)
    make_avatar(studio, bob)
    bob_photo = avatars.list_avatars(studio.db, user_id=bob)[0].image_path
    media = studio.media
    mine = media.save_jpeg(uid, "backdrops", Image.fromarray(np.zeros((300, 300, 3), "uint8")))
    my_avatar = avatars.get_avatar(studio.db, user_id=uid, avatar_id=avatar_id).image_path
    name = bob_photo.rsplit("/", 1)[1]
    pose_ids = library_poses(studio, 1)
    for path in (f"u{uid}/backdrops/../../u{bob}/avatars/{name}", f"u{uid}/backdrops/../avatars/{name}",
                 f"u{uid}/backdrops/../{my_avatar.split('/', 1)[1]}", str(media.absolute(bob_photo)),
                 f"u{bob}/backdrops/x.jpg", f"u{uid}/backdrops/missing.jpg", f"u{uid}/backdrops/", "/etc/passwd",
                 f"u{uid}/backdrops/\x00.jpg", 12):
        with pytest.raises(NotFound, match="background picture not found"):
            generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids, background={"image": path}))
    nothing_made(studio, uid, 1000)
    # The creator's own backdrop, by a roundabout path: accepted, stored as its plain path.
    roundabout = mine.replace("/backdrops/", "/backdrops/../backdrops/./")
    g = generations.submit(studio, user_id=uid, request=ask(avatar_id, pose_ids, background={"image": roundabout}))
    assert g.background == {"image": mine} and g.credits_charged == 25


@pytest.mark.parametrize("bad_id", [10**30, 2**63, 2**31, 0, -5, 2.5, True, None, "7", [1]])
def test_an_id_no_row_can_have_reads_as_not_found_everywhere(studio, ana, bad_id):
    uid, _ = ana
    db = studio.db
    for call in (
        lambda: generations.get_generation(db, user_id=uid, generation_id=bad_id),
        lambda: generations.progress(db, user_id=uid, generation_id=bad_id),
        lambda: generations.list_items(db, user_id=uid, generation_id=bad_id),
        lambda: generations.cancel(studio, user_id=uid, generation_id=bad_id),
        lambda: generations.delete_generation(studio, user_id=uid, generation_id=bad_id),
        lambda: generations.get_item(db, user_id=uid, item_id=bad_id),
        lambda: generations.set_item_favourite(db, user_id=uid, item_id=bad_id, favourite=True),
        lambda: generations.rerun_item(studio, user_id=uid, item_id=bad_id, submission_key=uuid.uuid4().hex),
        lambda: exports.generation_zip(studio, user_id=uid, generation_id=bad_id),
        lambda: exports.reexport_item(studio, user_id=uid, item_id=bad_id, format_key="original"),
        lambda: avatars.get_avatar(db, user_id=uid, avatar_id=bad_id),
        lambda: avatars.delete_avatar(studio, user_id=uid, avatar_id=bad_id),
        lambda: projects.get_project(db, user_id=uid, project_id=bad_id),
        lambda: poses.get_pose(db, user_id=uid, pose_id=bad_id),
        lambda: poses.toggle_favourite(db, user_id=uid, pose_id=bad_id),
        lambda: poses.poses_for_batch(db, user_id=uid, pose_ids=[bad_id]),
        lambda: my_poses.delete_pose(db, user_id=uid, pose_id=bad_id),
        lambda: my_poses.duplicate_from_library(db, user_id=uid, pose_id=bad_id),
        lambda: pose_requests.get_request(db, user_id=uid, request_id=bad_id),
        lambda: pose_requests.vote(studio, user_id=uid, request_id=bad_id),
    ):
        with pytest.raises(NotFound):
            call()
    assert poses.preview_files(studio, user_id=uid, pose_ids=[bad_id]) == {}


def test_a_preset_whose_models_are_not_here_is_refused_before_any_charge(studio, ana, tmp_path, monkeypatch):
    """Offline and without the fast preset's models, a fast batch used to be charged, fail after
    the model load and be refunded; now it is refused at submit, naming the preset and what it needs."""
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    uid, avatar_id = ana
    balance = credits.balance(studio.db, user_id=uid)
    with pytest.raises(InvalidInput, match=r"Quality: Fast cannot run on this studio now: .*HF_HUB_OFFLINE"):
        generations.submit(studio, user_id=uid, request=ask(avatar_id, library_poses(studio, 1), preset="fast"))
    nothing_made(studio, uid, balance)
    # The tiny preset is built here: it runs.
    generations.submit(studio, user_id=uid, request=ask(avatar_id, library_poses(studio, 1)))
