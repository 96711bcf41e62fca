"""Credits: the balance, the unlimited tier's quota, and the ledger with reasons.

The ledger keeps one refund row per image (each is refunded exactly once, by its own key); the
tab shows a batch's refunds that landed together as one row, so a cancelled batch of 40 reads
as one "+40, 40 images not made" line instead of forty.
"""

from __future__ import annotations

import re
from typing import Sequence

import gradio as gr

from studio.enums import LedgerKind
from studio.services import credits
from studio.ui.api import balance_summary
from studio.ui.common import Page, Shared, creator_errors

LEDGER_COLUMNS = ["When (UTC)", "Kind", "Credits", "Balance after", "Reason", "Reference"]
_ITEM_REFUND = re.compile(r"^(generation:\d+):item:\d+$")


def ledger_rows(entries: Sequence) -> list[list]:
    """The table's rows, newest first, with each run of one batch's item refunds as one row
    (its time and balance are the newest entry's: the balance after the whole run)."""
    rows: list[list] = []
    run_of: str | None = None  # the batch whose refunds the last row groups
    for e in entries:
        batch = _ITEM_REFUND.match(e.reference or "")
        batch_ref = batch[1] if batch and e.kind == LedgerKind.refund.value else None
        if batch_ref is not None and batch_ref == run_of:
            row = rows[-1]
            row[2] = f"{int(row[2]) + e.amount:+d}"
            row[6] += 1
            row[4] = f"{row[6]} images not made"
            continue
        run_of = batch_ref
        rows.append([e.created_at.strftime("%Y-%m-%d %H:%M"), e.kind, f"{e.amount:+d}", e.balance_after,
                     e.reason, batch_ref or e.reference, 1])
    return [row[:6] for row in rows]


def _summary_markdown(summary: dict) -> str:
    text = f"### {summary['balance']} credits"
    if summary["unlimited"]:
        text += (f"\n\nUnlimited tier: **{summary['quota_left']} of {summary['daily_quota']} poses** left today "
                 "(the count starts again at midnight UTC).")
    return text


class CreditsTab:
    """The Credits tab's handlers, bound to one page."""

    def __init__(self, page: Page):
        self.page = page

    @creator_errors
    def show(self, request: gr.Request):
        user = self.page.user(request)
        summary = balance_summary(self.page.studio, user)
        rows = ledger_rows(credits.ledger(self.page.studio.db, user_id=user.id, limit=500))
        return _summary_markdown(summary), rows


def render(page: Page, shared: Shared) -> None:
    handlers = CreditsTab(page)
    with gr.Tab("Credits", id="credits") as tab:
        gr.Markdown("Every change to your credits is listed here: what it was for and what it refers to. "
                    "Failed or cancelled images are refunded automatically.")
        summary = gr.Markdown(elem_id="credits-summary")
        refresh = gr.Button("Refresh", size="sm")
        ledger = gr.Dataframe(headers=LEDGER_COLUMNS, interactive=False, wrap=True, elem_id="credits-ledger")
        gr.on([refresh.click, tab.select], handlers.show, None, [summary, ledger], api_visibility="private")
