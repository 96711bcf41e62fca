"""Generation presets: which models make a pose image, and the knobs that suit them.

Model ids are Hugging Face repos (downloaded once and cached by huggingface-hub), or, when
``local`` is set, folders relative to the engine's ``models_dir`` (``tiny`` is built there on
first use). An absolute path works anywhere an id does. Licences: see pipelines/MODELS.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from .skeleton import LineStyle

DEFAULT_NEGATIVE = ("lowres, blurry, deformed, bad anatomy, extra limbs, extra fingers, "
                    "watermark, text, signature, cropped")


# 16-bit number types: loaded from the fp16 weight files where a repo has them.
HALF_DTYPES = ("float16", "bfloat16")

# The components loaded with diffusers' from_pretrained, where a weights variant applies (the
# IP-Adapter and the LoRA are single files named in the preset).
VARIANT_COMPONENTS = ("base", "controlnet", "vae", "refiner")


# The two kinds of preset (``Preset.kind``): which engine loads it (pipelines.loading.load_engine).
CONTROLNET = "controlnet"  # a pose ControlNet on the skeleton + an IP-Adapter on the avatar's face
EDIT = "edit"  # an edit model given two pictures: the avatar (who) and the skeleton (how they stand)
KINDS = (CONTROLNET, EDIT)


class UnknownPresetError(ValueError):
    """A preset key that does not exist; the message lists the ones that do."""


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    family: str  # "sd15" | "sdxl" | "qwen_edit": which pipeline classes load it (pipeline_classes)
    base_model: str
    controlnet: str = ""  # the ControlNet kind only (as are the IP-Adapter fields)
    ip_adapter_repo: str = ""
    ip_adapter_subfolder: str = ""
    ip_adapter_weight: str = ""
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
    # The components ("base", "controlnet", "vae", "refiner") whose repos also hold half-precision
    # weights (``*.fp16.safetensors``): loaded in float16 or bfloat16, those are fetched instead,
    # half the bytes (bfloat16 weights are cast from the fp16 files: 16 bits either way).
    fp16_variants: frozenset[str] = frozenset()
    # How thick the pose is drawn for this preset's ControlNet (what it was trained on).
    line_style: LineStyle = LineStyle.OPENPOSE
    # SDXL only: a second-stage refiner (StableDiffusionXLImg2ImgPipeline sharing the base's
    # text_encoder_2 and VAE). The split is by noise level, as diffusers' denoising_end/start:
    # the base takes the timesteps above (1 - refiner_start) x 1000 and hands over latents, the
    # refiner finishes the same ``steps`` schedule (how many steps each gets depends on the scheduler).
    refiner: str | None = None
    refiner_start: float = 0.8
    # Redraw small faces (full-body shots) at the model's native size: the face pass.
    face_pass: bool = False
    internal: bool = False  # tests only: not listed, not offered in the studio
    # The edit kind ------------------------------------------------------------------------
    kind: str = CONTROLNET  # CONTROLNET or EDIT (see KINDS)
    # GPU memory (GiB) the preset needs with everything on the GPU, and with model CPU offload
    # (STUDIO_CPU_OFFLOAD: one part on the GPU at a time). 0: runs anywhere, CPUs included.
    # Checked against the device before any charge (pipelines.readiness.gpu_readiness) and at load.
    gpu_memory_gib: float = 0
    gpu_memory_offload_gib: float = 0
    # Width and height must be multiples of this (the edit pipeline packs 2x2 latent patches:
    # twice its VAE's downsampling).
    size_multiple: int = 8
    # The weights' precision on a GPU when the studio does not set STUDIO_DTYPE (None: float16).
    gpu_dtype: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"preset {self.key!r}: kind {self.kind!r}; use one of {', '.join(KINDS)}")
        unknown = set(self.fp16_variants) - set(VARIANT_COMPONENTS)
        if unknown:
            raise ValueError(f"preset {self.key!r}: fp16_variants names {sorted(unknown)}; "
                             f"only {', '.join(VARIANT_COMPONENTS)} can have one")

    def variant(self, component: str, dtype: str) -> str | None:
        """The weights variant to load ``component`` with in ``dtype`` (a torch dtype name)."""
        return "fp16" if dtype in HALF_DTYPES and component in self.fp16_variants else None

    @property
    def is_edit(self) -> bool:
        return self.kind == EDIT

    @property
    def model_ids(self) -> dict[str, str]:
        if self.is_edit:
            return {"base": self.base_model}
        ids = {"base": self.base_model, "controlnet": self.controlnet,
               "ip_adapter": f"{self.ip_adapter_repo}/{self.ip_adapter_subfolder}/{self.ip_adapter_weight}",
               "image_encoder": self.image_encoder}
        if self.lora:
            ids["lora"] = self.lora
        if self.vae:
            ids["vae"] = self.vae
        if self.refiner:
            ids["refiner"] = self.refiner
        return ids


_SD15 = "stable-diffusion-v1-5/stable-diffusion-v1-5"
_OPENPOSE_SD15 = "lllyasviel/control_v11p_sd15_openpose"
_SDXL = "stabilityai/stable-diffusion-xl-base-1.0"
_OPENPOSE_SDXL = "xinsir/controlnet-openpose-sdxl-1.0"
_SDXL_VAE = "madebyollin/sdxl-vae-fp16-fix"
# xinsir's ControlNet and the fp16-fix VAE publish one set of weights each, no fp16 variant.
_SDXL_FP16 = frozenset({"base"})
_SDXL_LICENCE = ("CreativeML OpenRAIL++-M (SDXL base); Apache-2.0 (xinsir ControlNet, IP-Adapter); "
                 "MIT (VAE fix)")

# What the edit model must not draw: the skeleton it was shown is a guide, not part of the picture.
EDIT_NEGATIVE = ("skeleton, stick figure, coloured lines, diagram, " + DEFAULT_NEGATIVE)
_QWEN_EDIT = "Qwen/Qwen-Image-Edit-2511"

PRESETS: dict[str, Preset] = {
    p.key: p for p in (
        Preset(
            key="tiny", label="Tiny (test)", family="sd15",
            base_model="tiny/sd15", controlnet="tiny/controlnet-openpose",
            ip_adapter_repo="tiny/ip-adapter", ip_adapter_subfolder="models",
            ip_adapter_weight="ip-adapter-plus-face_sd15.safetensors",
            scheduler="euler_a", steps=2, guidance=5.0, pose_strength=1.0, identity_strength=0.6,
            width=64, height=64, local=True, licence="random weights made by this project",
            fp16_variants=frozenset({"base", "controlnet"}),  # as fast's repos (tiny.py writes both)
            description="Random-weight models of the fast preset's classes: tests and offline demos. "
                        "Its pictures are noise.",
        ),
        Preset(
            key="fast", label="Fast", family="sd15",
            base_model=_SD15, controlnet=_OPENPOSE_SD15,
            ip_adapter_repo="h94/IP-Adapter", ip_adapter_subfolder="models",
            ip_adapter_weight="ip-adapter-plus-face_sd15.safetensors",
            lora="latent-consistency/lcm-lora-sdv1-5", lora_weight="pytorch_lora_weights.safetensors",
            # Guidance 1: LCM-LoRA's authors advise "disable guidance_scale or use values between 1.0
            # and 2.0"; at 1 each step is one UNet pass instead of two (about 1.9x faster on a CPU) and
            # the negative prompt has no effect. Raise it per batch (Advanced options) to use one.
            scheduler="lcm", steps=6, guidance=1.0, pose_strength=0.9, identity_strength=0.6,
            width=512, height=768, fp16_variants=frozenset({"base", "controlnet"}),
            licence="CreativeML OpenRAIL-M (SD 1.5); OpenRAIL (ControlNet); Apache-2.0 (IP-Adapter); "
                    "OpenRAIL++-M (LCM-LoRA)",
            description="SD 1.5 with the LCM-LoRA: about 6 steps a picture. Needs the `peft` package.",
        ),
        Preset(
            key="standard", label="Standard", family="sdxl", face_pass=True,
            base_model=_SDXL, controlnet=_OPENPOSE_SDXL,
            ip_adapter_repo="h94/IP-Adapter", ip_adapter_subfolder="sdxl_models",
            ip_adapter_weight="ip-adapter-plus-face_sdxl_vit-h.safetensors",
            image_encoder="models/image_encoder",  # the ViT-H encoder the *_vit-h SDXL adapters use
            vae=_SDXL_VAE,  # the stock SDXL VAE overflows in fp16
            scheduler="dpmpp_2m_karras", steps=28, guidance=6.0, pose_strength=0.9, identity_strength=0.55,
            width=832, height=1216, fp16_variants=_SDXL_FP16, line_style=LineStyle.XINSIR,
            licence=_SDXL_LICENCE,
            description="SDXL 1.0 at about 1 megapixel with an SDXL OpenPose ControlNet and IP-Adapter Plus Face, "
                        "28 steps.",
        ),
        Preset(
            key="pro", label="Pro", family="sdxl", face_pass=True,
            base_model=_SDXL, controlnet=_OPENPOSE_SDXL,
            ip_adapter_repo="h94/IP-Adapter", ip_adapter_subfolder="sdxl_models",
            ip_adapter_weight="ip-adapter-plus-face_sdxl_vit-h.safetensors",
            image_encoder="models/image_encoder",
            vae=_SDXL_VAE,
            refiner="stabilityai/stable-diffusion-xl-refiner-1.0", refiner_start=0.8,
            scheduler="dpmpp_2m_karras", steps=40, guidance=6.0, pose_strength=0.9, identity_strength=0.55,
            width=832, height=1216, fp16_variants=_SDXL_FP16 | {"refiner"}, line_style=LineStyle.XINSIR,
            licence=_SDXL_LICENCE + "; CreativeML OpenRAIL++-M (SDXL refiner)",
            description="The standard SDXL stack at 40 steps: the base model (pose + identity) denoises down to "
                        "timestep 200 (25 steps with Karras sigmas), the SDXL refiner does the last, low-noise "
                        "15 steps for finer skin, hair and fabric.",
        ),
        Preset(
            key="tiny-xl", label="Tiny SDXL (test)", family="sdxl",
            base_model="tiny/sdxl", controlnet="tiny/controlnet-openpose-sdxl",
            ip_adapter_repo="tiny/ip-adapter", ip_adapter_subfolder="sdxl_models",
            ip_adapter_weight="ip-adapter-plus-face_sdxl_vit-h.safetensors",
            image_encoder="models/image_encoder", refiner="tiny/sdxl-refiner", refiner_start=0.6,
            scheduler="euler_a", steps=3, guidance=5.0, pose_strength=1.0, identity_strength=0.6,
            width=64, height=64, local=True, internal=True, licence="random weights made by this project",
            fp16_variants=frozenset({"base", "refiner"}), line_style=LineStyle.XINSIR,  # as pro's
            description="Random-weight models of the pro preset's classes (SDXL ControlNet, IP-Adapter, refiner): "
                        "tests only.",
        ),
        Preset(
            key="best", label="Best likeness (GPU)", family="qwen_edit", kind=EDIT, base_model=_QWEN_EDIT,
            scheduler="flow_match", steps=40, guidance=4.0, width=832, height=1216, size_multiple=16,
            negative_prompt=EDIT_NEGATIVE, line_style=LineStyle.XINSIR, gpu_dtype="bfloat16",
            # ~20 B (transformer) + ~8 B (Qwen2.5-VL text encoder) parameters in bf16: ~54 GiB of weights;
            # ~60 GiB at work (published for one H200). Offloaded, the transformer (38 GiB) is the
            # largest part on the GPU at a time; the 6 GiB for its work at 1 megapixel are an estimate.
            gpu_memory_gib=60, gpu_memory_offload_gib=44,
            licence="Apache-2.0",
            description="Qwen-Image-Edit-2511 given two pictures, the avatar and the pose's skeleton (body and "
                        "hands), and asked for this person in that pose: the whole person is kept (face, hair, "
                        "clothes), not only a face crop. About 1 megapixel, 40 steps; needs a large GPU.",
        ),
        Preset(
            key="tiny-edit", label="Tiny edit (test)", family="qwen_edit", kind=EDIT, base_model="tiny/qwen-image-edit",
            scheduler="flow_match", steps=2, guidance=4.0, width=64, height=64, size_multiple=32,
            negative_prompt=EDIT_NEGATIVE, line_style=LineStyle.XINSIR, local=True, internal=True,
            licence="random weights made by this project",
            description="Random-weight models of the best preset's classes (QwenImageEditPlusPipeline, a "
                        "Qwen2.5-VL text encoder): tests only.",
        ),
    )
}


def get_preset(key: str) -> Preset:
    try:
        return PRESETS[key]
    except (KeyError, TypeError):
        raise UnknownPresetError(
            f"unknown preset {key!r}; choose one of: {', '.join(public_preset_keys())}") from None


def public_preset_keys() -> list[str]:
    """The presets a studio may offer (internal test presets left out)."""
    return [key for key, preset in PRESETS.items() if not preset.internal]


def pipeline_classes(family: str) -> tuple[type, type, type]:
    """(pose pipeline, text-to-image, image-to-image) classes of a preset family: loading builds
    the first, the engine views the same components through the other two (avatars and scenes;
    the face pass)."""
    import diffusers  # here, not at the top: presets are read by processes that never load torch

    if family == "sd15":
        return (diffusers.StableDiffusionControlNetPipeline, diffusers.StableDiffusionPipeline,
                diffusers.StableDiffusionImg2ImgPipeline)
    if family == "sdxl":
        return (diffusers.StableDiffusionXLControlNetPipeline, diffusers.StableDiffusionXLPipeline,
                diffusers.StableDiffusionXLImg2ImgPipeline)
    raise ValueError(f"preset family {family!r} is not supported by the ControlNet kind; use 'sd15' or 'sdxl' "
                     "(edit presets load through pipelines.edit_loading)")
