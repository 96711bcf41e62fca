"""The page: header (user, balance), the health banner, then one tab per module, then the API."""

from __future__ import annotations

import html

import gradio as gr

from studio.core import Studio
from studio.services import health
from studio.ui import api, tabs
from studio.ui.common import BALANCE_REFRESH_S, TILE_COLUMNS, Page, Shared
from studio.ui.identity import oauth_enabled
from studio.ui.safeguards import quiet_refusals
from studio.web.links import MediaLinks
from studio.web.watchers import Watchers

CSS = """
.studio-banner {background:#fff4e5;border:1px solid #f0b35a;border-radius:8px;padding:10px 14px;color:#5a3500}
.studio-banner ul {margin:4px 0 0 18px}
.studio-header {display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap}
.studio-title {font-size:1.5rem;font-weight:700}
.studio-user {font-size:0.95rem;opacity:0.85}
#batch-progress {padding:8px 0}
.batch-forming {float:right;width:96px;margin:0 0 6px 10px;border-radius:6px;box-shadow:0 1px 4px #0003}
.batch-bar {height:14px;background:#e5e7eb;border-radius:7px;overflow:hidden;margin:6px 0}
.batch-bar-fill {height:100%;background:linear-gradient(90deg,#6366f1,#ec4899);transition:width .4s}
.batch-counts {font-size:.9rem;opacity:.8}
.batch-error {color:#b91c1c}
.batch-quality {font-size:.9rem;margin-top:6px;padding:6px 10px;background:#eef2ff;border-radius:6px}
/* Each image of the batch and its state; a long batch scrolls in its own box. */
.batch-items-box {margin-top:6px;font-size:.88rem}
.batch-items {list-style:none;margin:4px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px;max-height:150px;
  overflow-y:auto}
.batch-item {padding:2px 8px;border-radius:10px;background:#f3f4f6;border:1px solid #e5e7eb;overflow-wrap:anywhere}
.batch-item-state {font-weight:600}
.batch-item-queued .batch-item-state {color:#6b7280}
.batch-item-drawing {border-color:#6366f1;background:#eef2ff}
.batch-item-drawing .batch-item-state {color:#4f46e5}
.batch-item-done .batch-item-state {color:#15803d}
.batch-item-failed {border-color:#fca5a5;background:#fef2f2}
.batch-item-failed .batch-item-state {color:#b91c1c}
.batch-item-cancelled .batch-item-state, .batch-item-stopped .batch-item-state {color:#6b7280}
#batch-picked-actions {align-items:flex-end}
/* The picked result's variations side by side, each as wide as the row allows. */
#batch-compare .batch-compare-title {font-weight:600;margin:4px 0}
#batch-compare .batch-compare-row {display:flex;gap:8px;overflow-x:auto}
#batch-compare .batch-compare-item {flex:1 1 0;min-width:120px;max-width:320px;margin:0;padding:4px;
  border:2px solid transparent;border-radius:8px}
#batch-compare .batch-compare-picked {border-color:#6366f1}
#batch-compare img {width:100%;border-radius:6px;display:block}
#batch-compare figcaption {font-size:.85rem;overflow-wrap:anywhere;margin-top:2px}
/* Gallery captions carry pose names and quality badges: wrap them over two lines instead of
   Gradio's one-line ellipsis, which cut names to a few characters on narrow tiles. */
.gradio-container .grid-wrap .caption-label {white-space:normal;max-width:calc(100% - 8px);left:4px;
  right:4px;line-height:1.25}
@media (max-width: 640px) {.studio-title {font-size:1.2rem}}
.studio-signout {margin-left:4px;font-weight:600;white-space:nowrap}
/* History: one card per batch (history_cards), in a box of its own height so the opened batch's
   pictures are near on every screen; on a phone the facts wrap under the name, never cut. */
#history-table .history-batches {display:flex;flex-direction:column;gap:6px;max-height:440px;overflow-y:auto;
  padding:2px}
#history-table .history-batch {display:flex;align-items:center;gap:10px;width:100%;text-align:left;padding:8px 10px;
  border:1px solid var(--border-color-primary);border-radius:8px;background:var(--background-fill-primary);
  color:inherit;font:inherit;cursor:pointer}
#history-table .history-batch:hover, #history-table .history-batch:focus-visible {border-color:#6366f1}
#history-table .history-batch.history-opened {border-color:#6366f1;box-shadow:0 0 0 2px #c7d2fe}
#history-table .history-avatar-picture {flex:none;width:48px;height:48px;border-radius:6px;object-fit:cover;
  display:flex;align-items:center;justify-content:center;background:#e5e7eb;color:#6b7280}
#history-table .history-batch-text {display:flex;flex-direction:column;gap:2px;min-width:0;overflow-wrap:anywhere}
#history-table .history-poses, #history-table .history-batch-facts {font-size:.88rem;opacity:.85}
#history-table .history-status {font-weight:600}
#history-table .history-done {color:#15803d}
#history-table .history-failed {color:#b91c1c}
#history-table .history-cancelled {color:#6b7280}
#history-table .history-running {color:#4f46e5}
#history-table .history-empty {padding:10px;opacity:.8}
/* Several photos on the Avatar tab: each one's check, named, in a wrapping row. */
.photo-files {display:flex;flex-wrap:wrap;gap:10px}
.photo-file-name {font-size:.85rem;font-weight:600;overflow-wrap:anywhere}
@media (max-width: 640px) {
  /* The Batch tab's Generate stays in reach: a bar at the foot of the screen instead of after
     the picked poses and the whole form (the tabs leave room for it at their end). */
  #batch-submit {position:fixed;left:12px;right:12px;bottom:12px;width:auto;z-index:40;
    box-shadow:0 4px 14px rgba(0,0,0,.25)}
  #studio-tabs {padding-bottom:72px}
  #history-table .history-batches {max-height:60vh}
  #history-filters > * {min-width:calc(50% - 8px) !important}
  /* Two wide tiles a row, so names wrap whole instead of being cut and no gallery is wider than
     the screen (.block: more specific than the studio-tiles-N rules below, which hold a
     gallery's columns on wider screens). */
  .block.studio-tiles-3 .grid-container, .block.studio-tiles-4 .grid-container, .block.studio-tiles-5 .grid-container,
  .block.studio-tiles-6 .grid-container, .block.studio-tiles-7 .grid-container, .block.studio-tiles-8 .grid-container
    {--grid-cols: 2 !important}
}
""" + "".join(f".studio-tiles-{n} .grid-container {{--grid-cols: {n} !important}}\n" for n in TILE_COLUMNS)


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


