"""Face crops and backgrounds on synthetic pictures."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines.background import person_mask, replace_background
from pipelines import face
from pipelines.face import FaceBox, NoFaceError, crop_box, detection_available, face_crop, fallback_box
from pipelines.keypoints import LIMBS
from pipelines.skeleton import fit_transform


def test_no_face_falls_back_to_the_upper_centre():
    image = Image.new("RGB", (200, 400), "white")
    image.paste((255, 0, 0), (0, 0, 200, 240))
    crop, box = face_crop(image)
    assert box is None and crop.size == (200, 200)
    assert np.asarray(crop).reshape(-1, 3).tolist().count([255, 0, 0]) == 200 * 200
    with pytest.raises(NoFaceError, match="face"):
        face_crop(image, strict=True)


def test_haar_cascades_load_offline_and_a_blank_picture_has_no_face():
    assert detection_available()  # opencv-python-headless 4.x with its bundled cascades
    frontal, profile = face._cascades()
    assert frontal is not None and profile is not None
    blank = Image.new("RGB", (300, 400), (240, 240, 240))
    assert face.find_face(blank) is None
    crop, box = face_crop(blank)
    assert box is None and fallback_box((300, 400)) == (30, 0, 270, 240) and crop.size == (240, 240)
    assert fallback_box((400, 300)) == (110, 0, 290, 180)
    with pytest.raises(NoFaceError, match=r"no face found in the avatar picture \(300x400\); use a photo"):
        face_crop(blank, strict=True)


def test_largest_detected_face_wins_and_the_crop_adds_hair_and_chin(monkeypatch):
    """The detector itself is OpenCV's; here it is stubbed to check what is done with its boxes."""
    class Cascade:
        def __init__(self, boxes):
            self.boxes = boxes

        def detectMultiScale(self, grey, **kwargs):
            return np.array(self.boxes, dtype=np.int32).reshape(-1, 4)

    picture = Image.new("RGB", (400, 400), "grey")
    monkeypatch.setattr(face, "_cascades", lambda: (Cascade([[10, 10, 40, 40], [150, 120, 100, 100]]), Cascade([])))
    crop, box = face_crop(picture)
    assert box == FaceBox(150, 120, 100, 100)
    left, top, right, bottom = crop_box((400, 400), box)
    assert right - left == bottom - top == 160 == crop.size[0]  # (1 + 0.6) x 100
    assert (left, top) == (120, 80)  # centred, moved up 10 px for hair
    assert crop_box((120, 120), box)[2:] == (120, 120)  # kept inside a small picture
    # no frontal face: the profile cascade runs on the picture and on its mirror image
    monkeypatch.setattr(face, "_cascades", lambda: (Cascade([]), Cascade([[0, 50, 80, 80]])))
    assert face.find_face(picture) in (FaceBox(0, 50, 80, 80), FaceBox(320, 50, 80, 80))


def synthetic_person(kp, w=128, h=128):
    """A flat-coloured figure painted along the skeleton on a textured background, with its truth mask."""
    rng = np.random.RandomState(0)
    bg = (rng.rand(h, w, 3) * 60 + np.array([40, 120, 200])).clip(0, 255).astype("uint8")
    image = Image.fromarray(bg)
    truth = Image.new("L", (w, h), 0)
    tf = fit_transform(kp, w, h, 0.08)
    for canvas, fill in ((ImageDraw.Draw(image), (230, 150, 90)), (ImageDraw.Draw(truth), 255)):
        for a, b in LIMBS[:12]:
            canvas.line([tf.apply(*kp.body[a][:2]), tf.apply(*kp.body[b][:2])], fill=fill, width=9)
        x, y = tf.apply(*kp.body[0][:2])
        canvas.ellipse([x - 9, y - 9, x + 9, y + 9], fill=fill)
    return image, np.asarray(truth) > 0


def test_person_mask_from_the_pose_matches_the_person(standing):
    image, truth = synthetic_person(standing)
    mask = np.asarray(person_mask(image, standing)) > 0
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou > 0.8, iou
    no_pose = np.asarray(person_mask(image, None)) > 0
    assert (no_pose & truth).sum() / truth.sum() > 0.6


def test_replace_background_has_no_halo(standing):
    image, truth = synthetic_person(standing)
    mask = Image.fromarray((truth * 255).astype("uint8"))
    out = np.asarray(replace_background(image, mask, colour=(0, 255, 0))).astype(int)
    outside = ~truth
    assert (out[outside] == [0, 255, 0]).all()  # not a trace of the old background or the person outside
    core = np.asarray(mask.filter(__import__("PIL.ImageFilter").ImageFilter.MinFilter(15))) > 0
    assert (out[core] == np.asarray(image).astype(int)[core]).all()
    backdrop = Image.new("RGB", (300, 100), (10, 20, 30))
    assert replace_background(image, mask, backdrop=backdrop).getpixel((0, 0)) == (10, 20, 30)
    with pytest.raises(ValueError, match="mask is 10x10"):
        replace_background(image, Image.new("L", (10, 10)), colour="white")


def test_face_crop_remembers_each_picture_and_keeps_pictures_apart(monkeypatch):
    calls = []
    real_detect = face._detect
    monkeypatch.setattr(face, "_detect", lambda pixels, size: calls.append(size) or real_detect(pixels, size))
    first = Image.new("RGB", (300, 400), (240, 240, 240))
    crop, box = face_crop(first)
    again, again_box = face_crop(first.copy())  # same pixels, another object: a cache hit
    assert len(calls) == 1 and again_box == box
    assert again.size == crop.size and again.tobytes() == crop.tobytes() and again is not crop
    other = first.copy()
    other.putpixel((0, 0), (0, 0, 0))  # one pixel differs: another key, detected on its own
    face_crop(other)
    face_crop(first.resize((400, 300)))  # same colour, other size
    assert len(calls) == 3
    with pytest.raises(NoFaceError):  # strict mode still applies to a remembered "no face"
        face_crop(first, strict=True)
    assert len(calls) == 3


def test_face_cache_is_bounded_and_least_recently_used_goes_first():
    cache = face._FaceCache(2)
    cache.put(("a", (1, 1)), None)
    cache.put(("b", (1, 1)), FaceBox(0, 0, 1, 1))
    assert cache.get(("a", (1, 1))) is None  # touch a: b is now the oldest
    cache.put(("c", (1, 1)), None)
    assert len(cache) == 2 and cache.get(("b", (1, 1))) is face._FaceCache._MISSING


def test_detection_on_a_shrunk_copy_maps_the_box_back_to_full_resolution(monkeypatch):
    class Cascade:
        def __init__(self, boxes):
            self.boxes, self.seen = boxes, []

        def detectMultiScale(self, grey, **kwargs):
            self.seen.append((grey.shape, kwargs["minSize"]))
            return np.array(self.boxes, dtype=np.int32).reshape(-1, 4)

    frontal = Cascade([[100, 50, 128, 128]])
    monkeypatch.setattr(face, "_cascades", lambda: (frontal, Cascade([])))
    big = Image.new("RGB", (2000, 1500), "grey")
    assert face.find_face(big) == FaceBox(391, 195, 500, 500)  # x 2000/512
    assert frontal.seen == [((384, 512), (38, 38))]  # long side 512, minSize a tenth of the short side
    frontal.seen.clear()
    face.find_face(Image.new("RGB", (256, 256), "grey"))  # small pictures are used as they are
    assert frontal.seen == [((256, 256), (25, 25))]
