"""Creators' own poses: validated on the way in, changed and deleted by their owner only."""

from __future__ import annotations

import copy
import json
import re

import pytest
from sqlmodel import select

from studio.db.tables import Pose, PoseCategory, PoseFavourite
from studio.services import my_poses, poses, users
from studio.services.errors import InvalidInput, NotFound
from studio.services.poses import PoseQuery

STANDING = {"aspect": 0.75, "body": [
    [0.5, 0.12, 1], [0.5, 0.22, 1], [0.4, 0.22, 1], [0.37, 0.37, 1], [0.36, 0.5, 1], [0.6, 0.22, 1],
    [0.63, 0.37, 1], [0.64, 0.5, 1], [0.45, 0.52, 1], [0.45, 0.7, 1], [0.45, 0.88, 1], [0.55, 0.52, 1],
    [0.55, 0.7, 1], [0.55, 0.88, 1], [0.48, 0.1, 1], [0.52, 0.1, 1], [0.46, 0.11, 1], [0.54, 0.11, 1]]}


def only(visible: list[int]) -> dict:
    kp = copy.deepcopy(STANDING)
    for i, row in enumerate(kp["body"]):
        row[2] = 1 if i in visible else 0
    return kp


@pytest.fixture
def two(studio):
    with studio.db.session() as s:
        s.add(PoseCategory(slug="t-mine", name="Mine"))
    return studio, users.get_or_create(studio.db, name="ana"), users.get_or_create(studio.db, name="ben")


def test_create_validates_and_fills_in(two):
    studio, ana, _ = two
    pose = my_poses.create_pose(studio, user_id=ana.id, name="  My   Jump!  ", keypoints_json=json.dumps(STANDING),
                                category_slug="t-mine", description="mid-air", tags=["Action", "action", " fun "],
                                framing="full_body")
    assert pose.owner_id == ana.id and pose.source == "user"
    assert pose.name == "My Jump!" and pose.tags == ["action", "fun"]
    assert re.fullmatch(rf"u{ana.id}-my-jump-[0-9a-f]{{6}}", pose.slug)
    assert pose.search_text == "my jump! mid-air action fun"
    assert pose.keypoints["body"][0] == [0.5, 0.12, 1.0]
    again = my_poses.create_pose(studio, user_id=ana.id, name="My Jump!", keypoints_json=STANDING)
    assert again.slug != pose.slug and again.category_id is None
    page = poses.list_poses(studio.db, user_id=ana.id, query=PoseQuery(mine_only=True, search="jump"))
    assert {c.id for c in page.items} == {pose.id, again.id}


def test_too_few_joints_is_refused_with_the_reason(two):
    studio, ana, _ = two
    with pytest.raises(InvalidInput, match=r"shows only 4 joints; at least 6"):
        my_poses.create_pose(studio, user_id=ana.id, name="Stub", keypoints_json=only([0, 1, 2, 5]))
    with pytest.raises(InvalidInput, match="must show the neck"):
        my_poses.create_pose(studio, user_id=ana.id, name="Headless", keypoints_json=only([0, 2, 3, 4, 5, 6, 7]))
    with pytest.raises(InvalidInput, match="18 body joints"):
        my_poses.create_pose(studio, user_id=ana.id, name="Short", keypoints_json={"body": [[0.5, 0.5, 1]] * 5})
    with pytest.raises(InvalidInput, match="not valid JSON"):
        my_poses.create_pose(studio, user_id=ana.id, name="Broken", keypoints_json="{nope")
    with pytest.raises(InvalidInput, match="outside the frame"):
        bad = copy.deepcopy(STANDING)
        bad["body"][4] = [1.4, 0.5, 1]
        my_poses.create_pose(studio, user_id=ana.id, name="Out", keypoints_json=bad)
    with studio.db.session() as s:
        assert s.exec(select(Pose).where(Pose.owner_id == ana.id)).all() == []


def test_bad_fields_are_refused(two):
    studio, ana, _ = two
    with pytest.raises(InvalidInput, match="name"):
        my_poses.create_pose(studio, user_id=ana.id, name="   ", keypoints_json=STANDING)
    with pytest.raises(InvalidInput, match="unknown pose category 'nope'"):
        my_poses.create_pose(studio, user_id=ana.id, name="X", keypoints_json=STANDING, category_slug="nope")
    with pytest.raises(InvalidInput, match="framing"):
        my_poses.create_pose(studio, user_id=ana.id, name="X", keypoints_json=STANDING, framing="wide")
    with pytest.raises(InvalidInput, match="source"):
        my_poses.create_pose(studio, user_id=ana.id, name="X", keypoints_json=STANDING, source="library")


