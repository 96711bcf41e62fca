"""The whole creator path in headless Chromium, with a screenshot of every tab.

Project -> photo -> three poses -> cost -> generate -> live progress -> results -> ZIP ->
history -> ledger; and a page reload in the middle of a batch shows its progress again.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from tests.ui.studio_server import make_photo, running_studio

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FINISHED = ("completed", "partial", "failed", "cancelled")


def fill(page, elem_id: str, text: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(text)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def progress_state(page) -> tuple[str | None, int, int]:
    bar = page.locator("#batch-progress")
    if not bar.count():
        return None, 0, 0
    return bar.get_attribute("data-status"), int(bar.get_attribute("data-done")), int(bar.get_attribute("data-total"))


def make_avatar(page, url: str, tmp_path: Path) -> None:
    """Open the studio, make a project and an avatar from a photo."""
    page.goto(url)
    page.wait_for_selector("#studio-balance", timeout=60_000)
    fill(page, "avatar-new-project", "Spring catalogue")
    page.locator("#avatar-create-project").click()
    wait_for(lambda: "Spring catalogue" in page.locator("#avatar-project").inner_text()
             or "created" in page.locator("#avatar-status").inner_text(), what="the project")
    page.locator("#avatar-photo-input input[type=file]").set_input_files(make_photo(tmp_path / "me.png"))
    page.wait_for_selector("#avatar-photo-preview img", timeout=20_000)  # the studio checked it
    fill(page, "avatar-photo-name", "Amira")
    page.locator("#avatar-upload").click()
    wait_for(lambda: "saved" in page.locator("#avatar-status").inner_text(), what="the avatar to save")
    shoot(page, "tab-avatar")


def make_avatar_and_pick(page, url: str, tmp_path: Path, poses: int) -> None:
    make_avatar(page, url, tmp_path)
    open_tab(page, "Pose gallery")
    thumbs = page.locator("#gallery-grid .thumbnail-item")
    wait_for(lambda: thumbs.count() >= poses, what="pose thumbnails")
    for i in range(poses):
        thumbs.nth(i).click()
        wait_for(lambda: f"{i + 1} pose" in page.locator("#gallery-selection").inner_text(), what=f"pick {i + 1}")
        wait_for(lambda: thumbs.count() >= poses and "✓" in thumbs.nth(i).inner_text(), what=f"the tick on pick {i + 1}")
    page.wait_for_timeout(500)
    shoot(page, "tab-gallery")


def test_whole_path_in_the_browser(page, tmp_path):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    with running_studio(tmp_path / "data") as (studio, url):
        make_avatar_and_pick(page, url, tmp_path, poses=3)

        open_tab(page, "Batch")
        wait_for(lambda: "45 credits" in page.locator("#batch-cost-box").inner_text(), what="the cost")
        assert "balance 198" in page.locator("#batch-cost-box").inner_text()
        page.locator("#batch-submit").click()

        seen_running = False
        def finished():
            nonlocal seen_running
            status, done, total = progress_state(page)
            seen_running |= status in ("queued", "running")
            return status in FINISHED and status
        assert wait_for(finished, timeout=120, what="the batch to finish") == "completed"
        assert seen_running, "the progress bar never showed the batch in flight"
        assert progress_state(page)[1:] == (3, 3)
        assert page.locator("#batch-progress .batch-error").count() == 0  # all done: no red error
        results = page.locator("#batch-results .thumbnail-item")
        wait_for(lambda: results.count() == 3, what="three results")
        wait_for(lambda: "153" in page.locator("#studio-balance").inner_text(), what="the header balance")
        shoot(page, "tab-batch")

        open_tab(page, "History")
        first_cell = page.locator("#history-table").get_by_text("completed", exact=True).filter(visible=True).first
        try:
            first_cell.wait_for(timeout=20_000)
        finally:
            shoot(page, "tab-history")
        first_cell.click()
        wait_for(lambda: page.locator("#history-results .thumbnail-item").count() == 3, what="history images")
        page.locator("#history-zip").click()
        link = page.locator("#history-download a[href]").first
        link.wait_for(timeout=30_000)
        with page.expect_download() as download:
            link.click()
        archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
        names = archive.namelist()
        assert "manifest.json" in names
        assert len([n for n in names if n.endswith(".jpg")]) == 3  # the chosen Instagram feed size
        shoot(page, "tab-history")

        open_tab(page, "Credits")
        ledger = page.locator("#credits-ledger")
        wait_for(lambda: "-45" in ledger.inner_text(), what="the batch charge in the ledger")
        assert "-2" in ledger.inner_text() and "+200" in ledger.inner_text()
        shoot(page, "tab-credits")

        open_tab(page, "Admin")  # the local user is the studio's admin
        shoot(page, "tab-admin")

        # Nothing came from the internet: no CDN script, font or image.
        foreign = [u for u in requested if not u.startswith((url, "data:", "blob:"))]
        assert foreign == [], foreign

        # A phone-sized screen: the page reflows to its width (no sideways scrolling).
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
        shoot(page, "phone")


def test_reloading_during_a_batch_shows_its_progress_again(page, tmp_path):
    # Eight poses at 16 steps keep the tiny model busy long enough to reload in the middle.
    with running_studio(tmp_path / "data", STUDIO_BATCH_SIZE="1", STUDIO_STARTER_CREDITS="1200") as (studio, url):
        make_avatar_and_pick(page, url, tmp_path, poses=8)
        open_tab(page, "Batch")
        wait_for(lambda: "credits" in page.locator("#batch-cost-box").inner_text(), what="the cost")
        page.locator("#batch-poses").scroll_into_view_if_needed()
        page.get_by_text("Advanced").click()
        page.get_by_label("Steps (0 = preset default)").fill("16")
        # 16 steps are 8x the tiny preset's 2: the cost says so before anything is charged.
        wait_for(lambda: "8x the work" in page.locator("#batch-cost-box").inner_text(), what="the cost by work")
        page.locator("#batch-submit").click()
        wait_for(lambda: progress_state(page)[0] in ("queued", "running"), what="the batch to start")

        page.reload()
        page.wait_for_selector("#studio-balance", timeout=60_000)
        open_tab(page, "Batch")
        status, done, total = wait_for(lambda: progress_state(page)[0] and progress_state(page),
                                       what="progress after the reload")
        assert total == 8
        assert status in ("queued", "running"), "the reload should land in the middle of the batch"
        # The picture forming: the newest step's preview, loaded through its signed link.
        forming = page.locator("#batch-progress img.batch-forming")
        wait_for(lambda: forming.count() and forming.evaluate("img => img.complete && img.naturalWidth > 0"),
                 what="the picture forming")
        shoot(page, "batch-after-reload")
        final = wait_for(lambda: progress_state(page)[0] in FINISHED and progress_state(page), timeout=300,
                         what="the batch to finish after the reload")
        assert final == ("completed", 8, 8)
        assert page.locator("#batch-progress img.batch-forming").count() == 0  # the pictures replace it


def test_designer_drags_a_joint_saves_and_finds_it_in_my_poses(page, tmp_path):
    from sqlmodel import select

    from studio.db.tables import Pose
    from studio.services import users

    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        open_tab(page, "Pose gallery")
        thumbs = page.locator("#gallery-grid .thumbnail-item")
        wait_for(lambda: thumbs.count() > 0, what="pose thumbnails")
        thumbs.first.click()
        wait_for(lambda: page.locator("#gallery-details").inner_text().strip(), what="the pose details")
        library_name = page.locator("#gallery-details strong").first.inner_text()
        page.locator("#gallery-edit-copy").click()

        wrist = page.locator("#gallery-pose-editor .pe-joint[data-name=right_wrist] .pe-dot")
        wrist.wait_for(timeout=20_000)
        wait_for(lambda: "my version" in page.locator("#editor-name input, #editor-name textarea").first.input_value(),
                 what="the editor to load the library pose")
        before = page.evaluate("() => document.querySelector('#gallery-pose-editor .pe-root').parentElement"
                               ".poseEditor.pose.body[4]")
        wrist.scroll_into_view_if_needed()
        box = wrist.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 30, y - 45, steps=6)
        page.mouse.up()
        page.wait_for_timeout(800)  # the finished edit travels to Python on release
        fill(page, "editor-name", "Wave for the camera")
        page.locator("#editor-save").click()
        wait_for(lambda: "Saved" in page.locator("#editor-note").inner_text(), what="the save")
        shoot(page, "pose-editor-in-studio")

        # The saved pose is the dragged one, and it is the creator's own.
        owner = users.by_name(studio.db, "local")
        with studio.db.session() as session:
            saved = session.exec(select(Pose).where(Pose.name == "Wave for the camera")).all()
        assert len(saved) == 1 and saved[0].owner_id == owner.id
        assert saved[0].keypoints["body"][4][:2] != before[:2]

        page.get_by_label("My poses only").check()
        wait_for(lambda: "Wave for the camera" in page.locator("#gallery-grid").inner_text(),
                 what="the pose under My poses")
        assert library_name not in page.locator("#gallery-grid").inner_text()


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Gradio dropdown by its label."""
    page.get_by_label(label).click()
    page.get_by_role("option", name=option).first.click()


