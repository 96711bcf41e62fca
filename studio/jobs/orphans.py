"""Orphan files: pictures under the media folder that no database row points at.

A worker killed in the middle of a chunk leaves the files of the item it was saving (saved,
never committed), and a crash in the middle of a write leaves a ``.part`` file. Recovery
sweeps them (``sweep_if_due`` from ``recover``; ``python -m studio recover`` sweeps at once).

What keeps a live file safe:

- Every column that holds a media path is read (``live_paths``): avatars.image_path and
  thumbnail_path, generation_items.image_path, thumbnail_path and exports (format -> path),
  generations.background["image"] (an uploaded backdrop) and pose_requests.reference_image_path.
  tests/jobs/test_orphans.py fails when a table gains a ``*_path`` column this module does not read.
- Only files older than ``STUDIO_ORPHAN_MIN_AGE_S`` (an hour) go: the studio writes a file
  first (``.part``, then a rename) and commits its row a moment later, so a file being
  written or about to be committed is always younger than that.
- Files are listed before the rows are read, so a row committed during the sweep still
  protects its file.
- Kinds a row points at only later keep their own lifetime: an uploaded backdrop waits for
  the batch that will use it, and "from words" candidates wait to be saved (a day each).
- Only the studio's own layout, ``u<user id>/<kind>/<file>`` with a kind the studio writes, is
  swept; anything else under the media folder is left alone. A creator's folder is checked
  against that creator's rows: every path is made in its owner's folder
  (``MediaStore.new_path(user_id, ...)``), and a batch may only use its creator's backdrops.

The sweep walks every file, so it runs at most every ``STUDIO_ORPHAN_SWEEP_INTERVAL_S``; its
counts go to ``orphan-sweep.json`` in the data folder (shared by the web and worker processes,
like the media), and /healthz reads that one small file instead of walking the folder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlmodel import select

from studio.core import Studio
from studio.db.types import utcnow
from studio.media import write_atomically
from studio.settings import Settings

log = logging.getLogger(__name__)

REPORT_NAME = "orphan-sweep.json"
BACKDROP_LIFETIME_S = 24 * 3600  # an uploaded background waits this long for a batch to use it
_USER_FOLDER = re.compile(r"^u(\d+)$")


def live_paths(session, user_id: int) -> set[str]:
    """Every media path the creator's rows point at."""
    from studio.db.tables import Avatar, Generation, GenerationItem, PoseRequest

    live: set[str] = set()
    for image, thumbnail in session.exec(select(Avatar.image_path, Avatar.thumbnail_path)
                                         .where(Avatar.user_id == user_id)):
        live.update((image, thumbnail))
    for image, thumbnail, exports in session.exec(
            select(GenerationItem.image_path, GenerationItem.thumbnail_path, GenerationItem.exports)
            .join(Generation, Generation.id == GenerationItem.generation_id).where(Generation.user_id == user_id)):
        live.update((image, thumbnail, *(exports or {}).values()))
    for background in session.exec(select(Generation.background).where(Generation.user_id == user_id,
                                                                        Generation.background.is_not(None))):
        if isinstance(background, dict) and isinstance(background.get("image"), str):
            live.add(background["image"])
    live.update(session.exec(select(PoseRequest.reference_image_path).where(PoseRequest.user_id == user_id)))
    live.discard("")
    return live