def test_only_the_owner_can_change_or_delete(two):
    studio, ana, ben = two
    pose = my_poses.create_pose(studio, user_id=ana.id, name="Wave", keypoints_json=STANDING, tags=["hello"])
    with pytest.raises(NotFound):
        my_poses.update_pose(studio.db, user_id=ben.id, pose_id=pose.id, name="Stolen")
    with pytest.raises(NotFound):
        my_poses.delete_pose(studio.db, user_id=ben.id, pose_id=pose.id)
    with pytest.raises(NotFound):
        poses.get_pose(studio.db, user_id=ben.id, pose_id=pose.id)
    with pytest.raises(NotFound):
        my_poses.duplicate_from_library(studio.db, user_id=ben.id, pose_id=pose.id)
    assert poses.list_poses(studio.db, user_id=ben.id, query=PoseQuery(mine_only=True)).items == []
    assert poses.get_pose(studio.db, user_id=ana.id, pose_id=pose.id).name == "Wave"


def test_update_changes_given_fields_and_search(two):
    studio, ana, _ = two
    pose = my_poses.create_pose(studio, user_id=ana.id, name="Wave", keypoints_json=STANDING,
                                category_slug="t-mine", tags=["hello"])
    moved = copy.deepcopy(STANDING)
    moved["body"][4] = [0.3, 0.1, 1]
    updated = my_poses.update_pose(studio.db, user_id=ana.id, pose_id=pose.id, name="Big Wave",
                                   keypoints_json=moved, tags=["greeting"])
    assert updated.name == "Big Wave" and updated.tags == ["greeting"] and updated.category_id == pose.category_id
    assert updated.keypoints["body"][4] == [0.3, 0.1, 1.0]
    assert updated.search_text.split() == ["big", "wave", "greeting"]
    found = poses.list_poses(studio.db, user_id=ana.id, query=PoseQuery(search="greeting wave", mine_only=True))
    assert [c.id for c in found.items] == [pose.id]
    cleared = my_poses.update_pose(studio.db, user_id=ana.id, pose_id=pose.id, category_slug=None)
    assert cleared.category_id is None
    with pytest.raises(InvalidInput, match="joints"):
        my_poses.update_pose(studio.db, user_id=ana.id, pose_id=pose.id, keypoints_json=only([1, 2, 5]))


def test_delete_removes_pose_and_its_favourites(two):
    studio, ana, _ = two
    pose = my_poses.create_pose(studio, user_id=ana.id, name="Gone", keypoints_json=STANDING)
    poses.toggle_favourite(studio.db, user_id=ana.id, pose_id=pose.id)
    my_poses.delete_pose(studio.db, user_id=ana.id, pose_id=pose.id)
    with pytest.raises(NotFound):
        poses.get_pose(studio.db, user_id=ana.id, pose_id=pose.id)
    with studio.db.session() as s:
        assert s.exec(select(PoseFavourite).where(PoseFavourite.pose_id == pose.id)).all() == []
    with pytest.raises(NotFound):
        my_poses.delete_pose(studio.db, user_id=ana.id, pose_id=pose.id)


def test_library_poses_cannot_be_changed_but_can_be_copied(two):
    studio, ana, _ = two
    with studio.db.session() as s:
        category = s.exec(select(PoseCategory).where(PoseCategory.slug == "t-mine")).one()
        lib = Pose(slug="t-lib-wave", name="Library Wave", keypoints=STANDING, category_id=category.id,
                   tags=["hello"], difficulty="advanced", framing="half_body", search_text="library wave hello")
        s.add(lib)
    with pytest.raises(NotFound):
        my_poses.update_pose(studio.db, user_id=ana.id, pose_id=lib.id, name="Mine now")
    with pytest.raises(NotFound):
        my_poses.delete_pose(studio.db, user_id=ana.id, pose_id=lib.id)
    draft = my_poses.duplicate_from_library(studio.db, user_id=ana.id, pose_id=lib.id)
    assert draft.name == "Library Wave (copy)" and draft.category_slug == "t-mine"
    assert draft.difficulty == "advanced" and draft.framing == "half_body" and draft.tags == ("hello",)
    mirrored = my_poses.duplicate_from_library(studio.db, user_id=ana.id, pose_id=lib.id, mirrored=True)
    assert mirrored.keypoints_json["body"][2][0] == pytest.approx(1 - STANDING["body"][5][0])
    saved = my_poses.create_pose(studio, user_id=ana.id, name=draft.name, keypoints_json=draft.keypoints_json,
                                 category_slug=draft.category_slug, tags=draft.tags, framing=draft.framing,
                                 difficulty=draft.difficulty)
    assert saved.owner_id == ana.id and saved.id != lib.id
    mine = poses.list_poses(studio.db, user_id=ana.id, query=PoseQuery(mine_only=True, sort="newest"))
    assert mine.items[0].id == saved.id
