"""Backgrounds on synthetic pictures (the face tests are in test_faces.py)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines.background import replace_background
from pipelines.keypoints import LIMBS
from pipelines.skeleton import fit_transform


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
