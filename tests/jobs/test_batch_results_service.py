"""The Batch tab's results as the services give them (issue 13): every image's state with the
reason a failed one gives, the pose skeleton drawn over a result where the engine placed it,
and a pose's variations for comparing; each only for the creator who made them."""

from __future__ import annotations

import pytest
from PIL import Image

from pipelines.keypoints import COLOURS, Keypoints
from pipelines.skeleton import fit_transform
from studio.services import generations, results
from studio.services.errors import InvalidInput, NotFound
from studio.jobs import orphans, worker
from studio.ui.batch_progress import items_html, progress_html


@pytest.fixture
def finished(job_studio, batches):
    """Three poses x two variations, the last pose unusable: four images done, two failed."""
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(3, broken=1)[::-1], variations=2)
    assert worker.process_generation(job_studio, g.id) == "partial"
    return uid, g.id, batches.items(g.id)


def test_every_image_says_where_it_is_and_a_failed_one_why(job_studio, finished):
    uid, gid, _ = finished
    p = generations.progress(job_studio.db, user_id=uid, generation_id=gid)
    planned = [(i.pose_name, i.variation, i.status) for i in p.plan]
    assert planned == [(f"pose {n}", v, "completed") for n in (2, 1) for v in (0, 1)] + [
        ("pose 0", 0, "failed"), ("pose 0", 1, "failed")]
    board = items_html(p)
    assert board.count("data-status='done'") == 4 and board.count("data-status='failed'") == 2
    failed = [i for i in p.plan if i.status == "failed"]
    assert all("neck" in i.error and "pose '" not in i.error for i in failed)  # the reason, not the engine's key
    assert f"pose 0 · v1</span> <span class='batch-item-state'>failed: {failed[0].error}" in board
    assert "Each image (6)" in progress_html(p)


def test_a_batch_still_waiting_lists_every_image_as_queued(job_studio, batches):
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(2))
    board = items_html(generations.progress(job_studio.db, user_id=uid, generation_id=g.id))
    assert board.count("data-status='queued'") == 2 and "done" not in board


def test_the_skeleton_is_drawn_where_the_pose_was_fitted_kept_and_goes_with_its_batch(job_studio, batches, finished):
    uid, gid, items = finished
    done = next(i for i in items if i.status == "completed")
    relative = results.skeleton_picture(job_studio, user_id=uid, item_id=done.id)
    assert relative == results.skeleton_path(uid, done.id)
    path = job_studio.media.absolute(relative)
    with Image.open(path) as drawn, Image.open(job_studio.media.absolute(done.thumbnail_path)) as thumb:
        assert drawn.size == thumb.size
        pose = Keypoints.from_json(done.keypoints)
        neck = fit_transform(pose, *drawn.size).apply(*pose.body[1][:2])
        pixel = drawn.convert("RGB").getpixel((round(neck[0]), round(neck[1])))
    assert all(abs(a - b) < 60 for a, b in zip(pixel, COLOURS[1])), pixel
    made = path.stat().st_mtime_ns
    assert results.skeleton_picture(job_studio, user_id=uid, item_id=done.id) == relative
    assert path.stat().st_mtime_ns == made  # kept, not drawn again

    failed = next(i for i in items if i.status == "failed")
    with pytest.raises(InvalidInput, match="not finished"):
        results.skeleton_picture(job_studio, user_id=uid, item_id=failed.id)
    other = batches.user("bob")
    for hostile in (done.id, str(done.id), "../1", -1, None, 10**12):
        with pytest.raises(NotFound):
            results.skeleton_picture(job_studio, user_id=other, item_id=hostile)
    assert not (job_studio.media.root / f"u{other}").exists() or not any(
        (job_studio.media.root / f"u{other}").rglob("item*.webp"))

    # A cache: the orphan sweep knows the kind (kept a day), and deleting the batch removes it.
    assert orphans._lifetimes(job_studio.settings)[results.SKELETONS] >= results.SKELETON_LIFETIME_S
    generations.delete_generation(job_studio, user_id=uid, generation_id=gid)
    assert not path.exists()


def test_a_poses_variations_side_by_side_are_its_own_finished_ones_only(job_studio, batches, finished):
    uid, _, items = finished
    first = items[0] if items[0].status == "completed" else next(i for i in items if i.status == "completed")
    rows = results.variations_of(job_studio, user_id=uid, item_id=first.id)
    assert [(r.pose_name, r.variation) for r in rows] == [(first.pose_name, 0), (first.pose_name, 1)]
    assert all(r.status == "completed" and r.image_path for r in rows)
    failed = next(i for i in items if i.status == "failed")
    assert results.variations_of(job_studio, user_id=uid, item_id=failed.id) == []  # none of that pose finished
    with pytest.raises(NotFound):
        results.variations_of(job_studio, user_id=batches.user("bob"), item_id=first.id)
