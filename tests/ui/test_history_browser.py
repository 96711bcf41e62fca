"""Issue 13 in headless Chromium: History names each batch's avatar and poses and filters and
sorts on the server; Sign out ends a password login (the local studio has none); on a phone
(390x844) Generate is in reach and History reads whole; several photos dropped at once become
one avatar each, a refused one named with its reason."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from pipelines.params import GenerationParams
from studio.services import avatars, generations, projects, users
from studio.services.generations import SubmitRequest
from tests.photos import without_a_face
from tests.ui.studio_server import AUTH, LOGINS, make_photo, running_studio
from tests.ui.test_studio_browser import fill, make_avatar_and_pick, open_tab, shoot, wait_for


class HeldQueue:
    """Keeps the batches given to it (no worker takes them): a batch that stays queued until cancelled."""

    backend = "held"

    def enqueue(self, generation_id):
        pass

    def health(self):
        return {"ok": True}

    def close(self):
        pass


def batch(studio, user_id: int, avatar_id: int, poses: int) -> int:
    pose_ids = tuple(p["id"] for p in _library(studio)[:poses])
    g = generations.submit(studio, user_id=user_id, request=SubmitRequest(
        avatar_id=avatar_id, pose_ids=pose_ids, variations=1, preset_key="tiny",
        params=GenerationParams(prompt="a portrait", seed=3), submission_key=uuid.uuid4().hex))
    return g.id


def _library(studio) -> list[dict]:
    from sqlmodel import select

    from studio.db.tables import Pose

    with studio.db.session() as session:
        return [{"id": p.id, "name": p.name} for p in session.exec(select(Pose).where(Pose.owner_id.is_(None))
                                                                   .order_by(Pose.id).limit(5))]


def finished(studio, user_id: int, generation_id: int) -> bool:
    return generations.get_generation(studio.db, user_id=user_id, generation_id=generation_id).status in (
        "completed", "partial", "failed", "cancelled")


def cards(page) -> list[str]:
    return page.locator("#history-table .history-batch").all_inner_texts()


def pick(page, elem_id: str, label: str) -> None:
    page.locator(f"#{elem_id} input").first.click()
    page.get_by_role("option", name=label, exact=True).click()


def test_history_shows_avatar_and_poses_and_filters_and_sorts(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        me = users.get_or_create(studio.db, name=users.LOCAL_USER, display_name="You").id
        spring = projects.create_project(studio, user_id=me, name="Spring catalogue")
        autumn = projects.create_project(studio, user_id=me, name="Autumn lookbook")
        amira = avatars.create_from_upload(studio, user_id=me, project_id=spring.id, name="Amira",
                                           file_path=make_photo(tmp_path / "a.png"))
        leila = avatars.create_from_upload(studio, user_id=me, project_id=autumn.id, name="Leila",
                                           file_path=make_photo(tmp_path / "l.png"))
        big, small = batch(studio, me, amira.id, poses=3), batch(studio, me, leila.id, poses=1)
        wait_for(lambda: finished(studio, me, big) and finished(studio, me, small), timeout=180, what="two batches")
        queue, studio.queue = studio.queue, HeldQueue()
        held = batch(studio, me, leila.id, poses=2)
        generations.cancel(studio, user_id=me, generation_id=held)
        studio.queue = queue
        poses = [p["name"] for p in _library(studio)]

        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        open_tab(page, "History")
        wait_for(lambda: len(cards(page)) == 3, what="three batch cards")
        first = cards(page)
        assert [c.split("·")[0].strip() for c in first] == [f"#{held}", f"#{small}", f"#{big}"]  # newest first
        assert "Amira" in first[2] and "Spring catalogue" in first[2] and f"3 poses: {', '.join(poses[:3])}" in first[2]
        assert "Leila" in first[1] and f"1 pose: {poses[0]}" in first[1] and "cancelled" in first[0]
        picture = page.locator(f"#history-table [data-batch='{big}'] img.history-avatar-picture")
        assert picture.get_attribute("alt") == "Amira"
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", picture.element_handle())
        shoot(page, "history-cards")

        pick(page, "history-project", "Autumn lookbook")
        wait_for(lambda: len(cards(page)) == 2, what="the Autumn batches only")
        assert all("Leila" in c for c in cards(page))
        pick(page, "history-status", "Cancelled")
        wait_for(lambda: len(cards(page)) == 1 and f"#{held}" in cards(page)[0], what="the cancelled batch")
        pick(page, "history-project", "All projects")
        pick(page, "history-status", "Done")
        wait_for(lambda: len(cards(page)) == 2 and all("cancelled" not in c for c in cards(page)), what="done ones")
        pick(page, "history-avatar", "Amira")
        wait_for(lambda: len(cards(page)) == 1 and "Amira" in cards(page)[0], what="Amira's batch")
        pick(page, "history-avatar", "All avatars")
        pick(page, "history-status", "Any status")
        pick(page, "history-order", "Most pictures")
        wait_for(lambda: len(cards(page)) == 3 and cards(page)[0].startswith(f"#{big}"), what="most pictures first")
        pick(page, "history-order", "Oldest")
        wait_for(lambda: [c.split("·")[0].strip() for c in cards(page)] == [f"#{big}", f"#{small}", f"#{held}"],
                 what="oldest first")
        shoot(page, "history-filtered")

        # A card opens its batch: its pictures below, its title above them.
        page.locator(f"#history-table [data-batch='{big}']").click()
        wait_for(lambda: page.locator("#history-results .thumbnail-item").count() == 3, what="the batch's pictures")
        assert f"Batch #{big}" in page.locator("#history-title").inner_text()


def test_sign_out_ends_a_password_login_and_the_local_studio_shows_who_works(page, browser, tmp_path):
    with running_studio(tmp_path / "data", STUDIO_AUTH=AUTH) as (studio, url):
        page.goto(url)
        page.locator("input[type=text], input[name=username]").first.fill("ana")
        page.locator("input[type=password]").fill(LOGINS["ana"])
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#studio-balance", timeout=60_000)
        header = page.locator("#studio-user")
        assert "Signed in as ana" in header.inner_text()
        sign_out = page.locator("#studio-signout")
        assert sign_out.is_visible() and sign_out.inner_text() == "Sign out"
        shoot(page, "sign-out-header")
        cookies = page.context.cookies()
        sign_out.click()
        page.wait_for_selector("input[type=password]", timeout=30_000)  # back at the sign-in form
        assert page.locator("#studio-balance").count() == 0
        page.goto(url)
        page.wait_for_selector("input[type=password]", timeout=30_000)
        shoot(page, "sign-out-done")
        # The old sign-in cookie opens nothing any more: the session ended on the server too.
        other = browser.new_context()
        other.add_cookies([c for c in cookies if c["name"].startswith("access-token")])
        stale = other.new_page()
        stale.goto(url)
        stale.wait_for_selector("input[type=password]", timeout=30_000)
        assert stale.locator("#studio-balance").count() == 0
        other.close()

    with running_studio(tmp_path / "local") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        assert "Working as You (local)" in page.locator("#studio-user").inner_text()
        assert page.locator("#studio-signout").count() == 0 and page.get_by_text("Sign out").count() == 0


def cut_texts(page, selector: str) -> list[str]:
    """Texts under ``selector`` that overflow their box (cut or hidden), or stick out of the screen."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.offsetParent !== null)
        .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1
                     || e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.innerText)""", selector)


def test_on_a_phone_generate_is_in_reach_and_history_reads_whole(browser, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        with running_studio(tmp_path / "data") as (studio, url):
            make_avatar_and_pick(page, url, tmp_path, poses=3)
            # Every tab on the bar, none in a "..." menu; the pose names whole on their tiles.
            for name in ("Avatar", "Pose gallery", "Batch", "History", "Credits", "Admin"):
                assert page.get_by_role("tab", name=name, exact=True).is_visible(), name
            assert cut_texts(page, "#gallery-grid .caption-label") == []
            open_tab(page, "Batch")
            wait_for(lambda: "45 credits" in page.locator("#batch-cost-box").inner_text(), what="the cost")
            page.evaluate("() => window.scrollTo(0, 0)")
            generate = page.locator("#batch-submit")
            box = generate.bounding_box()
            assert box and 0 <= box["y"] and box["y"] + box["height"] <= 844, box  # on screen, no scrolling
            # Nothing covers it: the point at its centre is the button itself.
            assert page.evaluate("""([x, y]) => document.elementFromPoint(x, y).closest('#batch-submit') !== null""",
                                 [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
            assert cut_texts(page, "#batch-poses .caption-label") == []
            shoot_viewport(page, "phone-batch")
            generate.tap()
            wait_for(lambda: page.locator("#batch-progress").get_attribute("data-status") in ("completed", "partial"),
                     timeout=180, what="the batch started from the phone")

            open_tab(page, "History")
            wait_for(lambda: len(cards(page)) == 1, what="the batch card")
            assert cut_texts(page, "#history-table .history-batch, #history-table .history-batch-text > span") == []
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
            assert "Amira" in cards(page)[0] and "3 poses:" in cards(page)[0]
            shoot(page, "phone-history")
            open_tab(page, "Avatar")
            wait_for(lambda: page.locator("#avatar-gallery .caption-label").count() == 1, what="the avatar's name")
            assert cut_texts(page, "#avatar-gallery .caption-label") == []
    finally:
        context.close()


def shoot_viewport(page, name: str) -> None:
    """What the phone's screen shows, unscrolled (a full-page shot would hide where the bar is)."""
    from tests.ui.test_studio_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


