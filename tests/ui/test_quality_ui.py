"""The checks where the creator decides, without a browser: each result's badge, the batch's
summary, the Quality checks options as a batch takes them, the sort and filter handlers of the
Batch and History tabs on a real batch, and the Avatar tab's "same person?" answer."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import gradio as gr
import pytest
import sqlalchemy as sa
from gradio.utils import get_upload_folder
from PIL import ImageOps
from starlette.requests import Request as HttpRequest

from pipelines.likeness import NOT_VISIBLE
from pipelines.params import GenerationParams
from studio.db.tables import Avatar, AvatarProject, GenerationItem
from studio.jobs import worker
from studio.services import generations, users
from studio.services.avatars.likeness import face_fields
from studio.services.errors import InvalidInput
from studio.services.quality import BatchChecks, summarise, validated_checks
from studio.ui.avatar_likeness import SamePerson, same_person_html
from studio.ui.batch_results import BatchResults, caption
from studio.ui.batch_progress import progress_html, quality_html
from studio.ui.batch_tab import BatchTab, checks_of
from studio.ui.common import Page, quality_badge
from studio.ui.history_tab import HistoryTab
from studio.web.links import MediaLinks
from studio.web.watchers import Watchers
from tests import photos
from tests.conftest import make_studio
from tests.jobs.conftest import Batches, shared_root  # noqa: F401  (the tiny models, built once)


def finished(pose="Warrior", *, likeness=None, pose_match=None, likeness_note="", pose_note="", attempts=1):
    return generations.FinishedItem(1, pose, 0, "u1/x.png", "completed", "", likeness=likeness,
                                    pose_match=pose_match, likeness_note=likeness_note, pose_note=pose_note,
                                    attempts=attempts)


def item_row(likeness, pose_match, *, attempts=1, likeness_note=""):
    """A completed item as the worker stores it (its columns and its quality record)."""
    return GenerationItem(
        generation_id=1, position=0, pose_id=1, pose_name="p", variation=0, seed=5, status="completed",
        likeness=likeness, pose_match=pose_match,
        quality={"likeness": {"likeness": likeness, "note": likeness_note},
                 "pose": {"pose_match": pose_match, "note": ""},
                 "attempts": [{"seed": 5 + n, "likeness": likeness, "pose_match": pose_match, "kept": n == 0}
                              for n in range(attempts)]})


def batch_progress(rows, checks: BatchChecks, *, pictures_made: int) -> generations.BatchProgress:
    return generations.BatchProgress(
        generation_id=7, status="completed", total=len(rows), done=len(rows), failed=0, cancelled=0, left=0,
        fraction=1.0, eta_seconds=0.0, step=0, total_steps=0,
        items=tuple(generations.finished_item(r) for r in rows), pictures_made=pictures_made, checks=checks,
        quality=summarise(rows, checks))


CHECKS = BatchChecks(measure=True, reroll=True, likeness_bar=0.6, pose_bar=0.5, max_rerolls=2)


# ------------------------------------------------------------------ a result's badge

def test_a_measured_result_shows_both_scores_in_percent_and_how_many_pictures_it_took():
    assert quality_badge(finished(likeness=0.8249, pose_match=0.91, attempts=3)) == \
        "Likeness 82 % · Pose 91 % (best of 3)"
    assert quality_badge(finished(likeness=0.6, pose_match=0.5)) == "Likeness 60 % · Pose 50 %"


def test_a_picture_without_a_face_says_face_not_visible_rather_than_a_zero():
    badge = quality_badge(finished(likeness_note=NOT_VISIBLE, pose_match=0.0, attempts=2))
    assert badge == "face not visible · Pose 0 % (best of 2)"
    assert "Likeness 0" not in badge


def test_a_score_that_could_not_be_taken_reads_not_measured():
    item = finished(likeness_note="not measured", pose_note="the pose shows only 3 of the nose, neck and limb joints")
    assert quality_badge(item) == "likeness not measured · pose not measured"


def test_a_picture_never_checked_has_no_badge_and_its_caption_is_the_pose_alone():
    item = finished("Tree pose")
    assert quality_badge(item) == ""
    assert caption(item) == "Tree pose · v1"
    assert caption(finished("Tree pose", likeness=0.7, pose_match=0.4)) == "Tree pose · v1 · Likeness 70 % · Pose 40 %"


# ------------------------------------------------------------------ the batch's summary

def test_the_summary_gives_mean_worst_and_how_many_fell_below_each_bar():
    rows = [item_row(0.82, 0.9), item_row(0.41, 0.3), item_row(None, 0.7, likeness_note=NOT_VISIBLE)]
    text = quality_html(batch_progress(rows, CHECKS, pictures_made=3))
    # A missing face is below the likeness bar: two of three (41 % and the one with no face).
    assert "Likeness: mean 62 %, worst 41 %; 2 of 3 below the 60 % bar." in text
    assert "Pose: mean 63 %, worst 30 %; 1 of 3 below the 50 % bar." in text
    assert "pictures made" not in text  # no re-roll happened: nothing to say about it


def test_re_rolls_are_counted_as_pictures_made_for_the_images_paid_for():
    rows = [item_row(None, 0.2, attempts=3, likeness_note=NOT_VISIBLE) for _ in range(3)]
    html = progress_html(batch_progress(rows, CHECKS, pictures_made=9))
    assert "9 pictures made for 3 images: re-rolls are free, you paid for the 3 images only." in html
    assert "Likeness: no face visible in any of the 3 pictures." in html
    assert "3 of 3 below the 50 % bar" in html


def test_an_avatar_without_a_described_face_says_why_likeness_is_off():
    checks = validated_checks({}, settings=make_settings(), face_note="no face found in the picture")
    rows = [item_row(None, 0.8, likeness_note="not measured")]
    text = quality_html(batch_progress(rows, checks, pictures_made=1))
    assert ("Likeness is not measured for this avatar: no face found in the picture; re-roll by likeness is off."
            in text)


def test_a_likeness_check_that_failed_on_the_worker_is_not_called_a_missing_face():
    rows = [item_row(None, 0.8, likeness_note="not measured: the likeness check failed (RuntimeError)")]
    text = quality_html(batch_progress(rows, CHECKS, pictures_made=1))
    assert "Likeness not measured: the likeness check failed (RuntimeError)." in text
    assert "no face visible" not in text


def make_settings(**overrides):
    from studio.settings import load_settings

    return load_settings(STUDIO_PRESET="tiny", STUDIO_MAX_REROLLS=2, **overrides)


# ------------------------------------------------------------------ the Quality checks options

def test_the_sliders_in_percent_reach_the_batch_as_shares_the_backend_accepts():
    sent = checks_of(True, 60, 100, 2, True)
    assert sent == {"reroll": True, "likeness_bar": 0.6, "pose_bar": 1.0, "max_rerolls": 2, "face_pass": True}
    checks = validated_checks(sent, settings=make_settings(), face_note=None)
    assert (checks.likeness_bar, checks.pose_bar, checks.rerolls, checks.face_pass) == (0.6, 1.0, 2, True)


def test_options_out_of_range_are_refused_naming_the_field():
    with pytest.raises(gr.Error, match="Likeness bar: give a percentage from 0 to 100"):
        checks_of(True, "lots", 50, 1, False)
    with pytest.raises(gr.Error, match="Re-rolls per image: give a whole number"):
        checks_of(True, 60, 50, None, False)
    with pytest.raises(InvalidInput, match="likeness bar must be between 0 and 100 %; got 120 %"):
        validated_checks(checks_of(True, 120, 50, 1, False), settings=make_settings(), face_note=None)
    with pytest.raises(InvalidInput, match="re-rolls per image: at most 2"):
        validated_checks(checks_of(True, 60, 50, 5, False), settings=make_settings(), face_note=None)


# ------------------------------------------------------------------ the "same person?" answer

def test_the_same_person_answer_is_in_words():
    same = same_person_html({"likeness": 0.81, "same_person": True, "distance": 0.2853, "note": ""})
    assert "Likeness 81 % — the same person" in same and "0.29" in same
    other = same_person_html({"likeness": 0.43, "same_person": False, "distance": 0.855, "note": ""})
    assert "Likeness 43 % — probably someone else" in other
    unknown = same_person_html({"likeness": None, "same_person": None, "distance": None,
                                "note": "not measured: no face found in the picture"})
    assert "Likeness not measured: no face found in the picture." in unknown


# ------------------------------------------------------------------ handlers on a real batch

@pytest.fixture
def page_studio(shared_root, sqlite_url):
    studio = make_studio(shared_root, sqlite_url)
    yield Page(studio, MediaLinks.from_settings(studio.settings), Watchers.from_settings(studio.settings))
    studio.db.dispose()


def web_request() -> gr.Request:
    """A browser's request for the page (no login: the studio's local creator)."""
    return gr.Request(request=HttpRequest({
        "type": "http", "method": "POST", "scheme": "http", "path": "/gradio_api/queue/join", "query_string": b"",
        "headers": [(b"host", b"studio.test")], "server": ("studio.test", 80), "client": ("127.0.0.1", 5000)}))


# What the worker writes for pictures with a real face (tiny pictures are noise, with no face
# and no pose to read back, so the measured values are set as the worker would store them).
SCORES = [(0.82, 0.30, 1, ""), (0.41, 0.90, 3, ""), (None, 0.60, 2, NOT_VISIBLE)]


@pytest.fixture
def scored_batch(page_studio):
    studio = page_studio.studio
    batches = Batches(studio)
    uid = batches.user(name=users.LOCAL_USER)
    avatar = batches.avatar(uid)
    pose_ids = batches.poses(3)
    g = generations.submit(studio, user_id=uid, request=generations.SubmitRequest(
        avatar_id=avatar, pose_ids=pose_ids, variations=1, preset_key="tiny",
        params=GenerationParams(prompt="a portrait", seed=3, width=64, height=64),
        checks={"reroll": False, "likeness_bar": 0.6, "pose_bar": 0.5}, submission_key=uuid.uuid4().hex))
    assert worker.process_generation(studio, g.id) == "completed"
    items = batches.items(g.id)
    with studio.db.session() as session:
        for item, (likeness, pose_match, attempts, note) in zip(items, SCORES):
            session.execute(sa.update(GenerationItem).where(GenerationItem.id == item.id).values(
                likeness=likeness, pose_match=pose_match, quality=item_row(likeness, pose_match, attempts=attempts,
                                                                           likeness_note=note).quality))
    return page_studio, g.id, [i.pose_name for i in items], avatar, uid


def test_batch_results_sort_by_either_score_and_narrow_to_those_below_a_bar(scored_batch):
    page, gid, names, _, _ = scored_batch
    tab = BatchResults(page)

    def shown(sort, show):
        return [text for _, text in tab.refresh(gid, sort, show, False, None, web_request())[0]]

    made = shown("made", "all")
    assert made == [f"{names[0]} · v1 · Likeness 82 % · Pose 30 %",
                    f"{names[1]} · v1 · Likeness 41 % · Pose 90 % (best of 3)",
                    f"{names[2]} · v1 · face not visible · Pose 60 % (best of 2)"]
    assert shown("likeness", "all") == made  # 82, 41, then the one with no face last
    assert shown("pose", "all") == [made[1], made[2], made[0]]
    assert shown("made", "below_likeness") == [made[1], made[2]]
    assert shown("pose", "below_pose") == [made[0]]
    with pytest.raises(gr.Error, match="sort results by one of made, likeness, pose"):
        tab.refresh(gid, "prettiest", "all", False, None, web_request())


def test_history_shows_the_same_badges_sorted_and_the_batchs_summary(scored_batch):
    page, gid, names, _, uid = scored_batch
    tab = HistoryTab(page)
    cards, ids = tab.reorder(gid, "likeness", "below_likeness", web_request())
    texts = [text for _, text in cards]
    assert len(texts) == len(ids) == 2
    assert texts[0].startswith(f"{names[1]} · v1 · seed ")
    assert texts[0].endswith("Likeness 41 % · Pose 90 % (best of 3)")
    assert texts[1].endswith("face not visible · Pose 60 % (best of 2)")
    # Ids travel index for index with the cards, so a click opens the image it shows.
    assert [generations.get_item(page.studio.db, user_id=uid, item_id=i).pose_name for i in ids] == names[1:]

    title = tab._title(uid, gid)
    assert "Likeness: mean 62 %, worst 41 %; 2 of 3 below the 60 % bar." in title
    assert "Pose: mean 60 %, worst 30 %; 1 of 3 below the 50 % bar." in title


def test_the_checks_note_says_when_likeness_cannot_be_measured_for_the_chosen_avatar(scored_batch):
    page, _, _, avatar, _ = scored_batch
    tab = BatchTab(page)
    with page.studio.db.session() as session:  # the worker tried the noise avatar's face on its batch
        stored = session.get(Avatar, avatar)
        assert stored.face_descriptor is None and stored.face_note
        note = stored.face_note
    assert tab.avatar_checks_note(avatar, web_request()) == (
        f"Likeness is not measured for this avatar: {note}; re-roll by likeness is off (the pose bar still applies).")
    assert tab.avatar_checks_note(None, web_request()) == ""


def test_the_face_pass_follows_the_chosen_preset(page_studio):
    tab = BatchTab(page_studio)
    assert tab.face_pass_default("tiny") is False
    assert tab.face_pass_default("standard") is True and tab.face_pass_default("pro") is True


@pytest.fixture
def upload_folder():
    """A folder inside Gradio's upload folder: where a browser's uploads land (anything else is refused)."""
    folder = Path(get_upload_folder()) / f"test-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder)


def test_the_avatar_tab_compares_a_photo_with_the_avatar_and_says_a_refused_photo_beside_it(page_studio,
                                                                                             upload_folder):
    studio = page_studio.studio
    uid = users.get_or_create(studio.db, name=users.LOCAL_USER).id
    with studio.db.session() as session:
        project = AvatarProject(user_id=uid, name="p")
        session.add(project)
        session.flush()
        avatar = Avatar(user_id=uid, project_id=project.id, name="Her", source="uploaded",
                        image_path=studio.media.save_png(uid, "avatars", photos.astronaut()),
                        **face_fields(photos.astronaut()))
        session.add(avatar)
        session.flush()
        avatar_id = avatar.id
    ImageOps.mirror(photos.astronaut()).save(upload_folder / "mirrored.png")
    photos.grace_hopper().save(upload_folder / "grace.png")
    photos.without_a_face().save(upload_folder / "suit.png")
    tab = SamePerson(page_studio)

    assert re.search(r"Likeness \d+ % — the same person",
                     tab.same_person(avatar_id, str(upload_folder / "mirrored.png"), web_request()))
    assert re.search(r"Likeness \d+ % — probably someone else",
                     tab.same_person(avatar_id, str(upload_folder / "grace.png"), web_request()))
    refused = tab.same_person(avatar_id, str(upload_folder / "suit.png"), web_request())
    assert "photo-refused" in refused and "Photo: no face found" in refused
    with pytest.raises(gr.Error, match="Photo to compare: that file was not uploaded to the studio"):
        tab.same_person(avatar_id, str(photos.GRACE_HOPPER), web_request())
    with pytest.raises(gr.Error, match="Click an avatar above first"):
        tab.same_person(None, str(upload_folder / "mirrored.png"), web_request())
