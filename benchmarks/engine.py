"""Engine benchmarks: overhead over bare diffusers calls, batching speed-up, warm load time.

    python benchmarks/engine.py                      # tiny preset, 64 px, CPU
    python benchmarks/engine.py --preset standard --device cuda   # real-size random weights
    python benchmarks/engine.py --preset best --device cuda       # the edit tier, full size, random weights

(a) overhead_ratio = engine time / bare ``pipe(...)`` time for the same items on the same
    pipeline (bare gets its skeletons and face crop ready-made, made outside the timing; the engine
    makes them itself, timed). The engine's face detection is remembered per avatar
    (``pipelines.face``), so repeats of one avatar, as here and in the worker's re-runs, pay only a
    hash; overhead_ratio_new_avatar clears that cache before each engine call (a first render of
    an avatar: full detection counted);
(b) batch_speedup = time one at a time / time in batches of 4;
(c) warm_load_s = time of a second ``get_engine`` call (the cache).
Medians over repeats after warm-ups. Torch uses its default thread count for the machine
unless --threads says otherwise. The last line printed is one JSON object; it records the
torch threads, steps and size, since batch_speedup depends on them: on a CPU at 64 px the UNet and
ControlNet are ~90% of the time and grow linearly with the batch, so batching only saves per-op
dispatch (about 1.2x with 1 thread, 1.4x with 2); prompt and face encoding are ~50 ms a call.
With a preset other than tiny the architecture is built full size from hard-coded configs with
random weights (no download): throughput only, the pictures are noise, and the pro preset's
refiner stage is not included.

Edit presets (best, tiny-edit) are measured on their own (``edit_benchmark``): seconds per image
through the engine (one call per pose; ``--variations`` pictures of a pose share a call), and on
CUDA the peak GPU memory, the figure the preset's ``gpu_memory_gib`` states. best is built full
size from configs with random weights (Qwen-Image-Edit's transformer and VAE, a Qwen2.5-VL-7B
sized text encoder), straight on the GPU in bfloat16: no download, ~55 GiB before the first step.
``--cpu-offload`` measures the model CPU offload figure (``gpu_memory_offload_gib``) instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=None, help="square output size (default: preset's)")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--items", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models-dir", default=None)
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for torch (default 0: torch's own default on this machine; "
                             "1 is steadier on a shared machine)")
    parser.add_argument("--variations", type=int, default=1, help="edit presets: pictures per pose (one call)")
    parser.add_argument("--cpu-offload", action="store_true", help="edit presets: model CPU offload")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pipelines.presets import get_preset as _preset

    if _preset(args.preset).is_edit:
        return edit_benchmark(args)

    import torch

    default_threads = torch.get_num_threads()  # before anything changes it

    from pipelines.face import clear_face_cache, face_crop
    from pipelines.generation import PoseItem
    from pipelines.keypoints import Keypoints
    from pipelines.loading import EngineOptions, get_engine
    from pipelines.params import GenerationParams
    from pipelines.presets import get_preset
    from pipelines.skeleton import render_pose

    torch.set_num_threads(args.threads or default_threads)
    preset = get_preset(args.preset)
    models_dir = Path(args.models_dir or Path(tempfile.gettempdir()) / "pose-studio-bench-models")
    options = EngineOptions(models_dir=models_dir, device=args.device, offline=True)
    started = time.perf_counter()
    if preset.key == "tiny":
        engine = get_engine("tiny", options)
    else:
        engine = _full_size_engine(preset, options)
    cold_load = time.perf_counter() - started
    started = time.perf_counter()
    if preset.key == "tiny":
        assert get_engine("tiny", options) is engine
    warm_load = time.perf_counter() - started

    size = args.size or (64 if preset.key == "tiny" else None)
    params = GenerationParams(prompt="a person", steps=args.steps or (4 if preset.key == "tiny" else None),
                              width=size, height=size).resolved(preset)
    body = [[0.5, 0.1, 1], [0.5, 0.2, 1], [0.4, 0.2, 1], [0.36, 0.35, 1], [0.33, 0.5, 1], [0.6, 0.2, 1],
            [0.64, 0.35, 1], [0.67, 0.5, 1], [0.45, 0.5, 1], [0.45, 0.7, 1], [0.45, 0.9, 1], [0.55, 0.5, 1],
            [0.55, 0.7, 1], [0.55, 0.9, 1], [0.48, 0.08, 1], [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1]]
    pose = Keypoints.from_json({"aspect": 0.75, "body": body})
    items = [PoseItem(f"p{i}", pose if i % 2 else pose.mirrored(), i) for i in range(args.items)]
    rng = torch.Generator().manual_seed(0)
    avatar_arr = (torch.rand(256, 256, 3, generator=rng) * 255).to(torch.uint8).numpy()
    from PIL import Image

    avatar = Image.fromarray(avatar_arr)
    face, _ = face_crop(avatar)  # the very crop the engine computes (same function, same picture)
    controls = [render_pose(it.keypoints, params.width, params.height) for it in items]
    pipe = engine.pipe

    def sync():
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    def bare():
        pipe.set_ip_adapter_scale(params.identity_strength)
        pipe(prompt=[params.prompt] * len(items), negative_prompt=[params.negative_prompt] * len(items),
             image=controls, ip_adapter_image=face, num_inference_steps=params.steps,
             guidance_scale=params.guidance, controlnet_conditioning_scale=params.pose_strength,
             width=params.width, height=params.height,
             generator=[torch.Generator("cpu").manual_seed(it.seed) for it in items])

    def with_engine(batch_size, new_avatar=False):
        def run():
            if new_avatar:
                clear_face_cache()  # inside the timing: the engine detects the face from scratch
            return list(engine.generate_poses(avatar, items, params, batch_size=batch_size,
                                              on_progress=lambda p: None, should_cancel=lambda: False))
        return run

    cases = {"bare diffusers, batch 4": bare, "engine, batch 4": with_engine(4),
             "engine, batch 4, new avatar": with_engine(4, new_avatar=True),
             "engine, one at a time": with_engine(1)}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for fn in cases.values():  # warm-up
        fn()
    for _ in range(args.repeats):
        for name, fn in cases.items():  # interleaved so drift hits every case alike
            sync()
            t = time.perf_counter()
            fn()
            sync()
            times[name].append(time.perf_counter() - t)
    med = {name: statistics.median(v) for name, v in times.items()}
    result = {
        "overhead_ratio": round(med["engine, batch 4"] / med["bare diffusers, batch 4"], 3),
        "overhead_ratio_new_avatar": round(med["engine, batch 4, new avatar"] / med["bare diffusers, batch 4"], 3),
        "batch_speedup": round(med["engine, one at a time"] / med["engine, batch 4"], 3),
        "warm_load_s": round(warm_load, 6),
        "device": engine.device if not args.device.startswith("cuda") else torch.cuda.get_device_name(0),
        "preset": preset.key,
        "torch_threads": torch.get_num_threads(),
        "torch_default_threads": default_threads,
        "steps": params.steps,
        "size": f"{params.width}x{params.height}",
        "items": len(items),
        "repeats": args.repeats,
    }
    print(f"preset {preset.key}, {params.width}x{params.height}, {params.steps} steps, {len(items)} items, "
          f"{args.repeats} repeats, cold load {cold_load:.2f} s")
    print(f"{'torch threads':<30}{torch.get_num_threads():>10} (default here {default_threads})")
    print(f"{'case':<30}{'median s':>10}{'per image s':>13}")
    for name, value in med.items():
        print(f"{name:<30}{value:>10.3f}{value / len(items):>13.3f}")
    for key in ("overhead_ratio", "overhead_ratio_new_avatar", "batch_speedup", "warm_load_s"):
        print(f"{key:<30}{result[key]:>10}")
    print(json.dumps(result))
    return result


def edit_benchmark(args) -> dict:
    """Seconds per image and peak GPU memory of an edit preset (see the module's docstring)."""
    import torch
    from PIL import Image

    from pipelines.edit_engine import EditEngine
    from pipelines.edit_loading import edit_device
    from pipelines.generation import PoseItem
    from pipelines.keypoints import Keypoints
    from pipelines.loading import EngineOptions, edit_compute_path, get_engine
    from pipelines.params import GenerationParams
    from pipelines.presets import get_preset

    if args.threads:
        torch.set_num_threads(args.threads)
    preset = get_preset(args.preset)
    models_dir = Path(args.models_dir or Path(tempfile.gettempdir()) / "pose-studio-bench-models")
    options = EngineOptions(models_dir=models_dir, device=args.device, offline=True, cpu_offload=args.cpu_offload)
    cuda = args.device.startswith("cuda")
    started = time.perf_counter()
    if preset.local:
        engine = get_engine(preset.key, options)
    else:
        from diffusers import QwenImageEditPlusPipeline

        from pipelines.tiny_edit import full_size_components

        path = edit_device(preset, options, edit_compute_path(options))
        device, dtype = path.device, path.dtype
        build_on = "cpu" if args.cpu_offload else device
        pipe = QwenImageEditPlusPipeline(**full_size_components(build_on, dtype))
        if args.cpu_offload and cuda:
            pipe.enable_model_cpu_offload(device=device)
        pipe.set_progress_bar_config(disable=True)
        engine = EditEngine(pipe, preset, compute=path)
    load_s = time.perf_counter() - started
    body = [[0.5, 0.1, 1], [0.5, 0.2, 1], [0.4, 0.2, 1], [0.36, 0.35, 1], [0.33, 0.5, 1], [0.6, 0.2, 1],
            [0.64, 0.35, 1], [0.67, 0.5, 1], [0.45, 0.5, 1], [0.45, 0.7, 1], [0.45, 0.9, 1], [0.55, 0.5, 1],
            [0.55, 0.7, 1], [0.55, 0.9, 1], [0.48, 0.08, 1], [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1]]
    pose = Keypoints.from_json({"aspect": 0.75, "body": body})
    items = [PoseItem(f"p{i}v{v}", pose if i % 2 else pose.mirrored(), i * 10 + v)
             for i in range(args.items) for v in range(args.variations)]
    size = args.size
    params = GenerationParams(prompt="a person", steps=args.steps, width=size, height=size).resolved(preset)
    rng = torch.Generator().manual_seed(0)
    avatar = Image.fromarray((torch.rand(512, 512, 3, generator=rng) * 255).to(torch.uint8).numpy())
    list(engine.generate_poses(avatar, items[:1], params, batch_size=1))  # warm-up
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        results = list(engine.generate_poses(avatar, items, params, batch_size=max(1, args.variations)))
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    per_image = statistics.median(times) / len(items)
    result = {
        "preset": preset.key, "device": torch.cuda.get_device_name(0) if cuda else engine.device,
        "dtype": engine.dtype, "size": f"{params.width}x{params.height}", "steps": params.steps,
        "guidance": params.guidance, "items": len(items), "variations": args.variations,
        "cpu_offload": args.cpu_offload, "load_s": round(load_s, 1), "seconds_per_image": round(per_image, 3),
        "peak_gpu_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "preset_states_gib": preset.gpu_memory_offload_gib if args.cpu_offload else preset.gpu_memory_gib,
    }
    print(f"preset {preset.key}, {result['size']}, {params.steps} steps, {len(items)} images, "
          f"load {load_s:.1f} s: {per_image:.2f} s an image, peak GPU memory {result['peak_gpu_gib']} GiB "
          f"(the preset states {result['preset_states_gib']} GiB)")
    print(json.dumps(result))
    return result


def _full_size_engine(preset, options):
    """The preset's architecture at full size with random weights (no download)."""
    import torch

    from pipelines.loading import compute_path, finish_engine, make_scheduler
    from pipelines.presets import pipeline_classes
    from pipelines.tiny import full_size_components

    path = compute_path(options)
    parts = full_size_components(preset.family)
    ip_state = parts.pop("ip_adapter")
    pipe_cls = pipeline_classes(preset.family)[0]
    extra = {"safety_checker": None, "feature_extractor": None, "requires_safety_checker": False} \
        if preset.family == "sd15" else {"feature_extractor": None}
    pipe = pipe_cls(**parts, **extra)
    pipe.to(dtype=getattr(torch, path.dtype))
    pipe.load_ip_adapter(ip_state, subfolder="", weight_name="random")
    pipe.scheduler = make_scheduler(preset.scheduler, pipe.scheduler.config)
    return finish_engine(pipe, preset, options, path)


if __name__ == "__main__":
    main()
