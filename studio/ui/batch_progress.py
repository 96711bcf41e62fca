"""Batch tab, the progress of one batch as HTML: its bar and counts, the picture being drawn,
its quality checks in one glance, and every image with where it is.

Drawn from ``generations.BatchProgress`` alone (what the database says), so the same batch
reads the same whether it runs in this process or on an RQ worker, and after a reload.
"""

from __future__ import annotations

from studio.services import generations
from studio.ui.common import esc, quality_lines


def progress_html(p: generations.BatchProgress | None, forming: str | None = None) -> str:
    """The batch's progress; ``forming`` is a link to the picture being drawn (its step preview)."""
    if p is None:
        return "<div class='batch-progress-empty'>No batch running. Your results will appear here.</div>"
    pct = int(round(p.fraction * 100))
    if p.finished:
        label = {"completed": "Done", "partial": "Done, with some failures (refunded)",
                 "failed": "Failed (refunded)", "cancelled": "Cancelled (refunded what did not run)"}.get(p.status, p.status)
    elif p.status == "queued":
        label = "Waiting for a worker…"
    else:
        label = f"Generating… step {p.step}/{p.total_steps}" if p.total_steps else "Generating…"
    eta = f" · about {int(p.eta_seconds)} s left" if p.eta_seconds and not p.finished else ""
    error = f"<div class='batch-error'>{esc(p.error)}</div>" if p.error else ""
    # The step in the query: the file is rewritten in place, so each step needs a link of its own.
    picture = (f"<img class='batch-forming' src='{esc(forming)}?step={p.done}-{p.step}' "
               f"alt='The picture being drawn, step {p.step}'/>" if forming and not p.finished else "")
    return (f"<div id='batch-progress' data-status='{esc(p.status)}' data-done='{p.done}' data-total='{p.total}'>"
            f"{picture}<div class='batch-progress-label'>Batch #{p.generation_id}: {esc(label)}</div>"
            f"<div class='batch-bar'><div class='batch-bar-fill' style='width:{pct}%'></div></div>"
            f"<div class='batch-counts'>{p.done} done · {p.failed} failed · {p.left} left{eta}</div>{error}"
            f"{quality_html(p)}{items_html(p)}</div>")


# Each image's state in the creator's words (``ItemStatus`` values as the worker writes them).
ITEM_STATES = {"pending": "queued", "running": "drawing", "completed": "done", "failed": "failed",
               "cancelled": "cancelled"}


def items_html(p: generations.BatchProgress) -> str:
    """Every image of the batch with where it is: queued, drawing, done, or failed with its reason."""
    if not p.plan:
        return ""
    rows = []
    for item in p.plan:
        state = ITEM_STATES.get(item.status, item.status)
        if item.status == "running" and p.status != "running":
            # Handed back by a stopped worker (it waits for the next one), or ended: not being drawn.
            state = "stopped" if p.finished else "queued"
        why = f": {esc(item.error)}" if item.error and item.status in ("failed", "cancelled") else ""
        rows.append(f"<li class='batch-item batch-item-{esc(state)}' data-status='{esc(state)}'>"
                    f"<span class='batch-item-name'>{esc(item.pose_name)} · v{item.variation + 1}</span> "
                    f"<span class='batch-item-state'>{esc(state)}{why}</span></li>")
    return (f"<details class='batch-items-box' open><summary>Each image ({p.total})</summary>"
            f"<ol class='batch-items' id='batch-items'>{''.join(rows)}</ol></details>")


def quality_html(p: generations.BatchProgress) -> str:
    """The batch's checks in one glance, under its progress (``common.quality_lines``)."""
    done = [item for item in p.items if item.status == "completed"]
    lines = quality_lines(p.quality, p.checks, done, pictures_made=p.pictures_made, done=p.done)
    if not lines:
        return ""
    return "<div class='batch-quality' id='batch-quality'>" + "<br/>".join(esc(line) for line in lines) + "</div>"
