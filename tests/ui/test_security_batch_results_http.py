"""The Batch tab's results attacked over plain HTTP (issue 13): the pictures a page may pick,
star, download, compare or see with their skeleton are its creator's own; an index, a size, a
sort or a filter from the client is checked and refused in the field's words, at no cost."""

from __future__ import annotations

import re
import threading
import uuid

import httpx
import pytest

from studio.jobs import worker
from studio.ui.batch_results import NOTHING_PICKED
from tests.ui.raw_gradio import RawGradio
from tests.ui.studio_server import AUTH, LOGINS, client, make_photo, running_studio
from tests.ui.test_history_browser import HeldQueue
from gradio_client import handle_file


@pytest.fixture
def served(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_AUTH=AUTH) as (studio, url):
        studio.queue.close()
        studio.queue = HeldQueue()  # the test runs the batch itself, while Ana's page watches it
        yield studio, url


def finished_batch_on_a_page(studio, url, tmp_path) -> tuple[RawGradio, int]:
    """Ana's page after it watched her batch (two variations of one pose) to its end: the page's
    own state holds the batch, as a browser tab's does."""
    ana = client(url, "ana")
    project = ana.predict("Shoot", "", api_name="/create_project")
    avatar = ana.predict(project["project_id"], "Ana", handle_file(make_photo(tmp_path / "ana.png")), "",
                         api_name="/upload_avatar")["avatar_id"]
    pose = ana.predict("", "", 1, api_name="/list_poses")["poses"][0]["id"]
    job = ana.predict(avatar, [pose], 2, "tiny", [], {}, None, uuid.uuid4().hex, api_name="/submit")
    page = RawGradio(url, ("ana", LOGINS["ana"]))
    watching = threading.Thread(target=page.call, args=(page.event_writing("batch-progress-box", "load"), []),
                                kwargs={"timeout": 120})
    watching.start()
    assert worker.process_generation(studio, job["generation_id"]) == "completed"
    watching.join(timeout=120)
    return page, job["generation_id"]


def events(page: RawGradio) -> dict[str, dict]:
    return {"refresh": page.event_writing("batch-results", "change"),
            "pick": page.event_writing("batch-picked-line", "select"),
            "star": page.event_writing("batch-star", "click"),
            "download": page.event_writing("batch-download", "click")}


def error(reply) -> str:
    done = reply.completed
    assert done is not None and not done["success"], reply.body
    return done["output"]["error"]


def select(index) -> dict:
    return {"index": index, "value": None, "selected": True}


def test_only_the_creators_own_results_are_picked_starred_downloaded_or_drawn_over(served, tmp_path):
    studio, url = served
    ana, batch = finished_batch_on_a_page(studio, url, tmp_path)
    ana_events = events(ana)
    # (The page's states, the batch and the picked picture, travel as null: the server keeps them.)
    shown = ana.call(ana_events["refresh"], [None, "made", "all", False, None]).output
    assert shown is not None and len(shown[0]) == 2  # her two variations
    assert not re.search(r"/item\d+\.webp", str(shown[0]))  # plain pictures: no skeleton asked for

    # The page's values checked as any client's: a sort, a filter or a size the form never offered.
    assert "Sort results" in error(ana.call(ana_events["refresh"], [None, "../../etc/passwd", "all", False, None]))
    assert "Show" in error(ana.call(ana_events["refresh"], [None, "made", {"$ne": 1}, False, None]))
    # An index outside her tiles, or not a number, picks nothing.
    for hostile in (2, -1, 10**12, "0", None, 0.5, [0], True):
        picked = ana.call(ana_events["pick"], [None, False], event_data=select(hostile)).output
        assert picked is not None and picked[1] == NOTHING_PICKED, (hostile, picked)
    picked = ana.call(ana_events["pick"], [None, False], event_data=select(1)).output
    assert re.search(r"· v2\*\* · seed \d+", picked[1]) and picked[2].count("<figure") == 2
    assert "Size" in error(ana.call(ana_events["download"], [None, "../../../etc/passwd"]))
    link = re.search(r"href='([^']+)'", ana.call(ana_events["download"], [None, "original"]).output[0]).group(1)
    assert ana.http.get(link).status_code == 200
    starred = ana.call(ana_events["star"], [None, None, "made", "all", True]).output
    assert starred[3] and "★ starred" in starred[3] and sum("★" in str(card) for card in starred[0]) == 1
    skeleton = re.search(r"https?://[^'\"\s]+/item\d+\.webp", str(starred[0])).group(0)
    assert ana.http.get(skeleton).status_code == 200

    # Ben's page knows none of it: nothing to pick, star or download, and her links do not open for him.
    ben = RawGradio(url, ("ben", LOGINS["ben"]))
    ben_events = events(ben)
    assert ben.call(ben_events["refresh"], [None, "made", "all", True, None]).output[0] == []
    assert ben.call(ben_events["pick"], [None, False], event_data=select(0)).output[1] == NOTHING_PICKED
    assert "Click a picture first" in error(ben.call(ben_events["star"], [None, None, "made", "all", False]))
    assert "Click a picture first" in error(ben.call(ben_events["download"], [None, "original"]))
    for hers in (link, skeleton):
        assert ben.http.get(hers).status_code in (403, 404)
        assert httpx.get(hers, timeout=30).status_code != 200  # nor for anyone not signed in
    with studio.db.session() as session:  # Ben's presses changed nothing of hers
        from sqlmodel import select as query

        from studio.db.tables import GenerationItem
        stars = session.exec(query(GenerationItem.favourite).where(GenerationItem.generation_id == batch)).all()
    assert sorted(stars) == [False, True]
