"""Issue 12 in headless Chromium: a batch whose pose bar no tiny picture can pass re-rolls each
image twice (free), says so, and badges every result; History shows the same; the Avatar tab
tells whether a photo is the same person as the avatar."""

from __future__ import annotations

import re

import pytest

from tests import photos
from tests.ui.studio_server import running_studio
from tests.ui.test_studio_browser import FINISHED, make_avatar_and_pick, open_tab, progress_state, shoot, wait_for

pytestmark = pytest.mark.browser


def set_slider(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_drifts_are_re_rolled_free_and_every_result_is_badged(page, tmp_path):
    with running_studio(tmp_path / "data", STUDIO_MAX_REROLLS=2) as (studio, url):
        make_avatar_and_pick(page, url, tmp_path, poses=3)
        open_tab(page, "Batch")
        wait_for(lambda: "45 credits" in page.locator("#batch-cost-box").inner_text(), what="the cost")
        page.get_by_text("Quality checks").click()
        assert page.locator("#batch-reroll input").is_checked()  # on by default
        # The face pass follows the preset: off for tiny, on for standard (small full-body faces).
        face_pass = page.locator("#batch-face-pass input")
        assert not face_pass.is_checked()
        page.locator("#batch-preset").get_by_text("Standard", exact=False).click()
        wait_for(face_pass.is_checked, what="the face pass to follow the standard preset")
        page.locator("#batch-preset").get_by_text("Tiny (offline test model)", exact=False).click()
        wait_for(lambda: not face_pass.is_checked(), what="the face pass to follow the tiny preset")
        wait_for(lambda: "45 credits" in page.locator("#batch-cost-box").inner_text(), what="the tiny cost again")
        set_slider(page, "batch-pose-bar", 100)
        set_slider(page, "batch-rerolls", 2)
        page.wait_for_timeout(300)
        page.locator("#batch-submit").click()
        assert wait_for(lambda: progress_state(page)[0] in FINISHED and progress_state(page)[0], timeout=240,
                        what="the batch to finish") == "completed"

        summary = page.locator("#batch-quality")
        wait_for(lambda: summary.count() and "9 pictures made for 3 images" in summary.inner_text(),
                 what="the re-roll count")
        text = summary.inner_text()
        assert "re-rolls are free, you paid for the 3 images only" in text, text
        assert "3 of 3 below the 100 % bar" in text and "no face visible in any of the 3 pictures" in text, text
        captions = page.locator("#batch-results .caption-label")
        wait_for(lambda: captions.count() == 3, what="three results")
        assert all(c.endswith("(best of 3)") and re.search(r"Pose \d+ %", c) and "face not visible" in c
                   for c in captions.all_inner_texts()), captions.all_inner_texts()
        # Charged for three images, not nine pictures.
        wait_for(lambda: "153" in page.locator("#studio-balance").inner_text(), what="the balance after 45")
        shoot(page, "batch-quality-checks")

        # Narrowing to the results below the pose bar keeps all three (none passed it).
        page.locator("#batch-show input").click()
        page.get_by_role("option", name="Below the pose bar").click()
        page.wait_for_timeout(800)
        assert captions.count() == 3

        open_tab(page, "History")
        cell = page.locator("#history-table").get_by_text("completed", exact=True).filter(visible=True).first
        cell.wait_for(timeout=20_000)
        cell.click()
        history = page.locator("#history-results .caption-label")
        wait_for(lambda: history.count() == 3, what="history images")
        assert all("face not visible" in c and c.endswith("(best of 3)") for c in history.all_inner_texts())
        wait_for(lambda: "9 pictures made for 3 images" in page.locator("#history-title").inner_text(),
                 what="the batch's summary in History")
        shoot(page, "history-quality-checks")


def test_the_avatar_tab_says_whether_a_photo_is_the_same_person(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        make_avatar_and_pick(page, url, tmp_path, poses=0)  # the avatar is Grace Hopper's portrait
        open_tab(page, "Avatar")
        page.locator("#avatar-gallery .thumbnail-item").first.click()
        page.get_by_text("Is this the same person as my avatar?").click()
        answer = page.locator("#avatar-same-answer")
        for photo, expected in ((photos.GRACE_HOPPER, "the same person"), (photos.ASTRONAUT, "someone else")):
            page.locator("#avatar-same-photo input[type=file]").set_input_files(str(photo))
            wait_for(lambda: photo.name in page.locator("#avatar-same-photo").inner_text().replace("\n", ""), what="the upload")
            page.locator("#avatar-same-check").click()
            wait_for(lambda: expected in answer.inner_text(), what=f"the answer for {photo.name}")
            assert re.search(r"Likeness \d+ % — ", answer.inner_text())
            page.locator("#avatar-same-photo button[aria-label=Clear]").click()
            wait_for(lambda: not answer.inner_text().strip(), what="the answer to clear with the photo")
        # A photo with no face is refused beside the button, in words, before anything is compared.
        photos.without_a_face().save(tmp_path / "suit.png")
        page.locator("#avatar-same-photo input[type=file]").set_input_files(str(tmp_path / "suit.png"))
        wait_for(lambda: "suit.png" in page.locator("#avatar-same-photo").inner_text().replace("\n", ""), what="the upload")
        page.locator("#avatar-same-check").click()
        wait_for(lambda: "no face found" in answer.inner_text(), what="the refusal of a photo without a face")
        shoot(page, "avatar-same-person")
