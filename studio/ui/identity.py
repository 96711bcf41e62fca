"""Who is asking: the Space login, else the password login, else the one local user; and the
header that says so, with the way to sign out.

The user always comes from the request, never from a value the client sends.
"""

from __future__ import annotations

import html
import os
import time

import gradio as gr

from studio.core import Studio
from studio.db.tables import User
from studio.enums import AuthSource
from studio.services import credits, users
from studio.services.errors import StudioError


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


def sign_in(request: gr.Request | None, profile: gr.OAuthProfile | None = None) -> AuthSource:
    """How this request is signed in: the Space login, a password login, or not at all (local)."""
    if (profile or oauth_profile(request)) is not None:
        return AuthSource.oauth
    if request is not None and getattr(request, "username", None):
        return AuthSource.password
    return AuthSource.local


def current_user(studio: Studio, request: gr.Request | None, profile: gr.OAuthProfile | None = None) -> User:
    settings = studio.settings
    profile = profile or oauth_profile(request)
    source = sign_in(request, profile)
    if source is AuthSource.oauth:
        name, display = profile.username, profile.name or profile.username
    elif source is AuthSource.password:
        name = display = request.username
    elif oauth_enabled() or settings.password_logins:
        raise gr.Error("Please sign in first: use the Sign in button at the top of the page.")
    else:
        name, display = users.LOCAL_USER, "You"
    return users.get_or_create(
        studio.db, name=name, display_name=display, auth_source=source,
        starter_credits=settings.starter_credits,
        is_admin=name in settings.admin_names or source is AuthSource.local,
    )


# Gradio's own route for ``auth=`` logins: it forgets this browser's sign-in cookie and goes back
# to the sign-in form (``all_session=false``: the creator's other browsers stay signed in).
# Relative, so it works wherever the studio is mounted. On a Space the gr.LoginButton in the
# header signs out instead (its /logout drops the Hugging Face session).
SIGN_OUT = "logout?all_session=false"


def header_html(studio: Studio, request: gr.Request, profile: gr.OAuthProfile | None = None) -> str:
    """Who is working and their balance; a Sign out link for a password login."""
    try:
        user = current_user(studio, request, profile)
        balance = credits.balance(studio.db, user_id=user.id)
    except (StudioError, gr.Error) as exc:
        return f"<div class='studio-user'>{html.escape(str(exc))}</div>"
    # The sign-in name too when it differs ("Ana Silva (ana)"): it is the name an admin grants credits to.
    shown = user.display_name if user.display_name == user.name else f"{user.display_name} ({user.name})"
    source = sign_in(request, profile)
    who = "Working as" if source is AuthSource.local else "Signed in as"
    sign_out = (f" · <a class='studio-signout' id='studio-signout' href='{SIGN_OUT}'>Sign out</a>"
                if source is AuthSource.password else "")
    return (f"<div class='studio-user' id='studio-user'>{who} <b>{html.escape(shown)}</b>"
            f" · <span id='studio-balance'>{balance}</span> credits{sign_out}</div>")
