"""Fixtures for the engine tests: tiny random-weight models built once per session, offline."""

import os

# Before anything imports huggingface_hub: the whole suite must run without a network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pytest
from PIL import Image

from pipelines.keypoints import Keypoints

STANDING = [
    [0.50, 0.10, 1], [0.50, 0.20, 1], [0.40, 0.20, 1], [0.36, 0.35, 1], [0.33, 0.50, 1],
    [0.60, 0.20, 1], [0.64, 0.35, 1], [0.67, 0.50, 1], [0.45, 0.50, 1], [0.45, 0.70, 1],
    [0.45, 0.90, 1], [0.55, 0.50, 1], [0.55, 0.70, 1], [0.55, 0.90, 1], [0.48, 0.08, 1],
    [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1],
]
# Arms up, one knee raised, leaning: clearly another pose.
WAVING = [
    [0.52, 0.12, 1], [0.50, 0.22, 1], [0.40, 0.22, 1], [0.30, 0.12, 1], [0.28, 0.02, 1],
    [0.60, 0.22, 1], [0.72, 0.28, 1], [0.85, 0.25, 1], [0.44, 0.52, 1], [0.35, 0.62, 1],
    [0.40, 0.80, 1], [0.56, 0.52, 1], [0.60, 0.72, 1], [0.62, 0.92, 1], [0.50, 0.10, 1],
    [0.54, 0.10, 1], [0.48, 0.11, 0], [0.57, 0.11, 1],
]


@pytest.fixture(scope="session")
def standing() -> Keypoints:
    return Keypoints.from_json({"aspect": 0.75, "body": STANDING})


@pytest.fixture(scope="session")
def waving() -> Keypoints:
    return Keypoints.from_json({"aspect": 0.75, "body": WAVING})


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    from pipelines.tiny import build_tiny_models

    root = tmp_path_factory.mktemp("models")
    build_tiny_models(root / "tiny")
    return root


@pytest.fixture(scope="session")
def engine_options(models_dir):
    from pipelines.loading import EngineOptions

    return EngineOptions(models_dir=models_dir, device="cpu", offline=True)


@pytest.fixture(scope="session")
def engine(engine_options):
    from pipelines.loading import get_engine

    return get_engine("tiny", engine_options)


def noise_image(seed: int, size=(96, 96)) -> Image.Image:
    rng = np.random.RandomState(seed)
    return Image.fromarray((rng.rand(size[1], size[0], 3) * 255).astype("uint8"))


@pytest.fixture
def avatar() -> Image.Image:
    return noise_image(1)


@pytest.fixture(scope="session")
def xl_engine(engine_options):
    """The internal tiny-xl preset: SDXL ControlNet + IP-Adapter + refiner, random weights."""
    from pipelines.loading import get_engine

    return get_engine("tiny-xl", engine_options)


@pytest.fixture(autouse=True)
def _fresh_face_cache():
    """face_crop remembers detections per picture; tests that count detections must not see (or leave) them."""
    from pipelines.face import clear_face_cache

    clear_face_cache()
    yield
    clear_face_cache()


@pytest.fixture(scope="session")
def edit_engine(engine_options):
    """The internal tiny-edit preset: QwenImageEditPlusPipeline with random weights, built offline."""
    from pipelines.loading import get_engine

    return get_engine("tiny-edit", engine_options)
