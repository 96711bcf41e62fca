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
