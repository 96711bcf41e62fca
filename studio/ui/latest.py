"""Latest answer wins: a listing that finishes after a newer one of the same page began is dropped.

Gradio runs a page's events side by side, so two listings of one grid (the tab opening, then a
filter ticked a moment later) can finish in either order; without this the older one could land
last and show the unfiltered list under a ticked box. Each browser tab (Gradio session) counts
the listings it started; a listing whose number is no longer the latest returns ``gr.skip()``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import gradio as gr

# Sessions remembered at once: older ones are forgotten first (their next listing simply counts
# again from 1), so the ledger stays small however many pages were ever opened.
MAX_SESSIONS = 10_000


class LatestOnly:
    def __init__(self) -> None:
        self._started: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, request: gr.Request | None) -> tuple[str, int]:
        """Count a new listing for the request's session; its ticket for ``is_latest``."""
        session = getattr(request, "session_hash", None) or ""
        with self._lock:
            number = self._started.pop(session, 0) + 1
            self._started[session] = number
            while len(self._started) > MAX_SESSIONS:
                self._started.popitem(last=False)
        return session, number

    def is_latest(self, ticket: tuple[str, int]) -> bool:
        session, number = ticket
        with self._lock:
            return self._started.get(session, number) == number
