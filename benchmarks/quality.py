"""Quality-check benchmark: the seconds each check adds per picture, beside the generation time.

    python benchmarks/quality.py [--repeat 5]

All on this CPU, in one run, on the tiny preset (random weights, 64 px, 2 steps; loaded through
the same ``from_pretrained`` path as the real presets):

- generation: one ``PoseEngine.generate_poses`` picture (the first call, the load, is timed apart);
- likeness: ``pipelines.likeness.likeness_to`` on the astronaut photo at 512 px (MediaPipe finds the
  face, dlib describes it) and on a tiny output (no face: the detector alone);
- pose match: ``pipelines.pose_match.pose_match_of`` on the same two pictures (MediaPipe read-back);
- face pass: ``pipelines.face_pass.face_pass`` on the astronaut small in a 384 px frame (find the
  face, redraw the crop with img2img at the preset's size, colour-match, blend).

Each line shows the median of ``--repeat`` calls and its ratio to one tiny generation. The last
line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from PIL import Image  # noqa: E402

ASTRONAUT = ROOT / "tests" / "fixtures" / "photos" / "astronaut.png"


def median_s(call, repeat: int) -> float:
    from pipelines.face import clear_face_cache

    times = []
    for _ in range(repeat):
        clear_face_cache()  # the studio sees each picture once: no detection remembered from the last call
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)

    from pipelines.extraction import extract_pose
    from pipelines.face import face_crop
    from pipelines.face_pass import face_pass
    from pipelines.generation import PoseItem
    from pipelines.likeness import describe_face, likeness_to
    from pipelines.loading import EngineOptions, get_engine
    from pipelines.params import GenerationParams
    from pipelines.pose_match import pose_match_of
    from pipelines.tiny import build_tiny_models

    with Image.open(ASTRONAUT) as opened:
        photo = opened.convert("RGB")
    with tempfile.TemporaryDirectory() as models:
        build_tiny_models(Path(models) / "tiny")
        engine = get_engine("tiny", EngineOptions(models_dir=Path(models), device="cpu"))
        pose = extract_pose(photo).keypoints
        item = [PoseItem("a", pose, 7)]
        params = GenerationParams(prompt="a portrait", seed=7)

        def generate():
            return next(iter(engine.generate_poses(photo, item, params, batch_size=1))).image

        started = time.perf_counter()
        output = generate()
        first = time.perf_counter() - started
        reference = describe_face(photo)
        face, _ = face_crop(photo)
        frame = Image.new("RGB", (384, 384), (205, 200, 190))
        frame.paste(photo.resize((192, 192), Image.Resampling.LANCZOS), (96, 150))
        face_pass(engine, frame, face, prompt="a portrait", negative_prompt="", seed=1, force=True)  # warm img2img

        seconds = {
            "generation (tiny, 64 px)": median_s(generate, args.repeat),
            "likeness, 512 px photo": median_s(lambda: likeness_to(reference, photo), args.repeat),
            "likeness, tiny output": median_s(lambda: likeness_to(reference, output), args.repeat),
            "pose match, 512 px photo": median_s(lambda: pose_match_of(pose, photo), args.repeat),
            "pose match, tiny output": median_s(lambda: pose_match_of(pose, output), args.repeat),
            "face pass (tiny), 384 px": median_s(lambda: face_pass(engine, frame, face, prompt="a portrait",
                                                                   negative_prompt="", seed=1, force=True),
                                                 args.repeat),
        }
    base = seconds["generation (tiny, 64 px)"]
    print(f"first tiny generation (loads the models): {first:.2f} s")
    print(f"{'step':<28}{'seconds':>10}{'x generation':>15}")
    for name, value in seconds.items():
        print(f"{name:<28}{value:>10.3f}{value / base:>15.2f}")
    print(json.dumps({"seconds": {k: round(v, 4) for k, v in seconds.items()},
                      "ratio_to_generation": {k: round(v / base, 2) for k, v in seconds.items()},
                      "repeat": args.repeat}))


if __name__ == "__main__":
    main()
