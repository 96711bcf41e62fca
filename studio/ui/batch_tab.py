"""Batch: one avatar x the picked poses; the cost before submit; live progress from the database.

Progress is read from the database (the worker writes it), so it is the same whether the job
runs in this process or on an RQ worker elsewhere, and it survives a page reload. The progress
is drawn by ``batch_progress``, the results under it by ``batch_results``.
"""

from __future__ import annotations

import asyncio
import functools
import time

import anyio
import gradio as gr

from pipelines.params import MAX_VARIATIONS, GenerationParams
from studio.core import Studio
from studio.engine import readiness
from studio.services import avatars, credits, generations, quality
from studio.services import step_previews as previews
from studio.services import poses as gallery
from studio.services.exports import EXPORT_FORMATS
from studio.services.fields import whole_number
from studio.ui import batch_results, form
from studio.ui.batch_progress import progress_html
from studio.ui.common import (tiles, Page, Shared, Viewer, about, creator_errors, esc, export_format_choices,
                              new_key, uploaded_file)

POLL_SECONDS = 0.5
MAX_WATCH_S = 3 * 3600  # past this a stream ends; the batch goes on and a reload follows it again
BACKGROUNDS = [("Keep the background", "keep"), ("Solid colour", "colour"), ("My picture", "picture"),
               ("Generated scene", "scene")]


def preset_choices(studio: Studio) -> list[tuple[str, str]]:
    """The presets as menu choices, each labelled with its price from the catalog, and marked
    where this studio cannot run it (its models missing, offline)."""
    choices = []
    for row in credits.catalog(studio.db, kind="pose"):
        answer = readiness(studio, row.preset)
        unready = " · not available here" if answer is not None and not answer.ready else ""
        choices.append((f"{row.label} · {row.credit_cost} credits per image{unready}", row.preset))
    return choices


