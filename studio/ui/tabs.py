"""The tabs, in the order a creator uses them. Each module renders its own tab.

Adding a tab is one module with ``render(page, shared)`` plus one entry in ``TABS``.
"""

from __future__ import annotations

import gradio as gr

from studio.ui import admin_tab, avatar_tab, batch_tab, credits_tab, gallery_tab, history_tab
from studio.ui.common import Page, Shared

TABS = (avatar_tab, gallery_tab, batch_tab, history_tab, credits_tab, admin_tab)


def render_all(page: Page, shared: Shared) -> None:
    # "wrap": on a phone every tab's name stays on the bar (Gradio's default hides those that do
    # not fit in a "..." menu, and Batch and History were among them).
    with gr.Tabs(elem_id="studio-tabs", overflow_behavior="wrap"):
        for tab in TABS:
            tab.render(page, shared)
