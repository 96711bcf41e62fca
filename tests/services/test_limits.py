"""Free writes have per-creator limits: so many a minute and at most so many kept, counted in
the database (SQLite and PostgreSQL) so every web process enforces the same numbers."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlmodel import func, select

from studio.db.tables import AvatarProject, Pose, PoseCategory, PoseRequest, PoseRequestVote
from studio.db.types import utcnow
from studio.services import generations, limits, my_poses, pose_requests, projects, users
from studio.services.errors import AccountFull, TooManyAtOnce
from tests.conftest import make_studio

STANDING = {"aspect": 0.75, "body": [
    [0.5, 0.12, 1], [0.5, 0.22, 1], [0.4, 0.22, 1], [0.37, 0.37, 1], [0.36, 0.5, 1], [0.6, 0.22, 1],
    [0.63, 0.37, 1], [0.64, 0.5, 1], [0.45, 0.52, 1], [0.45, 0.7, 1], [0.45, 0.88, 1], [0.55, 0.52, 1],
    [0.55, 0.7, 1], [0.55, 0.88, 1], [0.48, 0.1, 1], [0.52, 0.1, 1], [0.46, 0.11, 1], [0.54, 0.11, 1]]}


@pytest.fixture
def limited(tmp_path, db_url):
    """A studio (SQLite, then PostgreSQL) with small limits, and two creators."""
    studio = make_studio(tmp_path, db_url, STUDIO_PROJECTS_PER_MINUTE=3, STUDIO_PROJECTS_MAX=5,
                         STUDIO_POSES_PER_MINUTE=2, STUDIO_POSES_MAX=3, STUDIO_POSE_REQUESTS_PER_MINUTE=2,
                         STUDIO_POSE_REQUESTS_MAX=3, STUDIO_VOTES_PER_MINUTE=2, STUDIO_BACKDROPS_PER_MINUTE=2,
                         STUDIO_BACKDROPS_MAX=3)
    ana = users.get_or_create(studio.db, name="ana").id
    ben = users.get_or_create(studio.db, name="ben").id
    yield studio, ana, ben
    studio.db.dispose()


def count(studio, owner_column, user_id) -> int:
    with studio.db.session() as session:
        return session.exec(select(func.count()).where(owner_column == user_id)).one()


def make_older(studio, table, owner_column, user_id, seconds: float = 61) -> None:
    """As if the creator's rows were made ``seconds`` ago: the minute has passed, without a sleep."""
    with studio.db.session() as session:
        session.execute(sa.update(table).where(owner_column == user_id)
                        .values(created_at=utcnow() - timedelta(seconds=seconds)))


def test_projects_rate_refuses_with_the_wait_and_writes_nothing(limited):
    studio, ana, ben = limited
    for i in range(3):
        projects.create_project(studio, user_id=ana, name=f"p{i}")
    with pytest.raises(TooManyAtOnce, match=r"^You made 3 projects in the last minute; wait (\d+ seconds|a minute) "
                                            r"and try again\.$") as refused:
        projects.create_project(studio, user_id=ana, name="one too many")
    assert 50 <= refused.value.retry_after_s <= 60
    assert count(studio, AvatarProject.user_id, ana) == 3
    # Another creator is not held back by ana.
    projects.create_project(studio, user_id=ben, name="ben's")
    # Once the minute has passed, ana can make projects again.
    make_older(studio, AvatarProject, AvatarProject.user_id, ana)
    projects.create_project(studio, user_id=ana, name="a minute later")
    assert count(studio, AvatarProject.user_id, ana) == 4


def test_the_wait_is_until_the_oldest_counted_project_leaves_the_minute(limited):
    studio, ana, _ = limited
    for i in range(3):
        projects.create_project(studio, user_id=ana, name=f"p{i}")
    with studio.db.session() as session:
        made = sorted(session.exec(select(AvatarProject.created_at).where(AvatarProject.user_id == ana)))
        with pytest.raises(TooManyAtOnce) as refused:
            limits.check(session, limits.PROJECTS, user_id=ana, settings=studio.settings, now=made[0] + timedelta(seconds=45))
        assert refused.value.retry_after_s == 15 and "wait 15 seconds" in str(refused.value)
        limits.check(session, limits.PROJECTS, user_id=ana, settings=studio.settings, now=made[0] + timedelta(seconds=61))


def test_projects_quota_refuses_until_one_is_deleted(limited):
    studio, ana, _ = limited
    made = []
    for i in range(5):
        made.append(projects.create_project(studio, user_id=ana, name=f"p{i}"))
        make_older(studio, AvatarProject, AvatarProject.user_id, ana)
    with pytest.raises(AccountFull, match=r"^You have 5 projects, the most one account can hold; "
                                          r"delete some first\.$"):
        projects.create_project(studio, user_id=ana, name="sixth")
    assert count(studio, AvatarProject.user_id, ana) == 5
    projects.delete_project(studio, user_id=ana, project_id=made[0].id)
    projects.create_project(studio, user_id=ana, name="sixth")
    assert count(studio, AvatarProject.user_id, ana) == 5