def sweep(studio: Studio, *, now: datetime | None = None) -> dict[str, Any]:
    """Delete the orphans old enough to judge; returns (and records for /healthz) the counts."""
    settings = studio.settings
    started = time.monotonic()
    now_s = (now or utcnow()).timestamp()
    lifetimes = _lifetimes(settings)
    root = settings.media_dir
    counts = {"checked": 0, "removed": 0, "not_removed": 0, "too_new": 0}
    for user_id, folder in _user_folders(root):
        old, young = _files(folder, lifetimes, now_s, settings.orphan_min_age_s)
        counts["checked"] += len(old) + len(young)
        if not old and not young:
            continue
        with studio.db.reading() as session:  # read after listing: see the module's notes
            live = live_paths(session, user_id)
        counts["too_new"] += sum(1 for rel in young if rel not in live)
        for rel in old:
            if rel in live:
                continue
            try:
                (root / rel).unlink(missing_ok=True)
                counts["removed"] += 1
            except OSError:
                log.warning("could not delete the orphan file %s", rel, exc_info=True)
                counts["not_removed"] += 1
    report = {"swept_at": datetime.fromtimestamp(now_s, timezone.utc).isoformat(timespec="seconds"),
              "swept_at_s": now_s, **counts, "seconds": round(time.monotonic() - started, 3)}
    _record(settings, report)
    if counts["removed"] or counts["not_removed"]:
        log.info("orphan files: %s", report)
    return report


def sweep_if_due(studio: Studio, *, now: datetime | None = None) -> dict[str, Any] | None:
    """Sweep when the last sweep (by any process) is older than the interval; else None."""
    last = last_sweep(studio.settings)
    now_s = (now or utcnow()).timestamp()
    if last and now_s - float(last.get("swept_at_s", 0)) < studio.settings.orphan_sweep_interval_s:
        return None
    return sweep(studio, now=now)


def last_sweep(settings: Settings) -> dict[str, Any] | None:
    """The counts of the last sweep, or None before the first."""
    try:
        return json.loads((settings.data_dir / REPORT_NAME).read_text())
    except (OSError, ValueError):
        return None


def _lifetimes(settings: Settings) -> dict[str, float]:
    """The media kinds the studio writes, and how old an unreferenced file of each must be to go."""
    from studio.services.step_previews import PREVIEWS
    from studio.services.avatars import AVATARS, CANDIDATE_LIFETIME_S, CANDIDATES
    from studio.services.exports import EXPORTS
    from studio.services.generations import BACKDROPS
    from studio.services.pose_requests import MEDIA_KIND as POSE_REQUESTS
    from studio.services.results import SKELETON_LIFETIME_S, SKELETONS

    least = settings.orphan_min_age_s
    kinds = {AVATARS: least, "outputs": least, "thumbnails": least, EXPORTS: least, POSE_REQUESTS: least,
             BACKDROPS: max(least, BACKDROP_LIFETIME_S), CANDIDATES: max(least, CANDIDATE_LIFETIME_S),
             PREVIEWS: least,  # a running batch rewrites its preview every beat: never this old
             SKELETONS: max(least, SKELETON_LIFETIME_S)}  # a cache: made again when next asked for
    return kinds


def _user_folders(root: Path):
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for entry in entries:
        match = _USER_FOLDER.match(entry.name)
        if match and entry.is_dir(follow_symlinks=False):
            yield int(match.group(1)), Path(entry.path)


def _files(folder: Path, lifetimes: dict[str, float], now_s: float, min_age_s: float) -> tuple[list[str], list[str]]:
    """Relative paths of the studio's files in one creator's folder: (old enough to judge, too new)."""
    old: list[str] = []
    young: list[str] = []
    for kind, lifetime in lifetimes.items():
        try:
            entries = list(os.scandir(folder / kind))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            try:
                age = now_s - entry.stat(follow_symlinks=False).st_mtime
            except FileNotFoundError:  # deleted meanwhile
                continue
            # A .part file is a write that never finished once it is past the safety age.
            enough = min_age_s if entry.name.endswith(".part") else lifetime
            (old if age >= enough else young).append(f"{folder.name}/{kind}/{entry.name}")
    return old, young


def _record(settings: Settings, report: dict[str, Any]) -> None:
    target = settings.data_dir / REPORT_NAME
    try:
        with write_atomically(target) as part:
            part.write_text(json.dumps(report))
    except OSError:
        log.warning("could not record the orphan sweep in %s", target, exc_info=True)
