"""Avatar projects and avatars, on SQLite and PostgreSQL: ownership, charges once, refunds, files."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from studio.db.tables import AvatarUsage, CreditLedger, Generation
from studio.engine import engine_for
from studio.enums import LedgerKind
from studio.services import avatars, credits, projects, users
from studio.services.avatars import AvatarGenerationFailed
from studio.services.errors import InsufficientCredits, InvalidInput, NotFound
from tests import photos

PERSONA = {"name": "Amira", "age": 27, "personality": "warm, composed", "background": "Runs a fashion label"}
ATTRIBUTES = {"gender": "woman", "age_range": "25-34", "hair_style": "covered by a hijab", "eye_colour": "dark brown",
              "style": "pastel hijab"}


def user(studio, name="ana", starter=100) -> int:
    return users.get_or_create(studio.db, name=name, starter_credits=starter).id


def photo(tmp_path, name="me.jpg", size=(300, 400), picture: Image.Image | None = None) -> Path:
    """A JPEG upload with a camera name in its EXIF: Grace Hopper's portrait at ``size``, or ``picture``."""
    path = tmp_path / name
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    (picture or photos.portrait(size)).save(path, format="JPEG", exif=exif)
    return path


def media_files(studio, user_id, kind) -> list[Path]:
    folder = Path(studio.settings.media_dir) / f"u{user_id}" / kind
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []


def ledger(studio, user_id, kind=None) -> list[CreditLedger]:
    with studio.db.session() as s:
        rows = s.exec(select(CreditLedger).where(CreditLedger.user_id == user_id).order_by(CreditLedger.id)).all()
    return [r for r in rows if kind is None or r.kind == kind]


# projects ------------------------------------------------------------------------------

def test_projects_are_listed_with_their_avatar_counts(studio, tmp_path):
    ana = user(studio)
    shop = projects.create_project(studio, user_id=ana, name="  Summer   shop ", description="catalogue")
    empty = projects.create_project(studio, user_id=ana, name="Empty")
    first = avatars.create_from_upload(studio, user_id=ana, project_id=shop.id, name="A", file_path=photo(tmp_path))
    second = avatars.create_from_upload(studio, user_id=ana, project_id=shop.id, name="B", file_path=photo(tmp_path))
    listed = {p.name: p for p in projects.list_projects(studio.db, user_id=ana)}
    assert set(listed) == {"Summer shop", "Empty"}
    assert listed["Summer shop"].avatar_count == 2 and listed["Empty"].avatar_count == 0
    assert listed["Summer shop"].cover_thumbnail in (first.thumbnail_path, second.thumbnail_path)
    assert projects.get_project(studio.db, user_id=ana, project_id=empty.id).name == "Empty"
    with pytest.raises(InvalidInput, match="give the project a name"):
        projects.create_project(studio, user_id=ana, name="   ")
    with pytest.raises(InvalidInput, match="keep it to 120"):
        projects.create_project(studio, user_id=ana, name="x" * 121)


def test_another_creator_cannot_see_change_or_delete_my_things(studio, tmp_path):
    ana, ben = user(studio, "ana"), user(studio, "ben")
    project = projects.create_project(studio, user_id=ana, name="Mine")
    avatar = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me", file_path=photo(tmp_path))
    attempts = [
        lambda: projects.get_project(studio.db, user_id=ben, project_id=project.id),
        lambda: projects.delete_project(studio, user_id=ben, project_id=project.id),
        lambda: avatars.list_avatars(studio.db, user_id=ben, project_id=project.id),
        lambda: avatars.get_avatar(studio.db, user_id=ben, avatar_id=avatar.id),
        lambda: avatars.update_avatar(studio.db, user_id=ben, avatar_id=avatar.id, name="Stolen"),
        lambda: avatars.delete_avatar(studio, user_id=ben, avatar_id=avatar.id),
        lambda: avatars.create_from_upload(studio, user_id=ben, project_id=project.id, name="X",
                                           file_path=photo(tmp_path, "x.jpg")),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound, match="not found"):
            attempt()
    # unknown ids read exactly like foreign ones
    with pytest.raises(NotFound, match="^avatar not found$"):
        avatars.get_avatar(studio.db, user_id=ben, avatar_id=999999)
    with pytest.raises(NotFound, match="^avatar not found$"):
        avatars.get_avatar(studio.db, user_id=ben, avatar_id=avatar.id)
    assert avatars.list_avatars(studio.db, user_id=ben) == []
    assert projects.list_projects(studio.db, user_id=ben) == []
    assert avatars.get_avatar(studio.db, user_id=ana, avatar_id=avatar.id).name == "Me"
    assert projects.get_project(studio.db, user_id=ana, project_id=project.id).name == "Mine"
    assert media_files(studio, ben, "avatars") == []
    assert credits.balance(studio.db, user_id=ben) == 100