def _as_id(value) -> int | None:
    """A menu's value as an id, or None (the menu accepts typed text)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def preset_note(studio: Studio, preset_key: str | None) -> str:
    """What the chosen preset needs before it runs here, if anything (said before any charge)."""
    try:
        answer = readiness(studio, preset_key) if preset_key else None
    except Exception:  # an unknown key from a client: the submit names it
        return ""
    if answer is None or not answer.note:
        return ""
    if not answer.ready:
        return f"**Not available on this studio:** this preset {esc(answer.note)}. Pick one without the mark."
    return f"First use: this preset {esc(answer.note)}."


def _params(prompt, negative, steps, guidance, pose_strength, identity_strength, width, height, seed):
    def opt_int(v):
        return None if v in (None, "", 0) else int(v)

    def opt_float(v):
        return None if v in (None, "") else float(v)

    return GenerationParams(prompt=prompt or "", negative_prompt=negative or "", steps=opt_int(steps),
                            guidance=opt_float(guidance), pose_strength=opt_float(pose_strength),
                            identity_strength=opt_float(identity_strength), width=opt_int(width),
                            height=opt_int(height), seed=int(seed or 0))


def checks_of(reroll, likeness_bar, pose_bar, rerolls, face_pass) -> dict:
    """The Quality checks accordion as SubmitRequest.checks (the sliders are in %)."""
    def share(value, what):
        try:
            return float(value) / 100
        except (TypeError, ValueError):
            raise gr.Error(f"{what}: give a percentage from 0 to 100.") from None

    try:
        rerolls = int(rerolls)
    except (TypeError, ValueError):
        raise gr.Error("Re-rolls per image: give a whole number.") from None
    return {"reroll": bool(reroll), "likeness_bar": share(likeness_bar, "Likeness bar"),
            "pose_bar": share(pose_bar, "Pose bar"), "max_rerolls": rerolls, "face_pass": bool(face_pass)}


HEARTBEAT_POLLS = 4  # with nothing new, still yield every 2 s: that is when Gradio notices a client left


class BatchTab:
    """The Batch tab's handlers, bound to one page."""

    def __init__(self, page: Page):
        self.page = page
        self.studio = page.studio

    def _avatar_choices(self, user_id: int) -> list[tuple[str, int]]:
        return [(f"{a.name} (#{a.id})", a.id) for a in avatars.list_avatars(self.studio.db, user_id=user_id)
                if a.image_path]

    @creator_errors
    def refresh_choices(self, selected: list[int], current, request: gr.Request):
        viewer = self.page.viewer(request)
        user = viewer.user
        choices = self._avatar_choices(user.id)
        poses = gallery.poses_for_batch(self.studio.db, user_id=user.id, pose_ids=selected) if selected else []
        files = gallery.preview_files(self.studio, user_id=user.id, pose_ids=[p.id for p in poses])
        cards = [(viewer.preview(files[p.id]), p.name) for p in poses if p.id in files]
        if not choices:
            hint = "Make an avatar first in the **Avatar** tab: the person every pose will show."
        elif not cards:
            hint = "Pick poses in the **Pose gallery** tab: click the poses you want, then come back here."
        else:
            hint = f"{len(cards)} pose(s) picked. Check the cost below, then press **Generate**."
        # The avatar the creator chose stays chosen (a new one made meanwhile is not forced on them).
        ids = [value for _, value in choices]
        keep = _as_id(current)
        chosen = keep if keep in ids else (ids[0] if ids else None)
        return gr.update(choices=choices, value=chosen), cards, hint

    def preset_status(self, preset_key):
        """The preset menu again (what is ready may have changed) and the chosen one's note."""
        return gr.update(choices=preset_choices(self.studio)), preset_note(self.studio, preset_key)

    def _background(self, kind: str, colour: str, scene: str, picture: str | None, user_id: int) -> dict | None:
        if kind == "colour":
            return {"colour": colour or "#ffffff"}
        if kind == "picture":
            if not picture:
                raise gr.Error("Upload the picture to put behind the person (JPEG, PNG or WebP, at least 256 px).")
            with about("Background picture"):
                return {"image": generations.save_backdrop(self.studio, user_id=user_id,
                                                           file_path=uploaded_file(picture, "Background picture"))}
        if kind == "scene":
            if not (scene or "").strip():
                raise gr.Error("Describe the scene to put behind the person, e.g. 'a bright studio with plants'.")
            return {"prompt": scene.strip()}
        return None

    @creator_errors
    def estimate_cost(self, selected: list[int], variations, preset_key: str, background: str, steps, width, height,
                      request: gr.Request) -> str:
        """The cost box, and the form's values it was worked out from (the clock reads them again)."""
        user = self.page.user(request)
        if not selected:
            return "Pick poses in the <b>Pose gallery</b> tab to see the cost.", None  # an HTML box
        variations = whole_number(variations, "Variations per pose", 1, MAX_VARIATIONS)
        # Size and steps change the price (it covers the preset's default), so they are part of the estimate.
        params = _params("", "", steps, None, None, None, width, height, 0)
        e = generations.estimate(self.studio.db, user_id=user.id, pose_count=len(selected), variations=variations,
                                 preset_key=preset_key, background=background != "keep", params=params)
        asked = [list(selected), variations, preset_key, background, steps, width, height]
        return f"<div id='batch-cost'>{esc(e.message)}</div>", asked

    def remember(self, selected, avatar, preset_key, variations, formats) -> dict:
        """The creator's set-up, kept in the browser (gr.BrowserState) so a reload keeps it."""
        return {"poses": list(selected or []), "avatar": avatar, "preset": preset_key, "variations": variations,
                "formats": list(formats or [])}

    @creator_errors
    def restore(self, kept, current, request: gr.Request):
        """The set-up a browser kept, checked as any client value is: poses this creator can see,
        a known preset, a count in range, known sizes; whatever does not pass is left as it is.
        The avatar is checked when the tab lists the creator's avatars (refresh_choices).
        Only for a page that has no picks of its own yet (a reload): what the creator is doing now
        wins over what the browser last wrote down."""
        if not isinstance(kept, dict) or current:
            return gr.skip()
        user = self.page.user(request)
        poses = gallery.still_visible(self.studio.db, user_id=user.id, pose_ids=kept.get("poses"),
                                      limit=generations.MAX_POSES)
        presets = {key for _, key in preset_choices(self.studio)}
        variations = kept.get("variations")
        formats = kept.get("formats")
        return (poses or gr.skip(),
                _as_id(kept.get("avatar")) or gr.skip(),
                kept.get("preset") if kept.get("preset") in presets else gr.skip(),
                variations if isinstance(variations, int) and 1 <= variations <= MAX_VARIATIONS else gr.skip(),
                [f for f in formats if f in EXPORT_FORMATS] if isinstance(formats, list)
                and all(isinstance(f, str) for f in formats) else gr.skip())

    @creator_errors
    def estimate_again(self, asked, request: gr.Request):
        """The cost box with today's balance, for the form as last priced. It reads a server-side
        state, not the form: a value the form refused would otherwise be refused again each tick."""
        if not asked:
            return gr.skip()
        return self.estimate_cost(*asked, request=request)[0]

    @creator_errors
    def avatar_checks_note(self, avatar_id, request: gr.Request) -> str:
        """Under the checks: why likeness cannot be measured for the chosen avatar, if it cannot."""
        if not avatar_id:
            return ""
        try:
            avatar = avatars.get_avatar(self.studio.db, user_id=self.page.user(request).id, avatar_id=int(avatar_id))
        except (TypeError, ValueError):
            return ""
        if avatar.face_descriptor is None and avatar.face_note:
            return (f"Likeness is not measured for this avatar: {esc(avatar.face_note)}; re-roll by likeness is "
                    "off (the pose bar still applies).")
        return ""

    @creator_errors
    def face_pass_default(self, preset_key: str) -> bool:
        """The face pass as the chosen preset has it (on where its full-body faces come out small);
        the creator may still change it."""
        return quality.default_checks(self.studio.settings, preset_key)["face_pass"]

    async def watch(self, viewer: Viewer, generation_id: int):
        """Yield (progress, results' mark, generation id) until the batch ends; the DB is the source.

        An async generator: waiting costs no thread, so open streams cannot starve the handlers
        and health checks of other creators; each database read borrows a thread briefly.
        """
        watchers = self.page.watchers
        ticket = watchers.open(viewer.user.id)
        read = functools.partial(generations.progress, self.studio.db, user_id=viewer.user.id,
                                 generation_id=generation_id)
        last, quiet, started = None, 0, time.monotonic()
        try:
            while watchers.alive(ticket) and time.monotonic() - started < MAX_WATCH_S:
                p = await anyio.to_thread.run_sync(read)
                snapshot = (p.status, p.done, p.failed, p.cancelled, p.step)
                if snapshot != last:
                    last, quiet = snapshot, 0
                    forming = viewer.media(previews.current_preview(self.studio.media, viewer.user.id,
                                                                    generation_id)) if p.status == "running" else None
                    yield progress_html(p, forming), batch_results.mark(p), generation_id
                elif (quiet := quiet + 1) % HEARTBEAT_POLLS == 0:
                    yield gr.skip(), gr.skip(), gr.skip()
                if p.finished:
                    return
                await asyncio.sleep(POLL_SECONDS)
        finally:
            watchers.close(ticket)

    def _submit(self, avatar_id, selected, variations, preset_key, background, colour, scene, backdrop, formats,
                prompt, negative, steps, guidance, pose_strength, identity_strength, width, height, seed, key,
                checks: dict, request: gr.Request) -> tuple[Viewer, int]:
        viewer = self.page.viewer(request)
        user = viewer.user
        if not avatar_id:
            raise gr.Error("Choose the avatar to render: make one in the Avatar tab first.")
        if not selected:
            raise gr.Error("Pick at least one pose in the Pose gallery tab first.")
        request_ = generations.SubmitRequest(
            avatar_id=int(avatar_id), pose_ids=tuple(int(p) for p in selected),
            variations=whole_number(variations, "Variations per pose", 1, MAX_VARIATIONS), preset_key=preset_key,
            params=_params(prompt, negative, steps, guidance, pose_strength, identity_strength, width, height, seed),
            background=self._background(background, colour, scene, backdrop, user.id),
            export_formats=tuple(formats or ()), submission_key=key, checks=checks)
        return viewer, generations.submit(self.studio, user_id=user.id, request=request_).id

    @creator_errors
    async def submit_batch(self, avatar_id, selected, variations, preset_key, background, colour, scene, backdrop,
                           formats, prompt, negative, steps, guidance, pose_strength, identity_strength, width,
                           height, seed, key, reroll, likeness_bar, pose_bar, rerolls, face_pass,
                           request: gr.Request):
        # Parameters spelled out: Gradio maps inputs by position and injects gr.Request by type.
        checks = checks_of(reroll, likeness_bar, pose_bar, rerolls, face_pass)
        viewer, generation_id = await anyio.to_thread.run_sync(functools.partial(
            self._submit, avatar_id, selected, variations, preset_key, background, colour, scene, backdrop, formats,
            prompt, negative, steps, guidance, pose_strength, identity_strength, width, height, seed, key, checks,
            request))
        async for html_, marked, gid in self.watch(viewer, generation_id):
            yield html_, marked, gid, gr.skip()
        yield gr.skip(), gr.skip(), gr.skip(), new_key()

    def _latest_active(self, request: gr.Request) -> tuple[Viewer, int | None]:
        viewer = self.page.viewer(request)
        active = generations.latest_active(self.studio.db, user_id=viewer.user.id)
        return viewer, active.id if active else None

    @creator_errors
    async def resume_batch(self, request: gr.Request):
        """After a page reload: show the running batch where it is, and keep streaming it."""
        viewer, generation_id = await anyio.to_thread.run_sync(self._latest_active, request)
        if generation_id is None:
            yield progress_html(None), "", None
            return
        async for update in self.watch(viewer, generation_id):
            yield update

    @creator_errors
    def cancel_batch(self, generation_id, request: gr.Request) -> str:
        user = self.page.user(request)
        if not generation_id:
            raise gr.Error("There is no batch to cancel.")
        g = generations.cancel(self.studio, user_id=user.id, generation_id=int(generation_id))
        return f"Cancelling batch #{g.id}: it stops after the current step; images that did not run are refunded."


