"""How the page keeps a creator's work safe: a refused action leaves every field as it was,
a destructive action asks for a second press, and a slow action shows it is working.
"""

from __future__ import annotations

import time
from typing import Any

import gradio as gr

# A second press of a delete button counts as "yes" for this long after the first.
CONFIRM_WINDOW_S = 60


def quiet_refusals(demo: gr.Blocks) -> None:
    """Refusals speak in a toast only: no event draws Gradio's progress cover.

    Why: on an event that raises ``gr.Error``, Gradio replaces every output's view with a red
    "Error" badge (the chosen photo seems gone, a list cannot be clicked until each badge is
    closed). With the progress cover hidden, outputs keep what they showed and the toast says
    what to change. Slow actions say they are working on their own button (``working``), and a
    batch's progress has its own panel.
    """
    for fn in demo.fns.values():
        fn.show_progress = "hidden"


def working(button: gr.Button, label: str, busy: str):
    """Two event steps around a slow action: the button reads ``busy`` and cannot be pressed
    again, then (the action done, refused or failed) reads ``label`` again.

    ``button.click(**start).then(action...).then(**done)``: ``.then`` runs whatever the action
    did, so a refusal never leaves the button stuck.
    """
    start = dict(fn=lambda: gr.update(value=busy, interactive=False), inputs=None, outputs=button,
                 api_visibility="private", queue=False)
    done = dict(fn=lambda: gr.update(value=label, interactive=True), inputs=None, outputs=button,
                api_visibility="private", queue=False)
    return start, done


def armed_for(target: Any) -> dict:
    """What a first press of a delete button remembers (kept in a server-side ``gr.State``)."""
    return {"target": target, "at": time.time()}


def confirmed(armed: Any, target: Any) -> bool:
    """True when this press is the second one for the same thing, within ``CONFIRM_WINDOW_S``."""
    return (isinstance(armed, dict) and armed.get("target") == target
            and time.time() - float(armed.get("at") or 0) <= CONFIRM_WINDOW_S)
