"""What /healthz answers and what the banner says when something is wrong."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import func, select

from studio.context import Studio
from studio.db.migrate import current_revision, head_revision
from studio.db.tables import AvatarPreset, ModelCatalog, PersonaExample, Pose, PoseCategory
from studio.enums import PoseSource

SEEDED = {
    "model_catalog": (ModelCatalog, None),
    "pose_categories": (PoseCategory, None),
    "poses": (Pose, Pose.source == PoseSource.library.value),
    "avatar_presets": (AvatarPreset, None),
    "persona_examples": (PersonaExample, None),
}


def report(studio: Studio) -> dict[str, Any]:
    db = studio.db
    problems: list[str] = list(studio.problems)
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
    out["queue"] = studio.queue.health() if studio.queue else {"backend": "none", "workers_alive": 0}
    if studio.queue and not out["queue"].get("ok", True):
        problems.append(out["queue"].get("problem", "The job queue is not working."))
    out["problems"] = problems
    out["ok"] = not problems
    return out
