"""Gradio's queue protocol spoken by hand, as an attacker would: any event, any value.

gradio_client only sends what an event's API allows; this sends whatever a test writes into
``data``, to any event of the page (its private ones too), over plain HTTP.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


@dataclass
class Reply:
    status: int  # of the join request
    body: str  # the join's answer, then every message of the event's stream
    messages: list[dict] = field(default_factory=list)

    @property
    def completed(self) -> dict | None:
        return next((m for m in self.messages if m.get("msg") == "process_completed"), None)

    @property
    def output(self) -> list | None:
        done = self.completed
        return done["output"].get("data") if done and done.get("success") else None


class RawGradio:
    def __init__(self, url: str, login: tuple[str, str] | None = None, timeout: float = 30):
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=timeout, follow_redirects=False)
        if login:
            answer = self.http.post("/login", data={"username": login[0], "password": login[1]})
            assert answer.status_code == 200, answer.text
        self.http.get("/")  # the page, as a browser loads it first (it sets the studio's client cookie)
        self.config = self.http.get("/config").json()
        self.session = uuid.uuid4().hex  # one page: its calls share a session, as a browser tab's do

    # -- what the page has
    def components(self) -> dict[int, dict]:
        return {c["id"]: c for c in self.config["components"]}

    def component_id(self, elem_id: str) -> int:
        return next(c["id"] for c in self.config["components"] if c.get("props", {}).get("elem_id") == elem_id)

    def events(self) -> list[dict]:
        return self.config["dependencies"]

    def event_writing(self, elem_id: str, trigger: str | None = None) -> dict:
        """The event whose outputs include the component ``elem_id`` (and, if given, fired by ``trigger``)."""
        target = self.component_id(elem_id)
        for dep in self.events():
            triggers = [t[1] for t in dep.get("targets", [])]
            if target in dep["outputs"] and (trigger is None or trigger in triggers):
                return dep
        raise LookupError(f"no event writes {elem_id} on {trigger}")

    def event_named(self, api_name: str) -> dict:
        return next(d for d in self.events() if d.get("api_name") == api_name)

    # -- calls
    def upload(self, path: Path) -> str:
        with open(path, "rb") as f:
            answer = self.http.post("/gradio_api/upload", files={"files": (path.name, f)})
        assert answer.status_code == 200, answer.text
        return answer.json()[0]

    def join(self, event: dict, data: list[Any], *, event_data: Any = None,
             session: str | None = None) -> tuple[httpx.Response, str]:
        """Queue one call; the same ``session`` keeps the page's State between calls, as one tab does."""
        session = session or self.session
        answer = self.http.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": event["id"], "session_hash": session, "event_data": event_data,
            "trigger_id": None})
        return answer, session

    def call(self, event: dict, data: list[Any], *, event_data: Any = None, session: str | None = None,
             timeout: float = 60) -> Reply:
        answer, session = self.join(event, data, event_data=event_data, session=session)
        reply = Reply(status=answer.status_code, body=answer.text)
        if answer.status_code != 200:
            return reply
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session},
                              timeout=timeout) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                reply.messages.append(message)
                reply.body += "\n" + line
                if message.get("msg") in ("process_completed", "close_stream"):
                    break
        return reply
