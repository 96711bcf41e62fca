"""Pose requests: private to their requester, open ones votable once by others, answered by admins."""

from __future__ import annotations

import threading

import pytest
from PIL import Image
from sqlmodel import select

from studio.db.tables import Pose, PoseCategory, PoseRequestVote
from studio.services import pose_requests as requests_
from studio.services import users
from studio.services.errors import Forbidden, InvalidInput, NotFound

KEYPOINTS = {"aspect": 0.75, "body": [[0.5, 0.1 + i * 0.04, 1] for i in range(18)]}


@pytest.fixture
def people(studio):
    with studio.db.session() as s:
        s.add(PoseCategory(slug="t-req", name="Requests"))
    ana = users.get_or_create(studio.db, name="ana")
    ben = users.get_or_create(studio.db, name="ben")
    admin = users.get_or_create(studio.db, name="boss", is_admin=True)
    return studio, ana, ben, admin


def test_request_with_reference_picture_is_private_to_its_requester(people, tmp_path):
    studio, ana, ben, _ = people
    photo = tmp_path / "ref.png"
    Image.new("RGB", (300, 400), (120, 90, 60)).save(photo)
    mine = requests_.create_request(studio, user_id=ana.id, name="  Sitting on   stairs ",
                                    description="looking back over the shoulder", category_slug="t-req",
                                    reference_image_path=str(photo))
    assert mine.name == "Sitting on stairs" and mine.status == "open" and mine.category == "t-req"
    stored = studio.settings.media_dir / mine.reference_image_path
    assert mine.reference_image_path.startswith(f"u{ana.id}/pose-requests/") and stored.exists()
    assert [r.id for r in requests_.list_my_requests(studio.db, user_id=ana.id)] == [mine.id]
    assert requests_.list_my_requests(studio.db, user_id=ben.id) == []
    with pytest.raises(NotFound):
        requests_.get_request(studio.db, user_id=ben.id, request_id=mine.id)
    with pytest.raises(NotFound):
        requests_.delete_request(studio, user_id=ben.id, request_id=mine.id)
    # Others see it for voting, without who asked or the reference picture.
    [public] = [r for r in requests_.list_open_requests(studio.db, user_id=ben.id) if r.id == mine.id]
    assert public.name == "Sitting on stairs" and not public.is_mine and not public.voted
    assert not hasattr(public, "reference_image_path") and not hasattr(public, "requester")
    requests_.delete_request(studio, user_id=ana.id, request_id=mine.id)
    assert not stored.exists() and requests_.list_my_requests(studio.db, user_id=ana.id) == []


def test_reference_picture_is_checked_like_an_upload(people, tmp_path):
    studio, ana, _, _ = people
    gif = tmp_path / "ref.gif"
    Image.new("RGB", (300, 300)).save(gif)
    with pytest.raises(InvalidInput, match="GIF"):
        requests_.create_request(studio, user_id=ana.id, name="X", description="", reference_image_path=gif)
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(InvalidInput, match="MB"):
        requests_.create_request(studio, user_id=ana.id, name="X", description="", reference_image_path=big)
    with pytest.raises(InvalidInput, match="name the pose"):
        requests_.create_request(studio, user_id=ana.id, name=" ", description="")
    with pytest.raises(InvalidInput, match="unknown pose category"):
        requests_.create_request(studio, user_id=ana.id, name="X", description="", category_slug="nope")
    assert requests_.list_my_requests(studio.db, user_id=ana.id) == []


def test_votes_once_per_user_never_your_own(people):
    studio, ana, ben, admin = people
    req = requests_.create_request(studio, user_id=ana.id, name="Handstand", description="")
    with pytest.raises(InvalidInput, match="your own"):
        requests_.vote(studio, user_id=ana.id, request_id=req.id)
    assert requests_.vote(studio, user_id=ben.id, request_id=req.id) == 1
    assert requests_.vote(studio, user_id=ben.id, request_id=req.id) == 1  # a second vote changes nothing
    assert requests_.vote(studio, user_id=admin.id, request_id=req.id) == 2
    [seen] = [r for r in requests_.list_open_requests(studio.db, user_id=ben.id) if r.id == req.id]
    assert seen.voted and seen.votes == 2
    assert requests_.unvote(studio.db, user_id=ben.id, request_id=req.id) == 1
    assert requests_.unvote(studio.db, user_id=ben.id, request_id=req.id) == 1
    with pytest.raises(NotFound):
        requests_.vote(studio, user_id=ben.id, request_id=10**9)


