"""Bad configuration stops the start with one line naming the variable and the fix."""

from __future__ import annotations

import pytest

from studio.settings import SettingsError, load_settings


@pytest.mark.parametrize("variable, value, expected", [
    ("DATABASE_URL", "mysql://x", "DATABASE_URL: must look like sqlite:///"),
    ("GRADIO_SERVER_PORT", "seventy", "GRADIO_SERVER_PORT: Input should be a valid integer"),
    ("STUDIO_PRESET", "huge", "STUDIO_PRESET: must be one of tiny, fast, standard, pro"),
    ("STUDIO_AUTH", "ana", "STUDIO_AUTH: must be user:password pairs"),
    ("STUDIO_AUTH", "ana:changeme", "placeholder"),
    ("REDIS_URL", "localhost:6379", "REDIS_URL: must look like redis://"),
    ("STUDIO_STARTER_CREDITS", "-5", "STUDIO_STARTER_CREDITS"),
])
def test_bad_values_name_the_variable(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected):
        load_settings()


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "REDIS_URL", "STUDIO_DATA_DIR", "GRADIO_SERVER_PORT", "STUDIO_PRESET"):
        monkeypatch.delenv(name, raising=False)
    s = load_settings()
    assert s.port == 7860 and s.preset == "fast" and s.redis_url is None and s.starter_credits == 200
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'studio-data' / 'studio.db'}"


def test_postgres_urls_get_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://me@db:5432/studio")
    assert load_settings().sqlalchemy_url == "postgresql+psycopg://me@db:5432/studio"


def test_unwritable_data_dir_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    s = load_settings(STUDIO_DATA_DIR=str(blocker / "data"))
    with pytest.raises(SettingsError, match="STUDIO_DATA_DIR=.* is not writable"):
        s.check_data_dir()
