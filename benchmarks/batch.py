"""Batch overhead: a batch of 8 poses on the tiny preset through the studio (queue + worker +
database + files) against the bare engine on the same items; exports timed apart.

    python benchmarks/batch.py            # in-process queue; RQ too when TEST_REDIS_URL or REDIS_URL is set

Prints a table, then one JSON line: studio_over_engine_inprocess, studio_over_engine_rq,
first_progress_s (submit -> first progress visible in the database), first_image_s (submit -> the
first finished picture saved in the database), export ms per image per format. The bare engine runs
on the one torch thread, as the worker's calls do, so both are timed on equal footing.
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
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

POSES = 8
REPEATS = 5


def main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from pipelines.generation import PoseItem
    from pipelines.keypoints import Keypoints
    from pipelines.params import GenerationParams
    from pipelines.tiny import build_tiny_models
    from studio.core import Studio
    from studio.engine import engine_for
    from studio.jobs.in_process import InProcessJobQueue
    from studio.jobs.rq_queue import RQJobQueue
    from studio.jobs.worker import process_generation
    from studio.services import generations
    from studio.settings import load_settings
    from studio.startup import prepare_database

    root = Path(tempfile.mkdtemp(prefix="pose-studio-bench-"))
    build_tiny_models(root / "data" / "models" / "tiny")
    settings = load_settings(STUDIO_DATA_DIR=str(root / "data"), DATABASE_URL=f"sqlite:///{root / 'bench.db'}",
                             STUDIO_PRESET="tiny", REDIS_URL=None,
                             # The bookkeeping is measured here; what the likeness and pose checks
                             # cost is benchmarks/quality.py's subject (the bare engine checks nothing).
                             STUDIO_QUALITY_CHECKS=False)
    settings.check_data_dir()
    studio = Studio(settings=settings, db=prepare_database(settings))
    uid, avatar_image, avatar_id = bench_creator(studio)
    pose_ids = gallery_poses(studio, POSES)
    engine = engine_for(studio, "tiny")
    params = GenerationParams(prompt="a portrait", seed=11).resolved(engine.preset)

    def submit():
        return generations.submit(studio, user_id=uid, request=generations.SubmitRequest(
            avatar_id=avatar_id, pose_ids=pose_ids, variations=1, preset_key="tiny",
            params=GenerationParams(prompt="a portrait", seed=11), submission_key=uuid.uuid4().hex))

    # The bare engine draws exactly the items of a studio batch: the same poses and seeds.
    studio.queue = None
    sample = submit()
    items = [PoseItem(str(i.id), Keypoints.from_json(i.keypoints), i.seed)
             for i in generations.list_items(studio.db, user_id=uid, generation_id=sample.id)]
    generations.cancel(studio, user_id=uid, generation_id=sample.id)

    chunk = settings.batch_size or engine.compute.chunk_size  # what the worker uses

    def bare() -> float:
        started = time.perf_counter()
        # On the torch thread, as the worker's calls are (pipelines/torch_thread.py): equal footing.
        results = list(engine.generate_poses(avatar_image, items, params, batch_size=chunk))
        assert all(r.ok for r in results)
        return time.perf_counter() - started

    def through_studio(run_queue) -> tuple[float, float, float]:
        """(submit to "completed", to the first progress, to the first finished picture), the total
        timed by the worker's own finished_at stamp in the database.

        Polling decides nothing about the total: it watches for the first progress every 0.1 s,
        then checks every 0.5 s as the browser does, so the watcher's own CPU use does not slow
        the worker it measures (2 cores here; polling every 20 ms added ~0.3 s to 1 s batches).
        """
        started_wall = time.time()
        g = submit()  # enqueues on studio.queue
        first = first_image = None
        run_queue()
        while True:
            p = generations.progress(studio.db, user_id=uid, generation_id=g.id)
            if first is None and (p.step or p.done):
                first = time.time() - started_wall
            if first_image is None and p.done:
                first_image = first_finished(g.id) - started_wall
            if p.finished:
                break
            time.sleep(0.1 if first_image is None else 0.5)
        assert p.status == "completed", p
        finished = generations.get_generation(studio.db, user_id=uid, generation_id=g.id).finished_at
        nan = float("nan")
        return (finished.timestamp() - started_wall, first if first is not None else nan,
                first_image if first_image is not None else first_finished(g.id) - started_wall)

    def first_finished(generation_id: int) -> float:
        """When the batch's first picture was saved, by the worker's own stamp on the item."""
        import sqlalchemy as sa

        from studio.db.tables import GenerationItem

        with studio.db.reading() as session:
            stamp = session.execute(sa.select(sa.func.min(GenerationItem.finished_at))
                                    .where(GenerationItem.generation_id == generation_id)).scalar_one()
        return stamp.timestamp()

    bare()  # warm up: first call pays for lazy initialisation
    engine_s, inproc_s, rq_s, first_s, first_image_s = [], [], [], [], []
    inprocess = InProcessJobQueue(lambda gid: process_generation(studio, gid), workers=1)
    redis_url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    rq = None
    if redis_url:
        from studio.jobs.worker_process import StudioWorker

        rq = RQJobQueue(redis_url)
        rq.queue.empty()

        def drain():
            StudioWorker(studio, [rq.queue], connection=rq.redis).work(burst=True, with_scheduler=False)

    # Interleaved, so load from other processes on this machine hits every path alike; the
    # minimum of each is the least disturbed run. Each studio run is timed from just before
    # submit (it counts too) to "completed" in the database.
    for _ in range(REPEATS):
        engine_s.append(bare())
        studio.queue = inprocess
        total, first, first_image = through_studio(lambda: None)
        inproc_s.append(total)
        first_s.append(first)
        first_image_s.append(first_image)
        if rq is not None:
            studio.queue = rq
            rq_s.append(through_studio(drain)[0])
    inprocess.close()

    export_ms = export_timings(studio.media, uid)
    engine_min = min(engine_s)
    rows = [("bare engine, 8 poses", engine_s), ("studio in-process", inproc_s)]
    if rq_s:
        rows.append(("studio RQ (SimpleWorker)", rq_s))
    print(f"{'path':32} {'min s':>8} {'median s':>9} {'ratio(min)':>11}")
    for name, runs in rows:
        print(f"{name:32} {min(runs):8.3f} {statistics.median(runs):9.3f} {min(runs) / engine_min:11.2f}")
    print(f"{'first progress (in-process)':32} {min(first_s):8.3f} {statistics.median(first_s):9.3f}")
    print(f"{'first picture (in-process)':32} {min(first_image_s):8.3f} {statistics.median(first_image_s):9.3f}")
    print("exports, ms per image:")
    for key, ms in export_ms.items():
        print(f"  {key:22} {ms:8.1f}")
    print(json.dumps({
        "studio_over_engine_inprocess": round(min(inproc_s) / engine_min, 3),
        "studio_over_engine_rq": round(min(rq_s) / engine_min, 3) if rq_s else None,
        "first_progress_s": round(statistics.median(first_s), 3),
        "first_image_s": round(statistics.median(first_image_s), 3),
        "chunk_size": chunk,
        "engine_s": round(engine_min, 3),
        "export_ms_per_image": {k: round(v, 1) for k, v in export_ms.items()},
    }))


def bench_creator(studio):
    """(user id, avatar picture, avatar id): a creator with credits to spare and an avatar made
    the way the Avatar tab makes one, from an uploaded photo (a real face: the upload checks it)."""
    from PIL import Image

    from studio.services import avatars, projects, users
    from tests.photos import portrait

    uid = users.get_or_create(studio.db, name="bench", starter_credits=1_000_000).id
    photo = studio.settings.data_dir / "bench-photo.png"
    portrait().save(photo)
    project = projects.create_project(studio, user_id=uid, name="bench")
    avatar = avatars.create_from_upload(studio, user_id=uid, project_id=project.id, name="Bench", file_path=photo)
    with Image.open(studio.media.absolute(avatar.image_path)) as picture:
        return uid, picture.convert("RGB"), avatar.id


def gallery_poses(studio, n: int) -> tuple[int, ...]:
    """The first ``n`` poses of the built-in gallery, by id."""
    from sqlmodel import select

    from studio.db.tables import Pose

    with studio.db.reading() as session:
        return tuple(session.exec(select(Pose.id).where(Pose.owner_id.is_(None)).order_by(Pose.id).limit(n)))


def export_timings(media, user_id: int) -> dict[str, float]:
    import numpy as np
    from PIL import Image

    from studio.services.exports import EXPORT_FORMATS, save_exports

    keypoints = {"aspect": 1.0, "body": [[0.5, 0.1 + 0.04 * i, 1] for i in range(18)]}
    images = [Image.fromarray((np.random.RandomState(i).rand(64, 64, 3) * 255).astype("uint8")) for i in range(3)]
    out = {}
    for key in EXPORT_FORMATS:
        started = time.perf_counter()
        for image in images:
            paths = save_exports(media, user_id=user_id, image=image, keypoints_json=keypoints, format_keys=[key])
            media.delete(*paths.values())
        out[key] = (time.perf_counter() - started) / len(images) * 1000
    return out


if __name__ == "__main__":
    main()
