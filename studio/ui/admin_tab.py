"""Admin (admins only): health, credit grants, pose requests."""

from __future__ import annotations

import gradio as gr

from studio.services import credits, health, pose_requests, users
from studio.services.errors import Forbidden
from studio.services.fields import MAX_ID, whole_number
from studio.ui.common import Page, Shared, creator_errors

REQUEST_COLUMNS = ["#", "Pose asked for", "Description", "Category", "Status", "Votes", "Asked by", "Answer"]
ACTIONS = ("approve", "reject", "complete")


class AdminTab:
    """The Admin tab's handlers, bound to one page; every one checks the admin again."""

    def __init__(self, page: Page):
        self.page = page
        self.studio = page.studio

    def _require_admin(self, request: gr.Request):
        user = self.page.user(request)
        if not user.is_admin:
            raise Forbidden("Only studio admins can do this.")
        return user

    @creator_errors
    def visibility(self, request: gr.Request):
        try:
            visible = self.page.user(request).is_admin
        except gr.Error:
            visible = False
        return gr.update(visible=visible)

    @creator_errors
    def health_report(self, request: gr.Request) -> dict:
        self._require_admin(request)
        return health.report(self.studio)

    @creator_errors
    def grant_credits(self, user_name: str, amount, reason: str, request: gr.Request) -> str:
        admin = self._require_admin(request)
        amount = whole_number(amount, "Credits", 1, 1_000_000)
        target = users.by_name(self.studio.db, (user_name or "").strip())
        entry = credits.grant(self.studio.db, user_id=target.id, amount=amount,
                              reason=f"{reason.strip()} (by {admin.name})" if reason.strip() else "")
        return f"Granted {amount} credits to {target.name}; their balance is now {entry.balance_after}."

    def _request_rows(self, admin_id: int, status: str) -> list[list]:
        return [[r.id, r.name, r.description, r.category or "", r.status, r.votes, r.requester, r.admin_note]
                for r in pose_requests.list_all_requests(self.studio.db, admin_id=admin_id,
                                                         status=None if status == "all" else status)]

    @creator_errors
    def show_requests(self, status: str, request: gr.Request):
        admin = self._require_admin(request)
        return self._request_rows(admin.id, status)

    @creator_errors
    def answer_request(self, action: str, request_id, pose_id, note: str, status: str, request: gr.Request):
        admin = self._require_admin(request)
        rid = whole_number(request_id, "Request #", 1, MAX_ID)
        db = self.studio.db
        if action == "approve":
            pose_requests.approve(db, admin_id=admin.id, request_id=rid, note=note or "")
        elif action == "reject":
            pose_requests.reject(db, admin_id=admin.id, request_id=rid, note=note or "")
        else:
            pose_requests.complete(db, admin_id=admin.id, request_id=rid,
                                   pose_id=whole_number(pose_id, "Pose #", 1, MAX_ID), note=note or "")
        return self._request_rows(admin.id, status), f"Request #{rid}: {action}d."


def render(page: Page, shared: Shared) -> None:
    handlers = AdminTab(page)
    with gr.Tab("Admin", id="admin", visible=False) as tab:
        with gr.Accordion("Health", open=True):
            health_json = gr.JSON(label="/healthz")
            check_health = gr.Button("Check health", size="sm")
        with gr.Accordion("Grant credits", open=True):
            with gr.Row():
                who = gr.Textbox(label="User name", placeholder="ana")
                amount = gr.Number(label="Credits", value=100, precision=0, minimum=1)
                reason = gr.Textbox(label="Reason (kept in the ledger)", placeholder="Conference giveaway")
            result = gr.Markdown()
            gr.Button("Grant", variant="primary").click(handlers.grant_credits, [who, amount, reason], result,
                                                       api_visibility="private")
        with gr.Accordion("Pose requests", open=True):
            status = gr.Radio(["open", "approved", "rejected", "completed", "all"], value="open", label="Show")
            table = gr.Dataframe(headers=REQUEST_COLUMNS, interactive=False)
            with gr.Row():
                request_id = gr.Number(label="Request #", precision=0, minimum=1)
                pose_id = gr.Number(label="Pose # that answers it (to complete)", precision=0, minimum=1)
                note = gr.Textbox(label="Note to the requester")
            with gr.Row():
                approve = gr.Button("Approve", size="sm")
                reject = gr.Button("Reject", size="sm", variant="stop")
                complete = gr.Button("Complete with pose", size="sm", variant="primary")
            answer_note = gr.Markdown()
        gr.on([status.change, tab.select], handlers.show_requests, status, table, api_visibility="private")
        gr.on([check_health.click, tab.select], handlers.health_report, None, health_json, api_visibility="private")
        for button, action in zip((approve, reject, complete), ACTIONS):
            button.click(handlers.answer_request, [gr.State(action), request_id, pose_id, note, status],
                         [table, answer_note], api_visibility="private")
    shared.on_load.append(lambda demo: demo.load(handlers.visibility, None, tab, api_visibility="private"))
