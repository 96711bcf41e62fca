"""Fixtures for the batch worker: tiny models built once per session, in a data folder that
every studio of these tests (and the worker subprocesses) shares, so the engine loads once."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest

from tests.conftest import make_studio


@pytest.fixture(scope="session")
def shared_root(tmp_path_factory):
    """``root/data`` is STUDIO_DATA_DIR for every studio here; ``root/data/models/tiny`` is built once."""
    from pipelines.tiny import build_tiny_models

    root = tmp_path_factory.mktemp("studio-root")
    build_tiny_models(root / "data" / "models" / "tiny")
    return root


@pytest.fixture
def job_studio(shared_root, db_url):
    s = make_studio(shared_root, db_url, STUDIO_BATCH_SIZE=2, STUDIO_HEARTBEAT_STALE_S=5)
    yield s
    if s.queue is not None:
        s.queue.close()
    s.db.dispose()


@pytest.fixture
def pg_job_studio(shared_root, pg_url):
    s = make_studio(shared_root, pg_url, STUDIO_BATCH_SIZE=2, STUDIO_HEARTBEAT_STALE_S=5)
    yield s
    if s.queue is not None:
        s.queue.close()
    s.db.dispose()


class RecordingQueue:
    """A queue that records what it is given and runs nothing (recovery's view of a queue)."""

    backend = "recording"

    def __init__(self):
        self.ids: list[int] = []

    def enqueue(self, generation_id):
        self.ids.append(generation_id)

    def has_job(self, generation_id):
        return generation_id in self.ids

    def health(self):
        return {"backend": self.backend, "ok": True, "problem": ""}

    def close(self):
        pass


STANDING = [
    [0.50, 0.10, 1], [0.50, 0.20, 1], [0.40, 0.20, 1], [0.36, 0.35, 1], [0.33, 0.50, 1],
    [0.60, 0.20, 1], [0.64, 0.35, 1], [0.67, 0.50, 1], [0.45, 0.50, 1], [0.45, 0.70, 1],
    [0.45, 0.90, 1], [0.55, 0.50, 1], [0.55, 0.70, 1], [0.55, 0.90, 1], [0.48, 0.08, 1],
    [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1],
]


class Batches:
    """Users, avatars and batches for one studio, made the way the UI makes them."""

    def __init__(self, studio):
        self.studio = studio

    def user(self, name: str = "ana", balance: int = 1000) -> int:
        from studio.services import users

        return users.get_or_create(self.studio.db, name=name, starter_credits=balance).id

    def avatar(self, user_id: int) -> int:
        import numpy as np
        from PIL import Image

        from studio.db.tables import Avatar, AvatarProject

        rng = np.random.RandomState(user_id)
        path = self.studio.media.save_png(
            user_id, "avatars", Image.fromarray((rng.rand(96, 96, 3) * 255).astype("uint8")))
        with self.studio.db.session() as session:
            project = AvatarProject(user_id=user_id, name="p")
            session.add(project)
            session.flush()
            avatar = Avatar(user_id=user_id, project_id=project.id, name="Ana", source="uploaded", image_path=path)
            session.add(avatar)
            session.flush()
            return avatar.id

    def poses(self, n: int, *, broken: int = 0) -> tuple[int, ...]:
        """``n`` user-made standing poses (fixed keypoints, fast to draw); ``broken`` of them unusable."""
        import uuid

        from studio.db.tables import Pose

        ids = []
        with self.studio.db.session() as session:
            for i in range(n):
                body = [list(row) for row in STANDING]
                if i < broken:
                    body[1] = [0.5, 0.2, 0]  # no neck: the engine refuses this pose
                pose = Pose(slug=f"t-{uuid.uuid4().hex[:10]}", name=f"pose {i}", keypoints={"aspect": 1.0, "body": body})
                session.add(pose)
                session.flush()
                ids.append(pose.id)
        return tuple(ids)

    def submit(self, user_id: int, avatar_id: int, pose_ids, *, variations: int = 1, formats=(), background=None):
        import uuid

        from pipelines.params import GenerationParams
        from studio.services import generations

        req = generations.SubmitRequest(
            avatar_id=avatar_id, pose_ids=tuple(pose_ids), variations=variations, preset_key="tiny",
            params=GenerationParams(prompt="a portrait", seed=11), background=background,
            export_formats=tuple(formats), submission_key=uuid.uuid4().hex)
        return generations.submit(self.studio, user_id=user_id, request=req)

    def items(self, generation_id: int):
        from sqlmodel import select

        from studio.db.tables import GenerationItem

        with self.studio.db.session() as session:
            return list(session.exec(select(GenerationItem).where(GenerationItem.generation_id == generation_id)
                                     .order_by(GenerationItem.id)))

    def generation(self, generation_id: int):
        from studio.db.tables import Generation

        with self.studio.db.session() as session:
            return session.get(Generation, generation_id)

    def assert_money_right(self, user_id: int, generation_id: int, start_balance: int) -> None:
        """Charged once; refunded exactly the items that did not complete, once each."""
        from sqlmodel import select

        from studio.db.tables import CreditLedger
        from studio.services import credits

        g = self.generation(generation_id)
        items = self.items(generation_id)
        not_made = [i for i in items if i.status != "completed"]
        assert all(i.refunded for i in not_made) and not any(i.refunded for i in items if i.status == "completed")
        with self.studio.db.session() as session:
            refunds = session.exec(select(CreditLedger).where(CreditLedger.kind == "refund",
                                                              CreditLedger.reference.startswith(f"generation:{g.id}:"))).all()
        assert sorted(r.idempotency_key for r in refunds) == sorted(f"refund:item:{i.id}" for i in not_made)
        assert g.credits_refunded == len(not_made) * g.price_per_item
        assert credits.balance(self.studio.db, user_id=user_id) == start_balance - g.credits_charged + g.credits_refunded
        assert credits.balance(self.studio.db, user_id=user_id) == credits.ledger_sum(self.studio.db, user_id=user_id)


@pytest.fixture
def batches(job_studio):
    return Batches(job_studio)


@pytest.fixture
def pg_batches(pg_job_studio):
    return Batches(pg_job_studio)


def start_worker(studio, redis_url: str, shared_root):
    """``python -m studio worker`` as its own process on the studio's database and Redis (tiny
    preset, 2 poses a call, heartbeats stale after 5 s)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DATABASE_URL": studio.settings.database_url, "REDIS_URL": redis_url,
           "STUDIO_DATA_DIR": str(shared_root / "data"), "STUDIO_PRESET": "tiny", "STUDIO_BATCH_SIZE": "2",
           "STUDIO_HEARTBEAT_STALE_S": "5", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "studio", "worker"], cwd=Path(__file__).resolve().parents[2],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
