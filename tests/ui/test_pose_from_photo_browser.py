"""Pose from a reference photo, in headless Chromium: the astronaut's photo -> the skeleton over
it -> one joint dragged in the editor -> saved to My poses -> rendered in a batch on the tiny
preset. A photo with nobody in it is refused in words and leaves the page as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from pipelines.keypoints import JOINT
from tests.ui.studio_server import running_studio
from tests.ui.test_studio_browser import FINISHED, fill, make_avatar, open_tab, progress_state, shoot, wait_for

pytestmark = pytest.mark.browser

ASTRONAUT = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "astronaut.png"
# Read off the 512x512 photo by eye (px): the tip of her nose, and her shoulders under the suit
# (her right shoulder is on the picture's left).
SEEN = {"nose": (224, 126), "right_shoulder": (100, 245), "left_shoulder": (315, 260)}
SIDE = 512
TOLERANCE = 0.05  # of the photo's size
EDITOR = "#gallery-pose-editor"
OVERLAY_IMG = "#pose-photo-overlay img"
PREVIEW_IMG = ".pose-editor-preview img"


def landscape(path: Path) -> str:
    """Sky, sun and hills, with nobody in them: a photo the studio must refuse."""
    image = Image.new("RGB", (640, 420), (120, 170, 230))
    draw = ImageDraw.Draw(image)
    for y in range(200):
        draw.line([(0, y), (640, y)], fill=(120 + y // 4, 170 + y // 8, 230))
    draw.ellipse((470, 40, 550, 120), fill=(255, 220, 120))
    draw.polygon([(0, 300), (180, 200), (380, 290), (520, 230), (640, 280), (640, 420), (0, 420)], fill=(70, 130, 60))
    draw.polygon([(0, 360), (260, 300), (640, 370), (640, 420), (0, 420)], fill=(50, 100, 45))
    image.save(path)
    return str(path)


def editor_pose(page) -> dict:
    """The pose the editor in the page holds now."""
    return page.evaluate(f"() => document.querySelector('{EDITOR} .pe-root').parentElement.poseEditor.pose")


def src(page, selector: str) -> str:
    node = page.locator(selector).first
    return (node.get_attribute("src") or "") if node.count() else ""


def find_pose(page, photo: str) -> None:
    chosen = page.locator("#pose-photo button[aria-label=Clear]")
    if chosen.count():  # a photo is already there: the creator removes it to choose another
        chosen.click()
    # The accordion mounts its content as it opens: files given to an input that is then replaced
    # are lost, so wait for the box to show, and give the file again if it never arrives.
    page.locator("#pose-photo-find").wait_for(state="visible", timeout=30_000)
    for attempt in range(3):
        page.locator("#pose-photo input[type=file]").set_input_files(photo)
        try:
            # The file is on the server once Gradio shows its name in the upload box.
            wait_for(lambda: Path(photo).name in page.locator("#pose-photo").inner_text().replace("\n", ""),
                     timeout=30, what="the upload")
            break
        except AssertionError:
            if attempt == 2:
                shoot(page, "pose-photo-upload-lost")
                raise
    page.locator("#pose-photo-find").click()


def test_pose_from_a_photo_edited_saved_and_rendered(page, tmp_path):
    from sqlmodel import select

    from studio.db.tables import GenerationItem, Pose
    from studio.services import users

    with running_studio(tmp_path / "data") as (studio, url):
        make_avatar(page, url, tmp_path)
        open_tab(page, "Pose gallery")
        page.get_by_text("Pose from a reference photo").click()
        preview_before = src(page, PREVIEW_IMG)  # the editor's starting pose, drawn on page load
        find_pose(page, str(ASTRONAUT))

        # The skeleton comes back drawn over the photo, inside the page (no file link to leak).
        wait_for(lambda: src(page, OVERLAY_IMG).startswith("data:image/"), timeout=120, what="the overlay")
        caption = page.locator("#pose-photo-overlay figcaption").inner_text()
        assert "1 person found" in caption, caption
        # ... and the pose is in the editor, opened below it, where the photo shows her.
        page.locator(f"{EDITOR} .pe-joint[data-name=right_shoulder] .pe-dot").wait_for(timeout=20_000)
        wait_for(lambda: src(page, PREVIEW_IMG) not in ("", preview_before), what="the conditioning preview")
        found = editor_pose(page)
        assert found["aspect"] == pytest.approx(1.0, abs=0.01)  # the photo is square
        for name, (x, y) in SEEN.items():
            fx, fy, visible = found["body"][JOINT[name]]
            assert visible, f"{name} should be found: the photo shows it clearly"
            assert abs(fx - x / SIDE) <= TOLERANCE and abs(fy - y / SIDE) <= TOLERANCE, (name, fx * SIDE, fy * SIDE)
        page.locator("#pose-photo-overlay").scroll_into_view_if_needed()
        shoot(page, "pose-from-photo-overlay")

        # A landscape is refused in words; the overlay and the editor keep what they had.
        overlay_before, preview_found = src(page, OVERLAY_IMG), src(page, PREVIEW_IMG)
        find_pose(page, landscape(tmp_path / "hills.png"))
        toast = page.locator("[data-testid=toast-body]").filter(has_text="person")
        toast.first.wait_for(timeout=60_000)
        shoot(page, "pose-from-photo-refused")
        assert src(page, OVERLAY_IMG) == overlay_before
        assert editor_pose(page) == found
        assert "1 person found" in page.locator("#pose-photo-overlay figcaption").inner_text()

        # Drag her right shoulder; the edit reaches Python when the pointer is released.
        shoulder = page.locator(f"{EDITOR} .pe-joint[data-name=right_shoulder] .pe-dot")
        shoulder.scroll_into_view_if_needed()
        box = shoulder.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 25, y - 30, steps=6)
        page.mouse.up()
        wait_for(lambda: src(page, PREVIEW_IMG) not in ("", preview_found), what="the edit to reach Python")
        edited = editor_pose(page)
        assert edited["body"][JOINT["right_shoulder"]][:2] != found["body"][JOINT["right_shoulder"]][:2]
        fill(page, "editor-name", "Astronaut portrait")
        page.locator("#editor-save").click()
        wait_for(lambda: "Saved" in page.locator("#editor-note").inner_text(), what="the save")

        # Saved as the creator's own pose, taken from a photo, with the dragged shoulder.
        owner = users.by_name(studio.db, "local")
        with studio.db.session() as session:
            saved = session.exec(select(Pose).where(Pose.name == "Astronaut portrait")).all()
        assert len(saved) == 1 and saved[0].owner_id == owner.id and saved[0].source == "extracted"
        assert saved[0].keypoints["body"][JOINT["right_shoulder"]][:2] == pytest.approx(
            edited["body"][JOINT["right_shoulder"]][:2], abs=1e-3)
        assert saved[0].keypoints["body"][JOINT["nose"]][:2] == pytest.approx(
            found["body"][JOINT["nose"]][:2], abs=1e-3)

        # Found under My poses, picked, and rendered in a batch.
        page.get_by_label("My poses only").check()
        mine = page.locator("#gallery-grid .thumbnail-item").filter(has_text="Astronaut portrait")
        mine.first.wait_for(timeout=30_000)
        mine.first.click()
        wait_for(lambda: "1 pose picked" in page.locator("#gallery-selection").inner_text(), what="the pick")
        open_tab(page, "Batch")
        wait_for(lambda: "credits" in page.locator("#batch-cost-box").inner_text(), what="the cost")
        page.locator("#batch-submit").click()
        status = wait_for(lambda: progress_state(page)[0] in FINISHED and progress_state(page), timeout=180,
                          what="the batch to finish")
        assert status == ("completed", 1, 1)
        wait_for(lambda: page.locator("#batch-results .thumbnail-item").count() == 1, what="the result")
        shoot(page, "pose-from-photo-batch")
        with studio.db.session() as session:
            items = session.exec(select(GenerationItem)).all()
        assert [(item.pose_id, item.status) for item in items] == [(saved[0].id, "completed")]
        assert items[0].keypoints == saved[0].keypoints
