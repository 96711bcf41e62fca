"""The door every event passes: a file named in an event's inputs must be one this client uploaded.

Any client can call any Gradio event (the page's private ones too) with any value, and a
value shaped like a file (``{"path": "/proc/self/environ", ...}``) would otherwise be read by
the server while it prepares the inputs: copied into Gradio's cache, decoded as a picture,
or echoed back as a link. Gradio's own check of such paths only runs under ``launch()``,
and even then it accepts anything in the shared upload folder (other people's uploads, and
every file the app has shown anyone). So this middleware, in front of the whole app however
it is served:

- remembers the files each client uploads through ``/gradio_api/upload`` (the upload route
  answers with their server paths), for a few hours;
- refuses, before Gradio sees it, any request whose JSON ``data`` holds a file whose path
  that same client did not upload (URLs included: the server never fetches for a client);
- limits how many files one client can upload a minute and an hour (each costs disk);
- limits how fast one client can start events, and above all new page sessions (Gradio
  builds every component's config for each new session: about 40 ms of the server's one
  event loop). A page load or a script passes; a flood is answered 429 at once;
- caps the size of an event's JSON (files travel through the upload route, not in events).

"Client" means the login (Gradio's password cookie or an ``Authorization`` header) plus a
random cookie of our own that tells one browser from another where one login is shared.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

CLIENT_COOKIE = "studio-client"
MAX_EVENT_BYTES = 1024 * 1024
UPLOAD_MEMORY_S = 6 * 3600
UPLOADS_REMEMBERED = 500  # per client; the oldest are forgotten first

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


@dataclass(frozen=True)
class UploadLimits:
    per_minute: int = 20
    per_hour: int = 200


@dataclass(frozen=True)
class EventLimits:
    """Token buckets per client: so many at once (``burst``), then so many a second.

    A page load starts about fifteen events in one new session; a script (one gradio_client)
    keeps one session and polls a few times a second; a creator opens a few tabs. Measured with
    100 new sessions at once from one client: a burst of 10 held another creator up 1.3-1.5 s,
    a burst of 5 at most 0.5 s (tests/ui/test_security_http.py).
    """
    burst: int = 60
    per_second: float = 20.0
    new_sessions_burst: int = 5
    new_sessions_per_second: float = 0.5

    @classmethod
    def from_rates(cls, *, events_per_second: float, page_loads_per_minute: int) -> "EventLimits":
        return cls(burst=max(15, int(events_per_second * 3)), per_second=events_per_second,
                   new_sessions_burst=max(5, page_loads_per_minute // 6),
                   new_sessions_per_second=page_loads_per_minute / 60)


class Bucket:
    def __init__(self, burst: int, per_second: float, clock: Callable[[], float] = time.monotonic):
        self.burst, self.per_second, self.clock = float(burst), per_second, clock
        self._tokens: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        now = self.clock()
        with self._lock:
            tokens, when = self._tokens.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.per_second)
            allowed = tokens >= 1
            self._tokens[client] = (tokens - 1 if allowed else tokens, now)
            if len(self._tokens) > 100_000:  # forget idle clients rather than grow without end
                self._tokens = {k: v for k, v in self._tokens.items() if now - v[1] < 600}
            return allowed


class SessionsSeen:
    """The page sessions each client has used lately (a new one costs the server most)."""

    def __init__(self, per_client: int = 200):
        self.per_client = per_client
        self._seen: dict[str, OrderedDict[str, None]] = {}
        self._lock = threading.Lock()

    def is_new(self, client: str, session: str) -> bool:
        with self._lock:
            seen = self._seen.setdefault(client, OrderedDict())
            if session in seen:
                seen.move_to_end(session)
                return False
            return True

    def add(self, client: str, session: str) -> None:
        with self._lock:
            seen = self._seen.setdefault(client, OrderedDict())
            seen[session] = None
            while len(seen) > self.per_client:
                seen.popitem(last=False)


class UploadLedger:
    """Which client uploaded which server path, and when (for the rate limit too)."""

    def __init__(self, limits: UploadLimits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.clock = clock
        self._files: dict[str, OrderedDict[str, float]] = {}
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def refusal(self, client: str) -> str | None:
        """Why this client may not upload now, or None."""
        now = self.clock()
        with self._lock:
            times = self._times.setdefault(client, deque())
            while times and now - times[0] > 3600:
                times.popleft()
            last_minute = sum(1 for t in times if now - t <= 60)
            if last_minute >= self.limits.per_minute:
                return (f"You uploaded {last_minute} files in the last minute, the most the studio takes; "
                        "wait a minute and try again.")
            if len(times) >= self.limits.per_hour:
                return (f"You uploaded {len(times)} files in the last hour, the most the studio takes; "
                        "try again later.")
            times.append(now)
        return None

    def remember(self, client: str, paths: list[str]) -> None:
        now = self.clock()
        with self._lock:
            files = self._files.setdefault(client, OrderedDict())
            for path in paths:
                files[os.path.realpath(path)] = now
                files.move_to_end(os.path.realpath(path))
            while len(files) > UPLOADS_REMEMBERED:
                files.popitem(last=False)

    def uploaded(self, client: str, path: str) -> bool:
        with self._lock:
            files = self._files.get(client)
            when = files.get(os.path.realpath(path)) if files else None
        return when is not None and self.clock() - when <= UPLOAD_MEMORY_S


def file_paths(value: Any) -> list[Any]:
    """Every ``path`` of a file-shaped object anywhere inside an event's inputs."""
    found: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "path" in item or (isinstance(item.get("meta"), dict) and item["meta"].get("_type") == "gradio.FileData"):
                found.append(item.get("path"))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _cookies(scope: Scope) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header identifies nobody in particular
                continue
    return {k: m.value for k, m in jar.items()}


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


