"""Batches attacked over real HTTP, through gradio_client and through Gradio's queue protocol
spoken by hand: a larger job is priced as estimated, bad values are refused at no cost, and an
id no row can have is "not found" (issue 9, items 3, 6 and 7)."""

from __future__ import annotations

import uuid

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from sqlmodel import select

from studio.db.tables import Avatar
from tests.ui.raw_gradio import RawGradio
from tests.ui.studio_server import AUTH, LOGINS, client, make_photo, running_studio

BIG = {"width": 128, "height": 128, "steps": 4}  # the tiny preset's price covers 64x64 at 2 steps: 8x


@pytest.fixture
def served(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_AUTH=AUTH) as (studio, url):
        yield studio, url


def new_avatar(c: Client, tmp_path) -> int:
    project = c.predict("Attacks", "", api_name="/create_project")
    return c.predict(project["project_id"], "Ana", handle_file(make_photo(tmp_path / "me.png")), "",
                     api_name="/upload_avatar")["avatar_id"]


def someone_elses_photo(studio, c: Client, tmp_path) -> str:
    avatar_id = new_avatar(c, tmp_path)
    with studio.db.session() as session:
        return session.exec(select(Avatar.image_path).where(Avatar.id == avatar_id)).one()


def attacks(avatar_id: int, pose_id: int, ana_id: int, bens_photo: str) -> list[tuple[list, str]]:
    """(/submit arguments, what the refusal says): each must cost nothing."""
    def submit(**change):
        args = {"avatar_id": avatar_id, "pose_ids": [pose_id], "variations": 1, "preset": "tiny",
                "export_formats": [], "params": {}, "background": None, "submission_key": uuid.uuid4().hex}
        return list({**args, **change}.values())

    return [
        (submit(variations=2.5), "variations 2.5 is not allowed"),
        (submit(pose_ids=[pose_id + 0.5]), "pose not found"),
        (submit(pose_ids=[10**30]), "pose not found"),
        (submit(avatar_id=10**30), "avatar not found"),
        (submit(avatar_id=avatar_id + 0.5), "avatar not found"),
        (submit(params={"steps": "4"}), "steps"),
        (submit(params={"sharpness": 3}), "sharpness"),
        (submit(params={"width": 4096}), "width"),
        (submit(background={"colour": "url(javascript:x)"}), "Background colour"),
        (submit(background={"image": f"u{ana_id}/backdrops/../../{bens_photo}"}), "background picture not found"),
    ]


def test_through_gradio_client(served, tmp_path):
    studio, url = served
    ana, ben = client(url, "ana"), client(url, "ben")
    avatar_id = new_avatar(ana, tmp_path)
    bens_photo = someone_elses_photo(studio, ben, tmp_path)
    ana_id = _user_id(studio, "ana")
    pose_id = ana.predict("yoga", "", 1, api_name="/list_poses")["poses"][0]["id"]

    estimate = ana.predict(1, 1, "tiny", False, BIG, api_name="/estimate")
    assert (estimate["total"], estimate["work_factor"]) == (120, 8.0) and "8x the work" in estimate["message"]
    job = ana.predict(avatar_id, [pose_id], 1, "tiny", [], BIG, None, uuid.uuid4().hex, api_name="/submit")
    assert job["credits_charged"] == estimate["total"]
    balance = ana.predict(api_name="/balance")["balance"]
    assert balance == 198 - 120

    for args, message in attacks(avatar_id, pose_id, ana_id, bens_photo):
        with pytest.raises(AppError, match=message):
            ana.predict(*args, api_name="/submit")
    with pytest.raises(AppError, match="variations"):
        ana.predict(1, 2.5, "tiny", False, None, api_name="/estimate")
    with pytest.raises(AppError, match="generation not found"):
        ana.predict(10**30, api_name="/status")
    assert ana.predict(api_name="/balance")["balance"] == balance
    assert ana.predict(job["generation_id"], api_name="/status")["generation_id"] == job["generation_id"]


def test_through_the_raw_queue_protocol(served, tmp_path):
    studio, url = served
    avatar_id = new_avatar(client(url, "ana"), tmp_path)
    bens_photo = someone_elses_photo(studio, client(url, "ben"), tmp_path)
    raw = RawGradio(url, login=("ana", LOGINS["ana"]))

    def call(api_name: str, *data):
        reply = raw.call(raw.event_named(api_name), list(data))
        assert reply.status == 200 and reply.completed, reply.body
        return reply.completed

    def balance() -> int:
        return call("balance")["output"]["data"][0]["balance"]

    pose_id = call("list_poses", "yoga", "", 1)["output"]["data"][0]["poses"][0]["id"]
    estimate = call("estimate", 1, 1, "tiny", False, BIG)["output"]["data"][0]
    job = call("submit", avatar_id, [pose_id], 1, "tiny", [], BIG, None, uuid.uuid4().hex, None)  # no checks: defaults
    assert job["success"] and job["output"]["data"][0]["credits_charged"] == estimate["total"] == 120
    start = balance()
    assert start == 200 - 2 - 120

    for args, message in attacks(avatar_id, pose_id, _user_id(studio, "ana"), bens_photo):
        refused = call("submit", *args, None)  # + checks (none: the defaults)
        assert not refused["success"] and message in refused["output"]["error"], refused
    missing = call("status", 10**30)
    assert not missing["success"] and "generation not found" in missing["output"]["error"]
    assert balance() == start

    # The page's own estimate takes size and steps too, and is recomputed when they change.
    labels = {c.get("props", {}).get("label"): i for i, c in raw.components().items()}
    size_and_steps = {labels["Steps (0 = preset default)"], labels["Width (0 = default)"],
                      labels["Height (0 = default)"]}
    cost = raw.component_id("batch-cost-box")
    # (The clock's re-read takes one server-side state: the values last priced by these.)
    estimates = [d for d in raw.events() if cost in d["outputs"] and len(d["inputs"]) > 1]
    assert estimates
    assert all(size_and_steps <= set(d["inputs"]) for d in estimates)
    assert size_and_steps <= {target for d in estimates for target, _ in d["targets"]}


def _user_id(studio, name: str) -> int:
    from studio.db.tables import User

    with studio.db.session() as session:
        return session.exec(select(User.id).where(User.name == name)).one()
