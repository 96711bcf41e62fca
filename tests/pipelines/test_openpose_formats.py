"""OpenPose JSON and skeleton pictures read into poses, with no database and no studio."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from pipelines.openpose_formats import (
    PoseFileError, keypoints_from_openpose, keypoints_from_skeleton_picture, to_openpose_json,
)
from pipelines.skeleton import render_pose


def test_the_studios_own_form_reads_as_it_is(standing):
    [back] = keypoints_from_openpose(json.loads(json.dumps(standing.to_json())))
    assert back == standing


def test_one_unreadable_person_is_described_and_the_others_kept(standing):
    doc = to_openpose_json(standing, 300, 400)
    doc["people"].append({"pose_keypoints_2d": "not a list"})
    problems: list[str] = []
    assert len(keypoints_from_openpose(doc, problems=problems)) == 1
    assert problems == ["person 2 has no pose_keypoints_2d list"]
    with pytest.raises(PoseFileError, match="person 2 has no pose_keypoints_2d list"):
        keypoints_from_openpose(doc)


def test_a_skeleton_picture_reads_back_and_a_photo_is_refused(standing, tmp_path):
    render_pose(standing, 300, 400).save(tmp_path / "skeleton.png")
    back = keypoints_from_skeleton_picture(tmp_path / "skeleton.png")
    assert back.aspect == pytest.approx(0.75) and back.visible() == standing.visible()
    Image.new("RGB", (64, 64), (200, 180, 160)).save(tmp_path / "photo.png")
    with pytest.raises(PoseFileError, match="not an OpenPose skeleton picture"):
        keypoints_from_skeleton_picture(tmp_path / "photo.png")
    Image.new("RGB", (64, 64)).save(tmp_path / "skeleton.gif")
    with pytest.raises(PoseFileError, match="GIF pictures are not read"):
        keypoints_from_skeleton_picture(tmp_path / "skeleton.gif")
