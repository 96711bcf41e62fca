"""The best preset's GPU check: the memory the preset states, against the GPU this machine has."""

import pytest

from pipelines.presets import get_preset
from pipelines.readiness import gpu_readiness, gpu_verdict, preset_readiness

BEST = get_preset("best")


@pytest.mark.parametrize("gpu, offload, ready", [
    (("NVIDIA H200", 139.8), False, True),
    (("NVIDIA A100-SXM4-80GB", 79.3), False, True),
    (("NVIDIA L40S", 44.5), False, False),  # holds it only with model CPU offload
    (("NVIDIA L40S", 44.5), True, True),
    (("NVIDIA L4", 22.0), True, False),
    (None, True, False),
])
def test_the_gpu_is_measured_against_what_the_preset_states(gpu, offload, ready):
    verdict = gpu_verdict(BEST, gpu, cpu_offload=offload)
    assert verdict.ready is ready
    if not ready:
        assert "needs an NVIDIA GPU with at least" in verdict.note and "choose another Quality" in verdict.remedy
        if gpu:
            assert f"({gpu[0]}) has {gpu[1]:.1f} GiB" in verdict.note


def test_presets_that_state_no_need_run_anywhere():
    for key in ("tiny", "tiny-edit", "fast", "pro"):
        assert gpu_readiness(get_preset(key), device="cpu", cpu_offload=False).ready


def test_best_on_this_machines_cpu_is_not_ready_and_says_why_before_its_files(tmp_path):
    answer = preset_readiness(BEST, models_dir=tmp_path, offline=True, device="cpu")
    assert not answer.ready and "no CUDA GPU" in answer.note and answer.missing == ()


def test_loading_best_without_the_gpu_stops_at_once(tmp_path):
    from pipelines.edit_loading import GPUTooSmallError
    from pipelines.loading import EngineOptions, load_engine

    with pytest.raises(GPUTooSmallError, match="preset 'best' needs an NVIDIA GPU with at least 60 GiB"):
        load_engine(BEST, EngineOptions(models_dir=tmp_path, device="cpu", offline=True))