def test_concurrent_votes_count_once_each(people):
    studio, ana, _, _ = people
    req = requests_.create_request(studio, user_id=ana.id, name="Cartwheel", description="")
    voters = [users.get_or_create(studio.db, name=f"voter{i}") for i in range(3)]
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def go(uid):
        try:
            barrier.wait()
            requests_.vote(studio, user_id=uid, request_id=req.id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(v.id,)) for v in voters for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with studio.db.session() as s:
        rows = s.exec(select(PoseRequestVote).where(PoseRequestVote.request_id == req.id)).all()
    assert len(rows) == 3
    assert requests_.get_request(studio.db, user_id=ana.id, request_id=req.id).votes == 3


def test_only_admins_answer(people):
    studio, ana, ben, admin = people
    req = requests_.create_request(studio, user_id=ana.id, name="Lotus", description="yoga")
    for action in (lambda uid: requests_.approve(studio.db, admin_id=uid, request_id=req.id),
                   lambda uid: requests_.reject(studio.db, admin_id=uid, request_id=req.id, note="no"),
                   lambda uid: requests_.complete(studio.db, admin_id=uid, request_id=req.id, pose_id=1),
                   lambda uid: requests_.list_all_requests(studio.db, admin_id=uid)):
        for uid in (ana.id, ben.id):
            with pytest.raises(Forbidden):
                action(uid)
    everything = requests_.list_all_requests(studio.db, admin_id=admin.id, status="open")
    assert [(r.id, r.requester) for r in everything if r.id == req.id] == [(req.id, "ana")]

    approved = requests_.approve(studio.db, admin_id=admin.id, request_id=req.id, note="on it")
    assert approved.status == "approved" and approved.admin_note == "on it"
    # Answered: off the voting list, closed to votes, invisible to others, still the requester's.
    assert req.id not in [r.id for r in requests_.list_open_requests(studio.db, user_id=ben.id)]
    with pytest.raises(NotFound):
        requests_.vote(studio, user_id=ben.id, request_id=req.id)
    with pytest.raises(InvalidInput, match="already approved"):
        requests_.approve(studio.db, admin_id=admin.id, request_id=req.id)

    with studio.db.session() as s:
        private = Pose(slug="t-private", name="Private", keypoints=KEYPOINTS, owner_id=ben.id, source="user")
        library = Pose(slug="t-lotus", name="Lotus", keypoints=KEYPOINTS)
        s.add(private)
        s.add(library)
    with pytest.raises(InvalidInput, match="library pose"):
        requests_.complete(studio.db, admin_id=admin.id, request_id=req.id, pose_id=private.id)
    done = requests_.complete(studio.db, admin_id=admin.id, request_id=req.id, pose_id=library.id)
    assert done.status == "completed" and done.answered_pose_id == library.id
    mine = requests_.get_request(studio.db, user_id=ana.id, request_id=req.id)
    assert mine.status == "completed" and mine.answered_pose_id == library.id and mine.admin_note == "on it"
    with pytest.raises(InvalidInput, match="already completed"):
        requests_.reject(studio.db, admin_id=admin.id, request_id=req.id)


def test_rejected_request_stays_with_its_requester(people):
    studio, ana, ben, admin = people
    req = requests_.create_request(studio, user_id=ana.id, name="Floating", description="")
    requests_.reject(studio.db, admin_id=admin.id, request_id=req.id, note="not possible as a pose")
    assert requests_.get_request(studio.db, user_id=ana.id, request_id=req.id).admin_note == "not possible as a pose"
    with pytest.raises(NotFound):
        requests_.get_request(studio.db, user_id=ben.id, request_id=req.id)
    with pytest.raises(NotFound):
        requests_.unvote(studio.db, user_id=ben.id, request_id=req.id)
