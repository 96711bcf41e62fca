"""Likeness as a service, on the real photos: two photos compared, a photo against the creator's
avatar (free, nothing stored), and the avatar's face described once, when it is made from a
photo, a preset or words, without ever failing the avatar."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps
from sqlmodel import select

from pipelines.likeness import describe_face
from studio.db.tables import Avatar, AvatarProject, CreditLedger
from studio.services import avatars, credits, likeness, projects, users
from studio.services.avatars.likeness import ensure_descriptor
from studio.services.errors import InvalidInput, NotFound
from tests import photos
from tests.services.test_avatars import ATTRIBUTES, PERSONA


def user(studio, name="ana", starter=100) -> int:
    return users.get_or_create(studio.db, name=name, starter_credits=starter).id


def saved(tmp_path, name, picture: Image.Image):
    path = tmp_path / name
    picture.save(path)
    return path


def her_again(tmp_path):
    """The astronaut mirrored and at 0.7 of her size: the same person, another picture."""
    picture = ImageOps.mirror(photos.astronaut())
    return saved(tmp_path, "her-again.png", picture.resize((358, 358), Image.Resampling.LANCZOS))


def upload(studio, tmp_path, user_id, picture=None) -> Avatar:
    project = projects.create_project(studio, user_id=user_id, name="P")
    return avatars.create_from_upload(studio, user_id=user_id, project_id=project.id, name="Her",
                                      file_path=saved(tmp_path, "avatar.png", picture or photos.astronaut()))


def stored(studio, avatar_id) -> Avatar:
    with studio.db.session() as session:
        return session.get(Avatar, avatar_id)


def ledger_rows(studio, user_id) -> int:
    with studio.db.session() as session:
        return len(session.exec(select(CreditLedger).where(CreditLedger.user_id == user_id)).all())


# --- two photos -------------------------------------------------------------------------------


def test_two_pictures_of_her_are_the_same_person_and_grace_hopper_is_not(sqlite_studio, tmp_path):
    same = likeness.compare(sqlite_studio, photos.ASTRONAUT, her_again(tmp_path))
    assert same["same_person"] is True and same["distance"] < 0.6 and same["likeness"] >= 0.6
    assert same["note"] == ""
    other = likeness.compare(sqlite_studio, first_path=photos.ASTRONAUT, second_path=photos.GRACE_HOPPER)
    assert other["same_person"] is False and other["distance"] >= 0.6 and other["likeness"] < 0.6


def test_a_photo_that_cannot_be_compared_is_refused_naming_which_one(sqlite_studio, tmp_path):
    with pytest.raises(InvalidInput, match="^Second photo: no face found"):
        likeness.compare(sqlite_studio, photos.ASTRONAUT, saved(tmp_path, "suit.png", photos.without_a_face()))
    with pytest.raises(InvalidInput, match="^First photo: 2 faces found: use a photo of one person"):
        likeness.compare(sqlite_studio, saved(tmp_path, "both.png", photos.two_people()), photos.ASTRONAUT)
    # Checked like every upload, before any model runs: type by content, size.
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(InvalidInput, match="^First photo: this file is not a picture"):
        likeness.compare(sqlite_studio, tmp_path / "notes.png", photos.ASTRONAUT)
    with pytest.raises(InvalidInput, match="^Second photo: the photo is 100x100 px; it must be at least 256"):
        likeness.compare(sqlite_studio, photos.ASTRONAUT,
                         saved(tmp_path, "tiny.png", photos.astronaut().resize((100, 100))))
    with pytest.raises(InvalidInput, match="^Second photo: no file arrived"):
        likeness.compare(sqlite_studio, photos.ASTRONAUT, tmp_path / "never-uploaded.png")


# --- a photo against the avatar --------------------------------------------------------------


def test_an_uploaded_avatar_is_described_once_and_a_photo_is_measured_against_it_for_free(studio, tmp_path):
    ana = user(studio)
    avatar = upload(studio, tmp_path, ana)
    row = stored(studio, avatar.id)
    assert len(row.face_descriptor) == 128 and row.face_note == ""
    assert row.face_descriptor == describe_face(photos.astronaut()).to_json()
    balance, rows = credits.balance(studio.db, user_id=ana), ledger_rows(studio, ana)

    same = likeness.same_as_avatar(studio, user_id=ana, avatar_id=avatar.id, photo_path=her_again(tmp_path))
    assert same["same_person"] is True and same["likeness"] >= 0.6
    other = likeness.same_as_avatar(studio, user_id=ana, avatar_id=avatar.id, photo_path=photos.GRACE_HOPPER)
    assert other["same_person"] is False and other["likeness"] < 0.6
    assert (credits.balance(studio.db, user_id=ana), ledger_rows(studio, ana)) == (balance, rows)
    assert stored(studio, avatar.id).face_descriptor == row.face_descriptor


def test_another_creators_avatar_is_not_found_and_a_bad_photo_is_named(studio, tmp_path):
    ana, eve = user(studio), user(studio, "eve")
    avatar = upload(studio, tmp_path, ana)
    with pytest.raises(NotFound, match="^avatar not found$"):
        likeness.same_as_avatar(studio, user_id=eve, avatar_id=avatar.id, photo_path=photos.ASTRONAUT)
    with pytest.raises(NotFound, match="^avatar not found$"):
        likeness.same_as_avatar(studio, user_id=ana, avatar_id="7; drop", photo_path=photos.ASTRONAUT)
    with pytest.raises(InvalidInput, match="^Photo: no face found"):
        likeness.same_as_avatar(studio, user_id=ana, avatar_id=avatar.id,
                                photo_path=saved(tmp_path, "suit.png", photos.without_a_face()))


def old_avatar(studio, user_id, picture: Image.Image | None) -> int:
    """An avatar row made before likeness existed: nothing described, no note."""
    path = studio.media.save_png(user_id, "avatars", picture) if picture is not None else "u1/avatars/gone.png"
    with studio.db.session() as session:
        project = AvatarProject(user_id=user_id, name="old")
        session.add(project)
        session.flush()
        avatar = Avatar(user_id=user_id, project_id=project.id, name="Old", source="uploaded", image_path=path)
        session.add(avatar)
        session.flush()
        return avatar.id


def test_an_avatar_without_a_face_answers_not_measured_with_the_reason(studio, tmp_path):
    ana = user(studio)
    drawing = old_avatar(studio, ana, photos.without_a_face())
    answer = likeness.same_as_avatar(studio, user_id=ana, avatar_id=drawing, photo_path=photos.ASTRONAUT)
    assert answer["likeness"] is None and answer["same_person"] is None and answer["distance"] is None
    assert answer["note"].startswith("not measured: no face found")
    # The reason was stored with the avatar: its batches turn likeness off with it.
    assert stored(studio, drawing).face_note.startswith("no face found")


def test_an_older_avatar_is_described_on_first_need_and_stored(studio):
    ana = user(studio)
    older = old_avatar(studio, ana, photos.astronaut())
    descriptor, note = ensure_descriptor(studio, older)  # read from the media folder
    assert note == "" and descriptor.to_json() == stored(studio, older).face_descriptor
    assert descriptor.distance(describe_face(photos.astronaut())) < 1e-4
    # Once stored it is what is used: the picture given is not described again.
    again, _ = ensure_descriptor(studio, older, photos.grace_hopper())
    assert again == descriptor


def test_an_avatar_whose_picture_is_missing_is_not_measured_and_tried_again_later(studio):
    ana = user(studio)
    lost = old_avatar(studio, ana, None)
    assert ensure_descriptor(studio, lost) == (None, "the avatar's picture is missing")
    row = stored(studio, lost)
    assert row.face_descriptor is None and row.face_note == ""  # nothing stored: the file may come back


def test_an_upload_still_makes_the_avatar_when_the_face_model_cannot_run(studio, tmp_path, monkeypatch):
    import pipelines.likeness

    def broken(image, *, largest=False):
        raise RuntimeError("dlib model file truncated")

    monkeypatch.setattr(pipelines.likeness, "describe_face", broken)
    ana = user(studio)
    avatar = upload(studio, tmp_path, ana)
    row = stored(studio, avatar.id)
    # Left unknown (no note), so the worker describes it on the avatar's first batch.
    assert row.face_descriptor is None and row.face_note == ""
    assert credits.balance(studio.db, user_id=ana) == 98


# --- avatars drawn from a preset or words ----------------------------------------------------


def test_a_preset_avatar_whose_drawing_shows_no_face_still_works_and_says_why(studio, tiny_engine):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    preset = avatars.avatar_presets(studio.db)[0]
    avatar = avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                        submission_key="p1")
    row = stored(studio, avatar.id)
    # The tiny preset draws noise: no face, so no descriptor, and the reason is kept.
    assert row.face_descriptor is None and row.face_note.startswith("no face found")
    assert credits.balance(studio.db, user_id=ana) == 92


def test_an_avatar_from_words_is_described_from_the_kept_picture(studio, tiny_engine):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    (candidate,) = avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES, count=1,
                                              submission_key="w1")
    # As if the model had drawn her: the candidate on disk is the astronaut photo.
    photos.astronaut().save(studio.media.absolute(candidate.image_path))
    avatar = avatars.save_candidate(studio, user_id=ana, project_id=project.id, name="Her",
                                    candidate_path=candidate.image_path, persona=PERSONA, attributes=ATTRIBUTES,
                                    prompt=candidate.prompt, negative_prompt=candidate.negative_prompt,
                                    seed=candidate.seed)
    row = stored(studio, avatar.id)
    assert row.face_note == "" and row.face_descriptor == describe_face(photos.astronaut()).to_json()
