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
    monkeypatch.setenv("SPACE_ID", "me/pose-studio")
    monkeypatch.setenv("OAUTH_CLIENT_ID", "x")
    expired = {"oauth_info": {"userinfo": userinfo("hfuser"), "expires_at": time.time() - 5}}
    with pytest.raises(gr.Error, match="sign in"):
        current_user(sqlite_studio, request(session=expired))