def client_key(scope: Scope) -> str:
    cookies = _cookies(scope)
    parts = sorted(f"{k}={v}" for k, v in cookies.items() if k.startswith("access-token") or k == CLIENT_COOKIE)
    parts.append("auth=" + _header(scope, b"authorization"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class UploadGuard:
    def __init__(self, app: Callable, *, limits: UploadLimits | None = None, events: EventLimits | None = None):
        self.app = app
        self.ledger = UploadLedger(limits or UploadLimits())
        events = events or EventLimits()
        self.events = Bucket(events.burst, events.per_second)
        self.new_sessions = Bucket(events.new_sessions_burst, events.new_sessions_per_second)
        self.sessions = SessionsSeen()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_client_cookie(scope, send)
        client = client_key(scope)
        if scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/gradio_api/upload"):
            await self._upload(scope, receive, send, client)
        elif scope["method"] in ("POST", "PUT", "PATCH"):
            # Whatever the content type says: a JSON body sent as text/plain is still parsed.
            await self._event(scope, receive, send, client)
        elif scope["method"] == "GET" and scope["path"].rstrip("/").endswith("/gradio_api/queue/data") \
                and self.sessions.is_new(client, _query(scope, "session_hash")):
            # Only the client that started a session may listen to it; a stream for a session
            # that never started (its events refused above) ends here, not in Gradio's traceback.
            await _answer(send, 404, "No such session: start an event first.")
        else:
            await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, client: str) -> None:
        refusal = self.ledger.refusal(client)
        if refusal:
            log.info("upload refused: rate limit")
            await _answer(send, 429, refusal)
            return
        status = 0
        body = bytearray()

        async def capture(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status == 200 and len(body) < MAX_EVENT_BYTES:
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    self._record(client, bytes(body))
            await send(message)

        # The answer is read here, so it must come back uncompressed.
        plain = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]}
        await self.app(plain, receive, capture)

    def _record(self, client: str, body: bytes) -> None:
        try:
            paths = json.loads(body)
        except ValueError:
            return
        if isinstance(paths, list):
            self.ledger.remember(client, [p for p in paths if isinstance(p, str)])

    async def _event(self, scope: Scope, receive: Receive, send: Send, client: str) -> None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_EVENT_BYTES:
                await _answer(send, 413, "This request is too large; files go through the upload, not the event.")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        payload = _json(body)
        if not self._may_start(client, payload):
            await _answer(send, 429, "Too many requests at once from this browser; wait a moment and try again "
                                     "(or reload the page).")
            return
        refusal = self._refusal(client, payload)
        if refusal:
            log.info("event refused on %s: %s", scope["path"], refusal)
            await _answer(send, 400, refusal)
            return
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _may_start(self, client: str, payload: Any) -> bool:
        session = payload.get("session_hash") if isinstance(payload, dict) else None
        if isinstance(session, str) and self.sessions.is_new(client, session):
            if not self.new_sessions.take(client):
                return False
            self.sessions.add(client, session)
        return self.events.take(client)

    def _refusal(self, client: str, payload: Any) -> str | None:
        if not isinstance(payload, dict) or "data" not in payload:
            return None
        for path in file_paths(payload["data"]):
            if not isinstance(path, str) or not self.ledger.uploaded(client, path):
                return ("A file in this request was not uploaded by you to the studio; "
                        "upload it first (gradio_client: handle_file(path)).")
        return None

    def _with_client_cookie(self, scope: Scope, send: Send) -> Send:
        if CLIENT_COOKIE in _cookies(scope):
            return send
        secure = (_header(scope, b"x-forwarded-proto").split(",")[0].strip() or scope.get("scheme")) == "https"
        # In an iframe (a Space) only SameSite=None cookies travel, and those need https.
        cookie = (f"{CLIENT_COOKIE}={secrets.token_urlsafe(24)}; Path=/; HttpOnly; "
                  + ("SameSite=None; Secure" if secure else "SameSite=Lax"))

        async def send_with_cookie(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie.encode("latin-1"))]}
            await send(message)

        return send_with_cookie


def _query(scope: Scope, name: str) -> str:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else ""


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None  # not JSON after all: Gradio answers it with its own error


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message, "error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
