"""History's listing on SQLite and PostgreSQL: each batch with its avatar and poses, filtered by
project, avatar, status and preset, sorted; only the creator's own batches, whatever the filter names."""

from __future__ import annotations

import pytest
from sqlmodel import select

from studio.db.tables import Avatar, AvatarProject, Pose
from studio.jobs import worker
from studio.services import avatars, generations, history
from studio.services.errors import InvalidInput, NotFound
from studio.services.history import BatchFilter
from tests.services.test_generations import RecordingQueue, make_avatar, make_user, request


def second_avatar(studio, user_id: int, *, project: str, name: str) -> int:
    """Another avatar in a project of its own (the picture is make_avatar's)."""
    with studio.db.session() as session:
        first = session.exec(select(Avatar).where(Avatar.user_id == user_id)).first()
        folder = AvatarProject(user_id=user_id, name=project)
        session.add(folder)
        session.flush()
        avatar = Avatar(user_id=user_id, project_id=folder.id, name=name, source="uploaded",
                        image_path=first.image_path)
        session.add(avatar)
        session.flush()
        return avatar.id


def pose_names(studio, ids) -> list[str]:
    with studio.db.session() as session:
        return [session.get(Pose, i).name for i in ids]


def ids_of(batches) -> list[int]:
    return [b.id for b in batches]


@pytest.fixture
def shelf(studio, tiny_engine):
    """Ana: batch a1 (avatar "Ana", project "p", 2 poses, completed), a2 (avatar "Bea", project
    "Autumn", 1 pose, cancelled), a3 (avatar "Bea", 3 poses, still queued). Ben: one batch of his own."""
    from tests.services.test_generations import library_poses

    studio.queue = RecordingQueue()
    ana = make_user(studio, "ana", 1000)
    first = make_avatar(studio, ana)
    bea = second_avatar(studio, ana, project="Autumn", name="Bea")
    poses = library_poses(studio, 3)
    a1 = generations.submit(studio, user_id=ana, request=request(first, poses[:2]))
    assert worker.process_generation(studio, a1.id) == "completed"
    a2 = generations.submit(studio, user_id=ana, request=request(bea, poses[:1]))
    generations.cancel(studio, user_id=ana, generation_id=a2.id)
    a3 = generations.submit(studio, user_id=ana, request=request(bea, poses))
    ben = make_user(studio, "ben", 1000)
    b1 = generations.submit(studio, user_id=ben, request=request(make_avatar(studio, ben), poses[:1]))
    return dict(ana=ana, ben=ben, first=first, bea=bea, poses=poses, a1=a1.id, a2=a2.id, a3=a3.id, b1=b1.id)


def test_each_batch_names_its_avatar_project_and_poses(studio, shelf):
    listed = {b.id: b for b in history.list_batches(studio.db, user_id=shelf["ana"])}
    assert list(listed) == [shelf["a3"], shelf["a2"], shelf["a1"]]  # newest first
    done = listed[shelf["a1"]]
    assert (done.avatar_name, done.project_name, done.status, done.done_items) == ("Ana", "p", "completed", 2)
    assert done.avatar_thumbnail and done.pose_names == tuple(pose_names(studio, shelf["poses"][:2]))
    assert listed[shelf["a3"]].pose_count == 3 and listed[shelf["a3"]].avatar_name == "Bea"


def test_filters_narrow_and_sorts_order_on_the_server(studio, shelf):
    ana = shelf["ana"]

    def listed(**wanted):
        return ids_of(history.list_batches(studio.db, user_id=ana, wanted=BatchFilter(**wanted)))

    with studio.db.session() as session:
        autumn = session.get(Avatar, shelf["bea"]).project_id
    assert listed(project_id=autumn) == [shelf["a3"], shelf["a2"]]
    assert listed(avatar_id=shelf["first"]) == [shelf["a1"]]
    assert listed(status="done") == [shelf["a1"]]
    assert listed(status="cancelled") == [shelf["a2"]]
    assert listed(status="running") == [shelf["a3"]]  # queued counts as running: not finished yet
    assert listed(status="failed") == []
    assert listed(preset_key="tiny") == [shelf["a3"], shelf["a2"], shelf["a1"]]
    assert listed(preset_key="pro") == []
    assert listed(sort="oldest") == [shelf["a1"], shelf["a2"], shelf["a3"]]
    assert listed(sort="most pictures")[0] == shelf["a1"]  # the only one with pictures
    assert listed(project_id=autumn, status="cancelled", sort="oldest") == [shelf["a2"]]

    choices = history.filter_choices(studio.db, user_id=ana, project_id=autumn)
    assert choices.avatars == (("Bea", shelf["bea"]),) and choices.presets == ("tiny",)
    assert {name for name, _ in choices.projects} == {"p", "Autumn"}


def test_a_filter_naming_another_creators_rows_shows_nothing_of_theirs(studio, shelf):
    ben = shelf["ben"]
    assert ids_of(history.list_batches(studio.db, user_id=ben)) == [shelf["b1"]]
    with studio.db.session() as session:
        anas_project = session.get(Avatar, shelf["first"]).project_id
    with pytest.raises(NotFound, match="avatar not found"):
        history.list_batches(studio.db, user_id=ben, wanted=BatchFilter(avatar_id=shelf["first"]))
    with pytest.raises(NotFound, match="project not found"):
        history.list_batches(studio.db, user_id=ben, wanted=BatchFilter(project_id=anas_project))
    with pytest.raises(NotFound, match="project not found"):
        history.filter_choices(studio.db, user_id=ben, project_id=anas_project)
    assert history.filter_choices(studio.db, user_id=ben).avatars == (("Ana", avatars.list_avatars(
        studio.db, user_id=ben)[0].id),)  # his own avatar (make_avatar names every one "Ana")


@pytest.mark.parametrize("wanted, refusal", [
    (BatchFilter(status="lost"), "Status: choose one of done, failed, cancelled, running"),
    (BatchFilter(sort="prettiest"), "Sort: choose one of newest, oldest, most pictures"),
    (BatchFilter(preset_key=["tiny"]), "Preset: choose one of the presets"),
    (BatchFilter(avatar_id="1 OR 1=1"), "avatar not found"),
    (BatchFilter(project_id=2**40), "project not found"),
])
def test_a_filter_value_no_menu_offers_is_refused_in_words(studio, shelf, wanted, refusal):
    with pytest.raises((InvalidInput, NotFound), match=refusal):
        history.list_batches(studio.db, user_id=shelf["ana"], wanted=wanted)


def test_a_batch_keeps_its_place_when_its_avatar_is_deleted(studio, shelf):
    avatars.delete_avatar(studio, user_id=shelf["ana"], avatar_id=shelf["first"])
    kept = next(b for b in history.list_batches(studio.db, user_id=shelf["ana"]) if b.id == shelf["a1"])
    assert (kept.avatar_id, kept.avatar_name, kept.project_name, kept.pose_count) == (None, "", "", 2)
