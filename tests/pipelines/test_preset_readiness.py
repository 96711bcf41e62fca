"""Which presets can run on this machine, from huggingface-hub's cache as it is laid out on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.presets import get_preset
from pipelines.readiness import needed_files, preset_readiness


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Path:
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


def cache_file(cache: Path, repo_id: str, filename: str) -> None:
    """One file as `hf_hub_download` leaves it: refs/main names a snapshot holding the file."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text("0123abcd")
    target = repo / "snapshots" / "0123abcd" / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("{}")


def test_a_preset_missing_its_models_offline_is_not_ready_and_names_them(empty_cache, tmp_path):
    fast = get_preset("fast")
    answer = preset_readiness(fast, models_dir=tmp_path, offline=True)
    assert not answer.ready
    assert fast.base_model in answer.missing and fast.controlnet in answer.missing and fast.lora in answer.missing
    assert "HF_HUB_OFFLINE" in answer.note

    online = preset_readiness(fast, models_dir=tmp_path, offline=False)
    assert online.ready and "downloads" in online.note and online.missing == answer.missing


def test_every_file_in_the_cache_makes_it_ready_and_one_missing_file_does_not(empty_cache, tmp_path):
    standard = get_preset("standard")
    files = needed_files(standard)
    assert ("IP-Adapter", standard.ip_adapter_repo,
            f"{standard.ip_adapter_subfolder}/{standard.ip_adapter_weight}") in files
    for _, repo_id, filename in files[1:]:
        cache_file(empty_cache, repo_id, filename)
    still = preset_readiness(standard, models_dir=tmp_path, offline=True)
    assert not still.ready and still.missing == (standard.base_model,)

    cache_file(empty_cache, *files[0][1:])
    assert preset_readiness(standard, models_dir=tmp_path, offline=True) == preset_readiness(
        standard, models_dir=tmp_path, offline=False)
    assert preset_readiness(standard, models_dir=tmp_path, offline=True).ready


def test_the_tiny_preset_is_always_ready_it_is_built_here(empty_cache, tmp_path):
    answer = preset_readiness(get_preset("tiny"), models_dir=tmp_path / "nothing-yet", offline=True)
    assert answer.ready and answer.note == ""
