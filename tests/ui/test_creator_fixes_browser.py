"""Issue 13 in headless Chromium: gallery paging stays inside the list, Enter creates a project."""

from __future__ import annotations

import re

from tests.ui.studio_server import running_studio
from tests.ui.test_studio_browser import fill, open_tab, shoot, wait_for


def gallery_info(page) -> str:
    return page.locator("#gallery-info").inner_text()


def page_of(page) -> tuple[int, int] | None:
    found = re.search(r"page (\d+) of (\d+)", gallery_info(page))
    return (int(found[1]), int(found[2])) if found else None


def type_page(page, number: int) -> None:
    box = page.locator("#gallery-page input")
    box.fill(str(number))
    box.press("Enter")


def test_gallery_paging_never_wraps_and_a_page_past_the_end_shows_the_last(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        open_tab(page, "Pose gallery")
        first, last = wait_for(lambda: page_of(page), what="the gallery's page count")
        assert first == 1 and last > 1, "the shipped library should fill more than one page"

        type_page(page, 99)
        wait_for(lambda: f"page {last} of {last}" in gallery_info(page) and "no page 99" in gallery_info(page),
                 what="page 99 to show the last page and say so")
        assert page.locator("#gallery-page input").input_value() == str(last)
        shoot(page, "gallery-past-the-end")

        # Next on the last page stays there (it used to wrap to page 1).
        page.locator("#gallery-next").click()
        wait_for(lambda: f"no page {last + 1}" in gallery_info(page), what="Next on the last page")
        assert page_of(page) == (last, last)
        assert page.locator("#gallery-page input").input_value() == str(last)

        # Previous on page 1 stays on page 1: Next from there lands on page 2.
        type_page(page, 1)
        wait_for(lambda: page_of(page) == (1, last) and "no page" not in gallery_info(page), what="page 1")
        page.locator("#gallery-prev").click()
        page.wait_for_timeout(1000)  # let Previous's listing land before Next reads the page number
        assert page_of(page) == (1, last)
        page.locator("#gallery-next").click()
        wait_for(lambda: page_of(page) == (2, last), what="Next from page 1 to page 2")


def test_enter_in_the_new_project_box_creates_the_project(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        fill(page, "avatar-new-project", "Autumn lookbook")
        page.locator("#avatar-new-project input, #avatar-new-project textarea").first.press("Enter")
        wait_for(lambda: "Autumn lookbook" in page.locator("#avatar-status").inner_text()
                 and "created" in page.locator("#avatar-status").inner_text(), what="the project from Enter")
        wait_for(lambda: "Autumn lookbook" in page.locator("#avatar-project").inner_text()
                 or "Autumn lookbook" in page.locator("#avatar-project input").input_value(),
                 what="the new project chosen")


def grid_captions(page) -> list[str]:
    return page.locator("#gallery-grid .caption-label").all_inner_texts()


def test_gallery_names_are_whole_a_star_keeps_the_pose_in_place_and_voting_is_picking(page, tmp_path):
    from studio.services import pose_requests, users

    with running_studio(tmp_path / "data") as (studio, url):
        # Another creator asked for a pose: the local creator votes for it by picking its name.
        ben = users.get_or_create(studio.db, name="ben")
        pose_requests.create_request(studio, user_id=ben.id, name="Holding a shopping bag",
                                     description="Bag over the right shoulder, looking back")
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        open_tab(page, "Pose gallery")
        wait_for(lambda: len(grid_captions(page)) > 5, what="the gallery's first page")

        # Names wrap instead of being cut to a few characters: no caption overflows its tile.
        cut = page.evaluate("""() => [...document.querySelectorAll('#gallery-grid .caption-label')]
            .filter(c => c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1)
            .map(c => c.innerText)""")
        assert cut == [], f"captions cut off: {cut}"

        # Starring a pose marks it where it is; it does not jump to the top while browsing.
        before = grid_captions(page)
        third = page.locator("#gallery-grid .thumbnail-item").nth(2)
        third.click()
        page.locator("#gallery-favourite").click()
        wait_for(lambda: grid_captions(page)[2].lstrip("✓ ").startswith("★"), what="the star on the third pose")
        after = grid_captions(page)
        assert [c.replace("✓ ", "").replace("★ ", "") for c in after] == \
               [c.replace("✓ ", "").replace("★ ", "") for c in before], "the grid's order changed after a star"
        shoot(page, "gallery-starred-in-place")

        page.get_by_text("Request a pose the library lacks").click()
        pick = page.locator("#request-vote-pick input")
        pick.click()
        page.get_by_role("option", name=re.compile("Holding a shopping bag")).click()
        page.get_by_role("button", name="Vote", exact=True).click()
        wait_for(lambda: "now has 1 vote" in page.locator("body").inner_text(), what="the vote to count")
        assert pose_requests.list_open_requests(studio.db, user_id=ben.id)[0].votes == 1
        shoot(page, "gallery-vote-picked")


def test_an_openpose_file_opens_in_the_editor_and_my_pose_is_renamed_then_deleted_in_two_presses(page, tmp_path):
    import json

    from sqlmodel import select

    from pipelines.keypoints import Keypoints
    from pipelines.openpose_formats import to_openpose_json
    from studio.db.tables import Pose
    from tests.jobs.conftest import STANDING

    pose_file = tmp_path / "hero_stance.json"
    pose_file.write_text(json.dumps(to_openpose_json(Keypoints.from_json({"aspect": 0.75, "body": STANDING}),
                                                     768, 1024)))
    with running_studio(tmp_path / "data") as (studio, url):
        page.goto(url)
        page.wait_for_selector("#studio-balance", timeout=60_000)
        open_tab(page, "Pose gallery")
        page.get_by_text("Import a pose file").click()
        page.locator("#pose-file input[type=file]").set_input_files(str(pose_file))
        # Gradio draws the name's stem and extension apart ("hero_stance" / ".json").
        wait_for(lambda: "hero_stance.json" in page.locator("#pose-file").inner_text().replace("\n", ""),
                 what="the upload")
        page.locator("#pose-file-open").click()
        wait_for(lambda: "The pose from your file is in the editor" in page.locator("#editor-note").inner_text(),
                 what="the file's pose in the editor")
        fill(page, "editor-name", "Hero stance")
        page.locator("#editor-save").click()
        wait_for(lambda: "Saved" in page.locator("#editor-note").inner_text(), what="the save")
        with studio.db.session() as session:
            saved = session.exec(select(Pose).where(Pose.name == "Hero stance")).one()
        assert saved.source == "imported" and saved.keypoints["body"][1][2] == 1

        page.get_by_label("My poses only").check()
        wait_for(lambda: grid_captions(page) == ["Hero stance"], what="my one pose")
        page.locator("#gallery-grid .thumbnail-item").first.click()
        page.get_by_text("My pose: rename or delete").click()
        fill(page, "gallery-rename-name", "Hero stance, wide")
        page.locator("#gallery-rename").click()
        wait_for(lambda: grid_captions(page) and "Hero stance, wide" in grid_captions(page)[0], what="the new name")

        page.locator("#gallery-delete").click()
        wait_for(lambda: "again to delete" in page.locator("#gallery-note").inner_text(), what="the warning")
        assert len(grid_captions(page)) == 1  # nothing deleted yet
        page.locator("#gallery-delete").click()
        wait_for(lambda: "Deleted" in page.locator("#gallery-note").inner_text(), what="the delete")
        wait_for(lambda: grid_captions(page) == [], what="the empty grid")
        with studio.db.session() as session:
            assert session.get(Pose, saved.id) is None
        shoot(page, "gallery-my-pose-deleted")