def test_deleting_a_project_removes_its_avatars_and_files_but_keeps_generations(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="Gone soon")
    keep = projects.create_project(studio, user_id=ana, name="Stays")
    doomed = [avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name=f"A{i}",
                                         file_path=photo(tmp_path)) for i in range(2)]
    kept = avatars.create_from_upload(studio, user_id=ana, project_id=keep.id, name="K", file_path=photo(tmp_path))
    with studio.db.session() as s:
        generation = Generation(user_id=ana, avatar_id=doomed[0].id, preset_key="tiny", submission_key="g1")
        s.add(generation)
        s.flush()
        avatars.record_usage(s, avatar_id=doomed[0].id, user_id=ana, generation_id=generation.id, poses=3)
    assert len(media_files(studio, ana, "avatars")) == 6
    assert projects.delete_project(studio, user_id=ana, project_id=project.id) == 2
    media = studio.media
    for a in doomed:
        assert not media.absolute(a.image_path).exists() and not media.absolute(a.thumbnail_path).exists()
    assert media.absolute(kept.image_path).exists()
    assert [a.id for a in avatars.list_avatars(studio.db, user_id=ana)] == [kept.id]
    with pytest.raises(NotFound):
        projects.get_project(studio.db, user_id=ana, project_id=project.id)
    with studio.db.session() as s:
        assert s.get(Generation, generation.id).avatar_id is None
        assert s.exec(select(AvatarUsage)).all() == []


# avatar from a photo -------------------------------------------------------------------

def test_upload_stores_a_clean_picture_and_thumbnail_and_charges_the_catalog_price(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    avatar = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                        file_path=photo(tmp_path, size=(320, 480)))
    assert avatar.source == "uploaded" and avatar.project_id == project.id
    media = studio.media
    stored = Image.open(media.absolute(avatar.image_path))
    assert stored.format == "PNG" and stored.size == (320, 480)
    assert b"SecretCam" not in media.absolute(avatar.image_path).read_bytes()
    assert max(Image.open(media.absolute(avatar.thumbnail_path)).size) <= 320
    assert avatar.image_path.startswith(f"u{ana}/avatars/")
    assert credits.balance(studio.db, user_id=ana) == 98
    (charge,) = ledger(studio, ana, "charge")
    assert charge.amount == -2 and charge.meta["avatar_id"] == avatar.id


def test_the_same_submission_twice_charges_once_and_gives_the_same_avatar(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    first = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                       file_path=photo(tmp_path), submission_key="click-1")
    again = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                       file_path=photo(tmp_path), submission_key="click-1")
    assert again.id == first.id
    assert len(ledger(studio, ana, "charge")) == 1
    assert credits.balance(studio.db, user_id=ana) == 98
    assert len(avatars.list_avatars(studio.db, user_id=ana)) == 1
    assert len(media_files(studio, ana, "avatars")) == 2
    other = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                       file_path=photo(tmp_path), submission_key="click-2")
    assert other.id != first.id and credits.balance(studio.db, user_id=ana) == 96


def test_simultaneous_double_submission_makes_one_avatar(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    path = photo(tmp_path)
    barrier, made, errors = threading.Barrier(3), [], []

    def submit():
        try:
            barrier.wait()
            made.append(avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                                   file_path=path, submission_key="same").id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(made)) == 1
    assert len(avatars.list_avatars(studio.db, user_id=ana)) == 1
    assert credits.balance(studio.db, user_id=ana) == 98
    assert len(media_files(studio, ana, "avatars")) == 2  # the losers' files were removed


def test_a_refused_upload_costs_nothing_and_leaves_no_file(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    with pytest.raises(InvalidInput, match="the photo is 120x90 px; it must be at least 256 px on each side"):
        avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Tiny",
                                   file_path=photo(tmp_path, size=(120, 90)))
    gif = tmp_path / "a.gif"
    Image.new("P", (300, 300)).save(gif, format="GIF")
    with pytest.raises(InvalidInput, match="this file is a GIF"):
        avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Gif", file_path=gif)
    assert credits.balance(studio.db, user_id=ana) == 100
    assert ledger(studio, ana, "charge") == []
    assert media_files(studio, ana, "avatars") == []
    assert avatars.list_avatars(studio.db, user_id=ana) == []


