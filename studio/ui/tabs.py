"""The tabs, in the order a creator uses them. Each module renders its own tab."""

from __future__ import annotations

import importlib

import gradio as gr

from studio.context import Studio

TAB_MODULES = ()  # filled as the tab modules land: avatar, gallery, batch, history, credits, admin


def render_all(studio: Studio, user_box: gr.HTML) -> None:
    if not TAB_MODULES:
        gr.Markdown("Pose Studio is starting up: no tabs are installed yet.")
        return
    with gr.Tabs():
        for name in TAB_MODULES:
            importlib.import_module(f"studio.ui.{name}").render(studio, user_box)
