"""History's list of batches as cards: each names its avatar (name and a small picture), its
project, the poses it used, its status, pictures and cost. One card is one button: on a phone
the cards stack, nothing is cut, and a tap opens the batch (``OPEN_ON_CLICK``)."""

from __future__ import annotations

from studio.services.history import POSES_NAMED, BatchSummary
from studio.ui.common import Viewer, esc

# The page tells the server which card was pressed; the id it sends is checked there like any
# other id a client sends (only the creator's own batches open).
OPEN_ON_CLICK = """
element.addEventListener('click', (event) => {
  const card = event.target.closest('[data-batch]');
  if (!card || !element.contains(card)) return;
  element.querySelectorAll('.history-opened').forEach((c) => c.classList.remove('history-opened'));
  card.classList.add('history-opened');
  trigger('click', {batch: Number(card.dataset.batch)});
});
"""

# What each status reads as on a card, and the class that colours it (layout.CSS).
STATUS_LOOK = {"completed": "done", "partial": "done", "failed": "failed", "cancelled": "cancelled",
               "queued": "running", "running": "running"}


def poses_text(batch: BatchSummary) -> str:
    """"3 poses: Standing, Walking, Waving"; past POSES_NAMED names, "+ 4 more"."""
    if not batch.pose_count:
        return "no poses"
    names = ", ".join(batch.pose_names[:POSES_NAMED])
    more = batch.pose_count - POSES_NAMED
    return (f"{batch.pose_count} pose{'' if batch.pose_count == 1 else 's'}: {names}"
            + (f" + {more} more" if more > 0 else ""))


def card(batch: BatchSummary, viewer: Viewer) -> str:
    link = viewer.media(batch.avatar_thumbnail)
    name = batch.avatar_name or "avatar deleted"
    picture = (f"<img class='history-avatar-picture' src='{esc(link)}' alt='{esc(name)}' loading='lazy'/>" if link
               else "<span class='history-avatar-picture history-no-picture' aria-hidden='true'>?</span>")
    where = f" · <span class='history-project'>{esc(batch.project_name)}</span>" if batch.project_name else ""
    spent = batch.credits_charged - batch.credits_refunded
    failed = f" · {batch.failed_items} failed" if batch.failed_items else ""
    refunded = f" ({batch.credits_refunded} refunded)" if batch.credits_refunded else ""
    look = STATUS_LOOK.get(batch.status, "running")
    return (
        f"<button type='button' class='history-batch' data-batch='{batch.id}' data-status='{esc(batch.status)}'>"
        f"{picture}<span class='history-batch-text'>"
        f"<span class='history-batch-title'><b>#{batch.id}</b> · "
        f"<span class='history-avatar-name'>{esc(name)}</span>{where}</span>"
        f"<span class='history-poses'>{esc(poses_text(batch))}</span>"
        f"<span class='history-batch-facts'><span class='history-status history-{look}'>{esc(batch.status)}</span>"
        f" · {batch.done_items}/{batch.total_items} pictures{failed} · {spent} credits{refunded}"
        f" · {esc(batch.preset_key)} · {batch.created_at:%Y-%m-%d %H:%M} UTC</span>"
        "</span></button>")


def cards_html(batches: list[BatchSummary], viewer: Viewer) -> str:
    if not batches:
        return "<div class='history-empty'>No batches match these filters.</div>"
    items = "".join(card(b, viewer) for b in batches)
    return f"<div class='history-batches' role='list'>{items}</div>"
