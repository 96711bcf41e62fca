"""The compute path: which number type, memory layout and threads a machine gets, and that the
loaded models are what the path says (the fast path on a CPU with bfloat16 instructions)."""

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from pipelines import torch_thread
from pipelines.compute import choose, cpu_flags, cpu_has_bf16, usable_cores
from pipelines.generation import PoseItem
from pipelines.loading import get_engine
from pipelines.params import GenerationParams

BF16_CPU = frozenset({"avx512f", "avx512_bf16", "amx_tile"})
OLD_CPU = frozenset({"avx2", "avx512f"})  # torch calls both "AVX512": only the flags tell


def test_a_cpu_with_bf16_instructions_takes_bf16_and_channels_last():
    path = choose("cpu", flags=BF16_CPU, cores=2)
    assert (path.dtype, path.channels_last, path.threads) == ("bfloat16", True, 2)
    assert path.label == "cpu bf16+channels_last, 2 threads"
    assert choose("cpu", flags=frozenset({"amx_bf16"}), cores=2).dtype == "bfloat16"


def test_a_cpu_without_them_stays_in_float32_and_says_why():
    path = choose("cpu", flags=OLD_CPU, cores=4)
    assert (path.dtype, path.channels_last) == ("float32", False)
    assert "no bfloat16 instructions" in path.reason


def test_an_explicit_dtype_wins_and_accelerators_get_half_precision():
    forced = choose("cpu", "float32", flags=BF16_CPU, cores=2)
    assert (forced.dtype, forced.channels_last, forced.reason) == ("float32", False, "set by STUDIO_DTYPE")
    assert choose("cpu", "bfloat16", flags=OLD_CPU, cores=2).channels_last  # asked for: the bf16 layout too
    gpu = choose("cuda", flags=BF16_CPU)
    assert (gpu.dtype, gpu.channels_last, gpu.threads) == ("float16", False, None)
    with pytest.raises(ValueError, match="float32, float16 or bfloat16"):
        choose("cpu", "int8")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse avx512f avx512_bf16\n\n")
    assert cpu_has_bf16(cpu_flags(info)) and not cpu_has_bf16(cpu_flags(tmp_path / "missing"))


def test_threads_follow_the_cgroup_quota(tmp_path):
    mine = len(__import__("os").sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("100000 100000\n")  # one core's worth, as a small container
    assert usable_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")  # no quota
    assert usable_cores(tmp_path) == mine
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("150000")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000")
    assert usable_cores(v1) == min(mine, 2)  # 1.5 cores: two threads


def conv_weights(module):
    return [m.weight for m in module.modules() if isinstance(m, torch.nn.Conv2d)]


def test_the_loaded_models_are_what_the_path_says(engine):
    """This machine's own choice, applied: the dtype and layout of every convolution model."""
    path = engine.compute
    assert path == choose("cpu")
    want = getattr(torch, path.dtype)
    for model in (engine.pipe.unet, engine.pipe.controlnet, engine.pipe.vae):
        weights = conv_weights(model)
        assert weights and all(w.dtype == want for w in weights)
        layout = [w.is_contiguous(memory_format=torch.channels_last) for w in weights if w.shape[-1] > 1]
        assert all(layout) if path.channels_last else not any(layout)
    assert torch_thread.on_torch_thread(torch.get_num_threads) == path.threads


def test_an_override_is_obeyed(engine_options):
    fp32 = get_engine("tiny", replace(engine_options, dtype="float32"))
    assert fp32.compute.dtype == "float32" and not fp32.compute.channels_last
    assert all(w.dtype == torch.float32 for w in conv_weights(fp32.pipe.unet))
    assert not any(w.is_contiguous(memory_format=torch.channels_last) for w in conv_weights(fp32.pipe.unet)
                   if w.shape[-1] > 1)


def test_bf16_batched_and_one_at_a_time_give_the_same_pictures(engine_options, avatar, standing, waving):
    bf16 = get_engine("tiny", replace(engine_options, dtype="bfloat16"))
    assert bf16.compute.channels_last
    items = [PoseItem(f"p{i}", kp, 200 + i) for i, kp in enumerate([standing, waving, standing.mirrored()])]
    params = GenerationParams(prompt="a person", steps=2)
    batched = list(bf16.generate_poses(avatar, items, params, batch_size=3))
    single = list(bf16.generate_poses(avatar, items, params, batch_size=1))
    again = list(bf16.generate_poses(avatar, items, params, batch_size=3))
    diffs = [np.abs(np.asarray(a.image).astype(int) - np.asarray(b.image).astype(int)) for a, b in zip(batched, single)]
    # bfloat16 kernels round a little differently per batch size: a level here and there, never a new picture
    assert max(d.max() for d in diffs) <= 2 and max(d.mean() for d in diffs) < 0.25
    assert all(np.array_equal(np.asarray(a.image), np.asarray(b.image)) for a, b in zip(batched, again))
    other = list(bf16.generate_poses(avatar, [PoseItem("x", standing, 999)], params))[0]
    assert np.abs(np.asarray(other.image).astype(int) - np.asarray(batched[0].image).astype(int)).mean() > 2


def test_every_torch_call_runs_on_the_one_torch_thread(engine, avatar, standing):
    """Pose batches from two threads and an avatar drawing: the pipelines only ever run on one
    thread (one OpenMP team), whichever thread asked."""
    seen = set()
    unet = engine.pipe.unet
    original = unet.forward

    def spy(*args, **kwargs):
        seen.add(threading.current_thread().name)
        return original(*args, **kwargs)

    unet.forward = spy
    try:
        def batch():
            list(engine.generate_poses(avatar, [PoseItem("s", standing, 3)], GenerationParams(steps=2)))
        threads = [threading.Thread(target=batch, name=f"asker-{i}") for i in range(2)]
        for t in threads:
            t.start()
        engine.generate_avatars("a person", "", seeds=[1], width=64, height=64, steps=2)
        for t in threads:
            t.join()
    finally:
        del unet.forward
    assert len(seen) == 1 and next(iter(seen)).startswith("torch")
