"""The page: header (user, balance), the health banner, then one tab per module."""

from __future__ import annotations

import html

import gradio as gr

from studio.context import Studio
from studio.services import credits, health
from studio.services.errors import StudioError
from studio.ui.identity import current_user, oauth_enabled

CSS = """
.studio-banner {background:#fff4e5;border:1px solid #f0b35a;border-radius:8px;padding:10px 14px;color:#5a3500}
.studio-banner ul {margin:4px 0 0 18px}
.studio-header {display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap}
.studio-title {font-size:1.5rem;font-weight:700}
.studio-user {font-size:0.95rem;opacity:0.85}
#batch-progress {padding:8px 0}
.batch-bar {height:14px;background:#e5e7eb;border-radius:7px;overflow:hidden;margin:6px 0}
.batch-bar-fill {height:100%;background:linear-gradient(90deg,#6366f1,#ec4899);transition:width .4s}
.batch-counts {font-size:.9rem;opacity:.8}
.batch-error {color:#b91c1c}
@media (max-width: 640px) {.studio-title {font-size:1.2rem}}
"""


def theme() -> gr.themes.Base:
    # The default font is fetched from Google Fonts: use system fonts so nothing loads from the internet.
    system = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
    return gr.themes.Soft(font=system, font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


def banner_html(studio: Studio) -> str:
    try:
        problems = health.report(studio)["problems"]
    except Exception as exc:  # the banner must render even when health itself fails
        problems = [f"The studio cannot check its health: {exc.__class__.__name__}."]
    if not problems:
        return ""
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return f"<div class='studio-banner' role='alert'><b>Something needs fixing</b><ul>{items}</ul></div>"


def header_html(request: gr.Request, profile: gr.OAuthProfile | None = None) -> str:
    from studio.context import current

    try:
        user = current_user(request, profile)
        balance = credits.balance(current().db, user_id=user.id)
    except (StudioError, gr.Error) as exc:
        return f"<div class='studio-user'>{html.escape(str(exc))}</div>"
    return (f"<div class='studio-user' id='studio-user'>Signed in as <b>{html.escape(user.display_name)}</b>"
            f" · <span id='studio-balance'>{balance}</span> credits</div>")


def build_ui(studio: Studio) -> gr.Blocks:
    from studio.ui import tabs
    from studio.ui.common import Shared

    with gr.Blocks(title="Pose Studio", analytics_enabled=False) as demo:
        with gr.Row(elem_classes="studio-header"):
            gr.HTML("<div class='studio-title'>Pose Studio</div>")
            user_box = gr.HTML(elem_id="studio-header-user")
            if oauth_enabled():
                gr.LoginButton()
        banner = gr.HTML(elem_id="studio-banner")
        shared = Shared(user_box=user_box, selected_poses=gr.State([]))
        tabs.render_all(studio, shared)
        demo.load(header_html, None, user_box, api_visibility="private")
        demo.load(lambda: banner_html(studio), None, banner, api_visibility="private")
        for hook in shared.on_load:
            hook(demo)
    return demo
