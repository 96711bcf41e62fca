"""Who is asking: the Space login, else the password login, else the one local user.

The user always comes from the request, never from a value the client sends.
"""

from __future__ import annotations

import os

import gradio as gr

from studio.context import current
from studio.db.tables import User
from studio.enums import AuthSource
from studio.services import users


def oauth_enabled() -> bool:
    return bool(os.environ.get("OAUTH_CLIENT_ID") and os.environ.get("SPACE_ID"))


def current_user(request: gr.Request | None, profile: gr.OAuthProfile | None = None) -> User:
    studio = current()
    settings = studio.settings
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
