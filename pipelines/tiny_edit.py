"""Random-weight models of the best preset's classes, laid out like ``Qwen/Qwen-Image-Edit-2511``.

``build_tiny_edit_models(dest)`` writes, under a fixed seed, with nothing downloaded::

    dest/qwen-image-edit/          QwenImageEditPlusPipeline layout: model_index.json,
        transformer/               QwenImageTransformer2DModel (2 layers, 2 heads of 16)
        vae/                       AutoencoderKLQwenImage (16x down, 4 base channels)
        text_encoder/              Qwen2_5_VLForConditionalGeneration (16 wide, 2 layers; vision tower
                                   2 blocks of 16, 14 px patches)
        tokenizer/, processor/     a byte-level Qwen2 tokenizer with Qwen's special tokens, and
                                   Qwen2-VL's image processor capped at its minimum, 56x56 px
        scheduler/                 FlowMatchEulerDiscreteScheduler with Qwen-Image's settings

so the engine loads it with exactly the calls it uses for the real repo (``from_pretrained``).

Where the time goes: the pipeline always resizes each reference picture to about a megapixel
for the VAE (diffusers' ``VAE_IMAGE_SIZE``), whatever the output size; with 4 base channels and
four downsamplings that encoding is ~0.8 s a reference on 2 CPU cores, most of a tiny picture's
cost. The latents are 16x smaller than the picture (the real VAE: 8x), so 64 px outputs are a
2x2 grid of packed patches and sizes are multiples of 32 (``Preset.size_multiple``).

``full_size_components()`` builds the real architecture (Qwen-Image-Edit's transformer, VAE and
a Qwen2.5-VL-7B-sized text encoder) with random weights, for the GPU benchmark only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

TINY_EDIT_SEED = 20
TINY_EDIT_VERSION = 1  # bump when the layout changes, so stale folders are rebuilt
FOLDER = "qwen-image-edit"
# The tokens Qwen's prompt template and processor use (in the real vocabulary these sit at 151643+).
SPECIAL_TOKENS = ("<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
                  "<|video_pad|>")
# Qwen-Image's scheduler config (its repo's scheduler/scheduler_config.json).
SCHEDULER_CONFIG = dict(base_image_seq_len=256, base_shift=0.5, max_image_seq_len=8192, max_shift=0.9, shift=1.0,
                        shift_terminal=0.02, time_shift_type="exponential", use_dynamic_shifting=True,
                        num_train_timesteps=1000)
AMPLIFY = 12.0  # the tiny VAE's output convolutions (see _amplify)
SHARPEN_QK, SHARPEN_V = 8.0, 16.0  # the tiny transformer's attention (see _sharpen)
QWEN_VOCAB = 152064  # Qwen2.5-VL's vocabulary (embedding rows)
MIN_PIXELS = 56 * 56  # Qwen2-VL's own minimum (min_pixels 3136): 4 picture tokens after the 2x2 merge


def build_tiny_edit_models(dest_dir: str | Path) -> Path:
    """Write the tiny edit pipeline under ``dest_dir/qwen-image-edit`` once; concurrent callers wait."""
    from filelock import FileLock

    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    marker = dest / "tiny-edit-models.json"
    with FileLock(str(dest / ".build-edit.lock")):
        if marker.exists() and json.loads(marker.read_text()).get("version") == TINY_EDIT_VERSION:
            return dest
        logger.info("building tiny random-weight edit models in %s", dest)
        _build(dest / FOLDER)
        marker.write_text(json.dumps({"version": TINY_EDIT_VERSION, "seed": TINY_EDIT_SEED}))
    return dest


def tiny_tokenizer():
    """A real Qwen2 byte-level BPE tokenizer: the 256 byte characters, no merges, Qwen's specials."""
    from tokenizers import AddedToken
    from transformers import Qwen2Tokenizer

    from .tiny import _bytes_to_unicode

    vocab = {"<|endoftext|>": 0}
    for char in _bytes_to_unicode():
        vocab.setdefault(char, len(vocab))
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[], model_max_length=1024)
    tokenizer.add_tokens([AddedToken(token, special=True) for token in SPECIAL_TOKENS])
    return tokenizer


