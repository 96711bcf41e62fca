"""Export formats: exact sizes and types, the person kept whole, ZIPs and re-exports."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from pipelines.framing import crop_window, person_box
from pipelines.keypoints import JOINT, Keypoints
from pipelines.skeleton import POSE_MARGIN, fit_transform
from studio.db.tables import Avatar, AvatarProject, Generation, GenerationItem
from studio.media import MediaStore
from studio.services import exports, users
from studio.services.errors import InvalidInput, NotFound
from studio.services.exports import EXPORT_FORMATS

STANDING = {"aspect": 0.75, "body": [
    [0.50, 0.10, 1], [0.50, 0.20, 1], [0.40, 0.20, 1], [0.36, 0.35, 1], [0.33, 0.50, 1], [0.60, 0.20, 1],
    [0.64, 0.35, 1], [0.67, 0.50, 1], [0.45, 0.50, 1], [0.45, 0.70, 1], [0.45, 0.90, 1], [0.55, 0.50, 1],
    [0.55, 0.70, 1], [0.55, 0.90, 1], [0.48, 0.08, 1], [0.52, 0.08, 1], [0.46, 0.09, 1], [0.54, 0.09, 1]]}
# Lying on the floor, head to the left: wide, flat figure.
LYING = {"aspect": 1.5, "body": [
    [0.12, 0.50, 1], [0.22, 0.52, 1], [0.22, 0.44, 1], [0.32, 0.42, 1], [0.42, 0.44, 1], [0.22, 0.60, 1],
    [0.32, 0.62, 1], [0.42, 0.60, 1], [0.50, 0.48, 1], [0.68, 0.48, 1], [0.86, 0.48, 1], [0.50, 0.56, 1],
    [0.68, 0.56, 1], [0.86, 0.56, 1], [0.10, 0.48, 1], [0.10, 0.53, 1], [0.11, 0.46, 0], [0.11, 0.55, 0]]}
MARKERS = {"nose": (255, 0, 0), "right_ankle": (0, 255, 0), "left_ankle": (0, 0, 255), "right_wrist": (255, 0, 255),
           "left_wrist": (0, 255, 255)}


def marked_picture(keypoints_json, size):
    """A grey picture with a coloured disc where each marked joint lands (the engine's fit)."""
    image = Image.new("RGB", size, (128, 128, 128))
    keypoints = Keypoints.from_json(keypoints_json)
    fit = fit_transform(keypoints, *size, POSE_MARGIN)
    draw = ImageDraw.Draw(image)
    radius = max(size) // 40
    for joint, colour in MARKERS.items():
        x, y = fit.apply(*keypoints.body[JOINT[joint]][:2])
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    return image


def centroids(image) -> dict[str, tuple[float, float]]:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    found = {}
    for joint, colour in MARKERS.items():
        hit = np.all(np.abs(pixels - np.array(colour)) < 40, axis=-1)
        ys, xs = np.nonzero(hit)
        if len(xs) > 3:
            found[joint] = (xs.mean(), ys.mean())
    return found


@pytest.mark.parametrize("key", list(EXPORT_FORMATS))
def test_every_format_has_its_exact_size_and_type(key):
    fmt = EXPORT_FORMATS[key]
    source = marked_picture(STANDING, (512, 768))
    data = exports.export_bytes(source, STANDING, fmt)
    opened = Image.open(io.BytesIO(data))
    assert opened.format == fmt.image_format
    assert opened.size == ((fmt.width, fmt.height) if fmt.width else source.size)
    if fmt.dpi:
        assert tuple(round(v) for v in opened.info["dpi"]) == (300, 300)


def test_the_registry_is_the_design_table():
    table = {k: (f.width, f.height, f.image_format) for k, f in EXPORT_FORMATS.items()}
    assert table == {
        "instagram_story": (1080, 1920, "JPEG"), "instagram_feed": (1080, 1080, "JPEG"),
        "instagram_portrait": (1080, 1350, "JPEG"), "tiktok": (1080, 1920, "JPEG"),
        "shopee": (1000, 1000, "JPEG"), "tokopedia": (1200, 1200, "JPEG"), "lazada": (1000, 1000, "JPEG"),
        "print_a4": (2480, 3508, "PNG"), "print_4x6": (1800, 1200, "PNG"), "facebook": (1200, 630, "JPEG"),
        "twitter": (1200, 675, "JPEG"), "linkedin": (1200, 627, "JPEG"), "original": (None, None, "PNG"),
    }


def test_an_unknown_format_is_refused_with_the_valid_keys():
    with pytest.raises(InvalidInput, match="unknown export format 'pinterest'; choose from instagram_story, .*linkedin"):
        exports.render_export(Image.new("RGB", (64, 64)), None, "pinterest")


@pytest.mark.parametrize("pose, size, key, centre_crop_cuts", [
    (STANDING, (512, 768), "facebook", True),  # tall figure into a wide banner
    (STANDING, (512, 768), "instagram_feed", True),
    (STANDING, (512, 768), "print_4x6", True),
    (LYING, (512, 768), "print_a4", False),
    (STANDING, (768, 512), "instagram_story", False),  # tall figure, landscape picture, tall story
    (LYING, (512, 768), "instagram_story", False),
    (LYING, (768, 512), "linkedin", False),
])
def test_the_whole_person_stays_in_the_crop_without_stretching(pose, size, key, centre_crop_cuts):
    fmt = EXPORT_FORMATS[key]
    source = marked_picture(pose, size)
    naive = centroids(ImageOps.fit(source, (fmt.width, fmt.height), Image.Resampling.LANCZOS))
    # the cases that matter: a plain centre crop would cut part of the person off
    assert (set(naive) != set(MARKERS)) == centre_crop_cuts
    before, after = centroids(source), centroids(exports.render_export(source, pose, key))
    assert set(after) == set(MARKERS)
    # one scale for both axes: distances grow by the same factor across and down
    (ax, ay), (bx, by) = before["nose"], before["right_ankle"]
    (cx, cy), (dx, dy) = after["nose"], after["right_ankle"]
    (ex, _), (fx, _) = before["right_wrist"], before["left_wrist"]
    (gx, _), (hx, _) = after["right_wrist"], after["left_wrist"]
    scale_down = abs(dy - cy) / abs(by - ay) if abs(by - ay) > 20 else None
    scale_across = abs(hx - gx) / abs(fx - ex) if abs(fx - ex) > 20 else abs(dx - cx) / abs(bx - ax)
    if scale_down:
        assert scale_down == pytest.approx(scale_across, rel=0.04)


def test_the_crop_follows_the_person_not_the_picture_centre():
    # A wide picture with the pose mapped by the engine's fit: the crop window must hold the
    # padded person box, and sit inside the picture when it can.
    box = person_box((1024, 512), STANDING)
    x0, y0, x1, y1 = crop_window((1024, 512), 1.0, box)
    assert x0 <= box[0] and x1 >= box[2] and y0 <= box[1] and y1 >= box[3]
    assert 0 <= x0 and x1 <= 1024 and 0 <= y0 and y1 <= 512
    assert x1 - x0 == pytest.approx(y1 - y0)
    # the padding above the eyes is larger than below the ankles (hair and the crown of the head)
    fit = fit_transform(Keypoints.from_json(STANDING), 1024, 512, POSE_MARGIN)
    eyes_y = fit.apply(*STANDING["body"][JOINT["right_eye"]][:2])[1]
    ankle_y = fit.apply(*STANDING["body"][JOINT["right_ankle"]][:2])[1]
    assert eyes_y - box[1] > box[3] - ankle_y > 0


def test_without_keypoints_exports_fall_back_to_a_centre_crop():
    source = Image.new("RGB", (768, 512), (128, 128, 128))
    ImageDraw.Draw(source).ellipse([364, 236, 404, 276], fill=(255, 0, 0))
    for missing in (None, {}, {"body": [[0.5, 0.5, 1]]}):
        out = exports.render_export(source, missing, "instagram_feed")
        assert out.size == (1080, 1080)
        r, g, b = out.getpixel((540, 540))
        assert r > 200 and g < 60
    assert crop_window((768, 512), 1.0, None) == (128.0, 0.0, 640.0, 512.0)


def test_save_exports_writes_every_format_or_nothing(tmp_path):
    media = MediaStore(tmp_path / "media")
    source = marked_picture(STANDING, (512, 768))
    paths = exports.save_exports(media, user_id=3, image=source, keypoints_json=STANDING,
                                 format_keys=["tiktok", "print_4x6", "tiktok", "original"])
    assert list(paths) == ["tiktok", "print_4x6", "original"]
    assert Image.open(media.absolute(paths["tiktok"])).format == "JPEG"
    assert Image.open(media.absolute(paths["print_4x6"])).size == (1800, 1200)
    assert Image.open(media.absolute(paths["original"])).size == (512, 768)
    assert all(p.startswith("u3/exports/") for p in paths.values())
    with pytest.raises(InvalidInput, match="unknown export format 'nope'"):
        exports.save_exports(media, user_id=4, image=source, keypoints_json=None, format_keys=["tiktok", "nope"])
    assert not (media.root / "u4").exists()


# a generation on the database ----------------------------------------------------------

@pytest.fixture
def finished_batch(studio):
    """A generation of three items (two finished, one failed) with instagram_feed + facebook chosen;
    the second item's facebook export was never written."""
    ana = users.get_or_create(studio.db, name="ana").id
    media = MediaStore(studio.settings.media_dir)
    with studio.db.session() as s:
        project = AvatarProject(user_id=ana, name="P")
        s.add(project)
        s.flush()
        avatar = Avatar(user_id=ana, project_id=project.id, name="Amira", source="uploaded")
        s.add(avatar)
        s.flush()
        generation = Generation(user_id=ana, avatar_id=avatar.id, preset_key="tiny", submission_key="z1",
                                status="partial", export_formats=["instagram_feed", "facebook"],
                                params={"prompt": "a woman in a red coat", "seed": 7, "steps": 2})
        s.add(generation)
        s.flush()
        items = []
        for position, (pose, variation, status) in enumerate([("Power Stance", 0, "completed"),
                                                              ("Power Stance", 1, "completed"),
                                                              ("Jump!", 0, "failed")]):
            item = GenerationItem(generation_id=generation.id, pose_name=pose, variation=variation,
                                  resume_key=f"p{position}", seed=7 + position, position=position, status=status,
                                  keypoints=STANDING if position == 0 else {})
            if status == "completed":
                image = marked_picture(STANDING, (64, 96))
                item.image_path = media.save_png(ana, "outputs", image)
                chosen = ["instagram_feed", "facebook"] if position == 0 else ["instagram_feed"]
                item.exports = exports.save_exports(media, user_id=ana, image=image, keypoints_json=STANDING,
                                                    format_keys=chosen)
            else:
                item.error = "out of memory"
            s.add(item)
            items.append(item)
        s.flush()
    return studio, ana, generation.id, [i.id for i in items]


def test_the_zip_holds_every_finished_image_in_every_chosen_format_and_a_manifest(finished_batch):
    studio, ana, generation_id, _ = finished_batch
    path = exports.generation_zip(studio, user_id=ana, generation_id=generation_id)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert names == {
            "manifest.json",
            "instagram_feed/power-stance_v1_instagram_feed.jpg", "instagram_feed/power-stance_v2_instagram_feed.jpg",
            "facebook/power-stance_v1_facebook.jpg", "facebook/power-stance_v2_facebook.jpg",
            "original/power-stance_v1_original.png", "original/power-stance_v2_original.png",
        }
        for name in names - {"manifest.json"}:
            opened = Image.open(io.BytesIO(archive.read(name)))
            key = name.split("/")[0]
            fmt = EXPORT_FORMATS[key]
            assert opened.format == fmt.image_format
            assert opened.size == ((fmt.width, fmt.height) if fmt.width else (64, 96))
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["generation"] == generation_id and manifest["preset"] == "tiny"
    assert manifest["params"]["prompt"] == "a woman in a red coat"
    assert manifest["avatar"]["name"] == "Amira"
    assert [(i["pose"], i["variation"], i["seed"]) for i in manifest["items"]] == \
        [("Power Stance", 1, 7), ("Power Stance", 2, 8)]
    assert manifest["items"][1]["files"]["facebook"] == "facebook/power-stance_v2_facebook.jpg"
    assert [(s["pose"], s["status"], s["error"]) for s in manifest["skipped"]] == [("Jump!", "failed", "out of memory")]
    assert set(manifest["formats"]) == {"instagram_feed", "facebook", "original"}


def test_someone_elses_or_an_unfinished_generation_cannot_be_zipped(finished_batch):
    studio, ana, generation_id, _ = finished_batch
    ben = users.get_or_create(studio.db, name="ben").id
    with pytest.raises(NotFound, match="^generation not found$"):
        exports.generation_zip(studio, user_id=ben, generation_id=generation_id)
    with pytest.raises(NotFound, match="^generation not found$"):
        exports.generation_zip(studio, user_id=ana, generation_id=987654)
    with studio.db.session() as s:
        empty = Generation(user_id=ana, preset_key="tiny", submission_key="empty")
        s.add(empty)
        s.flush()
    with pytest.raises(InvalidInput, match="no finished images yet"):
        exports.generation_zip(studio, user_id=ana, generation_id=empty.id)


def test_reexport_records_the_new_file_and_replaces_the_old(finished_batch):
    studio, ana, _, item_ids = finished_batch
    media = MediaStore(studio.settings.media_dir)
    first = exports.reexport_item(studio, user_id=ana, item_id=item_ids[0], format_key="tiktok")
    opened = Image.open(media.absolute(first))
    assert (opened.format, opened.size) == ("JPEG", (1080, 1920))
    second = exports.reexport_item(studio, user_id=ana, item_id=item_ids[0], format_key="tiktok")
    assert second != first and not media.absolute(first).exists() and media.absolute(second).exists()
    # an item whose pose was not kept exports with a centre crop
    third = exports.reexport_item(studio, user_id=ana, item_id=item_ids[1], format_key="twitter")
    assert Image.open(media.absolute(third)).size == (1200, 675)
    with studio.db.session() as s:
        assert s.get(GenerationItem, item_ids[0]).exports["tiktok"] == second
        assert set(s.get(GenerationItem, item_ids[0]).exports) == {"instagram_feed", "facebook", "tiktok"}
    ben = users.get_or_create(studio.db, name="ben").id
    with pytest.raises(NotFound, match="^image not found$"):
        exports.reexport_item(studio, user_id=ben, item_id=item_ids[0], format_key="tiktok")
    with pytest.raises(InvalidInput, match="not finished"):
        exports.reexport_item(studio, user_id=ana, item_id=item_ids[2], format_key="tiktok")
    with pytest.raises(InvalidInput, match="unknown export format"):
        exports.reexport_item(studio, user_id=ana, item_id=item_ids[0], format_key="poster")


def test_deleting_a_batch_deletes_its_zip_and_every_file(finished_batch):
    studio, ana, generation_id, _ = finished_batch
    from studio.services import generations

    archive = exports.generation_zip(studio, user_id=ana, generation_id=generation_id)
    user_folder = studio.settings.media_dir / f"u{ana}"
    assert archive.is_file() and any(p.is_file() for p in user_folder.rglob("*.png"))
    generations.delete_generation(studio, user_id=ana, generation_id=generation_id)
    assert [p for p in user_folder.rglob("*") if p.is_file()] == []


def test_every_download_carries_the_pictures_parameters_and_is_named_after_it(finished_batch):
    """The seed must not be lost on the way out: the History "Original" (PNG) keeps the
    ``parameters`` chunk, a JPEG export carries it as its EXIF description, and the file is
    named after the project, pose, variation, seed and size."""
    from pipelines.encoding import EXIF_IMAGE_DESCRIPTION, EXIF_SOFTWARE
    from pipelines.generation import png_info

    studio, ana, _, item_ids = finished_batch
    media = MediaStore(studio.settings.media_dir)
    with studio.db.session() as s:
        item = s.get(GenerationItem, item_ids[0])
        made = {"seed": item.seed, "prompt": "a woman in a red coat", "preset": "tiny"}
        marked_picture(STANDING, (64, 96)).save(media.absolute(item.image_path), pnginfo=png_info(made))

    original = Image.open(media.absolute(exports.reexport_item(studio, user_id=ana, item_id=item_ids[0],
                                                               format_key="original")))
    assert json.loads(original.info["parameters"]) == made and original.info["Software"] == "Pose Studio"
    feed = Image.open(media.absolute(exports.reexport_item(studio, user_id=ana, item_id=item_ids[0],
                                                           format_key="instagram_feed")))
    assert feed.format == "JPEG" and json.loads(feed.getexif()[EXIF_IMAGE_DESCRIPTION]) == made
    assert feed.getexif()[EXIF_SOFTWARE] == "Pose Studio"

    assert exports.download_name(studio, user_id=ana, item_id=item_ids[0], format_key="instagram_feed") == \
        "p_power-stance_v1_seed7_instagram_feed.jpg"
    assert exports.download_name(studio, user_id=ana, item_id=item_ids[1], format_key="original") == \
        "p_power-stance_v2_seed8_original.png"
    ben = users.get_or_create(studio.db, name="ben").id
    with pytest.raises(NotFound):
        exports.download_name(studio, user_id=ben, item_id=item_ids[0], format_key="original")
