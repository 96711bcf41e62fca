"""The web surface attacked through real HTTP: files through events, other people's pictures,
upload bombs, and a flood of progress streams. A studio on PostgreSQL, two password logins.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from gradio_client import handle_file
from gradio.utils import get_upload_folder
from PIL import Image

from tests.ui.raw_gradio import RawGradio
from tests.ui.studio_server import AUTH, LOGINS, client, free_port, make_photo, running_studio, wait_finished

ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture(scope="module")
def studio_url(tmp_path_factory, postgres_server):
    data = tmp_path_factory.mktemp("security")
    # Hundreds of hostile calls in a few seconds: above the per-client event rate a page needs.
    with running_studio(data / "data", postgres_server.create(), STUDIO_AUTH=AUTH,
                        STUDIO_EVENTS_PER_SECOND="1000") as (studio, url):
        yield studio, url


def raw(url: str, user: str | None) -> RawGradio:
    return RawGradio(url, (user, LOGINS[user]) if user else None)


def copies_in_gradio_cache(content: bytes) -> list[Path]:
    """Files anywhere in Gradio's upload/cache folder whose bytes are ``content``."""
    root = Path(get_upload_folder())
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_size == len(content)
            and p.read_bytes() == content] if root.exists() else []


# ---------------------------------------------------------------- 1. files through events

def hostile_files(url: str, secret_file: Path, someone_elses_upload: str) -> list[object]:
    """Everything a client could put where a file goes, none of which it uploaded."""
    return [
        {"path": str(secret_file), "meta": {"_type": "gradio.FileData"}},
        {"path": str(secret_file)},  # no meta: Gradio would hand it straight to the component
        {"path": "/proc/self/environ", "orig_name": "environ", "meta": {"_type": "gradio.FileData"}},
        {"path": f"{get_upload_folder()}/../../{secret_file}", "meta": {"_type": "gradio.FileData"}},
        {"path": someone_elses_upload, "meta": {"_type": "gradio.FileData"}},
        {"path": f"{url}/healthz", "url": f"{url}/healthz", "meta": {"_type": "gradio.FileData"}},
        [{"image": {"path": str(secret_file), "meta": {"_type": "gradio.FileData"}}, "caption": "x"}],
    ]


def test_no_event_reads_a_file_the_client_did_not_upload(studio_url, tmp_path):
    studio, url = studio_url
    secret = tmp_path / "secret.txt"
    secret_bytes = f"studio-secret-{uuid.uuid4().hex}".encode()
    secret.write_bytes(secret_bytes)
    ben = raw(url, "ben")
    bens_upload = ben.upload(Path(make_photo(tmp_path / "ben.png")))
    ana = raw(url, "ana")
    events = ana.events()
    assert len(events) > 40  # every event of the page, the private ones too, found from its config
    tried = 0
    for event in events:
        if not event["inputs"]:
            continue
        for value in hostile_files(url, secret, bens_upload):
            answer, _ = ana.join(event, [value] * len(event["inputs"]))
            tried += 1
            assert answer.status_code == 400, (event["id"], value, answer.text)
            assert "not uploaded by you" in answer.json()["detail"]
            assert str(secret) not in answer.text and "environ" not in answer.text
    assert tried > 100
    # The named API the same way, and the other entry points of the protocol.
    for path in ("/gradio_api/call/upload_avatar", "/gradio_api/run/upload_avatar", "/gradio_api/api/upload_avatar"):
        answer = ana.http.post(path, json={"data": [1, "x", {"path": str(secret), "meta": {"_type": "gradio.FileData"}}, ""]})
        assert answer.status_code in (400, 404), (path, answer.status_code, answer.text)
        assert str(secret) not in answer.text
    # The same body labelled as something other than JSON is read all the same.
    event = next(e for e in events if e["inputs"])
    answer = ana.http.post("/gradio_api/queue/join", content=json.dumps({
        "data": [{"path": str(secret), "meta": {"_type": "gradio.FileData"}}] * len(event["inputs"]),
        "fn_index": event["id"], "session_hash": ana.session}), headers={"content-type": "text/plain"})
    assert answer.status_code == 400, answer.text
    assert copies_in_gradio_cache(secret_bytes) == []


def test_a_file_the_client_uploaded_is_taken(studio_url, tmp_path):
    """The control: the same events work with a real upload of this client (nothing is refused blindly)."""
    _, url = studio_url
    ana = raw(url, "ana")
    mine = ana.upload(Path(make_photo(tmp_path / "me.png")))
    check = ana.event_writing("avatar-photo-preview", "upload")
    # The photo box takes several files: a list of them.
    reply = ana.call(check, [[{"path": mine, "orig_name": "me.png", "meta": {"_type": "gradio.FileData"}}]])
    assert reply.status == 200 and reply.output, reply.body
    assert "data:image/webp;base64," in reply.output[0] and "320x400 px" in reply.output[0]