def _build(folder: Path) -> None:
    import torch
    from diffusers import (AutoencoderKLQwenImage, FlowMatchEulerDiscreteScheduler, QwenImageEditPlusPipeline,
                           QwenImageTransformer2DModel)
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from .picture_processor import PictureProcessor

    tokenizer = tiny_tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    processor = PictureProcessor(
        image_processor=Qwen2VLImageProcessorPil(size={"shortest_edge": MIN_PIXELS, "longest_edge": MIN_PIXELS},
                                                 patch_size=14, temporal_patch_size=2, merge_size=2),
        tokenizer=tokenizer)
    torch.manual_seed(TINY_EDIT_SEED)
    config = Qwen2_5_VLConfig(
        text_config=dict(hidden_size=16, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2,
                         num_key_value_heads=2, vocab_size=len(tokenizer), rope_theta=1e6,
                         rope_scaling={"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
                         bos_token_id=0, eos_token_id=ids["<|im_end|>"], pad_token_id=0),
        vision_config=dict(depth=2, hidden_size=16, intermediate_size=16, num_heads=2, out_hidden_size=16,
                           patch_size=14, spatial_merge_size=2, temporal_patch_size=2),
        hidden_size=16, vocab_size=len(tokenizer), image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"], bos_token_id=0, eos_token_id=ids["<|im_end|>"])
    text_encoder = Qwen2_5_VLForConditionalGeneration(config).eval()
    torch.manual_seed(TINY_EDIT_SEED + 1)
    vae = AutoencoderKLQwenImage(base_dim=4, z_dim=4, dim_mult=[1, 1, 1, 1, 1], num_res_blocks=1,
                                 temperal_downsample=[False, True, True, True],
                                 latents_mean=[0.0] * 4, latents_std=[1.0] * 4)
    torch.manual_seed(TINY_EDIT_SEED + 2)
    # in_channels = z_dim x the 2x2 packing; rope axes sum to the head width.
    transformer = QwenImageTransformer2DModel(patch_size=2, in_channels=16, out_channels=4, num_layers=2,
                                              attention_head_dim=16, num_attention_heads=2, joint_attention_dim=16,
                                              guidance_embeds=False, axes_dims_rope=(8, 4, 4))
    _amplify(vae)
    _sharpen(transformer)
    pipe = QwenImageEditPlusPipeline(scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER_CONFIG), vae=vae,
                                     text_encoder=text_encoder, tokenizer=tokenizer, processor=processor,
                                     transformer=transformer)
    pipe.save_pretrained(folder)
    _as_in_the_real_repo(folder)


def _amplify(vae) -> None:
    """A fresh random VAE this small passes almost nothing through (two latents decode to
    pictures 2/255 apart): its last convolutions are scaled up, so the references reach the
    latents and the latents reach the picture, as in a trained VAE."""
    import torch

    with torch.no_grad():
        for conv in (vae.encoder.conv_out, vae.decoder.conv_out):
            conv.weight.mul_(AMPLIFY)


def _sharpen(transformer) -> None:
    """Random attention over ~2,000 reference tokens is nearly uniform: each output token gets
    their average, the same for any avatar or skeleton (measured: 0.2 % of the output changed).
    Larger query/key norm weights (the model normalises q and k, so the projections' scale is
    lost) make it attend to a few tokens, and larger values carry what it found: then the
    pictures given change the picture made, as they must for the tests to mean anything."""
    import torch

    with torch.no_grad():
        for name, module in transformer.named_modules():
            if name.endswith(("attn.norm_q", "attn.norm_k", "attn.norm_added_q", "attn.norm_added_k")):
                module.weight.mul_(SHARPEN_QK)
            elif name.endswith(("attn.to_v", "attn.add_v_proj")):
                module.weight.mul_(SHARPEN_V)


def _as_in_the_real_repo(folder: Path) -> None:
    """Name the processor as Qwen's repos do (``transformers``, ``Qwen2VLProcessor``): the folder
    then reads like theirs, and the loader passes its own PictureProcessor for both."""
    index_path = folder / "model_index.json"
    index = json.loads(index_path.read_text())
    index["processor"] = ["transformers", "Qwen2VLProcessor"]
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True))
    config_path = folder / "processor" / "processor_config.json"
    if config_path.exists():
        config = json.loads(config_path.read_text())
        config["processor_class"] = "Qwen2VLProcessor"
        config_path.write_text(json.dumps(config, indent=2, sort_keys=True))


def full_size_components(device: str = "cpu", dtype: str = "bfloat16") -> dict:
    """Qwen-Image-Edit's architecture at full size with random weights (no download): GPU benchmarks only.

    Transformer and VAE configs as the Qwen-Image repos publish them; the text encoder is
    Qwen2.5-VL-7B-sized (28 layers of 3584, vision tower 32 blocks of 1280, its 152,064-token
    embedding table and output head, so its memory is the real one) read through the tiny tokenizer.
    Built straight on ``device`` in ``dtype`` (28 B parameters in float32 on a CPU would be 112 GB)."""
    import torch
    from diffusers import AutoencoderKLQwenImage, FlowMatchEulerDiscreteScheduler, QwenImageTransformer2DModel
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from .picture_processor import PictureProcessor

    tokenizer = tiny_tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    torch.manual_seed(TINY_EDIT_SEED)
    config = Qwen2_5_VLConfig(
        text_config=dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                         num_key_value_heads=4, vocab_size=QWEN_VOCAB, rope_theta=1e6,
                         rope_scaling={"mrope_section": [16, 24, 24], "rope_type": "default", "type": "default"}),
        vision_config=dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=3584,
                           patch_size=14, spatial_merge_size=2, temporal_patch_size=2, window_size=112,
                           fullatt_block_indexes=[7, 15, 23, 31]),
        hidden_size=3584, vocab_size=QWEN_VOCAB, image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"])
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        with torch.device(device):
            text_encoder = Qwen2_5_VLForConditionalGeneration(config).eval()
            transformer = QwenImageTransformer2DModel()  # the defaults are Qwen-Image's 60-layer, 20 B config
            vae = AutoencoderKLQwenImage()  # the defaults are Qwen-Image's VAE
    finally:
        torch.set_default_dtype(previous)
    processor = PictureProcessor(
        image_processor=Qwen2VLImageProcessorPil(size={"shortest_edge": MIN_PIXELS, "longest_edge": 12845056},
                                                 patch_size=14, temporal_patch_size=2, merge_size=2),
        tokenizer=tokenizer)
    return dict(
        transformer=transformer, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, processor=processor,
        scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER_CONFIG),
    )

