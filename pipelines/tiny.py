"""Random-weight models of the same classes, layout and loading path as the real presets.

``build_tiny_models(dest)`` writes, under a fixed seed::

    dest/sd15/                     StableDiffusionPipeline layout (model_index.json, unet, vae,
                                   text_encoder, tokenizer, scheduler) - like stable-diffusion-v1-5
    dest/controlnet-openpose/      ControlNetModel - like lllyasviel/control_v11p_sd15_openpose
                                   (both with fp16 variant files beside the full ones, as those repos)
    dest/ip-adapter/models/ip-adapter-plus-face_sd15.safetensors
    dest/ip-adapter/models/image_encoder/   CLIPVisionModelWithProjection - like h94/IP-Adapter

``build_tiny_xl_models(dest)`` adds the SDXL side (for the internal ``tiny-xl`` preset), laid out
like the pro preset's repos::

    dest/sdxl/                     StableDiffusionXLPipeline layout (two text encoders) - like SDXL base
    dest/sdxl-refiner/             StableDiffusionXLImg2ImgPipeline layout - like the SDXL refiner
                                   (both with fp16 variant files, as those repos)
    dest/controlnet-openpose-sdxl/ ControlNetModel with text_time embeddings - like xinsir's (no fp16 variant)
    dest/ip-adapter/sdxl_models/ip-adapter-plus-face_sdxl_vit-h.safetensors  (uses models/image_encoder)

so the engine loads them with exactly the calls it uses for the real models
(``from_pretrained``, ``load_ip_adapter``). The IP-Adapter is the "plus" kind (a resampler fed
with the image encoder's penultimate hidden states), as ip-adapter-plus-face is.

``full_size_components(family)`` builds the real architectures (SD 1.5 or SDXL sizes) with
random weights from hard-coded configs, for throughput benchmarks on a GPU without a download.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

TINY_SEED = 0
TINY_VERSION = 2  # bump when the tiny layout changes, so stale folders are rebuilt (2: fp16 variants)
IP_WEIGHT_NAME = "ip-adapter-plus-face_sd15.safetensors"
TINY_XL_VERSION = 2
IP_XL_WEIGHT_NAME = "ip-adapter-plus-face_sdxl_vit-h.safetensors"


def build_tiny_models(dest_dir: str | Path) -> Path:
    """Write the tiny models under ``dest_dir`` once; concurrent callers wait, then reuse."""
    from filelock import FileLock

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    marker = dest / "tiny-models.json"
    with FileLock(str(dest / ".build.lock")):
        if marker.exists() and json.loads(marker.read_text()).get("version") == TINY_VERSION:
            return dest
        logger.info("building tiny random-weight models in %s", dest)
        _build(dest)
        marker.write_text(json.dumps({"version": TINY_VERSION, "seed": TINY_SEED}))
    return dest


def build_tiny_xl_models(dest_dir: str | Path) -> Path:
    """Write the tiny SDXL models (base, refiner, ControlNet, IP-Adapter) under ``dest_dir`` once."""
    from filelock import FileLock

    dest = Path(dest_dir)
    build_tiny_models(dest)  # the shared image encoder lives in the SD 1.5 IP-Adapter folder
    marker = dest / "tiny-xl-models.json"
    with FileLock(str(dest / ".build-xl.lock")):
        if marker.exists() and json.loads(marker.read_text()).get("version") == TINY_XL_VERSION:
            return dest
        logger.info("building tiny random-weight SDXL models in %s", dest)
        _build_xl(dest)
        marker.write_text(json.dumps({"version": TINY_XL_VERSION, "seed": TINY_SEED}))
    return dest


def _build_xl(dest: Path) -> None:
    import torch
    from diffusers import (AutoencoderKL, ControlNetModel, EulerAncestralDiscreteScheduler,
                           StableDiffusionXLImg2ImgPipeline, StableDiffusionXLPipeline, UNet2DConditionModel)
    from safetensors.torch import save_file
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(TINY_SEED + 10)
    # Same shapes as diffusers' own SDXL pipeline tests: 2 x 32-wide text encoders -> cross-attention 64;
    # text_time conditioning = pooled (32) + 6 time ids x 8.
    xl_blocks = dict(
        block_out_channels=(32, 64), layers_per_block=1, attention_head_dim=(2, 4), use_linear_projection=True,
        addition_embed_type="text_time", addition_time_embed_dim=8, transformer_layers_per_block=(1, 2),
        norm_num_groups=32,
    )
    unet = UNet2DConditionModel(
        sample_size=32, in_channels=4, out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=64,
        projection_class_embeddings_input_dim=80, **xl_blocks,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64), in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), latent_channels=4, norm_num_groups=32,
    )
    text_config = dict(bos_token_id=0, eos_token_id=2, pad_token_id=1, hidden_size=32, intermediate_size=37,
                       layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=2, vocab_size=1000,
                       max_position_embeddings=77, hidden_act="gelu", projection_dim=32)
    text_encoder = CLIPTextModel(CLIPTextConfig(**text_config)).eval()
    text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**text_config)).eval()
    tokenizer = _byte_level_tokenizer(dest / "_tokenizer_src")
    scheduler = EulerAncestralDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
    )
    base = StableDiffusionXLPipeline(
        vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2, tokenizer=tokenizer,
        tokenizer_2=tokenizer, unet=unet, scheduler=scheduler, image_encoder=None, feature_extractor=None,
        add_watermarker=False,
    )
    base.save_pretrained(dest / "sdxl")
    _save_fp16_variant(base, dest / "sdxl")

    torch.manual_seed(TINY_SEED + 11)
    controlnet = ControlNetModel(
        in_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), cross_attention_dim=64,
        projection_class_embeddings_input_dim=80, conditioning_embedding_out_channels=(16, 32), **xl_blocks,
    )
    _randomise_zero_convs(controlnet)
    controlnet.save_pretrained(dest / "controlnet-openpose-sdxl")

    # The refiner conditions on text_encoder_2 only (cross-attention 32) and on an aesthetic score
    # instead of the target size: pooled (32) + 5 time ids x 8 = 72.
    torch.manual_seed(TINY_SEED + 12)
    refiner_unet = UNet2DConditionModel(
        sample_size=32, in_channels=4, out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
        projection_class_embeddings_input_dim=72, **xl_blocks,
    )
    refiner = StableDiffusionXLImg2ImgPipeline(
        vae=vae, text_encoder=None, text_encoder_2=text_encoder_2, tokenizer=None, tokenizer_2=tokenizer,
        unet=refiner_unet, scheduler=scheduler, image_encoder=None, feature_extractor=None,
        requires_aesthetics_score=True, force_zeros_for_empty_prompt=False, add_watermarker=False,
    )
    refiner.save_pretrained(dest / "sdxl-refiner")
    _save_fp16_variant(refiner, dest / "sdxl-refiner")
    # The SDXL "vit-h" adapters read the SD 1.5 folder's image encoder (models/image_encoder), as here.
    torch.manual_seed(TINY_SEED + 13)
    state = ip_adapter_plus_state_dict(unet, image_embed_dim=32, num_queries=4, resampler_dim=32, std=0.3)
    folder = dest / "ip-adapter" / "sdxl_models"
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / IP_XL_WEIGHT_NAME))


def _build(dest: Path) -> None:
    import torch
    from diffusers import ControlNetModel, StableDiffusionPipeline

    torch.manual_seed(TINY_SEED)
    unet, vae, text_encoder, tokenizer, scheduler = _tiny_sd15_parts(dest / "_tokenizer_src")
    pipe = StableDiffusionPipeline(
        unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, image_encoder=None, requires_safety_checker=False,
    )
    pipe.save_pretrained(dest / "sd15")
    _save_fp16_variant(pipe, dest / "sd15")
    torch.manual_seed(TINY_SEED + 1)
    controlnet = ControlNetModel(
        block_out_channels=(32, 64), layers_per_block=1, in_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), cross_attention_dim=32,
        attention_head_dim=8, norm_num_groups=32,
        # two stages of /2, matching the 2-block VAE (the default three stages give /8)
        conditioning_embedding_out_channels=(16, 32),
    )
    _randomise_zero_convs(controlnet)
    controlnet.save_pretrained(dest / "controlnet-openpose")
    _save_fp16_variant(controlnet, dest / "controlnet-openpose")
    _save_ip_adapter(dest / "ip-adapter" / "models", unet, image_size=32, vision_hidden=32,
                     vision_layers=2, vision_heads=4, vision_intermediate=37, patch_size=4,
                     projection_dim=32, num_queries=4, resampler_dim=32, seed=TINY_SEED + 2)


def _save_fp16_variant(saved, folder: Path) -> None:
    """Add the half-precision copy (``*.fp16.safetensors``) the real repos ship beside their full
    weights, so a float16 load of a tiny preset takes the same ``variant="fp16"`` path as theirs."""
    import copy

    import torch

    copy.deepcopy(saved).to(torch.float16).save_pretrained(folder, variant="fp16")


def _tiny_sd15_parts(tokenizer_dir: Path):
    from diffusers import AutoencoderKL, EulerAncestralDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, attention_head_dim=8, norm_num_groups=32,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64), in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), latent_channels=4, norm_num_groups=32,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, pad_token_id=1, hidden_size=32, intermediate_size=37,
        layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=2, vocab_size=1000,
        max_position_embeddings=77,
    ))
    text_encoder.eval()
    scheduler = EulerAncestralDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
    )
    return unet, vae, text_encoder, _byte_level_tokenizer(tokenizer_dir), scheduler


def _byte_level_tokenizer(workdir: Path):
    """A real CLIP byte-level BPE tokenizer with a hand-made ~520 entry vocabulary (no hub here)."""
    from transformers import CLIPTokenizer

    chars = _bytes_to_unicode()
    vocab: dict[str, int] = {}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    for c in chars:
        vocab.setdefault(c + "</w>", len(vocab))
    merges = [("t", "h"), ("a", "n"), ("e", "r"), ("o", "n"), ("th", "e</w>")]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab.setdefault(special, len(vocab))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "vocab.json").write_text(json.dumps(vocab))
    (workdir / "merges.txt").write_text("#version: 0.2\n" + "\n".join(f"{a} {b}" for a, b in merges) + "\n")
    return CLIPTokenizer(str(workdir / "vocab.json"), str(workdir / "merges.txt"), model_max_length=77)


def _bytes_to_unicode() -> list[str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def _randomise_zero_convs(controlnet) -> None:
    """A fresh ControlNet's zero convolutions make it a no-op; real ones are trained, so give the
    tiny one small random weights there, otherwise the pose could not change the image."""
    import torch

    with torch.no_grad():
        for module in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block,
                       controlnet.controlnet_cond_embedding.conv_out]:
            module.weight.normal_(0, 0.3)


def _save_ip_adapter(folder: Path, unet, *, image_size: int, vision_hidden: int, vision_layers: int,
                     vision_heads: int, vision_intermediate: int, patch_size: int, projection_dim: int,
                     num_queries: int, resampler_dim: int, seed: int) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=vision_hidden, intermediate_size=vision_intermediate, num_attention_heads=vision_heads,
        num_hidden_layers=vision_layers, image_size=image_size, patch_size=patch_size,
        projection_dim=projection_dim, num_channels=3,
    ))
    encoder.save_pretrained(folder / "image_encoder")
    state = ip_adapter_plus_state_dict(unet, image_embed_dim=vision_hidden, num_queries=num_queries,
                                       resampler_dim=resampler_dim, std=0.3)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / IP_WEIGHT_NAME))


def ip_adapter_plus_state_dict(unet, *, image_embed_dim: int, num_queries: int, resampler_dim: int,
                               std: float = 0.02) -> dict:
    """Random IP-Adapter *plus* weights for ``unet``, in the original file's key names
    (``image_proj.*`` resampler + ``ip_adapter.N.to_k_ip/to_v_ip``), so diffusers converts them
    exactly as it converts h94/IP-Adapter files."""
    import torch
    from diffusers.models.embeddings import IPAdapterPlusImageProjection

    heads = max(1, resampler_dim // 64)
    proj = IPAdapterPlusImageProjection(
        embed_dims=image_embed_dim, output_dims=unet.config.cross_attention_dim, hidden_dims=resampler_dim,
        depth=4, dim_head=64, heads=heads, num_queries=num_queries,
    )
    out: dict[str, torch.Tensor] = {}
    sd = {k: v.detach().clone() for k, v in proj.state_dict().items()}
    for k, v in sd.items():
        if v.ndim >= 2 and "latents" not in k:
            v.normal_(0, std)
        parts = k.split(".")
        if parts[0] != "layers":
            out[f"image_proj.{k}"] = v
            continue
        i, rest = parts[1], ".".join(parts[2:])
        mapping = {
            "ln0.weight": "0.norm1.weight", "ln0.bias": "0.norm1.bias",
            "ln1.weight": "0.norm2.weight", "ln1.bias": "0.norm2.bias",
            "attn.to_q.weight": "0.to_q.weight", "attn.to_out.0.weight": "0.to_out.weight",
            "ff.0.weight": "1.0.weight", "ff.0.bias": "1.0.bias",
            "ff.1.net.0.proj.weight": "1.1.weight", "ff.1.net.2.weight": "1.3.weight",
        }
        if rest in ("attn.to_k.weight", "attn.to_v.weight"):
            continue
        out[f"image_proj.layers.{i}.{mapping[rest]}"] = v
    for i in range(4):
        out[f"image_proj.layers.{i}.0.to_kv.weight"] = torch.cat(
            [sd[f"layers.{i}.attn.to_k.weight"], sd[f"layers.{i}.attn.to_v.weight"]], dim=0)
    key_id = 1
    for name in unet.attn_processors.keys():
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = unet.config.block_out_channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(unet.config.block_out_channels))[int(name[len("up_blocks.")])]
        else:
            hidden = unet.config.block_out_channels[int(name[len("down_blocks.")])]
        for kind in ("to_k_ip", "to_v_ip"):
            out[f"ip_adapter.{key_id}.{kind}.weight"] = torch.randn(hidden, unet.config.cross_attention_dim) * std
        key_id += 2
    return out


def full_size_components(family: str) -> dict:
    """Real-size architectures with random weights (no download): for GPU throughput only."""
    import torch
    from diffusers import (AutoencoderKL, ControlNetModel, DPMSolverMultistepScheduler,
                           UNet2DConditionModel)
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(TINY_SEED)
    tokenizer = _byte_level_tokenizer(Path(__import__("tempfile").mkdtemp()) / "tok")
    vae = AutoencoderKL(
        block_out_channels=(128, 256, 512, 512), latent_channels=4, sample_size=512,
        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        layers_per_block=2,
    )
    scheduler = DPMSolverMultistepScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
    clip_l = CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_attention_heads=12,
                            num_hidden_layers=12, vocab_size=1000, max_position_embeddings=77,
                            hidden_act="quick_gelu", projection_dim=768)
    if family == "sd15":
        unet = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8)
        parts = dict(text_encoder=CLIPTextModel(clip_l), tokenizer=tokenizer)
        image_embed_dim, resampler_dim, queries = 1280, 768, 16
    elif family == "sdxl":
        unet = UNet2DConditionModel(
            sample_size=128, cross_attention_dim=2048, block_out_channels=(320, 640, 1280),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20),
            use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=2816, layers_per_block=2,
        )
        big_g = CLIPTextConfig(hidden_size=1280, intermediate_size=5120, num_attention_heads=20,
                               num_hidden_layers=32, vocab_size=1000, max_position_embeddings=77,
                               hidden_act="gelu", projection_dim=1280)
        parts = dict(text_encoder=CLIPTextModel(clip_l), text_encoder_2=CLIPTextModelWithProjection(big_g),
                     tokenizer=tokenizer, tokenizer_2=tokenizer)
        image_embed_dim, resampler_dim, queries = 1280, 1280, 16
    else:
        raise ValueError(f"no full-size random architecture for family {family!r}; use 'sd15' or 'sdxl'")
    controlnet = ControlNetModel.from_unet(unet)
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(  # ViT-H/14, as h94/IP-Adapter models/image_encoder
        hidden_size=1280, intermediate_size=5120, num_attention_heads=16, num_hidden_layers=32,
        image_size=224, patch_size=14, projection_dim=1024, hidden_act="gelu"))
    ip_state = ip_adapter_plus_state_dict(unet, image_embed_dim=image_embed_dim, num_queries=queries,
                                          resampler_dim=resampler_dim)
    return dict(unet=unet, vae=vae, scheduler=scheduler, controlnet=controlnet, image_encoder=image_encoder,
                ip_adapter=nest_ip_state(ip_state), **parts)


def nest_ip_state(flat: dict) -> dict:
    """The flat file form (``image_proj.x``, ``ip_adapter.x``) as ``load_ip_adapter`` takes a dict."""
    nested: dict[str, dict] = {"image_proj": {}, "ip_adapter": {}}
    for key, value in flat.items():
        head, rest = key.split(".", 1)
        nested[head][rest] = value
    return nested
