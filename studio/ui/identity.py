"""Who is asking: the Space login, else the password login, else the one local user.

The user always comes from the request, never from a value the client sends.
"""

from __future__ import annotations

import os
import time

import gradio as gr

from studio.core import Studio
from studio.db.tables import User
from studio.enums import AuthSource
from studio.services import users


def oauth_enabled() -> bool:
    return bool(os.environ.get("OAUTH_CLIENT_ID") and os.environ.get("SPACE_ID"))


def oauth_profile(request: gr.Request | None) -> gr.OAuthProfile | None:
    """The Hugging Face login of this browser session, if any.

    Gradio injects ``gr.OAuthProfile`` only into handlers that declare it; reading the same
    session entry here lets every handler find the user through ``gr.Request`` alone.
    """
    inner = getattr(request, "request", None)
    session = inner.scope.get("session") if inner is not None and hasattr(inner, "scope") else None
    info = (session or {}).get("oauth_info")
    if not info or not info.get("userinfo"):
        return None
    expires_at = info.get("expires_at")
    if expires_at is not None and float(expires_at) < time.time():
        return None
    return gr.OAuthProfile(info["userinfo"])


def current_user(studio: Studio, request: gr.Request | None, profile: gr.OAuthProfile | None = None) -> User:
    settings = studio.settings
    profile = profile or oauth_profile(request)
    if profile is not None:
        name, display, source = profile.username, profile.name or profile.username, AuthSource.oauth
    elif request is not None and getattr(request, "username", None):
        name, display, source = request.username, request.username, AuthSource.password
    elif oauth_enabled() or settings.password_logins:
        raise gr.Error("Please sign in first: use the Sign in button at the top of the page.")
    else:
        name, display, source = users.LOCAL_USER, "You", AuthSource.local
    return users.get_or_create(
        studio.db, name=name, display_name=display, auth_source=source,
        starter_credits=settings.starter_credits,
        is_admin=name in settings.admin_names or source is AuthSource.local,
    )
