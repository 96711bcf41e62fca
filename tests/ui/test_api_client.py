"""The studio through gradio_client: the whole path, and one user never sees another's work."""

from __future__ import annotations

import io
import uuid

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.ui.studio_server import AUTH, client, make_photo as photo, running_studio, wait_finished

@pytest.fixture
def studio_url(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_AUTH=AUTH, STUDIO_ADMINS="ana") as (studio, url):
        yield studio, url


def test_whole_path_through_the_api(studio_url, tmp_path):
    studio, url = studio_url
    c = client(url, "ana")
    assert c.predict(api_name="/balance")["balance"] == 200

    project = c.predict("Spring catalogue", "", api_name="/create_project")
    avatar = c.predict(project["project_id"], "Amira", handle_file(photo(tmp_path / "me.png")), "upload-1",
                       api_name="/upload_avatar")
    assert avatar["project_id"] == project["project_id"]
    # The same submission key again: the same avatar, charged once.
    again = c.predict(project["project_id"], "Amira", handle_file(photo(tmp_path / "me.png")), "upload-1",
                      api_name="/upload_avatar")
    assert again["avatar_id"] == avatar["avatar_id"]
    assert c.predict(api_name="/balance")["balance"] == 198

    listing = c.predict("yoga", "", 1, api_name="/list_poses")
    assert listing["total"] >= 5 and all(p["category"] == "yoga" for p in listing["poses"])
    pose_ids = [p["id"] for p in listing["poses"][:3]]

    estimate = c.predict(3, 1, "tiny", False, api_name="/estimate")
    assert (estimate["items"], estimate["total"], estimate["affordable"]) == (3, 45, True)

    key = uuid.uuid4().hex
    submitted = c.predict(avatar["avatar_id"], pose_ids, 1, "tiny", ["instagram_feed"], {"steps": 2}, None, key,
                          api_name="/submit")
    twice = c.predict(avatar["avatar_id"], pose_ids, 1, "tiny", ["instagram_feed"], {"steps": 2}, None, key,
                      api_name="/submit")
    assert twice["generation_id"] == submitted["generation_id"]
    status = wait_finished(c, submitted["generation_id"])
    assert (status["status"], status["done"], status["failed"]) == ("completed", 3, 0)

    results = c.predict(submitted["generation_id"], api_name="/results")
    assert len(results) == 3
    for entry in results:
        # Links open with the owner's login only (see tests/ui/test_security_http.py).
        response = httpx.get(entry["url"], cookies=c.cookies)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(response.content)) as img:
            assert img.size == (64, 64)
    assert c.predict(api_name="/balance")["balance"] == 198 - 45


def test_a_second_user_sees_nothing_of_the_first(studio_url, tmp_path):
    studio, url = studio_url
    ana, ben = client(url, "ana"), client(url, "ben")
    project = ana.predict("Ana's project", "", api_name="/create_project")
    avatar = ana.predict(project["project_id"], "Ana", handle_file(photo(tmp_path / "a.png")), "",
                         api_name="/upload_avatar")
    from studio.services import my_poses, users

    ana_user = users.by_name(studio.db, "ana")
    library = ana.predict("", "", 1, api_name="/list_poses")["poses"][0]
    from studio.services.poses import get_pose

    keypoints = get_pose(studio.db, user_id=ana_user.id, pose_id=library["id"]).keypoints
    mine = my_poses.create_pose(studio, user_id=ana_user.id, name="Ana secret pose", keypoints_json=keypoints)
    submitted = ana.predict(avatar["avatar_id"], [library["id"]], 1, "tiny", [], {"steps": 2}, None,
                            uuid.uuid4().hex, api_name="/submit")

    # Ben can neither use nor read any of it, and the messages do not say it exists.
    with pytest.raises(AppError, match="not found"):
        ben.predict(project["project_id"], "x", handle_file(photo(tmp_path / "b.png")), "", api_name="/upload_avatar")
    with pytest.raises(AppError, match="not found"):
        ben.predict(avatar["avatar_id"], [library["id"]], 1, "tiny", [], {}, None, uuid.uuid4().hex,
                    api_name="/submit")
    with pytest.raises(AppError, match="not found"):
        ben.predict(submitted["generation_id"], api_name="/status")
    with pytest.raises(AppError, match="not found"):
        ben.predict(submitted["generation_id"], api_name="/results")
    assert "Ana secret pose" not in [p["name"] for p in ben.predict("", "secret", 1, api_name="/list_poses")["poses"]]
    assert "Ana secret pose" in [p["name"] for p in ana.predict("", "secret", 1, api_name="/list_poses")["poses"]]
    assert ben.predict(api_name="/balance")["balance"] == 200  # nothing refused cost anything
    wait_finished(ana, submitted["generation_id"])
    assert mine.owner_id == ana_user.id


def test_bad_input_is_refused_with_a_clear_message_and_costs_nothing(studio_url, tmp_path):
    _, url = studio_url
    c = client(url, "ana")
    project = c.predict("P", "", api_name="/create_project")
    tiny_photo = tmp_path / "small.png"
    Image.new("RGB", (100, 80)).save(tiny_photo)
    with pytest.raises(AppError, match="at least 256"):
        c.predict(project["project_id"], "Small", handle_file(str(tiny_photo)), "", api_name="/upload_avatar")
    not_a_photo = tmp_path / "notes.txt"
    not_a_photo.write_text("hello")
    with pytest.raises(AppError, match="upload a JPEG, PNG or WebP"):
        c.predict(project["project_id"], "Notes", handle_file(str(not_a_photo)), "", api_name="/upload_avatar")
    with pytest.raises(AppError):
        c.predict(0, 1, "tiny", False, api_name="/estimate")
    assert c.predict(api_name="/balance")["balance"] == 200


def test_the_api_reads_only_files_uploaded_to_the_studio():
    """A hand-made request naming a server path (no upload) is refused before anything reads it."""
    import gradio as gr

    from gradio.utils import get_upload_folder

    from studio.ui.common import uploaded_file

    with pytest.raises(gr.Error, match="Photo: that file was not uploaded to the studio"):
        uploaded_file({"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, "Photo")
    with pytest.raises(gr.Error, match="not uploaded to the studio"):
        uploaded_file({"path": f"{get_upload_folder()}/../../etc/passwd"}, "Photo")
