"""Fixtures for the service tests: tiny random-weight models built once per session, offline."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest

from studio.settings import Settings


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory):
    """A models folder holding the tiny preset, shared by every test of the session."""
    from pipelines.tiny import build_tiny_models

    root = tmp_path_factory.mktemp("models")
    build_tiny_models(root / "tiny")
    return root


@pytest.fixture
def tiny_engine(monkeypatch, tiny_models_dir):
    """Point every studio's models folder at the shared tiny models.

    Each test's studio has its own data directory; without this each would build and load
    the tiny models again (the engine is cached per models folder).
    """
    monkeypatch.setattr(Settings, "models_dir", property(lambda self: tiny_models_dir))
    return tiny_models_dir


@pytest.fixture
def ana(studio):
    """A creator with 1000 credits and an avatar, on a studio whose queue only records (no worker)."""
    from tests.services.test_generations import RecordingQueue, make_avatar, make_user

    studio.queue = RecordingQueue()
    uid = make_user(studio, "ana", 1000)
    return uid, make_avatar(studio, uid)
