"""Recovery: nothing stays stuck, nothing runs twice, nothing is charged or refunded twice.

- A running generation whose heartbeat is stale (its worker died) goes back to queued and is
  enqueued; the next claim resumes it from its pending items.
- A queued generation that never reached the queue (enqueue failed, or the in-process queue
  died with its web process) is enqueued.
- After ``max_attempts`` claims, or with a cancel requested, its remaining items fail (or are
  cancelled) and are refunded, once each (``batch_pricing.settle``).

- Orphan files (pictures no row points at, left by a worker killed mid-chunk) are deleted
  once old enough, at most every ``STUDIO_ORPHAN_SWEEP_INTERVAL_S`` (studio/jobs/orphans.py).

Run by ``python -m studio recover``, by the worker process between jobs, and by the
in-process queue's sweep thread. Every step is a conditional update, so sweeps may overlap.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from studio.core import Studio
from studio.db.tables import Generation
from studio.db.types import utcnow
from studio.enums import GenerationStatus, ItemStatus
from studio.jobs import orphans
from studio.jobs.worker import abandoned
from studio.services import batch_pricing

log = logging.getLogger(__name__)

QUEUED_GRACE_S = 10  # a batch just submitted is enqueued by submit itself


def recover(studio: Studio, *, now: datetime | None = None, queued_grace_s: float = QUEUED_GRACE_S,
            sweep_files: bool | None = None) -> dict[str, Any]:
    """One recovery pass; ``sweep_files`` True sweeps orphan files now, None when due, False never."""
    s = studio.settings
    now = now or utcnow()
    stale = now - timedelta(seconds=s.heartbeat_stale_s)
    report: dict[str, list[int]] = {"requeued": [], "enqueued": [], "gave_up": [], "cancelled": []}
    with studio.db.session() as session:
        dead = session.exec(select(Generation).where(abandoned(stale))).all()
    for g in dead:
        with studio.db.session() as session:
            if g.cancel_requested or g.attempts >= s.max_attempts:
                _finish(session, g, report)
                continue
            moved = session.execute(
                sa.update(Generation)
                .where(Generation.id == g.id, abandoned(stale))
                .values(status=GenerationStatus.queued.value, current_step=0, current_total_steps=0)).rowcount
            if moved:
                report["requeued"].append(g.id)
    with studio.db.session() as session:
        waiting = session.exec(select(Generation).where(
            Generation.status == GenerationStatus.queued.value,
            sa.or_(Generation.created_at < now - timedelta(seconds=queued_grace_s),
                   Generation.id.in_(report["requeued"] or [-1])))).all()
    for g in waiting:
        if g.cancel_requested or g.attempts >= s.max_attempts:
            with studio.db.session() as session:
                _finish(session, g, report)
            continue
        if studio.queue is None:
            continue
        if g.id not in report["requeued"] and studio.queue.has_job(g.id):
            continue
        try:
            studio.queue.enqueue(g.id)
            report["enqueued"].append(g.id)
        except Exception:
            log.exception("recovery could not enqueue generation %s", g.id)
    if any(report.values()):
        log.info("recovery: %s", report)
    swept = None
    if sweep_files is not False:
        try:  # on the real clock, never ``now``: a ``now`` from the future would make new files look old
            swept = orphans.sweep(studio) if sweep_files else orphans.sweep_if_due(studio)
        except Exception:  # batches matter more than files: the next pass sweeps again
            log.exception("the orphan file sweep failed")
    return {**report, "orphan_files": swept}


def _finish(session, g: Generation, report: dict[str, list[int]]) -> None:
    if g.cancel_requested:
        batch_pricing.settle(session, g.id, leftover=ItemStatus.cancelled, cancelled=True, reason="cancelled")
        report["cancelled"].append(g.id)
    else:
        batch_pricing.settle(session, g.id, leftover=ItemStatus.failed,
                             reason=f"gave up after {g.attempts} attempts (the worker stopped each time)")
        report["gave_up"].append(g.id)