@pytest.mark.parametrize("picture, refusal", [
    (photos.without_a_face, r"no face was found in the photo; use a photo where the face is clearly visible"),
    (photos.two_people, r"the photo shows 2 faces; use a photo of one person alone"),
    (photos.small_face, r"the face in the photo is only \d+ px across, too small .*use a closer photo"),
], ids=["no face", "two people", "tiny face"])
def test_a_photo_without_one_clear_face_is_refused_before_any_charge(studio, tmp_path, picture, refusal):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    with pytest.raises(InvalidInput, match=refusal):
        avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                   file_path=photo(tmp_path, picture=picture()), submission_key="click-1")
    assert credits.balance(studio.db, user_id=ana) == 100
    assert ledger(studio, ana, "charge") == []
    assert media_files(studio, ana, "avatars") == []
    assert avatars.list_avatars(studio.db, user_id=ana) == []
    # nothing was used up: the same click with a photo of one face goes through, charged once
    avatar = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me",
                                        file_path=photo(tmp_path, "good.jpg"), submission_key="click-1")
    assert avatar.id and credits.balance(studio.db, user_id=ana) == 98


def test_an_upload_without_enough_credits_keeps_nothing(studio, tmp_path):
    poor = user(studio, "poor", starter=1)
    project = projects.create_project(studio, user_id=poor, name="P")
    with pytest.raises(InsufficientCredits, match="costs 2 credits but your balance is 1"):
        avatars.create_from_upload(studio, user_id=poor, project_id=project.id, name="Me", file_path=photo(tmp_path))
    assert media_files(studio, poor, "avatars") == []
    assert avatars.list_avatars(studio.db, user_id=poor) == []
    assert credits.balance(studio.db, user_id=poor) == 1


# several photos at once ----------------------------------------------------------------