def test_gradio_serves_no_folder_of_the_studio(studio_url):
    studio, url = studio_url
    ana = raw(url, "ana")
    for target in (studio.settings.media_dir / "u1", studio.settings.data_dir / "secret.key",
                   studio.settings.previews_dir):
        answer = ana.http.get(f"/gradio_api/file={target}")
        assert answer.status_code in (403, 404), target


# ---------------------------------------------------------------- 2. pictures only for their owner

def test_user_b_gets_nothing_by_any_link_user_a_received(studio_url, tmp_path):
    studio, url = studio_url
    ana = client(url, "ana")
    project = ana.predict("Ana's shoot", "", api_name="/create_project")
    avatar = ana.predict(project["project_id"], "Ana", handle_file(make_photo(tmp_path / "a.png")), "",
                         api_name="/upload_avatar")
    pose = ana.predict("", "", 1, api_name="/list_poses")["poses"][0]
    batch = ana.predict(avatar["avatar_id"], [pose["id"]], 1, "tiny", ["instagram_feed"], {"steps": 2}, None,
                        uuid.uuid4().hex, api_name="/submit")
    wait_finished(ana, batch["generation_id"])

    links = [r["url"] for r in ana.predict(batch["generation_id"], api_name="/results")]
    ana_raw = raw(url, "ana")
    # What the page itself hands Ana: her avatar cards, the pose grid, the ZIP of the batch.
    cards = ana_raw.call(ana_raw.event_writing("avatar-gallery", "load"), []).output[1]
    links += [card["image"]["url"] for card in cards]
    grid = ana_raw.event_writing("gallery-grid", "load")
    listing = ana_raw.call(grid, [None] * len(grid["inputs"])).output[0]
    links.append(listing[0]["image"]["url"])
    tab = uuid.uuid4().hex  # one page: opening the batch keeps it in that page's State for the ZIP button
    # A History card pressed: the page sends the batch's id as the click's event data.
    opened = ana_raw.call(ana_raw.event_writing("history-title", "click"), ["made", "all"],  # sort, show
                          event_data={"batch": batch["generation_id"]}, session=tab)
    assert opened.output, opened.body
    zip_html = ana_raw.call(ana_raw.event_writing("history-download", "click"), [None], session=tab).output[0]
    links.append(zip_html.split("href='")[1].split("'")[0])
    assert len(links) >= 4 and all(link.startswith(url + "/media/") for link in links)

    ben_raw, anonymous = raw(url, "ben"), httpx.Client(timeout=10)
    for link in links:
        assert ana_raw.http.get(link).status_code == 200, link
        assert ben_raw.http.get(link).status_code == 404, link
        assert anonymous.get(link).status_code == 404, link
    zip_answer = ana_raw.http.get(links[-1])
    assert zip_answer.headers["content-type"] == "application/zip"
    assert zip_answer.content[:2] == b"PK"

    # A link cannot be widened or kept: another owner, another file, or past its time.
    token = links[0].split("/media/")[1].split("/")[0]
    payload, signature = token.split(".")
    forged = links[0].replace(payload, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"))
    assert ana_raw.http.get(forged).status_code == 404
    from studio.web.links import MediaLinks
    from studio.services import users

    relative = "u{}/".format(users.by_name(studio.db, "ana").id)
    # A signer made from the same settings signs as the server's does (the key is kept on disk).
    old = MediaLinks.from_settings(studio.settings).path(
        user_id=users.by_name(studio.db, "ana").id, kind="media",
        relative=next(p for p in _stored(studio, relative)), now=time.time() - 10 ** 6)
    assert ana_raw.http.get(url + old).status_code == 404


def _stored(studio, prefix: str) -> list[str]:
    root = studio.settings.media_dir
    return [p.relative_to(root).as_posix() for p in (root / prefix).rglob("*.png")]


# ---------------------------------------------------------------- 4. uploads checked before decoding

def bomb(path: Path) -> Path:
    """A small PNG (a few KB) that declares 12000x12000 pixels."""
    Image.new("1", (12000, 12000)).save(path, optimize=True)
    return path


def peak_rise_mb(action) -> float:
    """How far this process's peak memory rose while ``action`` ran (the server runs in it)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM, the peak resident size, to the current size
    before = _status_kb("VmRSS")
    action()
    return (_status_kb("VmHWM") - before) / 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


REFUSED_UPLOAD_BOUND_MB = 64  # the file itself (at most 10 MB) plus bookkeeping; a decode would be 144 MB+


def test_refused_uploads_stay_small_in_memory(studio_url, tmp_path):
    _, url = studio_url
    big = bomb(tmp_path / "bomb.png")
    assert big.stat().st_size < 100_000
    ana = raw(url, "ana")
    check = ana.event_writing("avatar-photo-preview", "upload")
    replies = []

    def through_the_page():
        uploaded = ana.upload(big)
        replies.append(ana.call(check, [[{"path": uploaded, "orig_name": "bomb.png",
                                          "meta": {"_type": "gradio.FileData"}}]]))

    rise = peak_rise_mb(through_the_page)
    assert rise < REFUSED_UPLOAD_BOUND_MB, rise
    html = replies[0].output[0]
    assert "Photo:" in html and "decompression bomb" in html and get_upload_folder() not in html

    c = client(url, "ana")
    project = c.predict("Bombs", "", api_name="/create_project")
    before = c.predict(api_name="/balance")["balance"]
    errors = []

    def through_the_api():
        try:
            c.predict(project["project_id"], "x", handle_file(str(big)), "", api_name="/upload_avatar")
        except Exception as exc:
            errors.append(str(exc))

    rise = peak_rise_mb(through_the_api)
    assert rise < REFUSED_UPLOAD_BOUND_MB, rise
    assert "decompression bomb" in errors[0]
    assert c.predict(api_name="/balance")["balance"] == before


def test_uploads_are_rate_limited_per_client(tmp_path, sqlite_url):
    photo = Path(make_photo(tmp_path / "p.png"))
    with running_studio(tmp_path / "data", sqlite_url, STUDIO_UPLOADS_PER_MINUTE="3") as (_, url):
        ana, other = RawGradio(url), RawGradio(url)
        codes = []
        for _ in range(5):
            with open(photo, "rb") as f:
                codes.append(ana.http.post("/gradio_api/upload", files={"files": ("p.png", f)}).status_code)
        assert codes == [200, 200, 200, 429, 429]
        with open(photo, "rb") as f:
            refused = ana.http.post("/gradio_api/upload", files={"files": ("p.png", f)})
        assert "wait a minute" in refused.json()["detail"]
        other.upload(photo)  # another browser is not held up by the first


# ---------------------------------------------------------------- 5. a flood of progress streams

@contextmanager
def studio_process(data_dir: Path, **env: str):
    """The studio as it is deployed: ``python app.py`` in its own process (its own interpreter),
    so the test's clients do not share its CPU time slice by slice."""
    port = free_port()
    environ = {**os.environ, "STUDIO_DATA_DIR": str(data_dir), "STUDIO_PRESET": "tiny",
               "GRADIO_SERVER_PORT": str(port), **env}
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environ, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert app.poll() is None, app.stderr.read()
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(app.pid, signal.SIGKILL)  # a stop in order is tested in tests/test_app_start.py
        app.wait(timeout=30)
        app.stderr.close()


def test_a_hundred_progress_streams_do_not_stall_anyone_else(tmp_path, pg_url, redis_url):
    # With Redis and no worker the batch stays queued: every stream keeps watching it.
    with studio_process(tmp_path / "data", DATABASE_URL=pg_url, STUDIO_AUTH=AUTH, REDIS_URL=redis_url) as url:
        ana = client(url, "ana")
        project = ana.predict("Flood", "", api_name="/create_project")
        avatar = ana.predict(project["project_id"], "A", handle_file(make_photo(tmp_path / "a.png")), "",
                             api_name="/upload_avatar")
        pose = ana.predict("", "", 1, api_name="/list_poses")["poses"][0]
        ana.predict(avatar["avatar_id"], [pose["id"]], 1, "tiny", [], {}, None, uuid.uuid4().hex, api_name="/submit")
        ana_raw = raw(url, "ana")
        resume = ana_raw.event_writing("batch-progress-box", "load")
        ben = client(url, "ben")
        assert ben.predict(api_name="/balance")["user"] == "ben"  # Ben is already at work when it starts

        def streams() -> int:
            return httpx.get(f"{url}/healthz", timeout=30).json()["progress_streams"]

        # The attacker is another machine: its own process, at the lowest priority, so its own
        # work does not take this machine's two cores from the studio.
        flood = subprocess.Popen([sys.executable, "-m", "tests.ui.flood_streams", url, str(resume["id"]), "100",
                                  json.dumps(dict(ana_raw.http.cookies))], cwd=ROOT,
                                 preexec_fn=lambda: os.nice(19))
        try:
            timings, most_streams = [], 0
            for _ in range(12):
                time.sleep(0.4)
                start = time.monotonic()
                health = httpx.get(f"{url}/healthz", timeout=30)  # 503 here: no worker is meant to run
                timings.append(time.monotonic() - start)
                assert health.status_code in (200, 503) and "database" in health.json()
                most_streams = max(most_streams, health.json()["progress_streams"])
                start = time.monotonic()
                assert ben.predict(api_name="/balance")["user"] == "ben"
                timings.append(time.monotonic() - start)
            assert flood.poll() is None, "the flood should still be running"
        finally:
            flood.kill()
            flood.wait()
        assert max(timings) < 1.0, timings
        assert 1 <= most_streams <= 4  # STUDIO_WATCHERS_PER_USER's default
        # Once the clients are gone, the streams end and give their places back.
        deadline = time.monotonic() + 30
        while streams() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert streams() == 0
