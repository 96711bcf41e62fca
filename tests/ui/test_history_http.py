"""History over plain HTTP, as an attacker would send it: whatever filter or batch id Ben sends,
he sees only his own batches (issue 13: the filter runs on the server with the creator's rows)."""

from __future__ import annotations

import re
import uuid

import pytest

from pipelines.params import GenerationParams
from studio.enums import AuthSource
from studio.services import avatars, generations, projects, users
from studio.services.generations import SubmitRequest
from tests.ui.raw_gradio import RawGradio
from tests.ui.studio_server import AUTH, LOGINS, make_photo, running_studio
from tests.ui.test_history_browser import HeldQueue, _library

FILTERS = ["project", "avatar", "status", "preset", "order"]


@pytest.fixture
def served(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_AUTH=AUTH) as (studio, url):
        studio.queue.close()
        studio.queue = HeldQueue()  # the batches stay queued: this is about who sees them, not pictures
        yield studio, url


def shelf(studio, tmp_path, name: str) -> dict:
    """A creator's project, avatar and one batch, made as the page would make them."""
    me = users.get_or_create(studio.db, name=name, auth_source=AuthSource.password).id
    project = projects.create_project(studio, user_id=me, name=f"{name}'s shoot")
    avatar = avatars.create_from_upload(studio, user_id=me, project_id=project.id, name=name.title(),
                                        file_path=make_photo(tmp_path / f"{name}.png"))
    g = generations.submit(studio, user_id=me, request=SubmitRequest(
        avatar_id=avatar.id, pose_ids=(_library(studio)[0]["id"],), variations=1, preset_key="tiny",
        params=GenerationParams(prompt="a portrait", seed=1), submission_key=uuid.uuid4().hex))
    return {"project": project.id, "avatar": avatar.id, "batch": g.id}


def listed(reply) -> list[int]:
    return [int(i) for i in re.findall(r"data-batch='(\d+)'", reply.output[0])] if reply.output else []


def test_the_history_filter_never_shows_another_creators_batches(served, tmp_path):
    studio, url = served
    ana, ben = shelf(studio, tmp_path, "ana"), shelf(studio, tmp_path, "ben")
    ben_raw = RawGradio(url, ("ben", LOGINS["ben"]))
    listing = ben_raw.event_writing("history-note", "input")
    assert listing["inputs"] == [ben_raw.component_id(f"history-{f}") for f in FILTERS]
    session = uuid.uuid4().hex  # one page: the menus Ben's page was given

    def ben_lists(**wanted) -> tuple:
        values = {"project": "any", "avatar": "any", "status": "any", "preset": "any", "order": "newest", **wanted}
        reply = ben_raw.call(listing, [values[f] for f in FILTERS], session=session)
        return reply, listed(reply)

    assert ben_lists()[1] == [ben["batch"]]  # his own, and nothing of Ana's
    for order in ("oldest", "most pictures"):
        assert ben_lists(order=order)[1] == [ben["batch"]]
    # Ana's project or avatar named in the filter: refused, and none of her batches in the answer.
    for wanted in ({"project": ana["project"]}, {"avatar": ana["avatar"]}, {"project": str(ana["project"])},
                   {"avatar": f"{ana['avatar']} OR 1=1"}, {"status": ["done", "running"]}, {"preset": {"$ne": ""}}):
        reply, ids = ben_lists(**wanted)
        assert reply.output is None and ids == [], (wanted, reply.body[-300:])
        assert "Traceback" not in reply.body and f"data-batch='{ana['batch']}'" not in reply.body
    # His own project and avatar narrow to his batch (the menus offer them once the tab opened).
    menus = ben_raw.event_writing("history-avatar", "select")
    ben_raw.call(menus, ["any", "any", "any"], session=session)
    assert ben_lists(project=ben["project"], avatar=ben["avatar"])[1] == [ben["batch"]]

    # Ana's batch id sent as the pressed card: "not found", and nothing of it comes back.
    opened = ben_raw.call(ben_raw.event_writing("history-title", "click"), ["made", "all"],
                          event_data={"batch": ana["batch"]}, session=session)
    assert opened.output is None and "generation not found" in opened.body
    mine = ben_raw.call(ben_raw.event_writing("history-title", "click"), ["made", "all"],
                        event_data={"batch": ben["batch"]}, session=session)
    assert mine.output and f"Batch #{ben['batch']}" in mine.output[3]
