"""Orphan files (no row points at them) are swept by recovery once old enough; every file a
row points at stays, whatever column points at it; /healthz shows the last sweep's counts."""

from __future__ import annotations

import json
import os
import time

from PIL import Image
from sqlmodel import SQLModel

from studio.db.tables import Avatar, AvatarProject, Generation, GenerationItem, PoseRequest
from studio.db.types import JSONType
from studio.jobs import orphans
from studio.jobs.recovery import recover
from studio.media import MediaStore
from studio.services import health, users

HOUR = 3600


def aged(media: MediaStore, relative: str, seconds: float) -> str:
    past = time.time() - seconds
    os.utime(media.absolute(relative), (past, past))
    return relative


def test_recovery_sweeps_old_orphans_and_keeps_every_live_file(studio):
    media = studio.media
    picture = Image.new("RGB", (64, 64), (90, 40, 20))
    ana = users.get_or_create(studio.db, name="ana").id
    ben = users.get_or_create(studio.db, name="ben").id

    def png(user_id, kind, age=2 * HOUR):
        return aged(media, media.save_png(user_id, kind, picture), age)

    def raw(relative, age):
        path = media.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        return aged(media, relative, age)

    # Live, old: one file for every column that holds a media path.
    live = {
        "avatar image": png(ana, "avatars"), "avatar thumbnail": png(ana, "avatars"),
        "item image": png(ana, "outputs"), "item thumbnail": png(ana, "thumbnails"),
        "item export": png(ana, "exports"), "backdrop in a batch": png(ana, "backdrops", 3 * 24 * HOUR),
        "pose request picture": png(ana, "pose-requests"), "ben's avatar": png(ben, "avatars"),
    }
    with studio.db.session() as session:
        project = AvatarProject(user_id=ana, name="p")
        session.add(project)
        session.flush()
        session.add(Avatar(user_id=ana, project_id=project.id, name="Ana", source="uploaded",
                           image_path=live["avatar image"], thumbnail_path=live["avatar thumbnail"]))
        ben_project = AvatarProject(user_id=ben, name="b")
        session.add(ben_project)
        session.flush()
        session.add(Avatar(user_id=ben, project_id=ben_project.id, name="Ben", source="uploaded",
                           image_path=live["ben's avatar"]))
        g = Generation(user_id=ana, preset_key="tiny", submission_key="k1",
                       background={"image": live["backdrop in a batch"]})
        session.add(g)
        session.flush()
        session.add(GenerationItem(generation_id=g.id, resume_key="0:0", seed=1, status="completed",
                                   image_path=live["item image"], thumbnail_path=live["item thumbnail"],
                                   exports={"instagram_feed": live["item export"]}))
        session.add(PoseRequest(user_id=ana, name="stairs", reference_image_path=live["pose request picture"]))

    # Orphans old enough to go: a killed worker's item files, a write that never finished, an
    # unused backdrop and a candidate past their day, and the folder of a user who is gone.
    gone = [png(ana, "outputs"), png(ana, "thumbnails"), png(ana, "exports"),
            raw(f"u{ana}/outputs/3f2a.png.part", 2 * HOUR), png(ana, "backdrops", 2 * 24 * HOUR),
            raw(f"u{ana}/candidates/{'a' * 32}-0.png", 2 * 24 * HOUR), png(999, "outputs")]
    # Unreferenced but too new to judge: being written or committed right now, a backdrop
    # waiting for its batch, a candidate waiting to be saved.
    too_new = [png(ana, "outputs", 60), raw(f"u{ana}/outputs/9e1b.png.part", 5),
               png(ana, "backdrops", 3 * HOUR), raw(f"u{ana}/candidates/{'b' * 32}-1.png", 3 * HOUR)]
    # Not the studio's layout: never touched, never counted.
    foreign = [raw(f"u{ana}/notes/keep.txt", 30 * 24 * HOUR), raw("README.txt", 30 * 24 * HOUR),
               raw("shared/logo.png", 30 * 24 * HOUR)]

    assert health.report(studio)["orphan_files"] == {"swept_at": None, "removed": 0, "not_removed": 0, "too_new": 0}
    swept = recover(studio, sweep_files=True)["orphan_files"]

    assert [name for name, p in live.items() if not media.absolute(p).exists()] == []
    assert [p for p in gone if media.absolute(p).exists()] == []
    assert (swept["removed"], swept["too_new"], swept["not_removed"]) == (len(gone), len(too_new), 0)
    assert all(media.absolute(p).exists() for p in too_new + foreign)
    report = health.report(studio)
    assert report["ok"], report["problems"]
    assert report["orphan_files"] == {"swept_at": swept["swept_at"], "removed": len(gone), "not_removed": 0,
                                      "too_new": len(too_new)}

    # Recovery runs often; the sweep walks every file, so it waits out its interval.
    assert recover(studio)["orphan_files"] is None
    record = studio.settings.data_dir / orphans.REPORT_NAME
    last = json.loads(record.read_text())
    record.write_text(json.dumps({**last, "swept_at_s": last["swept_at_s"] - studio.settings.orphan_sweep_interval_s}))
    later = recover(studio)["orphan_files"]
    assert later is not None and (later["removed"], later["too_new"]) == (0, len(too_new))


def test_every_column_that_can_hold_a_media_path_is_known_to_the_sweep():
    """A new ``*_path`` or JSON column must be looked at here (and in orphans.live_paths), or
    the sweep could delete the files it points at."""
    tables = SQLModel.metadata.tables.values()
    path_columns = {f"{t.name}.{c.name}" for t in tables for c in t.columns if c.name.endswith("_path")}
    assert path_columns == {"avatars.image_path", "avatars.thumbnail_path", "generation_items.image_path",
                            "generation_items.thumbnail_path", "pose_requests.reference_image_path"}
    json_columns = {f"{t.name}.{c.name}" for t in tables for c in t.columns if c.type is JSONType}
    holding_paths = {"generation_items.exports", "generations.background"}
    no_paths = {"avatar_presets.persona", "avatar_presets.attributes", "persona_examples.attributes",
                "credit_ledger.meta",  # "from words" candidates' paths: they have their own lifetime
                "generations.params", "generations.export_formats", "generation_items.keypoints",
                "poses.keypoints", "poses.tags",
                # Quality checks: scores, seeds and notes (studio/jobs/checks.py), never a file.
                "avatars.face_descriptor", "generations.checks", "generation_items.quality"}
    assert json_columns == holding_paths | no_paths
