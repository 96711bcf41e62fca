"""Generation presets: which models make a pose image, and the knobs that suit them.

Model ids are Hugging Face repos (downloaded once and cached by huggingface-hub), or, when
``local`` is set, folders relative to the engine's ``models_dir`` (``tiny`` is built there on
first use). An absolute path works anywhere an id does. Licences: see pipelines/MODELS.md.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_NEGATIVE = ("lowres, blurry, deformed, bad anatomy, extra limbs, extra fingers, "
                    "watermark, text, signature, cropped")


class UnknownPresetError(ValueError):
    """A preset key that does not exist; the message lists the ones that do."""


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    family: str  # "sd15" | "sdxl": which pipeline classes load it
    base_model: str
    controlnet: str
    ip_adapter_repo: str
    ip_adapter_subfolder: str
    ip_adapter_weight: str
    # Where the IP-Adapter's CLIP image encoder lives: a bare name is inside ip_adapter_subfolder,
    # a path with "/" is relative to the repo root (diffusers' load_ip_adapter convention).
    image_encoder: str = "image_encoder"
    lora: str | None = None
    lora_weight: str | None = None
    vae: str | None = None
    scheduler: str = "dpmpp_2m_karras"
    steps: int = 25
    guidance: float = 7.0
    pose_strength: float = 1.0
    identity_strength: float = 0.6
    width: int = 512
    height: int = 768
    negative_prompt: str = DEFAULT_NEGATIVE
    licence: str = ""
    description: str = ""
    local: bool = False  # ids are folders under EngineOptions.models_dir
    variant: str | None = None  # "fp16" weights where the repo has them (used only with fp16)

    @property
    def model_ids(self) -> dict[str, str]:
        ids = {"base": self.base_model, "controlnet": self.controlnet,
               "ip_adapter": f"{self.ip_adapter_repo}/{self.ip_adapter_subfolder}/{self.ip_adapter_weight}",
               "image_encoder": self.image_encoder}
        if self.lora:
            ids["lora"] = self.lora
        if self.vae:
            ids["vae"] = self.vae
        return ids


_SD15 = "stable-diffusion-v1-5/stable-diffusion-v1-5"
_OPENPOSE_SD15 = "lllyasviel/control_v11p_sd15_openpose"

PRESETS: dict[str, Preset] = {
    p.key: p for p in (
        Preset(
            key="tiny", label="Tiny (test)", family="sd15",
            base_model="tiny/sd15", controlnet="tiny/controlnet-openpose",
            ip_adapter_repo="tiny/ip-adapter", ip_adapter_subfolder="models",
            ip_adapter_weight="ip-adapter-plus-face_sd15.safetensors",
            scheduler="euler_a", steps=2, guidance=5.0, pose_strength=1.0, identity_strength=0.6,
            width=64, height=64, local=True, licence="random weights made by this project",
            description="Random-weight models of the standard preset's classes: tests and offline demos. "
                        "Its pictures are noise.",
        ),
        Preset(
            key="fast", label="Fast", family="sd15",
            base_model=_SD15, controlnet=_OPENPOSE_SD15,
            ip_adapter_repo="h94/IP-Adapter", ip_adapter_subfolder="models",
            ip_adapter_weight="ip-adapter-plus-face_sd15.safetensors",
            lora="latent-consistency/lcm-lora-sdv1-5", lora_weight="pytorch_lora_weights.safetensors",
            scheduler="lcm", steps=6, guidance=1.5, pose_strength=0.9, identity_strength=0.6,
            width=512, height=768, variant="fp16",
            licence="CreativeML OpenRAIL-M (SD 1.5); OpenRAIL (ControlNet); Apache-2.0 (IP-Adapter); "
                    "OpenRAIL++-M (LCM-LoRA)",
            description="SD 1.5 with the LCM-LoRA: about 6 steps a picture. Needs the `peft` package.",
        ),
        Preset(
            key="standard", label="Standard", family="sd15",
            base_model=_SD15, controlnet=_OPENPOSE_SD15,
            ip_adapter_repo="h94/IP-Adapter", ip_adapter_subfolder="models",
            ip_adapter_weight="ip-adapter-plus-face_sd15.safetensors",
            scheduler="dpmpp_2m_karras", steps=25, guidance=7.0, pose_strength=1.0, identity_strength=0.6,
            width=512, height=768, variant="fp16",
            licence="CreativeML OpenRAIL-M (SD 1.5); OpenRAIL (ControlNet); Apache-2.0 (IP-Adapter)",
            description="SD 1.5, OpenPose ControlNet 1.1 and IP-Adapter Plus Face, 25 steps.",
        ),
        Preset(
            key="pro", label="Pro", family="sdxl",
            base_model="stabilityai/stable-diffusion-xl-base-1.0",
            controlnet="xinsir/controlnet-openpose-sdxl-1.0",
            ip_adapter_repo="h94/IP-Adapter", ip_adapter_subfolder="sdxl_models",
            ip_adapter_weight="ip-adapter-plus-face_sdxl_vit-h.safetensors",
            image_encoder="models/image_encoder",  # the ViT-H encoder the *_vit-h SDXL adapters use
            vae="madebyollin/sdxl-vae-fp16-fix",  # the stock SDXL VAE overflows in fp16
            scheduler="dpmpp_2m_karras", steps=30, guidance=6.0, pose_strength=0.9, identity_strength=0.55,
            width=832, height=1216, variant="fp16",
            licence="CreativeML OpenRAIL++-M (SDXL); Apache-2.0 (xinsir ControlNet, IP-Adapter); MIT (VAE fix)",
            description="SDXL 1.0 at about 1 megapixel with an SDXL OpenPose ControlNet and IP-Adapter Plus Face.",
        ),
    )
}


def get_preset(key: str) -> Preset:
    try:
        return PRESETS[key]
    except (KeyError, TypeError):
        raise UnknownPresetError(
            f"unknown preset {key!r}; choose one of: {', '.join(PRESETS)}") from None
