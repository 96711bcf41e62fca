"""The tabs, in the order a creator uses them. Each module renders its own tab."""

from __future__ import annotations

import importlib

import gradio as gr

from studio.context import Studio
from studio.ui.common import Shared

TAB_MODULES = ("avatar_tab", "gallery_tab", "batch_tab", "history_tab", "credits_tab", "admin_tab")


def render_all(studio: Studio, shared: Shared) -> None:
    with gr.Tabs(elem_id="studio-tabs"):
        for name in TAB_MODULES:
            importlib.import_module(f"studio.ui.{name}").render(studio, shared)
    from studio.ui import api

    api.render()  # outside gr.Tabs: a Tabs block holds only tabs
