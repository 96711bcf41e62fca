"""The Qwen2-VL processor for pictures only: what the edit pipeline's text encoder reads.

``QwenImageEditPlusPipeline`` asks its processor for text and pictures, never video. In
transformers 5 ``Qwen2VLProcessor`` cannot even be built without torchvision: its ``__init__``
checks every sub-processor's class, video included, and the video processor's classes exist only
with torchvision (transformers issue #48558 and diffusers issue #13140 describe the same dead end
for Qwen-Image). This subclass has no video processor, so it loads from the same ``processor/``
folder (its image processor and tokenizer) with or without torchvision, and tokenises, resizes
and expands ``<|image_pad|>`` exactly as its parent does: none of its methods is changed.

Imports transformers at the top: only the edit loaders import this module.
"""

from __future__ import annotations

from transformers import Qwen2VLProcessor


class PictureProcessor(Qwen2VLProcessor):
    """``Qwen2VLProcessor`` without its video processor (the edit pipeline sends no video)."""

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
        super().__init__(image_processor, tokenizer, None, chat_template=chat_template, **kwargs)
