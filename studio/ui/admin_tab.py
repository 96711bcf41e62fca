"""Admin (admins only): health, credit grants, pose requests."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from studio.enums import AuthSource, RequestStatus
from studio.services import credits, health, pose_requests, users
from studio.services.errors import Forbidden, InvalidInput
from studio.services.fields import MAX_ID, whole_number
from studio.ui import form
from studio.ui.common import Page, Shared, creator_errors
from studio.ui.identity import oauth_enabled

REQUEST_COLUMNS = ["#", "Pose asked for", "Description", "Category", "Status", "Votes", "Asked by", "Answer"]
ACTIONS = ("approve", "reject", "complete")
DONE = {"approve": "approved", "reject": "rejected", "complete": "completed"}
# Requests an admin can still answer: approve takes open ones, reject and complete open or approved.
ANSWERABLE = {RequestStatus.open.value, RequestStatus.approved.value}
LOW_DISK_BYTES = 2 * 1024**3  # below this a batch of full-size images may not fit


def _refused(message: str) -> tuple:
    """A missing field, said beside the buttons while the table and the form stay as they are
    (an error toast would cover them with error badges until each was closed)."""
    gr.Warning(message)
    return gr.update(), gr.update(), f"⚠ {message}"


def _line(ok: bool, what: str, sentence: str) -> str:
    mark = "✓" if ok else "⚠"
    return (f"<li class='health-{'ok' if ok else 'problem'}'>{mark} <b>{what}</b>: "
            f"{html.escape(sentence)}</li>")


def health_html(report: dict[str, Any], media_dir) -> str:
    """The /healthz report as one line per part, each with a mark and a sentence an admin can act on."""
    problems = report.get("problems", [])
    database = report.get("database", {})
    dialect = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(database.get("dialect"), database.get("dialect"))
    counts = report.get("counts", {})
    if not database.get("reachable"):
        db_line = _line(False, "Database", next((p for p in problems if "database" in p.lower()),
                                                f"{dialect} cannot be reached."))
    elif not report.get("schema_at_head"):
        db_line = _line(False, "Database", next((p for p in problems if "schema" in p), "The schema is out of date."))
    elif counts and not all(counts.values()):
        db_line = _line(False, "Database", next((p for p in problems if "Shipped content" in p),
                                                "Shipped content is missing: run `python -m studio seed`."))
    else:
        db_line = _line(True, "Database", f"{dialect} is reachable, the schema is up to date and the library "
                                          f"holds {counts.get('poses', 0)} poses.")
    queue = report.get("queue", {})
    backend = queue.get("backend", "none")
    if backend == "none":
        queue_line = _line(True, "Queue / workers", "No job queue in this process (batches are not run here).")
    elif queue.get("ok", True):
        alive = queue.get("workers_alive", 0)
        queue_line = _line(True, "Queue / workers", f"The {backend} queue works: {alive} worker"
                                                    f"{'' if alive == 1 else 's'} alive, "
                                                    f"{queue.get('pending', 0)} batches waiting.")
    else:
        queue_line = _line(False, "Queue / workers", queue.get("problem") or "The job queue is not working.")
    media = report.get("media", {})
    free, writable = media.get("free_bytes", 0), media.get("writable", False)
    if not writable:
        disk_line = _line(False, "Disk / media", f"The media folder {media_dir} cannot be written: "
                                                 "check that the studio's user may write there.")
    elif free < LOW_DISK_BYTES:
        disk_line = _line(False, "Disk / media", f"Only {free / 1024**3:.1f} GB free in the media folder: "
                                                 "free some space before large batches.")
    else:
        disk_line = _line(True, "Disk / media", f"The media folder is writable with {free / 1024**3:.1f} GB free.")
    sweep = report.get("orphan_files", {})
    if sweep.get("not_removed"):
        sweep_line = _line(False, "Orphan sweep", next((p for p in problems if "orphan" in p),
                                                       f"{sweep['not_removed']} orphan files could not be deleted."))
    elif sweep.get("swept_at"):
        sweep_line = _line(True, "Orphan sweep", f"Last sweep at {sweep['swept_at']}: removed "
                                                 f"{sweep.get('removed', 0)} orphan files.")
    else:
        sweep_line = _line(True, "Orphan sweep", "No sweep has run yet; nothing is waiting to be deleted.")
    compute = report.get("compute", {})
    compute_line = _line(True, "Compute", f"This process draws pictures on {compute.get('path', 'unknown')} "
                                          f"({compute.get('reason', 'no reason given')}"
                                          f"{'' if compute.get('loaded') else '; the models load on first use'}).")
    summary = "All parts are working." if report.get("ok") else f"{len(problems)} problem(s) need attention."
    return (f"<div id='admin-health-list'><p>{html.escape(summary)}</p><ul class='health-list'>"
            f"{db_line}{queue_line}{disk_line}{compute_line}{sweep_line}</ul></div>")


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
    def health_report(self, request: gr.Request) -> str:
        self._require_admin(request)
        return health_html(health.report(self.studio), self.studio.settings.media_dir)

    def _new_user_source(self) -> AuthSource:
        # A name granted to before its first visit is made the way this studio signs people in,
        # so that sign-in later finds the same account (identity.current_user looks up by name).
        settings = self.studio.settings
        if oauth_enabled():
            return AuthSource.oauth
        if settings.password_logins:
            return AuthSource.password
        return AuthSource.local

    @creator_errors
    def grant_credits(self, user_name: str, amount, reason: str, request: gr.Request) -> str:
        admin = self._require_admin(request)
        name = (user_name or "").strip()
        if not name:
            raise InvalidInput("User name: type the name the creator signs in with")
        try:
            target = users.find(self.studio.db, name)
        except InvalidInput as exc:
            raise InvalidInput(f"User name: {exc}") from None
        amount = whole_number(amount, "Credits", 1, 1_000_000)
        if not (reason or "").strip():
            raise InvalidInput("Reason: say why the credits are granted (it is kept in the ledger)")
        made = target is None
        if made:
            settings = self.studio.settings
            # The starter credits they would get on a first visit come with the account, so an
            # early grant never costs them their welcome credits.
            target = users.get_or_create(self.studio.db, name=name, auth_source=self._new_user_source(),
                                         starter_credits=settings.starter_credits,
                                         is_admin=name in settings.admin_names)
        entry = credits.grant(self.studio.db, user_id=target.id, amount=amount,
                              reason=f"{reason.strip()} (by {admin.name})")
        if made:
            return (f"{target.name} had no account yet: made one (with "
                    f"{self.studio.settings.starter_credits} welcome credits) and granted {amount} credits; "
                    f"their balance is now {entry.balance_after}.")
        return f"Granted {amount} credits to {target.name}; their balance is now {entry.balance_after}."

    def _requests(self, admin_id: int, status: str) -> tuple[list[list], Any]:
        """The table and the request picker, built from one read so they always agree."""
        shown = pose_requests.list_all_requests(self.studio.db, admin_id=admin_id,
                                                status=None if status == "all" else status)
        rows = [[r.id, r.name, r.description, r.category or "", r.status, r.votes, r.requester, r.admin_note]
                for r in shown]
        choices = [(f"#{r.id} {r.name}", r.id) for r in shown if r.status in ANSWERABLE]
        return rows, gr.update(choices=choices, value=None)

    @creator_errors
    def show_requests(self, status: str, request: gr.Request):
        admin = self._require_admin(request)
        return self._requests(admin.id, status)

    @creator_errors
    def answer_request(self, action: str, request_id, pose_id, note: str, status: str, request: gr.Request):
        admin = self._require_admin(request)
        if request_id in (None, ""):
            return _refused("Request: pick one from the list first")
        rid = whole_number(request_id, "Request", 1, MAX_ID)
        db = self.studio.db
        if action == "approve":
            answered = pose_requests.approve(db, admin_id=admin.id, request_id=rid, note=note or "")
        elif action == "reject":
            answered = pose_requests.reject(db, admin_id=admin.id, request_id=rid, note=note or "")
        else:
            if pose_id in (None, "", 0):
                return _refused("Pose #: type the number of the library pose that answers the request")
            answered = pose_requests.complete(db, admin_id=admin.id, request_id=rid,
                                              pose_id=whole_number(pose_id, "Pose #", 1, MAX_ID), note=note or "")
        rows, picker = self._requests(admin.id, status)
        return rows, picker, f"Request #{rid} ({answered.name}): {DONE[action]}."


def render(page: Page, shared: Shared) -> None:
    handlers = AdminTab(page)
    with gr.Tab("Admin", id="admin", visible=False) as tab:
        with gr.Accordion("Health", open=True):
            health_list = gr.HTML(elem_id="admin-health")
            check_health = gr.Button("Check health", size="sm")
        with gr.Accordion("Grant credits", open=True):
            with gr.Row():
                who = gr.Textbox(label="User name", placeholder="ana", elem_id="admin-grant-user",
                                 info="A creator who has not visited yet gets an account now.")
                amount = form.Number(label="Credits", value=100, precision=0, minimum=1)
                reason = gr.Textbox(label="Reason (kept in the ledger)", placeholder="Conference giveaway",
                                    elem_id="admin-grant-reason")
            result = gr.Markdown(elem_id="admin-grant-result")
            gr.Button("Grant", variant="primary", elem_id="admin-grant").click(handlers.grant_credits, [who, amount, reason], result,
                                                       api_visibility="private")
        with gr.Accordion("Pose requests", open=True):
            status = gr.Radio(["open", "approved", "rejected", "completed", "all"], value="open", label="Show")
            table = gr.Dataframe(headers=REQUEST_COLUMNS, interactive=False, elem_id="admin-requests")
            with gr.Row():
                # Picked from the list, never typed: a number box started at 0, which the
                # minimum of 1 refused before any handler ran.
                request_id = form.Dropdown(label="Request", choices=[], value=None, elem_id="admin-request",
                                         info="The requests still to answer in the list above.")
                # No minimum here: approve and reject send this box too, and an empty one must not
                # stop them; complete checks it and names it.
                pose_id = form.Number(label="Pose # that answers it (to complete)", value=None, precision=0)
                note = gr.Textbox(label="Note to the requester")
            with gr.Row():
                approve = gr.Button("Approve", size="sm", elem_id="admin-approve")
                reject = gr.Button("Reject", size="sm", variant="stop", elem_id="admin-reject")
                complete = gr.Button("Complete with pose", size="sm", variant="primary", elem_id="admin-complete")
            answer_note = gr.Markdown(elem_id="admin-answer-note")
        gr.on([status.change, tab.select], handlers.show_requests, status, [table, request_id],
              api_visibility="private")
        gr.on([check_health.click, tab.select], handlers.health_report, None, health_list, api_visibility="private")
        for button, action in zip((approve, reject, complete), ACTIONS):
            button.click(handlers.answer_request, [gr.State(action), request_id, pose_id, note, status],
                         [table, request_id, answer_note], api_visibility="private")
    shared.on_load.append(lambda demo: demo.load(handlers.visibility, None, tab, api_visibility="private"))