def test_several_photos_make_one_avatar_each_and_refused_ones_are_named_with_the_reason(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    notes = tmp_path / "notes.png"
    notes.write_text("shopping list: oat milk")
    files = [photo(tmp_path, "amira_smile.jpg"), notes, photo(tmp_path, "suit.jpg", picture=photos.without_a_face()),
             photo(tmp_path, "amira-side.jpg", size=(300, 420))]
    saved = avatars.create_from_uploads(studio, user_id=ana, project_id=project.id, file_paths=files,
                                        submission_key="press-1")
    assert [a.name for a in saved.made] == ["amira smile", "amira side"]
    assert [(r.file_name, r.reason.split(";")[0]) for r in saved.refused] == [
        ("notes.png", "this file is not a picture Pose Studio can read (or it is damaged)"),
        ("suit.jpg", "no face was found in the photo")]
    assert credits.balance(studio.db, user_id=ana) == 96  # the avatar.upload price, once per avatar made
    assert [c.amount for c in ledger(studio, ana, "charge")] == [-2, -2]
    assert len(media_files(studio, ana, "avatars")) == 4  # picture and thumbnail of each avatar made

    # The same press again (a double click, a retry): the same avatars, nothing charged twice.
    again = avatars.create_from_uploads(studio, user_id=ana, project_id=project.id, file_paths=files,
                                        submission_key="press-1")
    assert [a.id for a in again.made] == [a.id for a in saved.made]
    assert credits.balance(studio.db, user_id=ana) == 96
    assert len(avatars.list_avatars(studio.db, user_id=ana, project_id=project.id)) == 2


def test_a_name_numbers_the_avatars_and_the_same_photo_twice_is_made_once(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    one = photo(tmp_path, "a.jpg")
    copy = tmp_path / "copy of a.jpg"
    copy.write_bytes(one.read_bytes())
    saved = avatars.create_from_uploads(studio, user_id=ana, project_id=project.id, name="Amira",
                                        file_paths=[one, copy, photo(tmp_path, "b.jpg", size=(300, 420))],
                                        submission_key="press-2")
    assert [a.name for a in saved.made] == ["Amira 1", "Amira 3"]
    assert [(r.file_name, r.reason) for r in saved.refused] == [("copy of a.jpg", "the same photo as a.jpg, made once")]
    assert credits.balance(studio.db, user_id=ana) == 96
    single = avatars.create_from_uploads(studio, user_id=ana, project_id=project.id, name="Leila",
                                         file_paths=[photo(tmp_path, "c.jpg", size=(310, 400))], submission_key="k")
    assert [a.name for a in single.made] == ["Leila"]


def test_several_photos_are_refused_whole_before_any_work_when_the_upload_itself_is_wrong(studio, tmp_path):
    ana, ben = user(studio), user(studio, "ben")
    bens = projects.create_project(studio, user_id=ben, name="Ben's")
    one = photo(tmp_path)
    with pytest.raises(NotFound, match="project not found"):
        avatars.create_from_uploads(studio, user_id=ana, project_id=bens.id, file_paths=[one], submission_key="k")
    mine = projects.create_project(studio, user_id=ana, name="P")
    with pytest.raises(InvalidInput, match=f"you chose {avatars.MOST_PHOTOS + 1} photos; upload at most"):
        avatars.create_from_uploads(studio, user_id=ana, project_id=mine.id,
                                    file_paths=[one] * (avatars.MOST_PHOTOS + 1), submission_key="k")
    with pytest.raises(InvalidInput, match="choose at least one photo"):
        avatars.create_from_uploads(studio, user_id=ana, project_id=mine.id, file_paths=[], submission_key="k")
    assert credits.balance(studio.db, user_id=ana) == 100 and media_files(studio, ana, "avatars") == []


def test_photos_past_the_balance_are_refused_by_name_and_the_affordable_ones_made(studio, tmp_path):
    poor = user(studio, "poor", starter=3)
    project = projects.create_project(studio, user_id=poor, name="P")
    saved = avatars.create_from_uploads(studio, user_id=poor, project_id=project.id,
                                        file_paths=[photo(tmp_path, "a.jpg"), photo(tmp_path, "b.jpg", size=(300, 420))],
                                        submission_key="k")
    assert len(saved.made) == 1 and saved.refused[0].file_name == "b.jpg"
    assert "costs 2 credits but your balance is 1" in saved.refused[0].reason
    assert credits.balance(studio.db, user_id=poor) == 1 and len(media_files(studio, poor, "avatars")) == 2


# editing, usage, shipped content -------------------------------------------------------

def test_update_avatar_checks_each_field(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    other = projects.create_project(studio, user_id=ana, name="Q")
    avatar = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me", file_path=photo(tmp_path))
    updated = avatars.update_avatar(studio.db, user_id=ana, avatar_id=avatar.id, name="Amira", persona_age="27",
                                    hair_colour="black", persona_background="  runs  a label ", project_id=other.id)
    again = avatars.get_avatar(studio.db, user_id=ana, avatar_id=avatar.id)
    assert (again.name, again.persona_age, again.hair_colour, again.persona_background, again.project_id) == \
        ("Amira", 27, "black", "runs a label", other.id) == \
        (updated.name, updated.persona_age, updated.hair_colour, updated.persona_background, updated.project_id)
    for bad_age in (0, 121, "abc", 30.5, True):
        with pytest.raises(InvalidInput, match="the age must be a whole number from 1 to 120"):
            avatars.update_avatar(studio.db, user_id=ana, avatar_id=avatar.id, persona_age=bad_age)
    with pytest.raises(InvalidInput, match="hair colour is 41 characters long; keep it to 40"):
        avatars.update_avatar(studio.db, user_id=ana, avatar_id=avatar.id, hair_colour="x" * 41)
    with pytest.raises(InvalidInput, match="cannot change image_path"):
        avatars.update_avatar(studio.db, user_id=ana, avatar_id=avatar.id, image_path="u1/../../etc/passwd")
    with pytest.raises(InvalidInput, match="give the avatar a name"):
        avatars.update_avatar(studio.db, user_id=ana, avatar_id=avatar.id, name="")
    assert avatars.get_avatar(studio.db, user_id=ana, avatar_id=avatar.id).persona_age == 27


def test_delete_avatar_removes_its_files(studio, tmp_path):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    avatar = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me", file_path=photo(tmp_path))
    avatars.delete_avatar(studio, user_id=ana, avatar_id=avatar.id)
    assert media_files(studio, ana, "avatars") == []
    with pytest.raises(NotFound):
        avatars.get_avatar(studio.db, user_id=ana, avatar_id=avatar.id)


def test_record_usage_counts_uses_and_refuses_foreign_avatars(studio, tmp_path):
    ana, ben = user(studio, "ana"), user(studio, "ben")
    project = projects.create_project(studio, user_id=ana, name="P")
    avatar = avatars.create_from_upload(studio, user_id=ana, project_id=project.id, name="Me", file_path=photo(tmp_path))
    for poses in (3, 5):
        with studio.db.session() as s:
            avatars.record_usage(s, avatar_id=avatar.id, user_id=ana, generation_id=None, poses=poses)
    with pytest.raises(NotFound), studio.db.session() as s:
        avatars.record_usage(s, avatar_id=avatar.id, user_id=ben, generation_id=None, poses=1)
    used = avatars.get_avatar(studio.db, user_id=ana, avatar_id=avatar.id)
    assert used.usage_count == 2 and used.last_used_at is not None
    with studio.db.session() as s:
        assert sorted(u.poses for u in s.exec(select(AvatarUsage))) == [3, 5]


def test_shipped_personas_and_presets_are_listed_in_order(studio):
    personas = avatars.persona_examples(studio.db)
    presets = avatars.avatar_presets(studio.db)
    assert personas and presets
    assert [p.sort for p in personas] == sorted(p.sort for p in personas)
    assert [p.sort for p in presets] == sorted(p.sort for p in presets)
    assert all(p.persona and p.attributes for p in presets)


# avatar from words and from presets (tiny models) ---------------------------------------

def test_preview_from_words_draws_different_candidates_and_charges_once(studio, tiny_engine):
    ana = user(studio)
    candidates = avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES, count=3,
                                            seed=40, submission_key="w1")
    assert [c.seed for c in candidates] == [40, 41, 42]
    assert "woman" in candidates[0].prompt and "27 years old" in candidates[0].prompt
    media = studio.media
    pictures = [Image.open(media.absolute(c.image_path)) for c in candidates]
    assert all(p.size == (64, 64) for p in pictures)
    assert len({p.tobytes() for p in pictures}) == 3
    assert json.loads(pictures[0].text["parameters"])["seed"] == 40
    again = avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES, count=3,
                                       seed=40, submission_key="w1")
    assert again == candidates
    assert [e.amount for e in ledger(studio, ana, "charge")] == [-10]
    assert credits.balance(studio.db, user_id=ana) == 90


def test_an_edited_prompt_is_used_and_the_chosen_candidate_is_saved_for_free(studio, tiny_engine):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    edited = "a woman in a red coat, portrait photo"
    candidates = avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES,
                                            prompt=edited, negative_prompt="blurry", count=2, submission_key="w2")
    assert {c.prompt for c in candidates} == {edited} and candidates[0].negative_prompt == "blurry"
    chosen = candidates[1]
    kwargs = dict(user_id=ana, project_id=project.id, name="Amira", candidate_path=chosen.image_path,
                  persona=PERSONA, attributes=ATTRIBUTES, prompt=chosen.prompt,
                  negative_prompt=chosen.negative_prompt, seed=chosen.seed)
    avatar = avatars.save_candidate(studio, **kwargs)
    assert (avatar.source, avatar.prompt, avatar.seed, avatar.persona_name, avatar.persona_age, avatar.gender) == \
        ("generated", edited, chosen.seed, "Amira", 27, "woman")
    media = studio.media
    assert Image.open(media.absolute(avatar.image_path)).size == (64, 64)
    assert media_files(studio, ana, "candidates") == []  # the unchosen one is gone too
    assert avatars.save_candidate(studio, **kwargs).id == avatar.id  # a double click
    assert credits.balance(studio.db, user_id=ana) == 90
    ben = user(studio, "ben")
    ben_project = projects.create_project(studio, user_id=ben, name="B")
    with pytest.raises(NotFound, match="candidate picture was not found"):
        avatars.save_candidate(studio, **{**kwargs, "user_id": ben, "project_id": ben_project.id})