DROP = """async ([selector, files]) => {
    const zone = document.querySelector(selector);
    const data = new DataTransfer();
    for (const [name, type, b64] of files) {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        data.items.add(new File([bytes], name, {type}));
    }
    for (const kind of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(kind, {dataTransfer: data, bubbles: true, cancelable: true}));
    }
}"""


def dropped(path: Path, kind: str) -> list[str]:
    return [path.name, kind, base64.b64encode(path.read_bytes()).decode()]


def test_several_photos_dropped_at_once_become_one_avatar_each(page, tmp_path):
    notes = tmp_path / "notes.png"
    notes.write_text("shopping list: oat milk")
    suit = tmp_path / "suit.png"
    without_a_face().save(suit)
    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        fill(page, "avatar-new-project", "Spring catalogue")
        page.locator("#avatar-create-project").click()
        wait_for(lambda: "created" in page.locator("#avatar-status").inner_text(), what="the project")
        files = [dropped(Path(make_photo(tmp_path / "amira_smile.png")), "image/png"), dropped(notes, "image/png"),
                 dropped(suit, "image/png")]
        from PIL import Image

        Image.open(tmp_path / "amira_smile.png").resize((300, 380)).save(tmp_path / "amira_side.png")
        files.append(dropped(tmp_path / "amira_side.png", "image/png"))
        page.evaluate(DROP, ["#avatar-photo-input button, #avatar-photo-input [data-testid=file-upload]", files])
        preview = page.locator("#avatar-photo-preview")
        wait_for(lambda: preview.locator(".photo-file").count() == 4, what="a check of each dropped photo")
        assert "notes.png" in preview.inner_text() and "Photo:" in preview.inner_text()
        shoot(page, "avatar-several-photos")

        page.locator("#avatar-upload").click()
        status = page.locator("#avatar-status")
        wait_for(lambda: "2 avatars saved" in status.inner_text(), timeout=90, what="two avatars")
        said = status.inner_text()
        assert "amira smile" in said and "amira side" in said
        assert "notes.png: this file is not a picture" in said and "suit.png: no face was found" in said
        wait_for(lambda: page.locator("#avatar-gallery .thumbnail-item").count() == 2, what="both in the gallery")
        wait_for(lambda: page.locator("#studio-balance").inner_text() == "196", what="2 credits per avatar made")
        assert page.locator("#avatar-upload").is_enabled()
        shoot(page, "avatar-several-photos-saved")
