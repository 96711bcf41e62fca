"""What /healthz answers and what the banner says when something is wrong."""

from __future__ import annotations

import os
import shutil
from typing import Any

import sqlalchemy as sa
from sqlmodel import func, select

from studio.core import Studio
from studio.db.migrate import current_revision, head_revision
from studio.db.tables import AvatarPreset, ModelCatalog, PersonaExample, Pose, PoseCategory
from studio.enums import PoseSource
from studio.jobs import liveness, orphans

SEEDED = {
    "model_catalog": (ModelCatalog, None),
    "pose_categories": (PoseCategory, None),
    "poses": (Pose, Pose.source == PoseSource.library.value),
    "avatar_presets": (AvatarPreset, None),
    "persona_examples": (PersonaExample, None),
}


def report(studio: Studio) -> dict[str, Any]:
    db = studio.db
    problems: list[str] = []
    out: dict[str, Any] = {"ok": False, "database": {"reachable": False, "dialect": db.dialect}}
    try:
        revision = current_revision(db)
        out["database"]["reachable"] = True
    except sa.exc.SQLAlchemyError:
        problems.append("The database cannot be reached: start it or correct DATABASE_URL.")
        revision = None
    head = head_revision()
    out["schema_revision"] = revision
    out["schema_head"] = head
    out["schema_at_head"] = revision == head
    if out["database"]["reachable"] and revision != head:
        problems.append(f"The database schema is at {revision or 'nothing'} but this studio needs {head}: "
                        "run `python -m studio db upgrade` (or restart the studio, which upgrades it).")
    counts: dict[str, int] = {}
    if out["schema_at_head"]:
        with db.session() as session:
            for name, (table, where) in SEEDED.items():
                query = select(func.count()).select_from(table)
                if where is not None:
                    query = query.where(where)
                counts[name] = int(session.exec(query).one())
        empty = [name for name, n in counts.items() if n == 0]
        if empty:
            problems.append(f"Shipped content is missing ({', '.join(empty)}): run `python -m studio seed`.")
    out["counts"] = counts
    out["queue"] = _queue(studio, database_ready=out["schema_at_head"])
    if studio.queue and not out["queue"].get("ok", True):
        problems.append(out["queue"].get("problem", "The job queue is not working."))
    out["media"] = _media(studio)
    if not out["media"]["writable"]:
        problems.append(f"The media folder ({studio.settings.media_dir}) cannot be written: check that the "
                        "studio's user may write there.")
    out["compute"] = _compute(studio)
    out["orphan_files"] = _orphan_files(studio)
    if out["orphan_files"].get("not_removed"):
        problems.append(f"{out['orphan_files']['not_removed']} orphan files could not be deleted from the media "
                        "folder (STUDIO_DATA_DIR/media): check that the studio's user may write there.")
    out["problems"] = problems
    out["ok"] = not problems
    return out


def _queue(studio: Studio, *, database_ready: bool) -> dict[str, Any]:
    if studio.queue is None:
        return {"backend": "none", "workers_alive": 0}
    queue = studio.queue.health()
    if queue.get("backend") != "redis" or not queue.get("ok"):
        return queue
    # Redis workers are counted from their database heartbeats (studio/jobs/liveness.py), which
    # a Redis restart or flush cannot erase, unlike RQ's own registry.
    alive = liveness.alive(studio.db, stale_s=studio.settings.heartbeat_stale_s) if database_ready else 0
    queue["workers_alive"] = alive
    if database_ready and not alive:
        queue.update(ok=False, problem="No worker is running, so batches will wait: start one with "
                                       "`python -m studio worker`.")
    return queue


def _media(studio: Studio) -> dict[str, Any]:
    # Whether pictures can be saved at all, and the room left: a full disk is what an admin most
    # often has to act on before creators see failed items.
    folder = studio.settings.media_dir
    try:
        return {"writable": os.access(folder, os.W_OK), "free_bytes": shutil.disk_usage(folder).free}
    except OSError:
        return {"writable": False, "free_bytes": 0}


def _orphan_files(studio: Studio) -> dict[str, Any]:
    # The counts of the last sweep (any process), read from one small file: a health check
    # never walks the media folder.
    last = orphans.last_sweep(studio.settings) or {}
    return {"swept_at": last.get("swept_at"), "removed": last.get("removed", 0),
            "not_removed": last.get("not_removed", 0), "too_new": last.get("too_new", 0)}


def _compute(studio: Studio) -> dict[str, Any]:
    # Which number type, layout and threads this process runs the models with: the fast path is
    # chosen per machine, so an admin must be able to see what was chosen and why.
    from studio.engine import compute_report

    try:
        return compute_report(studio)
    except Exception as exc:  # e.g. a broken torch install: health still answers
        return {"path": "unknown", "reason": f"{type(exc).__name__}: {exc}"[:300]}
