"""Links to a creator's files: signed by the server, expiring, and naming their owner.

A link is ``/media/<token>/<file name>``. The token carries who may open it, which stored
file it is and until when, under an HMAC of the studio's secret key, so a client cannot
make one up, widen one, or keep using one forever. The route that serves links (see
``studio.web.media``) also checks that the person asking is the owner the link names, so a
link copied out of one account opens nothing in another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

PREFIX = "/media"
# What a link can point into: the creator's own media, or the rendered pose previews.
KINDS = ("media", "preview")


class LinkRefused(Exception):
    """The link is forged, damaged, expired, or not for this person; served as 'not found'."""


@dataclass(frozen=True)
class Grant:
    user_id: int
    kind: str
    relative: str  # a path inside the kind's folder, as the server chose it


def load_secret(data_dir: Path, configured: str | None) -> bytes:
    """The key links are signed with: ``STUDIO_SECRET_KEY``, else one kept in the data folder.

    Keeping it on disk means links survive a restart; several web processes on different
    machines must share ``STUDIO_SECRET_KEY`` instead.
    """
    if configured:
        return configured.encode()
    path = Path(data_dir) / "secret.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def safe_relative(relative: str) -> str:
    """A stored relative path in plain form, or ValueError for anything that could climb out."""
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or any(part in ("..", "", ".") for part in path.parts) \
            or "\\" in relative or "\x00" in relative:
        raise ValueError(f"{relative!r} is not a stored file's path")
    return str(path)


class MediaLinks:
    def __init__(self, secret: bytes, lifetime_s: int):
        self._key = hashlib.sha256(b"pose-studio media links\x00" + secret).digest()
        self.lifetime_s = lifetime_s

    @classmethod
    def from_settings(cls, settings) -> "MediaLinks":
        """The studio's link signer: its secret key, links living ``STUDIO_LINK_HOURS``."""
        return cls(load_secret(settings.data_dir, settings.secret_key), settings.link_hours * 3600)

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:24])

    def path(self, *, user_id: int, kind: str, relative: str, filename: str | None = None,
             now: float | None = None) -> str:
        """The link (without scheme and host) that lets ``user_id`` open ``relative``."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of file {kind!r}")
        relative = safe_relative(relative)
        if kind == "media" and not relative.startswith(f"u{int(user_id)}/"):
            # Media live under their owner's folder: refusing here keeps a bug elsewhere
            # from ever minting a link to someone else's picture.
            raise ValueError("a media link can only point into its owner's own folder")
        expires = int((now if now is not None else time.time()) + self.lifetime_s)
        payload = _b64(json.dumps([int(user_id), kind, relative, expires], separators=(",", ":")).encode())
        name = quote(filename or PurePosixPath(relative).name, safe="")
        return f"{PREFIX}/{payload}.{self._signature(payload)}/{name}"

    def check(self, token: str, *, now: float | None = None) -> Grant:
        payload, _, signature = token.partition(".")
        if not payload or not signature or not hmac.compare_digest(signature, self._signature(payload)):
            raise LinkRefused("bad signature")
        try:
            user_id, kind, relative, expires = json.loads(_unb64(payload))
            user_id, expires = int(user_id), int(expires)
            relative = safe_relative(relative)
        except (ValueError, TypeError):
            raise LinkRefused("unreadable link") from None
        if kind not in KINDS:
            raise LinkRefused("unknown kind")
        if expires < (now if now is not None else time.time()):
            raise LinkRefused("expired")
        return Grant(user_id=user_id, kind=kind, relative=relative)
