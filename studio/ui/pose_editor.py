"""The interactive 2D pose editor: drag joints, mirror, reset, preview the conditioning image.

``PoseEditor.render()`` places the editor inside the current Blocks context. The canvas is a
``gr.HTML`` whose value *is* the pose (the JSON form of ``pipelines.keypoints``), so
the same component is read by handlers (the pose being edited) and written by them (loading
a pose, which also becomes the pose Reset goes back to)::

    editor = PoseEditor.render(initial_json)
    save.click(save_my_pose, [editor.value, name], status)          # reads the edited pose
    library_pick.change(load_pose, library_pick, editor.load_target)  # loads a pose

Dragging happens entirely in the browser; the pose reaches Python once an edit is finished
(pointer released, Mirror, Reset, Undo, visibility toggled), which fires ``editor.value.change``
and refreshes the conditioning preview. The script and styles come from ``assets/`` on disk and
travel inside the component's config: nothing is loaded from a CDN and no launch kwargs are needed.

``python -m studio.ui.pose_editor`` opens the editor on its own for manual checks.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image

from pipelines.keypoints import COLOURS, JOINT_NAMES, LIMBS, MIRROR, Keypoints, PoseError
from pipelines.skeleton import render_pose

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
PREVIEW_WIDTH = 512

# A relaxed standing figure, facing the camera (its right side on the picture's left).
DEFAULT_POSE: dict[str, Any] = {
    "aspect": 0.75,
    "body": [
        [0.5, 0.14, 1], [0.5, 0.25, 1],
        [0.39, 0.25, 1], [0.35, 0.4, 1], [0.33, 0.54, 1],
        [0.61, 0.25, 1], [0.65, 0.4, 1], [0.67, 0.54, 1],
        [0.44, 0.55, 1], [0.43, 0.72, 1], [0.43, 0.89, 1],
        [0.56, 0.55, 1], [0.57, 0.72, 1], [0.57, 0.89, 1],
        [0.48, 0.125, 1], [0.52, 0.125, 1], [0.455, 0.135, 1], [0.545, 0.135, 1],
    ],
    "hands": None,
    "face": None,
}

# Arms raised and wide, a knee lifted, the right ear hidden: the demo's "load from Python" pose.
SAMPLE_POSE: dict[str, Any] = {
    "aspect": 0.75,
    "body": [
        [0.52, 0.14, 1], [0.5, 0.24, 1],
        [0.4, 0.24, 1], [0.3, 0.14, 1], [0.28, 0.04, 1],
        [0.6, 0.24, 1], [0.72, 0.3, 1], [0.85, 0.27, 1],
        [0.44, 0.53, 1], [0.36, 0.64, 1], [0.41, 0.81, 1],
        [0.56, 0.53, 1], [0.6, 0.72, 1], [0.62, 0.92, 1],
        [0.5, 0.12, 1], [0.54, 0.12, 1], [0, 0, 0], [0.57, 0.13, 1],
    ],
    "hands": None,
    "face": None,
}

# What the script needs to know about BODY-18, from the one place that defines it.
SKELETON: dict[str, Any] = {
    "names": list(JOINT_NAMES),
    "limbs": [list(limb) for limb in LIMBS],
    "colours": [list(colour) for colour in COLOURS],
    "mirror": list(MIRROR),
}

TEMPLATE = """
<div class="pe-root" tabindex="0" aria-label="Pose editor">
  <div class="pe-toolbar">
    <span class="pe-title">Pose editor</span>
    <span class="pe-spacer"></span>
    <button type="button" data-action="mirror" title="Swap left and right and flip the figure">Mirror</button>
    <button type="button" data-action="undo" title="Undo the last change (Ctrl+Z)" disabled>Undo</button>
    <button type="button" data-action="reset" title="Back to the pose as it was loaded">Reset</button>
  </div>
  <div class="pe-stage"><svg class="pe-canvas" role="img" aria-label="Skeleton"></svg></div>
  <div class="pe-status" aria-live="polite"></div>
