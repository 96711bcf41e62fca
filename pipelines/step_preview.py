"""A rough picture of a picture still being drawn, from the latents of the step just finished.

Decoding with the VAE costs as much as a few steps on a CPU (3.6 s at 512x768); a fixed linear map
from the 4 latent channels to RGB costs about a millisecond and shows the layout and colours
forming, which is what a creator watching a batch wants. The maps are the widely published
approximations for the SD 1.5 and SDXL latent spaces (least-squares fits of latents to pixels).
"""

from __future__ import annotations

from typing import Any

from PIL import Image

# (4 latent channels -> R, G, B), per preset family.
LATENT_RGB = {
    "sd15": ((0.3512, 0.2297, 0.3227), (0.3250, 0.4974, 0.2350),
             (-0.2829, 0.1762, 0.2721), (-0.2120, -0.2616, -0.7177)),
    "sdxl": ((0.3651, 0.4232, 0.4341), (-0.2533, -0.0042, 0.1068),
             (0.1076, 0.1111, -0.0362), (-0.3165, -0.2492, -0.2188)),
}
# Previews are shown small: the latent grid (1/8 of the picture) enlarged twice.
PREVIEW_SCALE = 2


def latent_preview(latents: Any, family: str) -> Image.Image | None:
    """The first picture of ``latents`` (a torch tensor, batch x 4 x h x w) as a small RGB image,
    or None for a latent space without a map."""
    import torch

    factors = LATENT_RGB.get(family)
    if factors is None or latents is None or latents.ndim != 4 or latents.shape[1] != 4:
        return None
    with torch.no_grad():
        weights = torch.tensor(factors, dtype=torch.float32)
        rgb = torch.einsum("chw,cr->hwr", latents[0].detach().float().cpu(), weights)
        pixels = ((rgb + 1) * 127.5).clamp(0, 255).to(torch.uint8).numpy()
    image = Image.fromarray(pixels, "RGB")
    return image.resize((image.width * PREVIEW_SCALE, image.height * PREVIEW_SCALE), Image.Resampling.BILINEAR)
