"""Perception benchmark: milliseconds per photo for pose, hands, face and person mask on this CPU.

    python benchmarks/perception.py [--repeat 7]

Each model runs as the studio runs it (the same functions, models and settings, including the
resize to ``detector_input``'s 1024 px), on the astronaut photo at 512 px and upscaled to 2048 px:

- pose: one MediaPipe Pose reading of the whole picture (``extract_pose`` makes two, of the
  picture and of its mirror);
- hands: MediaPipe Hands on the whole picture;
- face: ``pipelines.face.find_faces`` (its per-picture cache cleared before every call);
- mask: ``pipelines.background.person_mask`` without a pose (SelfieSegmentation);
- extract_pose: the whole reading (faces, pose twice, hands, checks);
- pose from photo: ``studio.services.pose_from_photo.pose_from_photo`` end to end, in a studio on
  a temporary SQLite database: the upload read from disk and checked, ``extract_pose``, the
  skeleton drawn over the photo.

The first call of each model in the process makes the model (its load time), so it is timed
apart; the table shows the median of ``--repeat`` calls after it. The last line printed is one
JSON object.
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

from pipelines import extraction, face  # noqa: E402
from pipelines.background import person_mask  # noqa: E402
from pipelines.mediapipe_models import detector_input  # noqa: E402

ASTRONAUT = ROOT / "tests" / "fixtures" / "photos" / "astronaut.png"
SIZES = (512, 2048)
MODELS = ("pose", "hands", "face", "mask")  # each makes its model on its first call; the rest reuse them


def stages() -> dict:
    def found_faces(image):
        face.clear_face_cache()
        return face.find_faces(image)

    return {
        "pose": lambda image: extraction._read_pose(detector_input(image)),
        "hands": lambda image: extraction._hands(detector_input(image)),
        "face": found_faces,
        "mask": lambda image: person_mask(image, None),
        "extract_pose": extraction.extract_pose,
    }


def timed(call, repeat: int) -> tuple[float, float]:
    """(first call ms, median ms of ``repeat`` more)."""
    started = time.perf_counter()
    call()
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(samples)


def studio_pose_from_photo(photos: dict[int, Path], repeat: int) -> dict[int, tuple[float, float]]:
    from studio.services import users
    from studio.services.pose_from_photo import pose_from_photo
    from studio.settings import load_settings
    from studio.startup import start

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(STUDIO_DATA_DIR=str(Path(tmp) / "data"), DATABASE_URL=f"sqlite:///{tmp}/bench.db",
                                 STUDIO_PRESET="tiny")
        studio = start(settings, with_queue=False)
        try:
            user_id = users.get_or_create(studio.db, name="bench").id
            return {size: timed(lambda path=path: pose_from_photo(studio, user_id=user_id, file_path=path), repeat)
                    for size, path in photos.items()}
        finally:
            studio.db.dispose()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # mediapipe 0.10.14 calls a protobuf API that warns on every model call.
    warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype")
    with Image.open(ASTRONAUT) as opened:
        small = opened.convert("RGB")
    photos = {512: small, 2048: small.resize((2048, 2048), Image.Resampling.LANCZOS)}
    result: dict = {"repeat": args.repeat, "cpus": os.cpu_count(), "median_ms": {}, "load_ms": {}}
    for name, stage in stages().items():
        for size in SIZES:  # 512 first: the first call in the process makes the model
            first, median = timed(lambda: stage(photos[size]), args.repeat)
            result["median_ms"][f"{name}@{size}"] = round(median, 1)
            if size == SIZES[0] and name in MODELS:
                result["load_ms"][name] = round(first - median, 1)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for size, photo in photos.items():
            files[size] = Path(tmp) / f"astronaut-{size}.png"
            photo.save(files[size])
        for size, (first, median) in studio_pose_from_photo(files, args.repeat).items():
            result["median_ms"][f"pose_from_photo@{size}"] = round(median, 1)
    print(f"\nastronaut photo, median of {args.repeat} calls after the first, {os.cpu_count()} CPUs")
    print(f"{'stage':16} {'512 px ms':>10} {'2048 px ms':>11} {'load ms':>8}")
    for name in (*stages(), "pose_from_photo"):
        load = result["load_ms"].get(name)
        print(f"{name:16} {result['median_ms'][f'{name}@512']:10.1f} {result['median_ms'][f'{name}@2048']:11.1f} "
              f"{'' if load is None else f'{load:8.1f}'}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
