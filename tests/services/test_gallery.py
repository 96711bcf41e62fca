"""The pose gallery: exact filters, search, sorting, pages, favourites, and who sees what.

Every test builds its own small set of poses in categories of its own (slugs starting
"t-"), so the assertions are exact whether or not the shipped library is seeded too.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from studio.db.seed import pose_search_text
from studio.db.tables import Pose, PoseCategory, PoseFavourite
from studio.db.types import utcnow
from studio.services import access, my_poses, poses, users
from studio.services.errors import InvalidInput, NotFound
from studio.services.poses import PoseQuery

STANDING = {"aspect": 0.75, "body": [
    [0.5, 0.12, 1], [0.5, 0.22, 1], [0.4, 0.22, 1], [0.37, 0.37, 1], [0.36, 0.5, 1], [0.6, 0.22, 1],
    [0.63, 0.37, 1], [0.64, 0.5, 1], [0.45, 0.52, 1], [0.45, 0.7, 1], [0.45, 0.88, 1], [0.55, 0.52, 1],
    [0.55, 0.7, 1], [0.55, 0.88, 1], [0.48, 0.1, 1], [0.52, 0.1, 1], [0.46, 0.11, 1], [0.54, 0.11, 1]]}

# name, category, difficulty, gender, framing, featured, tags, use_count, favourite_count, age (days)
LIBRARY = [
    ("Power Stance", "t-casual", "beginner", "unisex", "full_body", True, ["confident", "zqx"], 50, 3, 5),
    ("Hands on Hips", "t-casual", "intermediate", "female", "full_body", False, ["sassy", "zqx"], 50, 9, 4),
    ("Crossed Arms", "t-formal", "beginner", "male", "half_body", False, ["business", "zqx"], 10, 0, 3),
    ("Leaning Back", "t-chair", "advanced", "unisex", "three_quarter", True, ["relaxed", "zqx"], 99, 1, 2),
    ("Chin on Hand", "t-chair", "intermediate", "female", "headshot", False, ["thoughtful", "zqx"], 0, 0, 1),
    ("Arms Crossed Smile", "t-standing", "beginner", "unisex", "half_body", False, ["arms-crossed", "zqx"], 1, 0, 6),
]


def _category(session, slug, name, parent=None, sort=0):
    row = PoseCategory(slug=slug, name=name, parent_id=parent.id if parent else None, sort=sort)
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def gallery(studio):
    ana = users.get_or_create(studio.db, name="ana")
    ben = users.get_or_create(studio.db, name="ben")
    now = utcnow()
    with studio.db.session() as s:
        standing = _category(s, "t-standing", "Test standing", sort=-2)
        cats = {
            "t-standing": standing,
            "t-casual": _category(s, "t-casual", "Casual", standing),
            "t-formal": _category(s, "t-formal", "Formal", standing),
            "t-sitting": (sitting := _category(s, "t-sitting", "Test sitting", sort=-1)),
            "t-chair": _category(s, "t-chair", "Chair", sitting),
        }
        ids = {}
        for name, cat, diff, gender, framing, featured, tags, uses, favs, age in LIBRARY:
            pose = Pose(slug="t-" + name.lower().replace(" ", "-"), name=name, description=f"{name} pose",
                        category_id=cats[cat].id, keypoints=STANDING, framing=framing, difficulty=diff,
                        gender=gender, tags=tags, featured=featured,
                        search_text=pose_search_text(name, f"{name} pose", tags), use_count=uses,
                        favourite_count=favs, created_at=now - timedelta(days=age))
            s.add(pose)
            s.flush()
            ids[name] = pose.id
    ids["Ana Secret"] = my_poses.create_pose(studio, user_id=ana.id, name="Ana Secret", keypoints_json=STANDING,
                                             category_slug="t-casual", tags=["zqx"]).id
    ids["Ben Secret"] = my_poses.create_pose(studio, user_id=ben.id, name="Ben Secret", keypoints_json=STANDING,
                                             category_slug="t-casual", tags=["zqx"]).id
    return studio, ana, ben, ids


def names(page):
    return [card.name for card in page.items]


def listing(studio, user, **kw):
    return poses.list_poses(studio.db, user_id=user.id, query=PoseQuery(**kw))


def test_parent_category_includes_its_children(gallery):
    studio, ana, _, _ = gallery
    page = listing(studio, ana, category="t-standing", sort="name")
    assert names(page) == ["Ana Secret", "Arms Crossed Smile", "Crossed Arms", "Hands on Hips", "Power Stance"]
    assert page.total == 5 and page.pages == 1
    assert names(listing(studio, ana, category="t-formal")) == ["Crossed Arms"]
    assert names(listing(studio, ana, category="t-sitting", sort="name")) == ["Chin on Hand", "Leaning Back"]


def test_unknown_category_lists_nothing(gallery):
    studio, ana, _, _ = gallery
    page = listing(studio, ana, category="no-such-category")
    assert page.items == [] and page.total == 0


def test_filters_are_exact_and_combine(gallery):
    studio, ana, _, _ = gallery
    assert names(listing(studio, ana, search="zqx", difficulty="intermediate", sort="name")) == \
        ["Chin on Hand", "Hands on Hips"]
    assert names(listing(studio, ana, search="zqx", gender="female", sort="name")) == \
        ["Chin on Hand", "Hands on Hips"]
    assert names(listing(studio, ana, search="zqx", framing="half_body", sort="name")) == \
        ["Arms Crossed Smile", "Crossed Arms"]
    assert names(listing(studio, ana, search="zqx", featured=True, sort="name")) == ["Leaning Back", "Power Stance"]
    assert names(listing(studio, ana, category="t-standing", gender="unisex", difficulty="beginner",
                         sort="name")) == ["Ana Secret", "Arms Crossed Smile", "Power Stance"]
    assert names(listing(studio, ana, mine_only=True)) == ["Ana Secret"]


def test_bad_filter_values_are_refused_by_name():
    with pytest.raises(InvalidInput, match="difficulty"):
        PoseQuery(difficulty="expert")
    with pytest.raises(InvalidInput, match="sort"):
        PoseQuery(sort="random")
    with pytest.raises(InvalidInput, match="per_page"):
        PoseQuery(per_page=97)
    with pytest.raises(InvalidInput, match="page"):
        PoseQuery(page=0)


def test_search_any_case_any_word_order_every_word_must_match(gallery):
    studio, ana, _, _ = gallery
    # "zqx" (a tag only the test poses carry) keeps the shipped library out of the answers.
    assert names(listing(studio, ana, search="ARMS crossed zqx", sort="name")) == \
        ["Arms Crossed Smile", "Crossed Arms"]
    assert names(listing(studio, ana, search="Zqx crossed ARMS", sort="name")) == \
        ["Arms Crossed Smile", "Crossed Arms"]
    assert names(listing(studio, ana, search="zqx smile crossed arms")) == ["Arms Crossed Smile"]
    assert names(listing(studio, ana, search="business zqx")) == ["Crossed Arms"]  # a tag
    assert names(listing(studio, ana, search="  Thoughtful!  zqx")) == ["Chin on Hand"]
    assert names(listing(studio, ana, search="hips pose zqx")) == ["Hands on Hips"]  # the description
    assert names(listing(studio, ana, search="crossed arms kneeling zqx")) == []
    # Punctuation separates words: "arms-crossed" finds the same as "arms crossed".
    assert names(listing(studio, ana, search="arms-crossed zqx", sort="name")) == \
        ["Arms Crossed Smile", "Crossed Arms"]


@pytest.mark.parametrize("text", ["!!!", "  -- ", "%", "_", "%_%", "'\"", "*?"])
def test_punctuation_only_search_finds_nothing(gallery, text):
    studio, ana, _, _ = gallery
    page = listing(studio, ana, search=text)
    assert page.items == [] and page.total == 0


def test_search_wildcards_are_not_wildcards(gallery):
    studio, ana, _, _ = gallery
    assert names(listing(studio, ana, search="zqx%")) == names(listing(studio, ana, search="zqx"))
    assert listing(studio, ana, search="qzx").total == 0


def test_sorting(gallery):
    studio, ana, _, _ = gallery
    lib = dict(category="t-sitting")
    assert names(listing(studio, ana, **lib, sort="popular")) == ["Leaning Back", "Chin on Hand"]
    # popular: use_count desc, then favourite_count desc, then name
    assert names(listing(studio, ana, category="t-casual", sort="popular")) == \
        ["Hands on Hips", "Power Stance", "Ana Secret"]
    assert names(listing(studio, ana, search="zqx", sort="newest"))[:3] == ["Ana Secret", "Chin on Hand",
                                                                            "Leaning Back"]
    assert names(listing(studio, ana, search="zqx", sort="name")) == [
        "Ana Secret", "Arms Crossed Smile", "Chin on Hand", "Crossed Arms", "Hands on Hips", "Leaning Back",
        "Power Stance"]


def test_pagination_covers_everything_once(gallery):
    studio, ana, _, _ = gallery
    pages = [listing(studio, ana, search="zqx", sort="name", per_page=3, page=n) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert [p.pages for p in pages] == [3, 3, 3, 3]
    assert [len(p.items) for p in pages] == [3, 3, 1, 0]
    seen = [n for p in pages for n in names(p)]
    assert seen == names(listing(studio, ana, search="zqx", sort="name"))


def test_another_creators_pose_is_invisible(gallery):
    studio, ana, ben, ids = gallery
    assert "Ben Secret" not in names(listing(studio, ana, search="zqx", per_page=96))
    assert "Ben Secret" not in names(listing(studio, ana, search="ben secret"))
    assert names(listing(studio, ben, search="secret")) == ["Ben Secret"]
    with pytest.raises(NotFound):
        poses.get_pose(studio.db, user_id=ana.id, pose_id=ids["Ben Secret"])
    with pytest.raises(NotFound):
        poses.toggle_favourite(studio.db, user_id=ana.id, pose_id=ids["Ben Secret"])
    with pytest.raises(NotFound):
        poses.preview_file(studio, user_id=ana.id, pose_id=ids["Ben Secret"])
    assert poses.get_pose(studio.db, user_id=ana.id, pose_id=ids["Power Stance"]).name == "Power Stance"
    with studio.db.session() as session:
        visible = access.visible_poses(session, user_id=ana.id, pose_ids=[
            ids["Power Stance"], ids["Ben Secret"], ids["Ana Secret"], 10**9])
    assert set(visible) == {ids["Power Stance"], ids["Ana Secret"]}
    with pytest.raises(NotFound, match="1 of the chosen poses"):
        poses.poses_for_batch(studio.db, user_id=ana.id, pose_ids=[ids["Power Stance"], ids["Ben Secret"]])
    batch = poses.poses_for_batch(studio.db, user_id=ana.id,
                                  pose_ids=[ids["Ana Secret"], ids["Power Stance"], ids["Ana Secret"]])
    assert [p.name for p in batch] == ["Ana Secret", "Power Stance", "Ana Secret"]


def test_cards_say_mine_and_category(gallery):
    studio, ana, _, _ = gallery
    cards = {c.name: c for c in listing(studio, ana, category="t-casual").items}
    assert cards["Ana Secret"].is_mine and not cards["Power Stance"].is_mine
    assert cards["Power Stance"].category == "t-casual" and cards["Power Stance"].category_name == "Casual"
    assert cards["Power Stance"].tags == ("confident", "zqx") and cards["Power Stance"].featured


def test_favourites_toggle_count_and_filter_per_user(gallery):
    studio, ana, ben, ids = gallery
    pid = ids["Crossed Arms"]
    assert poses.toggle_favourite(studio.db, user_id=ana.id, pose_id=pid) is True
    assert poses.toggle_favourite(studio.db, user_id=ben.id, pose_id=pid) is True
    assert poses.toggle_favourite(studio.db, user_id=ana.id, pose_id=ids["Ana Secret"]) is True
    assert names(listing(studio, ana, favourites_only=True, sort="name")) == ["Ana Secret", "Crossed Arms"]
    assert names(listing(studio, ben, favourites_only=True)) == ["Crossed Arms"]
    card = next(c for c in listing(studio, ana, category="t-formal").items)
    assert card.is_favourite and card.favourite_count == 2
    assert poses.toggle_favourite(studio.db, user_id=ana.id, pose_id=pid) is False
    assert names(listing(studio, ana, favourites_only=True)) == ["Ana Secret"]
    card = next(c for c in listing(studio, ben, category="t-formal").items)
    assert card.is_favourite and card.favourite_count == 1
    assert poses.toggle_favourite(studio.db, user_id=ben.id, pose_id=pid) is False
    assert poses.get_pose(studio.db, user_id=ben.id, pose_id=pid).favourite_count == 0


def test_favourite_count_matches_rows_under_concurrent_toggles(gallery):
    studio, _, _, ids = gallery
    pid = ids["Leaning Back"]
    people = [users.get_or_create(studio.db, name=f"fan{i}") for i in range(4)]
    barrier = threading.Barrier(len(people) * 2)
    errors: list[BaseException] = []

    def click(user_id):
        try:
            barrier.wait()
            for _ in range(3):  # odd number: each user ends as a favourite
                poses.toggle_favourite(studio.db, user_id=user_id, pose_id=pid)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=click, args=(u.id,)) for u in people for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with studio.db.session() as s:
        rows = len(s.exec(select(PoseFavourite).where(PoseFavourite.pose_id == pid)).all())
        count = s.get(Pose, pid).favourite_count
    assert count == 1 + rows  # it started at 1


def test_category_tree_counts(gallery):
    studio, ana, ben, _ = gallery
    tree = {n.slug: n for n in poses.categories(studio.db, user_id=ana.id)}
    standing = tree["t-standing"]
    assert [c.slug for c in standing.children] == ["t-casual", "t-formal"]
    kids = {c.slug: c.count for c in standing.children}
    assert kids == {"t-casual": 3, "t-formal": 1}  # casual: 2 library + Ana's own, not Ben's
    assert standing.count == 5  # one pose sits on the parent itself
    assert tree["t-sitting"].count == 2
    library_only = {n.slug: n for n in poses.categories(studio.db)}
    assert library_only["t-standing"].count == 4


def test_preview_file_is_drawn_and_cached(gallery):
    studio, ana, _, ids = gallery
    first = poses.preview_file(studio, user_id=ana.id, pose_id=ids["Power Stance"])
    assert first.exists() and first.is_relative_to(studio.settings.previews_dir)
    assert poses.preview_file(studio, user_id=ana.id, pose_id=ids["Power Stance"]) == first


def test_record_use_counts_each_use(gallery):
    studio, ana, _, ids = gallery
    with studio.db.session() as s:
        poses.record_use(s, pose_ids=[ids["Chin on Hand"], ids["Chin on Hand"], ids["Crossed Arms"]])
    assert poses.get_pose(studio.db, user_id=ana.id, pose_id=ids["Chin on Hand"]).use_count == 2
    assert poses.get_pose(studio.db, user_id=ana.id, pose_id=ids["Crossed Arms"]).use_count == 11


def test_shipped_library_is_listed(studio):
    ana = users.get_or_create(studio.db, name="ana")
    with studio.db.session() as s:
        library = len(s.exec(select(Pose.id).where(Pose.owner_id.is_(None))).all())
    assert library >= 200, "the shipped pose library must be seeded"
    page = poses.list_poses(studio.db, user_id=ana.id, query=PoseQuery(per_page=96))
    assert page.total == library and len(page.items) == min(96, library)
    tree = poses.categories(studio.db)
    assert sum(n.count for n in tree) == library
    for node in tree:
        assert listing(studio, ana, category=node.slug).total == node.count
    some = page.items[0]
    word = some.name.split()[0]
    found = listing(studio, ana, search=word.upper(), per_page=96)
    assert some.id in {c.id for c in found.items} or found.total > 96
