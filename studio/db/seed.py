"""Load the shipped content of ``data/`` into the database, idempotently.

Every row this module writes is identified by its key or slug and owned by the studio:
a changed data file updates those rows, an unchanged one writes nothing, and rows that
creators made (their poses, avatars...) are never touched. It runs at every start, so the
price catalog is checked against the presets there (studio/db/catalog.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from studio.db.catalog import check_catalog
from studio.db.engine import Database
from studio.db.tables import AvatarPreset, ModelCatalog, PersonaExample, Pose, PoseCategory
from studio.db.types import utcnow
from studio.enums import PoseSource

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@dataclass
class SeedReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, table: str, inserted: bool) -> None:
        target = self.inserted if inserted else self.updated
        target[table] = target.get(table, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


def pose_search_text(name: str, description: str, tags: list[str]) -> str:
    return " ".join([name, description, *tags]).lower()


def seed_all(db: Database, data_dir: Path = DATA_DIR) -> SeedReport:
    """Write what changed; raises CatalogError, before writing anything, when the price catalog
    does not price exactly the presets the studio offers."""
    report = SeedReport()
    catalog = _load(data_dir / "model_catalog.json")
    check_catalog(catalog, data_dir / "model_catalog.json")
    with db.session() as session:
        _seed_catalog(session, catalog, report)
        _seed_by_slug(session, PersonaExample, _load(data_dir / "personas.json"), report)
        _seed_by_slug(session, AvatarPreset, _load(data_dir / "avatar_presets.json"), report)
        categories = _seed_categories(session, _load(data_dir / "categories.json", default=[]), report)
        for path in sorted((data_dir / "poses").glob("*.json")):
            _seed_poses(session, _load(path), categories, report)
    if report.changed:
        log.info("seeded: inserted %s, updated %s", report.inserted, report.updated)
    return report


def _load(path: Path, default: Any = None) -> Any:
    if not path.exists():
        if default is not None:
            return default
        raise FileNotFoundError(f"shipped data file missing: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Set the fields that differ; True when something changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _upsert(session: Session, model: type, row: Any, values: dict[str, Any], report: SeedReport) -> Any:
    name = model.__tablename__
    if row is None:
        row = model(**values)
        session.add(row)
        report.count(name, inserted=True)
    elif _apply(row, values):
        if hasattr(row, "updated_at"):
            row.updated_at = utcnow()
        report.count(name, inserted=False)
    return row


def _seed_catalog(session: Session, entries: list[dict], report: SeedReport) -> None:
    existing = {row.key: row for row in session.exec(select(ModelCatalog))}
    for entry in entries:
        values = {"enabled": True, **entry}
        _upsert(session, ModelCatalog, existing.get(entry["key"]), values, report)


def _seed_by_slug(session: Session, model: type, entries: list[dict], report: SeedReport) -> None:
    existing = {row.slug: row for row in session.exec(select(model))}
    for entry in entries:
        _upsert(session, model, existing.get(entry["slug"]), entry, report)


def _seed_categories(session: Session, parents: list[dict], report: SeedReport) -> dict[str, PoseCategory]:
    existing = {row.slug: row for row in session.exec(select(PoseCategory))}
    for parent in parents:
        values = {k: parent.get(k, "") for k in ("slug", "name", "description")}
        values["sort"] = parent.get("sort", 0)
        values["parent_id"] = None
        row = _upsert(session, PoseCategory, existing.get(parent["slug"]), values, report)
        session.flush()  # the children need the parent's id
        existing[row.slug] = row
        for child in parent.get("children", []):
            cvalues = {k: child.get(k, "") for k in ("slug", "name", "description")}
            cvalues["sort"] = child.get("sort", 0)
            cvalues["parent_id"] = row.id
            existing[child["slug"]] = _upsert(session, PoseCategory, existing.get(child["slug"]), cvalues, report)
    session.flush()
    return existing


def _seed_poses(session: Session, entries: list[dict], categories: dict[str, PoseCategory],
                report: SeedReport) -> None:
    slugs = [e["slug"] for e in entries]
    existing = {row.slug: row for row in session.exec(select(Pose).where(Pose.slug.in_(slugs)))}
    for entry in entries:
        row = existing.get(entry["slug"])
        if row is not None and (row.source != PoseSource.library.value or row.owner_id is not None):
            log.warning("pose slug %s belongs to a creator; library entry skipped", entry["slug"])
            continue
        category = categories.get(entry["category"])
        if category is None:
            raise ValueError(f"pose {entry['slug']} names unknown category {entry['category']!r}")
        tags = list(entry.get("tags", []))
        values = {
            "slug": entry["slug"], "name": entry["name"], "description": entry.get("description", ""),
            "category_id": category.id, "keypoints": entry["keypoints"],
            "framing": entry.get("framing", "full_body"), "difficulty": entry.get("difficulty", "beginner"),
            "gender": entry.get("gender", "unisex"), "tags": tags, "featured": bool(entry.get("featured")),
            "search_text": pose_search_text(entry["name"], entry.get("description", ""), tags),
            "source": PoseSource.library.value, "owner_id": None,
        }
        _upsert(session, Pose, row, values, report)
