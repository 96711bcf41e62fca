"""Issue 13, the Batch tab's results in headless Chromium: each image's state (queued, drawing,
done, failed with its reason); a picked picture starred and downloaded in full or in any size;
its pose's variations side by side; the pose skeleton drawn over the results on request."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlmodel import select

from pipelines.keypoints import COLOURS, Keypoints
from pipelines.skeleton import fit_transform
from studio.db.tables import GenerationItem, Pose
from tests.ui.studio_server import running_studio
from tests.ui.test_quality_browser import set_slider
from tests.ui.test_studio_browser import FINISHED, make_avatar_and_pick, open_tab, progress_state, shoot, wait_for

pytestmark = pytest.mark.browser
SKELETON_FILE = re.compile(r"/item\d+\.webp$")  # results.skeleton_path: links end with the file's name


def break_pose(studio, name: str) -> None:
    """The library pose ``name`` loses its neck: the engine refuses it, so its images fail."""
    with studio.db.session() as session:
        pose = session.exec(select(Pose).where(Pose.name == name, Pose.owner_id.is_(None))).one()
        body = [list(row) for row in pose.keypoints["body"]]
        body[1][2] = 0
        pose.keypoints = {**pose.keypoints, "body": body}
        session.add(pose)


def item_states(page) -> list[str]:
    return page.locator("#batch-items .batch-item").evaluate_all("(items) => items.map(i => i.dataset.status)")


def tile_sources(page) -> list[str]:
    """The results' pictures, once each (a picture clicked open shows the tiles again in a strip)."""
    shown = page.locator("#batch-results .thumbnail-item img").evaluate_all("(imgs) => imgs.map(i => i.src)")
    return list(dict.fromkeys(shown))


def items(studio) -> list[GenerationItem]:
    with studio.db.session() as session:
        return list(session.exec(select(GenerationItem).order_by(GenerationItem.finished_at, GenerationItem.id)))


def choose_size(page, label: str) -> None:
    page.locator("#batch-one-size input").click()
    page.get_by_role("option", name=label).click()