def test_projects_made_at_once_stop_exactly_at_the_limit(limited):
    """Eight requests at the same moment (as from several web processes): three get in."""
    studio, ana, _ = limited
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def make(i: int) -> None:
        start.wait()
        try:
            projects.create_project(studio, user_id=ana, name=f"race {i}")
            outcomes.append("made")
        except TooManyAtOnce:
            outcomes.append("refused")

    threads = [threading.Thread(target=make, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["made"] * 3 + ["refused"] * 5
    assert count(studio, AvatarProject.user_id, ana) == 3


def test_my_poses_rate_and_quota(limited):
    studio, ana, _ = limited
    for i in range(2):
        my_poses.create_pose(studio, user_id=ana, name=f"jump {i}", keypoints_json=STANDING)
    with pytest.raises(TooManyAtOnce, match=r"^You saved 2 poses in the last minute; wait"):
        my_poses.create_pose(studio, user_id=ana, name="jump 3", keypoints_json=STANDING)
    assert count(studio, Pose.owner_id, ana) == 2
    make_older(studio, Pose, Pose.owner_id, ana)
    my_poses.create_pose(studio, user_id=ana, name="jump 3", keypoints_json=STANDING)
    make_older(studio, Pose, Pose.owner_id, ana)
    with pytest.raises(AccountFull, match=r"^You have 3 poses of your own, the most one account can hold"):
        my_poses.create_pose(studio, user_id=ana, name="jump 4", keypoints_json=STANDING)
    assert count(studio, Pose.owner_id, ana) == 3


def test_pose_requests_rate_and_quota(limited, tmp_path):
    studio, ana, _ = limited
    photo = tmp_path / "ref.png"
    Image.new("RGB", (300, 400), (120, 90, 60)).save(photo)
    for i in range(2):
        pose_requests.create_request(studio, user_id=ana, name=f"stairs {i}", description="")
    with pytest.raises(TooManyAtOnce, match=r"^You asked for 2 poses in the last minute; wait"):
        pose_requests.create_request(studio, user_id=ana, name="stairs 3", description="",
                                     reference_image_path=str(photo))
    assert count(studio, PoseRequest.user_id, ana) == 2
    assert not (studio.settings.media_dir / f"u{ana}" / pose_requests.MEDIA_KIND).exists()  # no picture kept
    make_older(studio, PoseRequest, PoseRequest.user_id, ana)
    pose_requests.create_request(studio, user_id=ana, name="stairs 3", description="")
    make_older(studio, PoseRequest, PoseRequest.user_id, ana)
    with pytest.raises(AccountFull, match=r"^You have 3 pose requests, the most one account can hold"):
        pose_requests.create_request(studio, user_id=ana, name="stairs 4", description="")
    assert count(studio, PoseRequest.user_id, ana) == 3


def test_votes_rate(limited):
    studio, ana, ben = limited
    with studio.db.session() as session:
        session.add(PoseCategory(slug="t-limits", name="Limits"))
    asked = []
    for i in range(3):
        asked.append(pose_requests.create_request(studio, user_id=ben, name=f"wish {i}", description="").id)
        make_older(studio, PoseRequest, PoseRequest.user_id, ben)
    assert [pose_requests.vote(studio, user_id=ana, request_id=r) for r in asked[:2]] == [1, 1]
    with pytest.raises(TooManyAtOnce, match=r"^You voted 2 times in the last minute; wait"):
        pose_requests.vote(studio, user_id=ana, request_id=asked[2])
    assert count(studio, PoseRequestVote.user_id, ana) == 2
    with studio.db.session() as session:
        assert session.get(PoseRequest, asked[2]).votes == 0
    make_older(studio, PoseRequestVote, PoseRequestVote.user_id, ana)
    assert pose_requests.vote(studio, user_id=ana, request_id=asked[2]) == 1


def test_backdrops_rate_and_quota_count_the_creator_s_files(limited, tmp_path):
    studio, ana, ben = limited
    upload = tmp_path / "beach.png"
    Image.new("RGB", (400, 300), (30, 120, 200)).save(upload)
    folder = studio.settings.media_dir / f"u{ana}" / generations.BACKDROPS

    def files() -> list:
        return sorted(folder.iterdir())

    def make_files_older() -> None:
        past = time.time() - 61
        for f in files():
            os.utime(f, (past, past))

    for _ in range(2):
        generations.save_backdrop(studio, user_id=ana, file_path=str(upload))
    with pytest.raises(TooManyAtOnce, match=r"^You uploaded 2 background pictures in the last minute; wait"):
        generations.save_backdrop(studio, user_id=ana, file_path=str(upload))
    assert len(files()) == 2
    generations.save_backdrop(studio, user_id=ben, file_path=str(upload))
    make_files_older()
    generations.save_backdrop(studio, user_id=ana, file_path=str(upload))
    make_files_older()
    with pytest.raises(AccountFull, match=r"^You have 3 background pictures, the most one account can hold"):
        generations.save_backdrop(studio, user_id=ana, file_path=str(upload))
    assert len(files()) == 3


def test_the_limits_come_from_the_environment(monkeypatch, tmp_path):
    from studio.settings import load_settings

    monkeypatch.setenv("STUDIO_PROJECTS_PER_MINUTE", "7")
    settings = load_settings(STUDIO_DATA_DIR=str(tmp_path))
    assert limits.PROJECTS.per_minute(settings) == 7 and limits.PROJECTS.most(settings) == 1000
    assert limits.VOTES.most(settings) is None
