"""``python -m studio ...``: the studio's command line. Every command has --help."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Callable

from studio.settings import SettingsError, get_settings

log = logging.getLogger("studio.cli")


def _db():
    from studio.db.engine import Database

    return Database(get_settings().sqlalchemy_url)


def cmd_db_upgrade(args) -> int:
    from studio.db.migrate import upgrade_to_head

    settings = get_settings()
    settings.check_data_dir()
    revision = upgrade_to_head(_db(), args.revision)
    print(f"database at revision {revision}")
    return 0


def cmd_db_current(args) -> int:
    from studio.db.migrate import current_revision, head_revision

    db = _db()
    db.check_reachable()
    revision, head = current_revision(db), head_revision()
    state = "at head" if revision == head else f"behind head {head}: run `python -m studio db upgrade`"
    print(f"{revision or '(empty database)'} ({state})")
    return 0 if revision == head else 1


def cmd_seed(args) -> int:
    from studio.db.migrate import migration_lock, upgrade_to_head
    from studio.db.seed import seed_all

    get_settings().check_data_dir()
    db = _db()
    upgrade_to_head(db)
    with migration_lock(db):  # several processes seeding at once: one writes, the others find nothing
        changed = seed_all(db).changed
    print("seeded" if changed else "nothing to do")
    return 0


def cmd_credits_grant(args) -> int:
    from studio.services import credits, users

    db = _db()
    user = users.by_name(db, args.user)
    entry = credits.grant(db, user_id=user.id, amount=args.amount, reason=args.reason)
    print(f"granted {args.amount} credits to {user.name}; balance {entry.balance_after}")
    return 0


def cmd_credits_show(args) -> int:
    from studio.services import credits, users

    db = _db()
    user = users.by_name(db, args.user)
    print(f"{user.name}: {credits.balance(db, user_id=user.id)} credits")
    for entry in credits.ledger(db, user_id=user.id, limit=args.limit):
        print(f"  {entry.created_at:%Y-%m-%d %H:%M} {entry.kind:8} {entry.amount:+6} -> {entry.balance_after:6}"
              f"  {entry.reason} {entry.reference}".rstrip())
    return 0


def cmd_worker(args) -> int:
    from studio.jobs.worker_process import run_worker

    return run_worker(burst=args.burst)


def cmd_recover(args) -> int:
    from studio.jobs.recovery import recover
    from studio.startup import start

    studio = start(with_queue=True)
    result = recover(studio, sweep_files=True)  # asked for by hand: sweep orphan files now
    print(json.dumps(result))
    return 0


def cmd_poses_import(args) -> int:
    from studio.services.pose_import import import_path
    from studio.startup import start

    studio = start(with_queue=False)
    result = import_path(studio, args.path, category=args.category, owner=args.owner)
    for line in result.lines():
        print(line)
    return 0 if result.imported or not result.errors else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m studio", description="Pose Studio command line.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="migrate the database to the newest schema (safe to run from several processes)")
    p.add_argument("revision", nargs="?", default="head", help="target revision (default: head)")
    p.set_defaults(func=cmd_db_upgrade)
    db.add_parser("current", help="print the schema revision; exit 1 when behind").set_defaults(func=cmd_db_current)

    sub.add_parser("seed", help="load the shipped content of data/ (idempotent)").set_defaults(func=cmd_seed)

    cr = sub.add_parser("credits", help="credit balances").add_subparsers(dest="credits_command", required=True)
    p = cr.add_parser("grant", help="add credits to a user's balance (written to the ledger)")
    p.add_argument("user", help="user name")
    p.add_argument("amount", type=int, help="credits to add (positive)")
    p.add_argument("--reason", required=True, help="why; kept in the ledger")
    p.set_defaults(func=cmd_credits_grant)
    p = cr.add_parser("show", help="balance and recent ledger entries")
    p.add_argument("user", help="user name")
    p.add_argument("--limit", type=int, default=20, help="ledger entries to list (default 20)")
    p.set_defaults(func=cmd_credits_show)

    p = sub.add_parser("worker", help="run a non-forking RQ worker that keeps pipelines loaded (needs REDIS_URL)")
    p.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("recover", help="re-queue stale or never-queued generations; delete orphan files")
    p.set_defaults(func=cmd_recover)

    poses = sub.add_parser("poses", help="pose library").add_subparsers(dest="poses_command", required=True)
    p = poses.add_parser("import", help="import OpenPose JSON files, rendered skeleton images or photos of people")
    p.add_argument("path", help="a file or a folder")
    p.add_argument("--category", required=True, help="category slug the poses go to")
    p.add_argument("--owner", default=None, help="user name to own the poses (default: the library)")
    p.set_defaults(func=cmd_poses_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from studio.db.catalog import CatalogError
    from studio.db.engine import DatabaseError
    from studio.services.errors import StudioError
    from studio.startup import StartupError

    handler: Callable = args.func
    try:
        return handler(args)
    except (SettingsError, DatabaseError, CatalogError, StudioError, StartupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