def test_preview_input_is_checked_before_charging(studio):
    ana = user(studio)
    with pytest.raises(InvalidInput, match="the age must be a whole number from 1 to 120"):
        avatars.preview_from_words(studio, user_id=ana, persona={**PERSONA, "age": 200}, attributes={},
                                   submission_key="k")
    with pytest.raises(InvalidInput, match="1 to 8 candidates"):
        avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes={}, count=9, submission_key="k")
    assert ledger(studio, ana, "charge") == []


def test_preset_avatar_charges_8_and_uses_the_presets_seed(studio, tiny_engine):
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    preset = avatars.avatar_presets(studio.db)[0]
    first = avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                       submission_key="p1")
    assert (first.source, first.preset_slug, first.seed, first.name) == ("preset", preset.slug, preset.seed, preset.name)
    assert first.persona_name == preset.persona["name"] and first.prompt
    assert avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                      submission_key="p1").id == first.id
    assert credits.balance(studio.db, user_id=ana) == 92
    second = avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                        submission_key="p2")
    media = studio.media
    assert Image.open(media.absolute(first.image_path)).tobytes() == \
        Image.open(media.absolute(second.image_path)).tobytes()
    assert credits.balance(studio.db, user_id=ana) == 84
    with pytest.raises(NotFound, match="avatar preset 'nope' not found"):
        avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug="nope", submission_key="p3")