def test_each_images_state_then_star_download_compare_and_the_skeleton(page, tmp_path):
    with running_studio(tmp_path / "data") as (studio, url):
        make_avatar_and_pick(page, url, tmp_path, poses=3)
        open_tab(page, "Batch")
        picked = page.locator("#batch-poses .caption-label")
        wait_for(lambda: picked.count() == 3, what="the three picked poses")
        broken = picked.nth(2).inner_text().strip()
        break_pose(studio, broken)
        set_slider(page, "batch-variations", 2)
        wait_for(lambda: "90 credits" in page.locator("#batch-cost-box").inner_text(), what="the cost of six images")
        page.locator("#batch-submit").click()

        seen: set[str] = set()

        def finished():
            seen.update(item_states(page))
            status = progress_state(page)[0]
            return status in FINISHED and status
        assert wait_for(finished, timeout=240, what="the batch to finish") == "partial"
        # While it ran, images waited and one was being drawn; now each says how it ended.
        assert {"queued", "drawing"} <= seen, seen
        assert sorted(item_states(page)) == ["done"] * 4 + ["failed"] * 2
        failed = page.locator("#batch-items [data-status=failed]")
        assert all(text.startswith(f"{broken} · v") and "failed: " in text and "neck" in text
                   and "pose '" not in text  # the reason, without the engine's internal key
                   for text in failed.all_inner_texts()), failed.all_inner_texts()
        assert page.locator("#batch-items [data-status=done]").first.inner_text().endswith("done")
        shoot(page, "batch-each-image")

        # Click the first result: its line, and its pose's two variations side by side.
        tiles = page.locator("#batch-results .thumbnail-item")
        wait_for(lambda: tiles.count() == 4, what="the four results")
        first = next(i for i in items(studio) if i.status == "completed")
        tiles.first.click()
        line = page.locator("#batch-picked-line")
        wait_for(lambda: f"{first.pose_name} · v1" in line.inner_text(), what="the picked picture's line")
        assert re.search(r"seed \d+", line.inner_text())
        figures = page.locator("#batch-compare figure")
        wait_for(lambda: figures.count() == 2, what="the pose's variations side by side")
        assert [f.get_attribute("data-variation") for f in figures.all()] == ["1", "2"]
        assert page.locator("#batch-compare .batch-compare-picked").get_attribute("data-variation") == "1"
        assert "2 variations side by side" in page.locator("#batch-compare").inner_text()
        # Each variation opens its full picture.
        full = page.request.get(figures.first.locator("a").get_attribute("href"))
        assert full.ok and full.body() == studio.media.absolute(first.image_path).read_bytes()

        # Star it: its tile and the panel say so, and it is kept.
        page.locator("#batch-star").click()
        captions = page.locator("#batch-results .caption-label")
        wait_for(lambda: captions.first.inner_text().startswith("★"), what="the star on the tile")
        assert "Starred" in page.locator("#batch-star").inner_text() and "★ starred" in line.inner_text()
        assert sum(c.startswith("★") for c in captions.all_inner_texts()) == 1
        with studio.db.session() as session:
            assert session.get(GenerationItem, first.id).favourite

        # Download it: the original is the stored picture, named after the project, pose, variation and seed.
        page.locator("#batch-download-one").click()
        link = page.locator("#batch-download a")
        wait_for(lambda: link.count() == 1 and "original" in link.get_attribute("download"), what="the download")
        assert re.fullmatch(r"spring-catalogue_[a-z0-9-]+_v1_seed\d+_original\.png", link.get_attribute("download"))
        body = page.request.get(link.get_attribute("href")).body()
        assert body == studio.media.absolute(first.image_path).read_bytes()
        assert "seed" in Image.open(io.BytesIO(body)).info["parameters"].lower()
        # ... and in any size.
        choose_size(page, "Instagram feed (square)")
        page.locator("#batch-download-one").click()
        wait_for(lambda: link.count() == 1 and "instagram_feed" in link.get_attribute("download"),
                 what="the Instagram download")
        assert Image.open(io.BytesIO(page.request.get(link.get_attribute("href")).body())).size == (1080, 1080)
        shoot(page, "batch-picked-and-compared")

        # The skeleton over every result: the pose each was asked to follow, where it was drawn.
        assert not any(SKELETON_FILE.search(src) for src in tile_sources(page))
        page.locator("#batch-skeleton input").check()
        wait_for(lambda: len(tile_sources(page)) == 4 and all(SKELETON_FILE.search(s) for s in tile_sources(page)),
                 what="the results with their skeletons")
        drawn = Image.open(io.BytesIO(page.request.get(tile_sources(page)[0]).body())).convert("RGB")
        pose = Keypoints.from_json(first.keypoints)
        neck = fit_transform(pose, *drawn.size).apply(*pose.body[1][:2])
        pixel = drawn.getpixel((round(neck[0]), round(neck[1])))
        assert all(abs(a - b) < 60 for a, b in zip(pixel, COLOURS[1])), (pixel, COLOURS[1])
        wait_for(lambda: all(SKELETON_FILE.search(src) for src in page.locator("#batch-compare img").evaluate_all(
            "(imgs) => imgs.map(i => i.src)")), what="the compared variations with their skeletons")
        assert captions.first.inner_text().startswith("★")  # the picked picture and its star stay
        shoot(page, "batch-skeleton")

        page.locator("#batch-skeleton input").uncheck()
        wait_for(lambda: not any(SKELETON_FILE.search(src) for src in tile_sources(page)),
                 what="the plain results again")

        # Issue 13 item 12: the two failed images' refunds read as one row of the batch.
        open_tab(page, "Credits")
        ledger = page.locator("#credits-ledger")
        wait_for(lambda: "refund" in ledger.inner_text(), what="the refund in the ledger")
        cells = ledger.inner_text().split("\n")
        assert cells.count("refund") == 1, cells
        at = cells.index("refund")
        assert cells[at + 1:at + 5] == ["+30", "138", "2 images not made", "generation:1"], cells
        shoot(page, "credits-one-refund-row")
