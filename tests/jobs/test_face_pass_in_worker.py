"""The face pass as the worker runs it: on the tiny preset (whose pictures are noise, with no face
to redraw) the same code path runs and records why it left each picture as it was."""

from __future__ import annotations

import json

from PIL import Image

from studio.jobs import worker
from studio.services.quality import BatchChecks
from tests.jobs.conftest import Batches
from tests.jobs.test_quality_checks import photo_avatar, submit


def test_the_face_pass_runs_on_every_picture_and_says_what_it_did(job_studio):
    batches = Batches(job_studio)
    uid = batches.user()
    g = submit(job_studio, uid, photo_avatar(job_studio, uid), batches.poses(2), checks={"face_pass": True})
    assert BatchChecks.from_json(batches.generation(g.id).checks).face_pass is True
    assert worker.process_generation(job_studio, g.id) == "completed"
    for item in batches.items(g.id):
        assert item.quality["face_pass"] == {"applied": False, "note": "no face to redraw"}
        with Image.open(job_studio.media.absolute(item.image_path)) as png:
            assert json.loads(png.text["parameters"])["face_pass"]["note"] == "no face to redraw"


def test_the_face_pass_is_off_by_default_for_the_tiny_preset_and_on_for_standard(job_studio):
    from studio.services.quality import default_checks

    assert default_checks(job_studio.settings, "tiny")["face_pass"] is False
    assert default_checks(job_studio.settings, "standard")["face_pass"] is True
    assert default_checks(job_studio.settings, "pro")["face_pass"] is True
    batches = Batches(job_studio)
    uid = batches.user()
    g = submit(job_studio, uid, batches.avatar(uid), batches.poses(1))
    assert worker.process_generation(job_studio, g.id) == "completed"
    assert "face_pass" not in batches.items(g.id)[0].quality
