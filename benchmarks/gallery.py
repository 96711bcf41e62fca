"""How fast the pose gallery pages are, through the service layer, on SQLite and PostgreSQL.

    python benchmarks/gallery.py [--poses 2400] [--repeat 30]

Fills a fresh database with the shipped library plus generated poses (library and four
creators' own, with favourites), then times pages of 48: the default view, deep pages,
category / filter views, searches and favourites. PostgreSQL runs on a database created
on the server named by TEST_DATABASE_URL and dropped afterwards (skipped without it).
Prints a table, and as its last line one JSON object: p95_ms_sqlite, p95_ms_postgres, poses.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import select  # noqa: E402

from studio.db.engine import Database  # noqa: E402
from studio.db.seed import pose_search_text  # noqa: E402
from studio.db.tables import Pose, PoseCategory, PoseFavourite  # noqa: E402
from studio.db.types import utcnow  # noqa: E402
from studio.services import access, poses, users  # noqa: E402
from studio.services.poses import PoseQuery  # noqa: E402
from studio.settings import load_settings  # noqa: E402

WORDS = ("standing", "sitting", "leaning", "walking", "arms", "crossed", "hands", "hips", "pocket", "smile",
         "confident", "relaxed", "casual", "formal", "jump", "dance", "yoga", "stretch", "portrait", "looking",
         "back", "side", "over", "shoulder", "wall", "chair", "stairs", "kneeling", "hijab", "product")
KEYPOINTS = {"aspect": 0.75, "body": [[0.5, 0.12, 1], [0.5, 0.22, 1], [0.4, 0.22, 1], [0.37, 0.37, 1],
                                      [0.36, 0.5, 1], [0.6, 0.22, 1], [0.63, 0.37, 1], [0.64, 0.5, 1],
                                      [0.45, 0.52, 1], [0.45, 0.7, 1], [0.45, 0.88, 1], [0.55, 0.52, 1],
                                      [0.55, 0.7, 1], [0.55, 0.88, 1], [0.48, 0.1, 1], [0.52, 0.1, 1],
                                      [0.46, 0.11, 1], [0.54, 0.11, 1]], "hands": None, "face": None}


def fill(db: Database, target: int, rng: random.Random) -> tuple[int, int]:
    """Bring the database to ``target`` poses; returns (a creator's id, total poses)."""
    creators = [users.get_or_create(db, name=f"bench{i}").id for i in range(4)]
    with db.session() as s:
        cats = s.exec(select(PoseCategory.id, PoseCategory.parent_id)).all()
        if not cats:
            parent = PoseCategory(slug="bench", name="Bench")
            s.add(parent)
            s.flush()
            cats = [(parent.id, None)]
            for i in range(6):
                child = PoseCategory(slug=f"bench-{i}", name=f"Bench {i}", parent_id=parent.id)
                s.add(child)
                s.flush()
                cats.append((child.id, parent.id))
        have = s.exec(select(sa.func.count()).select_from(Pose)).one()
        leaf = [c for c, p in cats if p is not None] or [c for c, _ in cats]
        now = utcnow()
        rows = []
        for n in range(max(0, target - have)):
            name = " ".join(rng.sample(WORDS, 3)).title()
            tags = rng.sample(WORDS, 3)
            owner = rng.choice(creators) if n % 5 == 0 else None
            rows.append(dict(
                slug=f"bench-{n}-{uuid.uuid4().hex[:6]}", name=name, description=f"{name} for the benchmark",
                category_id=rng.choice(leaf), keypoints=KEYPOINTS, framing=rng.choice(
                    ["full_body", "three_quarter", "half_body", "headshot"]),
                difficulty=rng.choice(["beginner", "intermediate", "advanced"]),
                gender=rng.choice(["unisex", "female", "male"]), tags=tags, featured=rng.random() < 0.05,
                search_text=pose_search_text(name, f"{name} for the benchmark", tags),
                source="user" if owner else "library", owner_id=owner, use_count=rng.randint(0, 500),
                favourite_count=0, created_at=now - timedelta(minutes=n), updated_at=now,
            ))
        for start in range(0, len(rows), 500):
            s.execute(sa.insert(Pose), rows[start:start + 500])
        visible = s.exec(select(Pose.id).where(access.poses_visible_to(creators[0]))).all()
        for pid in rng.sample(list(visible), min(150, len(visible))):
            s.add(PoseFavourite(user_id=creators[0], pose_id=pid))
        total = s.exec(select(sa.func.count()).select_from(Pose)).one()
    with db.engine.begin() as conn:  # fresh statistics, as a live database would have
        conn.exec_driver_sql("ANALYZE")
    return creators[0], total


def scenarios(db: Database) -> list[tuple[str, PoseQuery]]:
    tree = poses.categories(db)
    parent = max(tree, key=lambda n: n.count)
    child = max(parent.children, key=lambda n: n.count) if parent.children else parent
    return [
        ("all, popular, page 1", PoseQuery()),
        ("all, newest, page 10", PoseQuery(sort="newest", page=10)),
        ("all, name, page 30", PoseQuery(sort="name", page=30)),
        (f"parent category {parent.slug}", PoseQuery(category=parent.slug)),
        (f"sub-category {child.slug}", PoseQuery(category=child.slug, sort="name")),
        ("female + beginner + full body", PoseQuery(gender="female", difficulty="beginner", framing="full_body")),
        ("featured", PoseQuery(featured=True)),
        ("favourites only", PoseQuery(favourites_only=True)),
        ("mine only", PoseQuery(mine_only=True, sort="newest")),
        ("search 'arms'", PoseQuery(search="arms")),
        ("search 'Crossed ARMS smile'", PoseQuery(search="Crossed ARMS smile")),
        ("search + category + sort name", PoseQuery(search="looking back", category=parent.slug, sort="name")),
        ("search, no match", PoseQuery(search="zebra unicorn")),
    ]


def run(db: Database, user_id: int, repeat: int) -> tuple[list[tuple[str, float, float, int]], list[float]]:
    table, every = [], []
    for label, query in scenarios(db):
        poses.list_poses(db, user_id=user_id, query=query)  # warm the statement cache
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            page = poses.list_poses(db, user_id=user_id, query=query)
            samples.append((time.perf_counter() - t0) * 1000)
        every += samples
        table.append((label, statistics.median(samples), p95(samples), page.total))
    return table, every


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def bench(url: str, data_dir: Path, target: int, repeat: int, rng: random.Random) -> tuple[float, int]:
    from studio.startup import prepare_database

    settings = load_settings(STUDIO_DATA_DIR=str(data_dir), DATABASE_URL=url, STUDIO_PRESET="tiny")
    db = prepare_database(settings)
    try:
        user_id, total = fill(db, target, rng)
        table, every = run(db, user_id, repeat)
    finally:
        db.dispose()
    print(f"\n{db.dialect}: {total} poses, {repeat} runs per view, pages of 48")
    print(f"{'view':44} {'median ms':>10} {'p95 ms':>8} {'matches':>8}")
    for label, median, p, matches in table:
        print(f"{label[:44]:44} {median:10.2f} {p:8.2f} {matches:8d}")
    overall = p95(every)
    print(f"{'all views':44} {statistics.median(every):10.2f} {overall:8.2f}")
    return overall, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=2400)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    result: dict[str, float | int | None] = {"p95_ms_sqlite": None, "p95_ms_postgres": None, "poses": 0}
    with tempfile.TemporaryDirectory() as tmp:
        p, total = bench(f"sqlite:///{tmp}/bench.db", Path(tmp) / "sqlite", args.poses, args.repeat,
                         random.Random(7))
        result["p95_ms_sqlite"], result["poses"] = round(p, 2), total
        server = os.environ.get("TEST_DATABASE_URL")
        if server:
            server = server.replace("postgresql://", "postgresql+psycopg://", 1)
            admin = sa.create_engine(make_url(server), isolation_level="AUTOCOMMIT")
            name = f"studio_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                url = make_url(server).set(database=name).render_as_string(hide_password=False)
                p, _ = bench(url, Path(tmp) / "pg", args.poses, args.repeat, random.Random(7))
                result["p95_ms_postgres"] = round(p, 2)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
        else:
            print("\nTEST_DATABASE_URL not set: PostgreSQL skipped")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
