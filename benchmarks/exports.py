"""How long each export format takes for one generated picture, relative to the square feed.

Prints ratios (and milliseconds for orientation) rather than asserting timings: run it on the
machine in question, e.g. ``python -m benchmarks.exports --size 512x768 --repeat 5``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

import numpy as np
from PIL import Image

from studio.services.exports import EXPORT_FORMATS, export_bytes

log = logging.getLogger(__name__)

STANDING = {"aspect": 0.75, "body": [
    [0.50, 0.10, 1], [0.50, 0.20, 1], [0.40, 0.20, 1], [0.36, 0.35, 1], [0.33, 0.50, 1], [0.60, 0.20, 1],
    [0.64, 0.35, 1], [0.67, 0.50, 1], [0.45, 0.50, 1], [0.45, 0.70, 1], [0.45, 0.90, 1], [0.55, 0.50, 1],
    [0.55, 0.70, 1], [0.55, 0.90, 1], [0.48, 0.08, 1], [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="512x768", help="generated picture size, WIDTHxHEIGHT")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    # Noise, not a flat colour: encoders and resamplers do real work on it, as on a photo.
    image = Image.fromarray((np.random.RandomState(0).rand(height, width, 3) * 255).astype("uint8"))
    timings: dict[str, float] = {}
    for key, fmt in EXPORT_FORMATS.items():
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            export_bytes(image, STANDING, fmt)
            runs.append(time.perf_counter() - started)
        timings[key] = statistics.median(runs)
    base = timings["instagram_feed"]
    print(f"{'format':20} {'size':>11} {'x feed':>7} {'ms':>8}")
    for key, seconds in timings.items():
        print(f"{key:20} {EXPORT_FORMATS[key].size_label:>11} {seconds / base:7.2f} {seconds * 1000:8.1f}")
    print(f"all formats for one picture: {sum(timings.values()) / base:.1f} x one feed export")


if __name__ == "__main__":
    main()
