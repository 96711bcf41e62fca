"""Credits: the balance, the unlimited tier's quota, and the ledger with reasons."""

from __future__ import annotations

import gradio as gr

from studio.services import credits
from studio.ui.api import balance_summary
from studio.ui.common import Page, Shared, creator_errors

LEDGER_COLUMNS = ["When (UTC)", "Kind", "Credits", "Balance after", "Reason", "Reference"]


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
        rows = [[e.created_at.strftime("%Y-%m-%d %H:%M"), e.kind, f"{e.amount:+d}", e.balance_after, e.reason,
                 e.reference] for e in credits.ledger(self.page.studio.db, user_id=user.id, limit=200)]
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
