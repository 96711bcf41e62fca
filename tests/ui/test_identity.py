"""Who is signed in: Space login, else password login, else the one local user."""

from __future__ import annotations

import time
from types import SimpleNamespace

import gradio as gr
import pytest

from studio.services import credits
from studio.ui.identity import current_user


def request(username=None, session=None):
    return SimpleNamespace(username=username, request=SimpleNamespace(scope={"session": session or {}}))


def userinfo(name):
    return {"preferred_username": name, "name": name.title(), "profile": "", "picture": "", "website": ""}


def test_space_login_password_login_and_local_user(sqlite_studio):
    hf = current_user(sqlite_studio, request(session={"oauth_info": {"userinfo": userinfo("hfuser"),
                                                                     "expires_at": time.time() + 60}}))
    assert (hf.name, hf.auth_source) == ("hfuser", "oauth")
    pw = current_user(sqlite_studio, request(username="ana"))
    assert (pw.name, pw.auth_source) == ("ana", "password")
    local = current_user(sqlite_studio, request())
    assert (local.name, local.auth_source, local.is_admin) == ("local", "local", True)
    for user in (hf, pw, local):
        assert credits.balance(sqlite_studio.db, user_id=user.id) == 200


def test_an_expired_space_login_is_not_a_login(sqlite_studio, monkeypatch):
    import gradio.oauth

    monkeypatch.setenv("SYSTEM", "spaces")  # what a Space sets, besides its id and OAuth app
    monkeypatch.setenv("SPACE_ID", "me/pose-studio")
    monkeypatch.setenv("OAUTH_CLIENT_ID", "x")
    # gradio.oauth reads its OAuth app once, when imported (before this test could set it)
    for name, value in (("OAUTH_CLIENT_ID", "x"), ("OAUTH_CLIENT_SECRET", "y"), ("OAUTH_SCOPES", "openid profile"),
                        ("OPENID_PROVIDER_URL", "https://huggingface.co")):
        monkeypatch.setattr(gradio.oauth, name, value)
    expired = {"oauth_info": {"userinfo": userinfo("hfuser"), "expires_at": time.time() - 5}}
    with pytest.raises(gr.Error, match="sign in"):
        current_user(sqlite_studio, request(session=expired))


def test_the_header_offers_sign_out_to_a_password_login_only(sqlite_studio):
    from studio.ui.identity import SIGN_OUT, header_html

    password = header_html(sqlite_studio, request(username="ana"))
    assert "Signed in as <b>ana</b>" in password and f"href='{SIGN_OUT}'>Sign out</a>" in password
    local = header_html(sqlite_studio, request())
    assert "Working as <b>You (local)</b>" in local and "Sign out" not in local
    # On a Space the gr.LoginButton beside the header signs out: the header adds no second control.
    space = header_html(sqlite_studio, request(session={"oauth_info": {"userinfo": userinfo("hfuser"),
                                                                       "expires_at": time.time() + 60}}))
    assert "Signed in as <b>Hfuser (hfuser)</b>" in space and "Sign out" not in space


def test_on_a_space_the_login_button_reads_sign_out_once_signed_in(sqlite_studio, monkeypatch):
    """The page builds on a Space (gr.LoginButton needs gradio[oauth]: requirements.txt installs it)."""
    from studio.ui.layout import build_ui
    from studio.web.links import MediaLinks
    from studio.web.watchers import Watchers

    import gradio.oauth

    monkeypatch.setenv("SYSTEM", "spaces")  # what a Space sets, besides its id and OAuth app
    monkeypatch.setenv("SPACE_ID", "me/pose-studio")
    monkeypatch.setenv("OAUTH_CLIENT_ID", "x")
    # gradio.oauth reads its OAuth app once, when imported (before this test could set it)
    for name, value in (("OAUTH_CLIENT_ID", "x"), ("OAUTH_CLIENT_SECRET", "y"), ("OAUTH_SCOPES", "openid profile"),
                        ("OPENID_PROVIDER_URL", "https://huggingface.co")):
        monkeypatch.setattr(gradio.oauth, name, value)
    demo = build_ui(sqlite_studio, MediaLinks.from_settings(sqlite_studio.settings),
                    Watchers.from_settings(sqlite_studio.settings))
    (button,) = [b for b in demo.blocks.values() if isinstance(b, gr.LoginButton)]
    assert button.logout_value == "Sign out ({})" and demo.expects_oauth