class BrokenEngine:
    def __init__(self):
        from pipelines.presets import get_preset

        self.preset = get_preset("tiny")

    def generate_avatars(self, *args, **kwargs):
        raise RuntimeError("CUDA out of memory")


def test_a_failed_drawing_costs_nothing(studio, monkeypatch):
    monkeypatch.setattr(avatars.drawing, "engine_for", lambda studio, preset_key=None: BrokenEngine())
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    with pytest.raises(AvatarGenerationFailed, match="CUDA out of memory.*nothing was charged"):
        avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES, submission_key="f1")
    preset = avatars.avatar_presets(studio.db)[0]
    with pytest.raises(AvatarGenerationFailed, match="nothing was charged"):
        avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                   submission_key="f2")
    assert credits.balance(studio.db, user_id=ana) == 100
    assert [e for e in ledger(studio, ana) if e.kind in ("charge", "refund")] == []
    assert media_files(studio, ana, "candidates") == [] and media_files(studio, ana, "avatars") == []
    assert avatars.list_avatars(studio.db, user_id=ana) == []


class ProcessKilled(BaseException):
    """Stands for the process dying (SIGKILL, power loss): no ``except Exception`` catches it."""


@pytest.mark.parametrize("crash_at", ["drawing", "saving", "charging"])
def test_no_crash_point_loses_credits(studio, tiny_engine, monkeypatch, crash_at):
    """The process dies at each point of a drawing from words and from a preset: the creator
    either has what they paid for, or paid nothing; the same click again then completes once."""
    ana = user(studio)
    project = projects.create_project(studio, user_id=ana, name="P")
    preset = avatars.avatar_presets(studio.db)[0]
    engine = engine_for(studio)
    target = {"drawing": (engine, "generate_avatars"), "saving": (avatars.drawing, "save_png_at"),
              "charging": (credits, "post")}[crash_at]
    original = getattr(*target)

    def die(*args, **kwargs):
        if crash_at != "charging" or kwargs.get("kind") == LedgerKind.charge:
            raise ProcessKilled()
        return original(*args, **kwargs)

    monkeypatch.setattr(*target, die)
    with pytest.raises(ProcessKilled):
        avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES, submission_key="w")
    with pytest.raises(ProcessKilled):
        avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                   submission_key="p")
    assert credits.balance(studio.db, user_id=ana) == 100
    assert [e for e in ledger(studio, ana) if e.kind == "charge"] == []
    assert avatars.list_avatars(studio.db, user_id=ana) == []

    monkeypatch.setattr(*target, original)  # the studio restarts; the creator clicks again
    candidates = avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES,
                                            submission_key="w")
    avatar = avatars.create_from_preset(studio, user_id=ana, project_id=project.id, preset_slug=preset.slug,
                                        submission_key="p")
    assert len(candidates) == 4 and avatar.image_path
    assert credits.balance(studio.db, user_id=ana) == 100 - 10 - 8
    assert sorted(e.amount for e in ledger(studio, ana) if e.kind == "charge") == [-10, -8]


def test_a_drawing_is_not_started_without_the_credits_for_it(studio, tiny_engine, monkeypatch):
    ana = user(studio, starter=5)
    drawn = []
    monkeypatch.setattr(engine_for(studio), "generate_avatars", lambda *a, **k: drawn.append(1))
    with pytest.raises(InsufficientCredits, match="costs 10 credits but your balance is 5"):
        avatars.preview_from_words(studio, user_id=ana, persona=PERSONA, attributes=ATTRIBUTES, submission_key="x")
    assert drawn == [] and credits.balance(studio.db, user_id=ana) == 5
