"""Generations without images: pricing, submit and charge, limits, cancel of a queued batch,
user isolation, the unlimited quota. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image
from sqlmodel import func, select

from pipelines.params import GenerationParams
from studio.db.tables import Avatar, AvatarProject, CreditLedger, Generation, Pose
from studio.enums import GenerationStatus, ItemStatus
from studio.services import credits, generations, stats, users
from studio.services.errors import InsufficientCredits, InvalidInput, NotFound, QuotaExceeded
from studio.services.generations import SubmitRequest


def make_user(studio, name: str, balance: int) -> int:
    user = users.get_or_create(studio.db, name=name, starter_credits=balance)
    return user.id


def make_avatar(studio, user_id: int) -> int:
    media = studio.media
    rng = np.random.RandomState(user_id)
    path = media.save_png(user_id, "avatars", Image.fromarray((rng.rand(96, 96, 3) * 255).astype("uint8")))
    with studio.db.session() as session:
        project = AvatarProject(user_id=user_id, name="p")
        session.add(project)
        session.flush()
        avatar = Avatar(user_id=user_id, project_id=project.id, name="Ana", source="uploaded", image_path=path)
        session.add(avatar)
        session.flush()
        return avatar.id


def library_poses(studio, n: int) -> tuple[int, ...]:
    with studio.db.session() as session:
        return tuple(session.exec(select(Pose.id).where(Pose.owner_id.is_(None)).order_by(Pose.id).limit(n)).all())


def request(avatar_id, pose_ids, *, variations=1, key=None, formats=(), background=None, seed=7) -> SubmitRequest:
    return SubmitRequest(avatar_id=avatar_id, pose_ids=tuple(pose_ids), variations=variations, preset_key="tiny",
                         params=GenerationParams(prompt="a portrait", seed=seed), background=background,
                         export_formats=tuple(formats), submission_key=key or uuid.uuid4().hex)


def assert_books_balance(studio, user_id):
    assert credits.balance(studio.db, user_id=user_id) == credits.ledger_sum(studio.db, user_id=user_id)


class RecordingQueue:
    backend = "test"

    def __init__(self, fail: bool = False):
        self.ids: list[int] = []
        self.fail = fail

    def enqueue(self, generation_id):
        if self.fail:
            raise ConnectionError("redis is down")
        self.ids.append(generation_id)

    def health(self):
        return {"ok": True}

    def close(self):
        pass


def test_estimate_prices_items_from_the_catalog(studio, ana):
    uid, _ = ana
    est = generations.estimate(studio.db, user_id=uid, pose_count=3, variations=2, preset_key="tiny", background=False)
    assert (est.items, est.price_per_item, est.total, est.affordable) == (6, 15, 90, True)
    est = generations.estimate(studio.db, user_id=uid, pose_count=3, variations=2, preset_key="tiny", background=True)
    assert (est.background_per_item, est.total) == (10, 150)
    est = generations.estimate(studio.db, user_id=uid, pose_count=50, variations=2, preset_key="tiny", background=False)
    assert not est.affordable and "1500 credits" in est.message and "balance is 1000" in est.message
    with pytest.raises(InvalidInput, match="at least one pose"):
        generations.estimate(studio.db, user_id=uid, pose_count=0, variations=1, preset_key="tiny", background=False)
    with pytest.raises(InvalidInput, match="at most 500"):
        generations.estimate(studio.db, user_id=uid, pose_count=60, variations=10, preset_key="tiny", background=False)
    with pytest.raises(NotFound, match="pose.nope"):
        generations.estimate(studio.db, user_id=uid, pose_count=1, variations=1, preset_key="nope", background=False)


def test_submit_creates_items_charges_once_and_enqueues(studio, ana):
    uid, avatar_id = ana
    poses = library_poses(studio, 3)
    req = request(avatar_id, poses, variations=2, formats=("instagram_feed",), background={"colour": "#ffffff"})
    g = generations.submit(studio, user_id=uid, request=req)
    again = generations.submit(studio, user_id=uid, request=req)
    assert again.id == g.id
    assert studio.queue.ids == [g.id]
    assert (g.status, g.total_items, g.price_per_item, g.credits_charged) == ("queued", 6, 25, 150)
    assert credits.balance(studio.db, user_id=uid) == 850
    assert_books_balance(studio, uid)
    items = generations.list_items(studio.db, user_id=uid, generation_id=g.id)
    assert len({i.resume_key for i in items}) == 6 and len({i.seed for i in items}) == 6
    assert items[0].seed == generations.item_seed(7, 0, 0) and items[1].seed == generations.item_seed(7, 0, 1)
    assert all(i.keypoints and i.pose_name and i.status == ItemStatus.pending for i in items)
    with studio.db.session() as session:
        assert session.get(Pose, poses[0]).use_count == 1
        assert session.get(Avatar, avatar_id).usage_count == 1
    # A failed enqueue keeps the charged batch queued for recovery.
    studio.queue = RecordingQueue(fail=True)
    g2 = generations.submit(studio, user_id=uid, request=request(avatar_id, poses[:1]))
    assert generations.get_generation(studio.db, user_id=uid, generation_id=g2.id).status == "queued"
    assert generations.latest_active(studio.db, user_id=uid).id == g2.id


def test_bad_input_is_refused_before_any_charge(studio, ana):
    uid, avatar_id = ana
    bob = make_user(studio, "bob", 100)
    bob_avatar = make_avatar(studio, bob)
    with studio.db.session() as session:
        bob_pose = Pose(slug="bob-secret", name="secret", keypoints={"body": []}, owner_id=bob, source="user")
        session.add(bob_pose)
        session.flush()
        bob_pose_id = bob_pose.id
    poses = library_poses(studio, 2)
    cases = [
        (NotFound, request(bob_avatar, poses)),
        (NotFound, request(999_999, poses)),
        (NotFound, request(avatar_id, (*poses, bob_pose_id))),
        (NotFound, request(avatar_id, (*poses, 999_999))),
        (InvalidInput, request(avatar_id, ())),
        (InvalidInput, request(avatar_id, poses, variations=11)),
        (InvalidInput, request(avatar_id, library_poses(studio, 60), variations=9)),
        (InvalidInput, request(avatar_id, poses, formats=("instagram_feed", "myspace"))),
        (InvalidInput, request(avatar_id, poses, background={"colour": "red", "prompt": "beach"})),
        (InvalidInput, request(avatar_id, poses, key="short")),
    ]
    for error, req in cases:
        with pytest.raises(error):
            generations.submit(studio, user_id=uid, request=req)
    with pytest.raises(InvalidInput, match="at most 200"):
        generations.submit(studio, user_id=uid, request=request(avatar_id, tuple(range(1, 202))))
    with pytest.raises(InsufficientCredits, match="costs 1500 credits but your balance is 1000.*add 500"):
        generations.submit(studio, user_id=uid, request=request(avatar_id, library_poses(studio, 100)))
    assert credits.balance(studio.db, user_id=uid) == 1000
    with studio.db.session() as session:
        assert session.exec(select(func.count()).select_from(Generation)).one() == 0
    assert_books_balance(studio, uid)


def test_concurrent_submits_never_overdraw(studio):
    studio.queue = RecordingQueue()
    uid = make_user(studio, "ana", 15 * 2 * 5)  # pays for exactly 5 batches of 2 images
    avatar_id = make_avatar(studio, uid)
    poses = library_poses(studio, 2)
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(32)

    def one():
        barrier.wait()
        try:
            generations.submit(studio, user_id=uid, request=request(avatar_id, poses))
            result = "ok"
        except InsufficientCredits:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 5 and outcomes.count("refused") == 27
    assert credits.balance(studio.db, user_id=uid) == 0
    assert_books_balance(studio, uid)
    with studio.db.session() as session:
        assert session.exec(select(func.count()).select_from(Generation)).one() == 5


def test_double_click_at_once_makes_one_batch_and_one_charge(studio, ana):
    uid, avatar_id = ana
    req = request(avatar_id, library_poses(studio, 2))
    results = []
    barrier = threading.Barrier(8)

    def one():
        barrier.wait()
        results.append(generations.submit(studio, user_id=uid, request=req).id)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert credits.balance(studio.db, user_id=uid) == 1000 - 30
    assert_books_balance(studio, uid)


def test_cancel_of_a_queued_batch_refunds_every_item_once(studio, ana):
    uid, avatar_id = ana
    g = generations.submit(studio, user_id=uid, request=request(avatar_id, library_poses(studio, 4)))
    assert credits.balance(studio.db, user_id=uid) == 940
    done = generations.cancel(studio, user_id=uid, generation_id=g.id)
    again = generations.cancel(studio, user_id=uid, generation_id=g.id)
    assert done.status == again.status == GenerationStatus.cancelled
    assert (done.cancelled_items, done.credits_refunded) == (4, 60)
    assert credits.balance(studio.db, user_id=uid) == 1000
    assert_books_balance(studio, uid)
    p = generations.progress(studio.db, user_id=uid, generation_id=g.id)
    assert (p.status, p.cancelled, p.left, p.fraction) == ("cancelled", 4, 0, 1.0)
    # Finished: it can be deleted now, and its ledger keeps the charge and the refunds.
    generations.delete_generation(studio, user_id=uid, generation_id=g.id)
    with pytest.raises(NotFound):
        generations.get_generation(studio.db, user_id=uid, generation_id=g.id)
    with studio.db.session() as session:
        kinds = sorted(e.kind for e in session.exec(select(CreditLedger).where(CreditLedger.user_id == uid)))
    assert kinds == ["charge", "grant", "refund", "refund", "refund", "refund"]


def test_running_batch_cannot_be_deleted(studio, ana):
    uid, avatar_id = ana
    g = generations.submit(studio, user_id=uid, request=request(avatar_id, library_poses(studio, 1)))
    with studio.db.session() as session:
        session.execute(sa.update(Generation).where(Generation.id == g.id).values(status="running"))
    with pytest.raises(InvalidInput, match="cancel it first"):
        generations.delete_generation(studio, user_id=uid, generation_id=g.id)
    running = generations.cancel(studio, user_id=uid, generation_id=g.id)
    assert running.status == "running" and running.cancel_requested  # the worker stops it


def test_one_user_cannot_see_or_touch_another_users_batches(studio, ana):
    uid, avatar_id = ana
    g = generations.submit(studio, user_id=uid, request=request(avatar_id, library_poses(studio, 2)))
    item = generations.list_items(studio.db, user_id=uid, generation_id=g.id)[0]
    eve = make_user(studio, "eve", 1000)
    for call in (
        lambda: generations.get_generation(studio.db, user_id=eve, generation_id=g.id),
        lambda: generations.progress(studio.db, user_id=eve, generation_id=g.id),
        lambda: generations.list_items(studio.db, user_id=eve, generation_id=g.id),
        lambda: generations.cancel(studio, user_id=eve, generation_id=g.id),
        lambda: generations.delete_generation(studio, user_id=eve, generation_id=g.id),
        lambda: generations.set_item_favourite(studio.db, user_id=eve, item_id=item.id, favourite=True),
        lambda: generations.get_item(studio.db, user_id=eve, item_id=item.id),
        lambda: generations.rerun_item(studio, user_id=eve, item_id=item.id, submission_key=uuid.uuid4().hex),
    ):
        with pytest.raises(NotFound):
            call()
    from studio.services import exports

    with pytest.raises(NotFound):
        exports.generation_zip(studio, user_id=eve, generation_id=g.id)
    assert generations.list_generations(studio.db, user_id=eve) == []
    assert generations.latest_active(studio.db, user_id=eve) is None
    assert credits.balance(studio.db, user_id=eve) == 1000
    mine = generations.get_generation(studio.db, user_id=uid, generation_id=g.id)
    assert not mine.cancel_requested and mine.status == "queued"
    assert stats.user_stats(studio.db, user_id=eve)["generations"] == 0


def test_rerun_makes_a_one_item_batch_with_the_same_seed_at_catalog_price(studio, ana):
    uid, avatar_id = ana
    g = generations.submit(studio, user_id=uid, request=request(avatar_id, library_poses(studio, 2), variations=3))
    item = generations.list_items(studio.db, user_id=uid, generation_id=g.id)[4]
    key = uuid.uuid4().hex
    rerun = generations.rerun_item(studio, user_id=uid, item_id=item.id, submission_key=key)
    assert generations.rerun_item(studio, user_id=uid, item_id=item.id, submission_key=key).id == rerun.id
    (copy,) = generations.list_items(studio.db, user_id=uid, generation_id=rerun.id)
    assert (copy.seed, copy.keypoints, copy.pose_id) == (item.seed, item.keypoints, item.pose_id)
    assert rerun.params == {**g.params, "variations": 1} and rerun.credits_charged == 15
    assert credits.balance(studio.db, user_id=uid) == 1000 - 90 - 15
    fav = generations.set_item_favourite(studio.db, user_id=uid, item_id=item.id, favourite=True)
    assert fav.favourite


def test_unlimited_quota_pays_poses_and_resets_at_the_utc_day_boundary(studio, ana):
    uid, avatar_id = ana
    credits.set_unlimited(studio.db, user_id=uid, active=True, daily_quota=5)
    evening = datetime(2026, 3, 1, 23, 59, 0, tzinfo=timezone.utc)
    poses = library_poses(studio, 3)
    est = generations.estimate(studio.db, user_id=uid, pose_count=3, variations=1, preset_key="tiny",
                               background=False, now=evening)
    assert (est.total, est.uses_quota, est.quota_left, est.affordable) == (0, True, 5, True)
    g = generations.submit(studio, user_id=uid, request=request(avatar_id, poses), now=evening)
    assert (g.credits_charged, g.quota_charged) == (0, 3)
    # Two left today: a second batch of three is refused, with the quota in the message, and stays refused.
    for moment in (evening, evening + timedelta(seconds=59)):
        with pytest.raises(QuotaExceeded, match="2 are left"):
            generations.submit(studio, user_id=uid, request=request(avatar_id, poses), now=moment)
    # Midnight UTC: the quota starts again (and only then).
    g2 = generations.submit(studio, user_id=uid, request=request(avatar_id, poses), now=evening + timedelta(minutes=1))
    assert g2.quota_charged == 3
    # Backgrounds still cost credits on the unlimited tier.
    g3 = generations.submit(studio, user_id=uid, request=request(avatar_id, poses[:2], background={"colour": "#000"}),
                            now=evening + timedelta(minutes=2))
    assert (g3.price_per_item, g3.credits_charged) == (10, 20)
    assert credits.balance(studio.db, user_id=uid) == 980
    # Cancelling the second-day batch gives its quota back; the first day's is gone with the day.
    generations.cancel(studio, user_id=uid, generation_id=g2.id)
    with studio.db.session() as session:
        from studio.db.tables import CreditAccount

        assert session.get(CreditAccount, uid).quota_used == 2
    assert_books_balance(studio, uid)