def test_avatar_from_words_and_from_a_preset(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        fill(page, "avatar-new-project", "Personas")
        page.locator("#avatar-create-project").click()
        wait_for(lambda: "created" in page.locator("#avatar-status").inner_text(), what="the project")

        page.get_by_role("tab", name="From words").click()
        choose(page, "Start from an example persona", "Kemi")
        page.get_by_role("button", name="Write the prompt").click()
        prompt = page.get_by_label("Prompt (edit freely)")
        wait_for(lambda: "sportswear" in prompt.input_value(), what="the persona's prompt")
        page.get_by_role("button", name="Preview 4 candidates · 10 credits").click()
        wait_for(lambda: "10 credits were charged" in page.locator("#avatar-status").inner_text(),
                 timeout=120, what="the candidates")
        cards = page.locator(".thumbnail-item").filter(has_text="seed")
        assert cards.count() == 4
        cards.nth(1).click()
        page.get_by_role("button", name="Save the chosen candidate").click()
        wait_for(lambda: "Avatar **" not in page.locator("#avatar-status").inner_text()
                 and "Kemi" in page.locator("#avatar-status").inner_text(), what="the saved avatar")
        wait_for(lambda: "190" in page.locator("#studio-balance").inner_text(), what="10 credits charged")

        page.get_by_role("tab", name="From a preset").click()
        choose(page, "Preset", "Fitness athlete")
        page.get_by_role("button", name="Create avatar · 8 credits").click()
        wait_for(lambda: "created (8 credits)" in page.locator("#avatar-status").inner_text(), timeout=120,
                 what="the preset avatar")
        wait_for(lambda: "182" in page.locator("#studio-balance").inner_text(), what="8 credits charged")
        wait_for(lambda: "Personas (2)" in page.get_by_role("combobox", name="Project").input_value(),
                 what="the project to count both avatars")