def build_ui(studio: Studio, links: MediaLinks, watchers: Watchers) -> gr.Blocks:
    """The page for ``studio``; ``links`` and ``watchers`` are the ones the media route and
    /healthz of the same app use (see ``studio.web.build_asgi``)."""
    page = Page(studio, links, watchers)
    with gr.Blocks(title="Pose Studio", analytics_enabled=False) as demo:
        with gr.Row(elem_classes="studio-header"):
            gr.HTML("<div class='studio-title'>Pose Studio</div>")
            user_box = gr.HTML(elem_id="studio-header-user")
            if oauth_enabled():
                # Gradio's Space login: once signed in it reads "Sign out (name)" and its /logout
                # ends the Hugging Face session (identity.SIGN_OUT is the password logins' way).
                gr.LoginButton("Sign in with Hugging Face", logout_value="Sign out ({})", size="sm",
                               elem_id="studio-signin")
        banner = gr.HTML(elem_id="studio-banner")
        shared = Shared(user_box=user_box, selected_poses=gr.State([]), clock=gr.Timer(BALANCE_REFRESH_S))
        tabs.render_all(page, shared)
        api.render(page)  # outside gr.Tabs: a Tabs block holds only tabs
        gr.on([demo.load, shared.clock.tick], page.header, None, user_box, api_visibility="private")
        demo.load(lambda: banner_html(studio), None, banner, api_visibility="private")
        for hook in shared.on_load:
            hook(demo)
    quiet_refusals(demo)
    return demo
