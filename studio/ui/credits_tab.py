"""Credits: the balance, the unlimited tier's quota, and the ledger with reasons."""

from __future__ import annotations

import gradio as gr

from studio.context import Studio, current
from studio.db.tables import CreditAccount
from studio.services import credits
from studio.ui.common import Shared, creator_errors, user_of

LEDGER_COLUMNS = ["When (UTC)", "Kind", "Credits", "Balance after", "Reason", "Reference"]


def balance_summary(request: gr.Request) -> dict:
    """The balance and quota of the signed-in user (also the API's /balance)."""
    user = user_of(request)
    db = current().db
    with db.session() as session:
        account = session.get(CreditAccount, user.id)
        unlimited = credits.unlimited_active(account)
        left = credits.quota_left(account) if unlimited else None
        return {"user": user.name, "balance": account.balance, "unlimited": unlimited,
                "daily_quota": account.daily_quota if unlimited else None, "quota_left": left,
                "unlimited_expires_at": account.unlimited_expires_at.isoformat()
                if unlimited and account.unlimited_expires_at else None}


def _summary_markdown(summary: dict) -> str:
    text = f"### {summary['balance']} credits"
    if summary["unlimited"]:
        text += (f"\n\nUnlimited tier: **{summary['quota_left']} of {summary['daily_quota']} poses** left today "
                 "(the count starts again at midnight UTC).")
    return text


@creator_errors
def show_credits(request: gr.Request):
    summary = balance_summary(request)
    user = user_of(request)
    rows = [[e.created_at.strftime("%Y-%m-%d %H:%M"), e.kind, f"{e.amount:+d}", e.balance_after, e.reason,
             e.reference] for e in credits.ledger(current().db, user_id=user.id, limit=200)]
    return _summary_markdown(summary), rows


def render(studio: Studio, shared: Shared) -> None:
    with gr.Tab("Credits", id="credits") as tab:
        gr.Markdown("Every change to your credits is listed here: what it was for and what it refers to. "
                    "Failed or cancelled images are refunded automatically.")
        summary = gr.Markdown(elem_id="credits-summary")
        refresh = gr.Button("Refresh", size="sm")
        ledger = gr.Dataframe(headers=LEDGER_COLUMNS, interactive=False, wrap=True, elem_id="credits-ledger")
        refresh.click(show_credits, None, [summary, ledger], api_visibility="private")
        tab.select(show_credits, None, [summary, ledger], api_visibility="private")
