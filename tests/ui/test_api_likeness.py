"""/likeness through gradio_client on the real photos: free, nothing stored, refusals in words;
and each batch result through the API carries its scores."""

from __future__ import annotations

import uuid

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import ImageOps

from studio.services import credits, users
from tests import photos
from tests.ui.studio_server import AUTH, client, make_photo, running_studio, wait_finished


@pytest.fixture
def studio_url(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_AUTH=AUTH, STUDIO_MAX_REROLLS=1) as (studio, url):
        yield studio, url


def test_two_photos_of_her_are_the_same_person_and_grace_hopper_is_not(studio_url, tmp_path):
    studio, url = studio_url
    c = client(url, "ana")
    before = c.predict(api_name="/balance")["balance"]
    ImageOps.mirror(photos.astronaut()).save(tmp_path / "mirrored.png")

    same = c.predict(handle_file(str(photos.ASTRONAUT)), handle_file(str(tmp_path / "mirrored.png")),
                     api_name="/likeness")
    assert same["same_person"] is True and same["likeness"] >= 0.6 and same["distance"] < 0.6
    other = c.predict(handle_file(str(photos.ASTRONAUT)), handle_file(str(photos.GRACE_HOPPER)),
                      api_name="/likeness")
    assert other["same_person"] is False and other["likeness"] < 0.6

    photos.without_a_face().save(tmp_path / "suit.png")
    with pytest.raises(AppError, match="Second photo: no face found"):
        c.predict(handle_file(str(photos.ASTRONAUT)), handle_file(str(tmp_path / "suit.png")), api_name="/likeness")
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(AppError, match="First photo"):
        c.predict(handle_file(str(tmp_path / "notes.png")), handle_file(str(photos.ASTRONAUT)), api_name="/likeness")
    assert c.predict(api_name="/balance")["balance"] == before  # free


def test_results_through_the_api_carry_likeness_pose_match_and_attempts(studio_url, tmp_path):
    studio, url = studio_url
    c = client(url, "ana")
    project = c.predict("Checks", "", api_name="/create_project")
    avatar = c.predict(project["project_id"], "Grace", handle_file(make_photo(tmp_path / "me.png")), "",
                       api_name="/upload_avatar")
    pose_ids = [p["id"] for p in c.predict("yoga", "", 1, api_name="/list_poses")["poses"][:2]]
    balance = c.predict(api_name="/balance")["balance"]
    submitted = c.predict(avatar["avatar_id"], pose_ids, 1, "tiny", [], {}, None, uuid.uuid4().hex,
                          {"pose_bar": 1.0, "max_rerolls": 1}, api_name="/submit")
    status = wait_finished(c, submitted["generation_id"])
    assert status["status"] == "completed" and status["pictures_made"] == 4
    assert status["quality"]["pose_below"] == 2
    assert (status["checks"]["pose_bar"], status["checks"]["max_rerolls"], status["checks"]["reroll"]) == (1.0, 1, True)
    assert c.predict(api_name="/balance")["balance"] == balance - submitted["credits_charged"]

    results = c.predict(submitted["generation_id"], api_name="/results")
    assert len(results) == 2
    for entry in results:
        assert entry["attempts"] == 2 and entry["likeness_note"] == "face not visible"
        assert entry["likeness"] is None and 0.0 <= entry["pose_match"] < 1.0

    with pytest.raises(AppError, match="re-rolls per image: at most 1"):
        c.predict(avatar["avatar_id"], pose_ids, 1, "tiny", [], {}, None, uuid.uuid4().hex, {"max_rerolls": 4},
                  api_name="/submit")
    ana = users.find(studio.db, "ana")
    assert credits.balance(studio.db, user_id=ana.id) == balance - submitted["credits_charged"]