def render(page: Page, shared: Shared) -> None:
    studio, handlers = page.studio, BatchTab(page)
    presets = preset_choices(studio)
    default_preset = studio.settings.preset if any(v == studio.settings.preset for _, v in presets) else presets[0][1]
    preset_note_text = preset_note(studio, default_preset)
    with gr.Tab("Batch", id="batch") as tab:
        key = gr.State(None)
        generation_id = gr.State(None)
        priced = gr.State(None)  # the form's values the cost box was last worked out from
        # The set-up (poses, avatar, preset, variations, sizes) kept in this browser across reloads.
        kept = gr.BrowserState(None, storage_key="pose-studio-batch-setup")
        hint = gr.Markdown(elem_id="batch-hint")
        with gr.Row():
            with gr.Column(scale=2):
                avatar = form.Dropdown(label="Avatar", choices=[], allow_custom_value=True, elem_id="batch-avatar")
                picked = gr.Gallery(label="Picked poses", **tiles(6), height=180, allow_preview=False,
                                    elem_id="batch-poses", interactive=False)
                with gr.Row():
                    variations = form.Slider(1, MAX_VARIATIONS, value=1, step=1, label="Variations per pose",
                                             elem_id="batch-variations")
                    with gr.Column():
                        preset = gr.Radio(label="Quality", choices=presets, value=default_preset,
                                          elem_id="batch-preset")
                        preset_needs = gr.Markdown(preset_note_text, elem_id="batch-preset-note")
                with gr.Row():
                    background = gr.Radio(label="Background", choices=BACKGROUNDS, value="keep")
                    colour = gr.ColorPicker(label="Colour", value="#ffffff", visible=False)
                    scene = gr.Textbox(label="Scene", placeholder="a bright studio with plants", visible=False)
                backdrop = gr.File(label="Background picture (JPEG, PNG or WebP, at least 256 px)",
                                   file_types=["image"], type="filepath", height=100, visible=False,
                                   elem_id="batch-backdrop")
                formats = gr.CheckboxGroup(label="Export sizes", choices=export_format_choices(),
                                           value=["instagram_feed"], elem_id="batch-formats")
                with gr.Accordion("Advanced", open=False):
                    prompt = gr.Textbox(label="Extra prompt", placeholder="e.g. soft daylight, linen shirt")
                    negative = gr.Textbox(label="Negative prompt")
                    with gr.Row():
                        steps = form.Number(label="Steps (0 = preset default)", value=0, precision=0, minimum=0, maximum=100)
                        guidance = form.Number(label="Guidance (empty = default)", value=None, minimum=0, maximum=30,
                                               placeholder="preset default")
                        seed = form.Number(label="Seed", value=0, precision=0, minimum=0)
                    with gr.Row():
                        pose_strength = form.Slider(0, 2, value=1.0, step=0.05, label="Pose strength")
                        identity_strength = form.Slider(0, 2, value=0.7, step=0.05, label="Identity strength")
                    with gr.Row():
                        width = form.Number(label="Width (0 = default)", value=0, precision=0, minimum=0, maximum=2048,
                                            elem_id="batch-width")
                        height = form.Number(label="Height (0 = default)", value=0, precision=0, minimum=0, maximum=2048)
                defaults = quality.default_checks(studio.settings, default_preset)
                with gr.Accordion("Quality checks", open=False, elem_id="batch-checks"):
                    gr.Markdown("Every picture is checked for likeness to your avatar and for the pose it was "
                                "asked to follow. A picture below a bar can be redone with a new seed, free; "
                                "the best attempt is kept." if studio.settings.quality_checks else
                                "Checks are switched off on this studio: pictures are not measured or re-rolled "
                                "(the face pass still runs where it is on).")
                    reroll = gr.Checkbox(label="Re-roll drifts (free)", value=defaults["reroll"],
                                         elem_id="batch-reroll", interactive=studio.settings.quality_checks)
                    # Right under the checkbox it qualifies: why likeness cannot be measured for this avatar.
                    checks_note = gr.Markdown(elem_id="batch-checks-note")
                    with gr.Row():
                        likeness_bar = form.Slider(0, 100, value=round(defaults["likeness_bar"] * 100), step=1,
                                                 label="Likeness bar (%)", elem_id="batch-likeness-bar")
                        pose_bar = form.Slider(0, 100, value=round(defaults["pose_bar"] * 100), step=1,
                                             label="Pose bar (%)", elem_id="batch-pose-bar")
                        # A slider needs a range: with re-rolls switched off studio-wide it shows 0, locked.
                        rerolls = form.Slider(0, max(1, studio.settings.max_rerolls), value=defaults["max_rerolls"], step=1,
                                            label="Re-rolls per image", elem_id="batch-rerolls",
                                            interactive=studio.settings.max_rerolls > 0)
                    face_pass = gr.Checkbox(label="Face pass for small faces (redrawn at full size, for full-body "
                                                  "shots)", value=defaults["face_pass"], elem_id="batch-face-pass")
            with gr.Column(scale=3):
                cost = gr.HTML(elem_id="batch-cost-box")
                with gr.Row():
                    submit = gr.Button("Generate", variant="primary", elem_id="batch-submit")
                    cancel = gr.Button("Cancel batch", variant="stop", elem_id="batch-cancel")
                cancel_note = gr.Markdown()
                progress = gr.HTML(progress_html(None), elem_id="batch-progress-box")
                results_mark = batch_results.render(page, generation_id)

    cost_inputs = [shared.selected_poses, variations, preset, background, steps, width, height]
    setup = [shared.selected_poses, avatar, preset, variations, formats]
    estimate = dict(fn=handlers.estimate_cost, inputs=cost_inputs, outputs=[cost, priced], api_visibility="private")
    shared.on_load.append(lambda demo: demo.load(new_key, None, key, api_visibility="private"))
    # The set-up this browser kept is read when the tab opens (on page load the browser has not
    # handed it over yet), then the tab lists what the creator has.
    tab.select(handlers.restore, [kept, shared.selected_poses], setup, api_visibility="private").then(
        handlers.refresh_choices, [shared.selected_poses, avatar], [avatar, picked, hint],
        api_visibility="private").then(**estimate)
    gr.on([tab.select, preset.change], handlers.preset_status, preset, [preset, preset_needs], api_visibility="private")
    # The cost box says the balance too: read again when the form changes, while the page is
    # open (the clock) and when a batch ends (refunds).
    gr.on([control.change for control in (variations, preset, background, steps, width, height)], **estimate)
    shared.clock.tick(handlers.estimate_again, priced, cost, api_visibility="private")
    gr.on([shared.selected_poses.change, avatar.change, preset.change, variations.change, formats.change],
          handlers.remember, setup, kept, api_visibility="private")
    background.change(lambda b: (gr.update(visible=b == "colour"), gr.update(visible=b == "scene"),
                                 gr.update(visible=b == "picture")),
                      background, [colour, scene, backdrop], api_visibility="private")
    submit.click(handlers.submit_batch,
                 [avatar, shared.selected_poses, variations, preset, background, colour, scene, backdrop, formats, prompt,
                  negative, steps, guidance, pose_strength, identity_strength, width, height, seed, key,
                  reroll, likeness_bar, pose_bar, rerolls, face_pass],
                 [progress, results_mark, generation_id, key], api_visibility="private", concurrency_limit=None).then(
        page.header, None, shared.user_box, api_visibility="private").then(
        **estimate)
    avatar.change(handlers.avatar_checks_note, avatar, checks_note, api_visibility="private")
    # The face pass follows the preset (on where its full-body faces come out small); the creator may override.
    preset.change(handlers.face_pass_default, preset, face_pass, api_visibility="private")
    cancel.click(handlers.cancel_batch, generation_id, cancel_note, api_visibility="private").then(
        page.header, None, shared.user_box, api_visibility="private")
    shared.on_load.append(lambda demo: demo.load(handlers.resume_batch, None,
                                                 [progress, results_mark, generation_id],
                                                 api_visibility="private", concurrency_limit=None))
