"""A batch can put the person in front of the creator's own picture, and only their own."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.jobs.worker import process_generation
from studio.services import credits, generations
from studio.services.errors import NotFound
from tests.jobs.conftest import Batches


def backdrop_file(tmp_path, colour) -> str:
    path = tmp_path / f"backdrop-{colour[0]}.png"
    Image.new("RGB", (320, 320), colour).save(path)
    return str(path)


def test_own_backdrop_is_composited_and_a_foreign_one_is_not_found(job_studio, tmp_path):
    b = Batches(job_studio)
    ana, ben = b.user("ana"), b.user("ben")
    ana_avatar, ben_avatar = b.avatar(ana), b.avatar(ben)
    poses = b.poses(1)
    ana_backdrop = generations.save_backdrop(job_studio, user_id=ana, file_path=backdrop_file(tmp_path, (0, 200, 0)))
    assert ana_backdrop.startswith(f"u{ana}/backdrops/")

    # Ben names Ana's picture: refused as unknown, before any charge.
    before = credits.balance(job_studio.db, user_id=ben)
    with pytest.raises(NotFound, match="background picture not found"):
        b.submit(ben, ben_avatar, poses, background={"image": ana_backdrop})
    with pytest.raises(NotFound):
        b.submit(ben, ben_avatar, poses, background={"image": "../../etc/passwd"})
    assert credits.balance(job_studio.db, user_id=ben) == before

    g = b.submit(ana, ana_avatar, poses, background={"image": ana_backdrop})
    assert g.credits_charged == 15 + 10  # the pose and its new background, from the catalog
    assert process_generation(job_studio, g.id) == "completed"
    item = b.items(g.id)[0]

    with Image.open(job_studio.media.absolute(item.image_path)) as out:
        corner = np.asarray(out.convert("RGB"))[:4, :4].reshape(-1, 3).mean(axis=0)
    assert corner[1] > 150 and corner[0] < 80 and corner[2] < 80, corner  # green backdrop behind the person
