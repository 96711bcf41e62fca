"""Seconds per picture on this CPU with the full-size `fast` architectures (SD 1.5 UNet, OpenPose
ControlNet, VAE, CLIP text encoder, ViT-H image encoder + IP-Adapter Plus) built from their configs
with random weights: no download, the same arithmetic as the real models, noise for pictures.

    python benchmarks/cpu_fullsize.py                 # 512x768 at the preset's 6 steps
    python benchmarks/cpu_fullsize.py --steps 2 --skip-before   # a quicker look

Cases, each one picture at the preset's size, steps and guidance, all on the one torch thread:
- float32: the same models in float32, contiguous layout (what a CPU without bf16 gets);
- float32 before: float32 at guidance 1.5, the fast preset's default before guidance 1;
- chosen: the studio's own path (pipelines.compute.choose) through ``PoseEngine.generate_poses``;
- bare: diffusers' pipeline called directly on the same models with the same choices (it encodes
  the face itself each call; the engine reuses the identity embedding);
- chunk of 2: two pictures in one engine call, per picture (decides the CPU chunk size).
Peak RSS is the process's high-water mark. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere
os.environ.setdefault("HF_HUB_OFFLINE", "1")

BODY = [[0.5, 0.1, 1], [0.5, 0.2, 1], [0.4, 0.2, 1], [0.36, 0.35, 1], [0.33, 0.5, 1], [0.6, 0.2, 1],
        [0.64, 0.35, 1], [0.67, 0.5, 1], [0.45, 0.5, 1], [0.45, 0.7, 1], [0.45, 0.9, 1], [0.55, 0.5, 1],
        [0.55, 0.7, 1], [0.55, 0.9, 1], [0.48, 0.08, 1], [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1]]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=None, help="default: the fast preset's")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of the chosen and bare cases")
    parser.add_argument("--skip-before", action="store_true", help="leave out float32 at guidance 1.5")
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from PIL import Image

    from pipelines.compute import ComputePath, choose
    from pipelines.face import face_crop
    from pipelines.generation import PoseItem
    from pipelines.keypoints import Keypoints
    from pipelines.loading import EngineOptions, finish_engine, make_scheduler
    from pipelines.params import GenerationParams
    from pipelines.presets import get_preset, pipeline_classes
    from pipelines.skeleton import render_pose
    from pipelines.tiny import full_size_components
    from pipelines.torch_thread import on_torch_thread, use_threads

    preset = get_preset("fast")
    chosen_path = choose("cpu")
    use_threads(chosen_path.threads)
    started = time.perf_counter()
    parts = on_torch_thread(full_size_components, preset.family)
    ip_state = parts.pop("ip_adapter")
    pipe = pipeline_classes(preset.family)[0](**parts, safety_checker=None, feature_extractor=None,
                                              requires_safety_checker=False)
    on_torch_thread(pipe.load_ip_adapter, ip_state, subfolder="", weight_name="random")
    pipe.scheduler = make_scheduler(preset.scheduler, pipe.scheduler.config)
    build_s = time.perf_counter() - started
    options = EngineOptions(models_dir=Path("unused"), device="cpu")
    fp32_path = ComputePath("cpu", "float32", False, chosen_path.threads, "float32 for comparison")

    params = GenerationParams(prompt="a person standing, studio photo", steps=args.steps).resolved(preset)
    before = GenerationParams(prompt=params.prompt, steps=args.steps, guidance=1.5).resolved(preset)
    pose = Keypoints.from_json({"aspect": 0.75, "body": BODY})
    item = [PoseItem("stand", pose, 1)]
    avatar = Image.fromarray((np.random.default_rng(0).random((512, 512, 3)) * 255).astype("uint8"))
    face, _ = face_crop(avatar)
    control = render_pose(pose, params.width, params.height)

    def engine_run(engine, p, items=item):
        def run():
            results = list(engine.generate_poses(avatar, items, p, batch_size=len(items)))
            assert all(r.ok for r in results), [r.error for r in results]
        return run

    def timed(fn, repeats=1) -> float:
        fn_steps = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            fn_steps.append(time.perf_counter() - t)
        return statistics.median(fn_steps)

    warm = GenerationParams(prompt=params.prompt, steps=1).resolved(preset)
    fp32 = finish_engine(pipe, preset, options, fp32_path)
    print(f"built the full-size fast architecture in {build_s:.1f} s; {params.width}x{params.height}, "
          f"{params.steps} steps, guidance {params.guidance}, {chosen_path.threads} threads", flush=True)
    engine_run(fp32, warm)()
    fp32_s = timed(engine_run(fp32, params))
    print(f"{'float32':<34}{fp32_s:>8.1f} s", flush=True)
    fp32_before_s = None
    if not args.skip_before:
        fp32_before_s = timed(engine_run(fp32, before))
        print(f"{'float32, guidance 1.5 (before)':<34}{fp32_before_s:>8.1f} s", flush=True)

    # The chosen path on the same models: cast and laid out as loading does it (finish_engine).
    on_torch_thread(pipe.to, dtype=getattr(torch, chosen_path.dtype))
    chosen = finish_engine(pipe, preset, options, chosen_path)

    def bare():
        def call():
            pipe.set_ip_adapter_scale(params.identity_strength)
            pipe(prompt=[params.prompt], negative_prompt=[params.negative_prompt], image=[control],
                 ip_adapter_image=face, num_inference_steps=params.steps, guidance_scale=params.guidance,
                 controlnet_conditioning_scale=params.pose_strength, width=params.width, height=params.height,
                 generator=[torch.Generator("cpu").manual_seed(1)])
        on_torch_thread(call)  # the thread the engine runs on too: equal footing

    engine_run(chosen, warm)()
    times: dict[str, list[float]] = {"chosen": [], "bare": []}
    for _ in range(args.repeats):  # interleaved, so drift on a shared machine hits both alike
        times["chosen"].append(timed(engine_run(chosen, params)))
        times["bare"].append(timed(bare))
    chosen_s, bare_s = (statistics.median(v) for v in times.values())
    print(f"{'chosen: ' + chosen_path.label:<34}{chosen_s:>8.1f} s", flush=True)
    print(f"{'bare diffusers, same choices':<34}{bare_s:>8.1f} s", flush=True)
    pair = [PoseItem("stand", pose, 1), PoseItem("mirror", pose.mirrored(), 2)]
    chunk2_s = timed(engine_run(chosen, params, pair)) / 2
    print(f"{'chosen, chunk of 2, per picture':<34}{chunk2_s:>8.1f} s", flush=True)

    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # ru_maxrss is in KiB on Linux
    result = {
        "fp32_s": round(fp32_s, 2), "fp32_before_s": round(fp32_before_s, 2) if fp32_before_s else None,
        "chosen_s": round(chosen_s, 2), "bare_s": round(bare_s, 2), "chunk2_per_image_s": round(chunk2_s, 2),
        "chosen_path": chosen_path.label.split(",")[0].removeprefix("cpu ").strip(),
        "fp32_over_chosen": round(fp32_s / chosen_s, 2),
        "fp32_before_over_chosen": round(fp32_before_s / chosen_s, 2) if fp32_before_s else None,
        "chosen_over_bare": round(chosen_s / bare_s, 3),
        "peak_rss_gb": round(peak_gb, 2), "threads": chosen_path.threads, "steps": params.steps,
        "guidance": params.guidance, "size": f"{params.width}x{params.height}", "repeats": args.repeats,
    }
    for key in ("fp32_over_chosen", "fp32_before_over_chosen", "chosen_over_bare", "peak_rss_gb"):
        print(f"{key:<34}{result[key]!s:>8}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
