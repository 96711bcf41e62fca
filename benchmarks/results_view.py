"""The Batch tab's results view: what drawing the results costs the server, plain and with the
pose skeleton over each picture, for a batch of 40 finished 512x768 pictures.

    python benchmarks/results_view.py

The results are drawn again at each finished picture and at each change of sort, filter or the
skeleton toggle, so this is paid often. Timed in one run: the plain tiles; the first drawing
with the skeleton (every overlay made from its thumbnail); the skeleton again (kept overlays).
Prints a table, then one JSON line with the ratios to the plain drawing.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PICTURES = 40
REPEATS = 5


def main() -> None:
    import gradio as gr
    import numpy as np
    from PIL import Image
    from sqlmodel import select
    from starlette.requests import Request

    from studio.core import Studio
    from studio.db.tables import Generation, GenerationItem, Pose
    from studio.services import users
    from studio.settings import load_settings
    from studio.startup import prepare_database
    from studio.ui.batch_results import BatchResults
    from studio.ui.common import Page
    from studio.web.links import MediaLinks
    from studio.web.watchers import Watchers

    root = Path(tempfile.mkdtemp(prefix="pose-studio-bench-"))
    settings = load_settings(STUDIO_DATA_DIR=str(root / "data"), DATABASE_URL=f"sqlite:///{root / 'bench.db'}",
                             STUDIO_PRESET="tiny", REDIS_URL=None)
    settings.check_data_dir()
    studio = Studio(settings=settings, db=prepare_database(settings))
    uid = users.get_or_create(studio.db, name=users.LOCAL_USER).id
    rng = np.random.default_rng(7)
    with studio.db.session() as session:
        poses = list(session.exec(select(Pose).where(Pose.owner_id.is_(None)).order_by(Pose.id).limit(PICTURES)))
        batch = Generation(user_id=uid, preset_key="tiny", submission_key=uuid.uuid4().hex, status="completed",
                           total_items=PICTURES, done_items=PICTURES)
        session.add(batch)
        session.flush()
        for n, pose in enumerate(poses):
            picture = Image.fromarray(rng.integers(0, 255, (768, 512, 3), dtype=np.uint8))
            session.add(GenerationItem(
                generation_id=batch.id, pose_id=pose.id, keypoints=pose.keypoints, pose_name=pose.name,
                resume_key=str(n), seed=n, position=n, status="completed",
                image_path=studio.media.save_png(uid, "outputs", picture),
                thumbnail_path=studio.media.save_thumbnail(uid, "thumbnails", picture)))
        generation_id = batch.id

    page = Page(studio, MediaLinks.from_settings(settings), Watchers.from_settings(settings))
    request = gr.Request(request=Request({
        "type": "http", "method": "POST", "scheme": "http", "path": "/gradio_api/queue/join", "query_string": b"",
        "headers": [(b"host", b"studio.test")], "server": ("studio.test", 80), "client": ("127.0.0.1", 5000)}))
    view = BatchResults(page)
    viewer = page.viewer(request)

    def draw(skeleton: bool) -> float:
        started = time.perf_counter()
        cards, ids = view.cards(viewer, generation_id, "made", "all", skeleton)
        assert len(cards) == len(ids) == PICTURES
        return time.perf_counter() - started

    draw(False)  # warm: imports, the first queries
    plain = statistics.median(draw(False) for _ in range(REPEATS))
    first = draw(True)
    kept = statistics.median(draw(True) for _ in range(REPEATS))
    rows = [("plain tiles", plain), ("skeleton, first drawing", first), ("skeleton, overlays kept", kept)]
    print(f"{PICTURES} finished 512x768 pictures (320 px thumbnails)")
    for name, seconds in rows:
        print(f"  {name:<26} {seconds * 1000:8.1f} ms   {seconds / PICTURES * 1000:6.2f} ms a picture")
    print(json.dumps({"pictures": PICTURES, "plain_ms": round(plain * 1000, 1),
                      "skeleton_first_ms": round(first * 1000, 1), "skeleton_kept_ms": round(kept * 1000, 1),
                      "skeleton_first_over_plain": round(first / plain, 2),
                      "skeleton_kept_over_plain": round(kept / plain, 2)}))


if __name__ == "__main__":
    main()