</div>
"""


@cache
def editor_script() -> str:
    return (ASSETS / "pose_editor.js").read_text(encoding="utf-8")


@cache
def editor_styles() -> str:
    return (ASSETS / "pose_editor.css").read_text(encoding="utf-8")


def pose_json(value: Any) -> dict[str, Any] | None:
    """A pose in the JSON form from a dict, a JSON string or ``Keypoints``; None for nothing.

    Use it on what a handler writes to ``PoseEditor.load_target``: the editor takes a dict."""
    if value is None or value == "":
        return None
    if isinstance(value, Keypoints):
        return value.to_json()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise PoseError(f"a pose must be JSON: {exc}") from None
    if not isinstance(value, dict):
        raise PoseError(f"a pose must be a JSON object, got {type(value).__name__}")
    return value


def pose_canvas(pose: dict[str, Any], *, elem_id: str | None = None) -> gr.HTML:
    """The skeleton editor. Value: the pose as a dict in the ``pipelines.keypoints`` JSON form.

    A plain ``gr.HTML`` rather than a subclass: Gradio writes a ``.pyi`` stub beside the module
    of every component subclass at import time, which fails on a read-only install.
    """
    return gr.HTML(
        pose,
        html_template=TEMPLATE,
        css_template=editor_styles(),
        js_on_load=editor_script(),
        apply_default_css=False,
        elem_id=elem_id,
        elem_classes=["pose-editor"],
        skeleton=SKELETON,
    )


def preview_size(aspect: float, width: int = PREVIEW_WIDTH) -> tuple[int, int]:
    return width, max(8, round(width / aspect))


def conditioning_preview(pose: dict[str, Any] | str | None) -> tuple[Image.Image | None, str]:
    """The control picture the pipeline will get for ``pose``, and what (if anything) stops the
    pose from steering a generation, in the creator's words."""
    try:
        pose = pose_json(pose)
        if pose is None:
            return None, ""
        keypoints = Keypoints.from_json(pose)
    except PoseError as exc:
        return None, f"⚠️ This pose cannot be used: {exc}."
    try:
        image = render_pose(keypoints, *preview_size(keypoints.aspect))
    except PoseError as exc:
        return None, f"⚠️ Nothing to draw: {exc}."
    try:
        keypoints.check_usable()
    except PoseError as exc:
        return image, f"⚠️ Not usable yet: {exc}."
    return image, f"{len(keypoints.visible())} of {len(JOINT_NAMES)} joints visible: ready to use."


@dataclass(frozen=True)
class PoseEditor:
    """The editor's components, for wiring by the tab that hosts it.

    ``value``: the pose being edited (read it as an input; write a pose to it to load one).
    ``load_target``: the same component, named for loading.
    ``preview``: the conditioning image, refreshed after every finished edit.
    ``hint``: a one-line verdict on whether the pose can steer a generation.
    """

    value: gr.HTML
    preview: gr.Image
    hint: gr.Markdown

    @property
    def load_target(self) -> gr.HTML:
        return self.value

    @classmethod
    def render(cls, initial_json: dict[str, Any] | None = None, *, elem_id: str | None = None) -> "PoseEditor":
        initial = pose_json(initial_json) or DEFAULT_POSE
        image, verdict = conditioning_preview(initial)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                canvas = pose_canvas(initial, elem_id=elem_id)
            with gr.Column(scale=2, min_width=240):
                # The image's own label floats over the picture's corner: a heading hides nothing.
                gr.Markdown("**Conditioning image** · what the model is given", elem_classes=["pose-editor-caption"])
                preview = gr.Image(
                    image, label="Conditioning image", show_label=False, type="pil", format="png",
                    interactive=False, buttons=["download", "fullscreen"], height=420,
                    elem_classes=["pose-editor-preview"],
                )
                hint = gr.Markdown(verdict, elem_classes=["pose-editor-hint"])
        canvas.change(conditioning_preview, canvas, [preview, hint], show_progress="hidden",
                      trigger_mode="always_last", api_visibility="private")
        return cls(value=canvas, preview=preview, hint=hint)


def build_demo(initial_json: dict[str, Any] | None = None) -> gr.Blocks:
    """The editor alone, plus the pose as Python receives it: for manual checks and browser tests."""
    with gr.Blocks(title="Pose editor") as demo:
        editor = PoseEditor.render(initial_json, elem_id="pose-editor")
        load = gr.Button("Load a sample pose from Python", elem_id="pose-editor-load", size="sm")
        received = gr.Textbox(label="Pose as Python receives it", lines=3, max_lines=6,
                              elem_id="pose-editor-received", buttons=["copy"])
        gr.on([demo.load, editor.value.change], lambda pose: json.dumps(pose), editor.value, received,
              show_progress="hidden", api_visibility="private")
        load.click(lambda: SAMPLE_POSE, None, editor.load_target, api_visibility="private")
    return demo


def demo_theme() -> gr.themes.Base:
    # Gradio's default theme fetches a web font; system fonts keep the page fully offline.
    return gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"])


if __name__ == "__main__":
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO)
    build_demo().launch(server_port=int(os.environ.get("PORT", "7861")), theme=demo_theme())
