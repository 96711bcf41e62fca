"""Avatar: projects, and an avatar from photos (avatar_photos), from words, or from a preset; the
chosen avatar's details, and the same-person check (avatar_likeness)."""

from __future__ import annotations

import gradio as gr

from pipelines.avatar_prompt import persona_prompt
from studio.services import avatars, credits, projects
from studio.ui import avatar_likeness, avatar_photos, form
from studio.ui.avatar_photos import NEXT_STEP
from studio.ui.common import Page, Shared, Viewer, creator_errors, esc, new_key, tiles
from studio.ui.safeguards import armed_for, confirmed, working

# What the creator may pick for each visual attribute the studio keeps (avatars.ATTRIBUTE_FIELDS);
# any other text may be typed. An attribute without suggestions is free text.
SUGGESTIONS = {
    "gender": ["woman", "man", "person"],
    "age_range": ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
    "body_type": ["slim", "average", "athletic", "curvy", "plus-size"],
    "hair_style": ["short", "long waves", "ponytail", "bun", "braids", "covered by a hijab"],
    "hair_colour": ["black", "brown", "blond", "red", "grey"],
    "eye_colour": ["brown", "blue", "green", "hazel", "grey"],
    "skin_tone": ["fair", "light", "medium", "olive", "tan", "brown", "deep brown"],
    "style": ["business suit", "streetwear", "sportswear", "modest fashion", "smart casual"],
}
# (field, label, suggestions), in the service's order: the one list every form and handler uses.
ATTRIBUTES = tuple((field, field.replace("_", " ").capitalize(), SUGGESTIONS.get(field, []))
                   for field in avatars.ATTRIBUTE_FIELDS)
# The avatar columns the details form shows, in the order of its inputs.
DETAIL_COLUMNS = ("name", "persona_name", "persona_age", "persona_personality", *avatars.ATTRIBUTE_FIELDS)
# Catalog entries of the three ways to make an avatar: the labels show their prices.
WORDS, PRESET = "avatar.words", "avatar.preset"  # UPLOAD: avatar_photos


def _chosen_project(value, what: str = "Create or choose a project first.") -> int:
    pid = _project_id(value)
    if pid is None:
        raise gr.Error(what)
    return pid


def _project_id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise gr.Error("Choose one of your projects first.") from None


def _persona(name, age, personality, background) -> dict:
    return {"name": name, "age": age if age not in ("", None) else None, "personality": personality,
            "background": background}


def _attributes(values) -> dict:
    return {field: value for (field, _, _), value in zip(ATTRIBUTES, values)}


def _attribute_inputs(prefix: str | None = None) -> list[gr.Dropdown]:
    """One dropdown per attribute, in two rows, in ATTRIBUTES order (ids ``prefix-field``)."""
    dropdowns = []
    for row in (ATTRIBUTES[:5], ATTRIBUTES[5:]):
        with gr.Row():
            # Empty until the creator picks (Gradio would select the first suggestion): an empty
            # attribute is left out of the prompt, so nothing the creator did not ask for is drawn.
            dropdowns += [form.Dropdown(label=label, choices=choices, value=None, allow_custom_value=True,
                                        elem_id=f"{prefix}-{field}" if prefix else None)
                          for field, label, choices in row]
    return dropdowns


def pick_candidate(candidates: list, evt: gr.SelectData):
    if not candidates or evt.index is None or not 0 <= int(evt.index) < len(candidates):
        return None
    return int(evt.index)


# Gradio maps inputs to parameters by position, and injects gr.Request by type only up to a
# *args: so handlers that take the attributes take the request first and the attributes last,
# as *attributes in ATTRIBUTES order.


class AvatarTab:
    """The tab's handlers, bound to one page. Where the avatar gallery changes, the ids of its
    cards change with it (a gr.State): a click is read by index, never from a caption."""

    def __init__(self, page: Page):
        self.page = page
        self.db = page.studio.db
        self.prices = {row.key: row.credit_cost for row in credits.catalog(self.db, kind="avatar")}

    @staticmethod
    def chosen_project(value, what: str) -> int:
        """The project the menu holds, or a refusal saying ``what`` to do first."""
        return _chosen_project(value, what)

    def priced(self, text: str, key: str) -> str:
        """``text · N credits``, N from the price catalog (the price the service charges)."""
        return f"{text} · {self.prices[key]} credits" if key in self.prices else text

    def _project_choices(self, user_id: int) -> list[tuple[str, int]]:
        return [(f"{p.name} ({p.avatar_count})", p.id) for p in projects.list_projects(self.db, user_id=user_id)]

    def projects_update(self, user_id: int, selected: int) -> dict:
        """The project list again: its labels carry avatar counts, which just changed."""
        return gr.update(choices=self._project_choices(user_id), value=selected)

    def avatars_shown(self, viewer: Viewer, project_id: int | None) -> tuple[list[tuple[str, str]], list[int]]:
        """The project's avatar cards and, index for index, their ids."""
        cards, ids = [], []
        if project_id is None:
            return cards, ids
        for a in avatars.list_avatars(self.db, user_id=viewer.user.id, project_id=project_id):
            link = viewer.media(a.thumbnail_path) or viewer.media(a.image_path)
            if link:
                cards.append((link, f"#{a.id} {a.name}"))
                ids.append(a.id)
        return cards, ids

    @creator_errors
    def load_projects(self, request: gr.Request):
        viewer = self.page.viewer(request)
        choices = self._project_choices(viewer.user.id)
        selected = choices[0][1] if choices else None
        cards, ids = self.avatars_shown(viewer, selected)
        hint = ("Create a project to keep this person's avatars together, e.g. *Spring catalogue*."
                if not choices else NEXT_STEP if cards else
                "Add an avatar to this project: upload a photo, describe a person, or start from a preset.")
        return gr.update(choices=choices, value=selected), cards, ids, hint

    @creator_errors
    def make_project(self, name: str, request: gr.Request):
        user = self.page.user(request)
        project = projects.create_project(self.page.studio, user_id=user.id, name=name)
        return (gr.update(choices=self._project_choices(user.id), value=project.id), [], [], "",
                f"Project **{esc(project.name)}** created. Now add an avatar below.", "")

    @creator_errors
    def show_project(self, project_id, request: gr.Request):
        return self.avatars_shown(self.page.viewer(request), _project_id(project_id))

    @creator_errors
    def remove_project(self, project_id, armed, request: gr.Request):
        """Two presses: the first says what will go, the second deletes (there is no undo)."""
        viewer = self.page.viewer(request)
        pid = _chosen_project(project_id, "Choose the project to delete first.")
        if not confirmed(armed, ("project", pid)):
            project = projects.get_project(self.db, user_id=viewer.user.id, project_id=pid)
            count = len(avatars.list_avatars(self.db, user_id=viewer.user.id, project_id=pid))
            return (gr.skip(), gr.skip(), gr.skip(),
                    f"Press **Delete project** again to delete “{esc(project.name)}” and its {count} avatar(s) "
                    "for good. Images of past batches stay in History.", armed_for(("project", pid)))
        removed = projects.delete_project(self.page.studio, user_id=viewer.user.id, project_id=pid)
        choices = self._project_choices(viewer.user.id)
        selected = choices[0][1] if choices else None
        return (gr.update(choices=choices, value=selected), *self.avatars_shown(viewer, selected),
                f"Project deleted with its {removed} avatar(s). Images of past batches are kept in History.", None)

    @creator_errors
    def start_from_example(self, slug: str):
        if not slug:
            return gr.skip()  # the menu cleared: the form keeps what the creator typed
        example = next((e for e in avatars.persona_examples(self.db) if e.slug == slug), None)
        if example is None:
            raise gr.Error("Choose one of the persona examples.")
        attrs = example.attributes or {}
        return [example.name, example.age, example.personality, example.background,
                *[attrs.get(field, "") for field, _, _ in ATTRIBUTES]]

    @creator_errors
    def write_prompt(self, name, age, personality, background, *attributes):
        persona = avatars.clean_persona(_persona(name, age, personality, background))
        return persona_prompt(persona, avatars.clean_attributes(_attributes(attributes)))

    @creator_errors
    def preview_words(self, request: gr.Request, name, age, personality, background, prompt, negative, key,
                      *attributes):
        viewer = self.page.viewer(request)
        candidates = avatars.preview_from_words(
            self.page.studio, user_id=viewer.user.id, persona=_persona(name, age, personality, background),
            attributes=_attributes(attributes), prompt=prompt or None, negative_prompt=negative or None,
            count=4, submission_key=key)
        cards = [(viewer.media(c.image_path), f"seed {c.seed}") for c in candidates]
        state = [{"path": c.image_path, "seed": c.seed, "prompt": c.prompt, "negative": c.negative_prompt}
                 for c in candidates]
        return (cards, state, None,
                f"Pick the candidate you like, name it, and save it ({self.prices[WORDS]} credits were charged).",
                new_key())

    @creator_errors
    def save_words(self, request: gr.Request, project_id, avatar_name, name, age, personality, background,
                   candidates, picked, *attributes):
        viewer = self.page.viewer(request)
        pid = _chosen_project(project_id)
        if not candidates or picked is None:
            raise gr.Error("Preview some candidates and click the one you like first.")
        chosen = candidates[int(picked)]
        avatar = avatars.save_candidate(
            self.page.studio, user_id=viewer.user.id, project_id=pid, name=avatar_name or name or "Avatar",
            candidate_path=chosen["path"], persona=_persona(name, age, personality, background),
            attributes=_attributes(attributes), prompt=chosen["prompt"], negative_prompt=chosen["negative"],
            seed=chosen["seed"])
        return (*self.avatars_shown(viewer, pid), [], [], None, f"Avatar **{esc(avatar.name)}** saved. {NEXT_STEP}",
                self.projects_update(viewer.user.id, pid))

    @creator_errors
    def preset_details(self, slug: str):
        preset = next((p for p in avatars.avatar_presets(self.db) if p.slug == slug), None)
        return preset.description if preset else ""

    @creator_errors
    def create_preset(self, project_id, slug: str, key: str, request: gr.Request):
        viewer = self.page.viewer(request)
        pid = _chosen_project(project_id)
        if not slug:
            raise gr.Error("Choose a preset first.")
        avatar = avatars.create_from_preset(self.page.studio, user_id=viewer.user.id, project_id=pid,
                                            preset_slug=slug, submission_key=key)
        return (*self.avatars_shown(viewer, pid),
                f"Avatar **{esc(avatar.name)}** created ({self.prices[PRESET]} credits). {NEXT_STEP}", new_key(),
                self.projects_update(viewer.user.id, pid))

    @creator_errors
    def select_avatar(self, avatar_ids: list[int], request: gr.Request, evt: gr.SelectData):
        """The clicked avatar's details: its id, the form shown, then DETAIL_COLUMNS."""
        if evt.index is None or not avatar_ids or not 0 <= int(evt.index) < len(avatar_ids):
            return gr.skip()  # skips every output
        a = avatars.get_avatar(self.db, user_id=self.page.user(request).id, avatar_id=avatar_ids[int(evt.index)])
        return [a.id, gr.update(visible=True), *[getattr(a, column) for column in DETAIL_COLUMNS]]

    @creator_errors
    def save_avatar_details(self, request: gr.Request, avatar_id, *details):
        user = self.page.user(request)
        if not avatar_id:
            raise gr.Error("Click an avatar first.")
        avatar = avatars.update_avatar(self.db, user_id=user.id, avatar_id=int(avatar_id),
                                       **dict(zip(DETAIL_COLUMNS, details)))
        return f"Saved **{esc(avatar.name)}**."

    @creator_errors
    def delete_avatar(self, avatar_id, project_id, armed, request: gr.Request):
        """Two presses, as for a project."""
        viewer = self.page.viewer(request)
        if not avatar_id:
            raise gr.Error("Click an avatar first.")
        if not confirmed(armed, ("avatar", int(avatar_id))):
            avatar = avatars.get_avatar(self.db, user_id=viewer.user.id, avatar_id=int(avatar_id))
            return (gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    f"Press **Delete avatar** again to delete “{esc(avatar.name)}” for good. "
                    "Batches made with it keep their images.", armed_for(("avatar", avatar.id)))
        avatars.delete_avatar(self.page.studio, user_id=viewer.user.id, avatar_id=int(avatar_id))
        return (*self.avatars_shown(viewer, _project_id(project_id)), None, gr.update(visible=False),
                "Avatar deleted.", None)


def render(page: Page, shared: Shared) -> None:
    handlers = AvatarTab(page)
    examples = [(e.name + f" — {e.background}", e.slug) for e in avatars.persona_examples(page.studio.db)]
    presets = [(p.name, p.slug) for p in avatars.avatar_presets(page.studio.db)]
    with gr.Tab("Avatar", id="avatar") as tab:
        hint = gr.Markdown(elem_id="avatar-hint")
        with gr.Row(equal_height=True):
            project = form.Dropdown(label="Project", choices=[], allow_custom_value=True, scale=3,
                                  elem_id="avatar-project")
            new_name = gr.Textbox(label="New project", placeholder="e.g. Spring catalogue", scale=3,
                                  elem_id="avatar-new-project")
            create = gr.Button("Create project", scale=1, elem_id="avatar-create-project")
            remove = gr.Button("Delete project", variant="stop", size="sm", scale=1, elem_id="avatar-delete-project")
        gallery = gr.Gallery(label="Avatars in this project", **tiles(6), height=220, allow_preview=False,
                             elem_id="avatar-gallery", interactive=False)
        avatar_ids = gr.State([])  # the ids of the gallery's cards, index for index
        shown = [gallery, avatar_ids]  # every handler that redraws the gallery sends both
        delete_armed = gr.State(None)  # what a first press of a delete button asked to delete
        with gr.Group(visible=False) as details:
            avatar_id = form.Number(visible=False, precision=0)
            with gr.Row():
                d_name = gr.Textbox(label="Avatar name")
                d_persona = gr.Textbox(label="Persona name")
                d_age = gr.Textbox(label="Age", placeholder="any")
            d_personality = gr.Textbox(label="Personality")
            d_attrs = _attribute_inputs("avatar-details")
            with gr.Row():
                save_details = gr.Button("Save changes", size="sm")
                delete = gr.Button("Delete avatar", variant="stop", size="sm", elem_id="avatar-delete")
            avatar_likeness.render(page, avatar_id)
        status = gr.Markdown(elem_id="avatar-status")

        with gr.Tabs():
            upload_key = avatar_photos.render(page, shared, handlers, project, shown, status)
            with gr.Tab("From words", id="avatar-words"):
                words_key = gr.State(None)
                candidates = gr.State([])
                picked = gr.State(None)
                example = form.Dropdown(label="Start from an example persona", choices=examples, value=None,
                                        elem_id="avatar-example")
                with gr.Row():
                    p_name = gr.Textbox(label="Name", elem_id="avatar-words-name")
                    # Text, not a number box: Gradio's shows 0 when empty, and an empty age means
                    # "any" (the service checks it: a whole number from 1 to 120).
                    p_age = gr.Textbox(label="Age", placeholder="any", elem_id="avatar-words-age")
                p_personality = gr.Textbox(label="Personality", placeholder="warm, confident",
                                           elem_id="avatar-words-personality")
                p_background = gr.Textbox(label="Background", placeholder="Runs a modest-fashion label", lines=2)
                gr.Markdown("Leave an attribute empty and the prompt does not ask for it.")
                attrs = _attribute_inputs("avatar-words-attributes")
                make_prompt = gr.Button("Write the prompt", size="sm")
                prompt = gr.Textbox(label="Prompt (edit freely)", lines=2, elem_id="avatar-words-prompt")
                negative = gr.Textbox(label="Negative prompt", lines=1)
                preview = gr.Button(handlers.priced("Preview 4 candidates", WORDS), variant="primary")
                cand_gallery = gr.Gallery(label="Candidates: click the one you like", **tiles(4), height=260,
                                          allow_preview=False, interactive=False)
                with gr.Row():
                    words_name = gr.Textbox(label="Avatar name", placeholder="defaults to the persona's name")
                    save_words_btn = gr.Button("Save the chosen candidate", variant="primary")
            with gr.Tab("From a preset", id="avatar-preset"):
                preset_key = gr.State(None)
                preset = form.Dropdown(label="Preset", choices=presets, value=None, elem_id="avatar-preset-pick")
                preset_info = gr.Markdown()
                from_preset = gr.Button(handlers.priced("Create avatar", PRESET), variant="primary")

    persona_inputs = [p_name, p_age, p_personality, p_background]
    detail_inputs = [d_name, d_persona, d_age, d_personality, *d_attrs]  # DETAIL_COLUMNS order
    # Fresh submission keys per page load (a double click reuses them: charged once).
    shared.on_load.append(lambda demo: demo.load(lambda: (new_key(), new_key(), new_key()), None,
                                                 [upload_key, words_key, preset_key], api_visibility="private"))
    shared.on_load.append(lambda demo: gr.on([tab.select, demo.load], handlers.load_projects, None,
                                             [project, *shown, hint], api_visibility="private"))
    # Enter in the name box creates the project, as the button does (a creator types a name and presses Enter).
    gr.on([create.click, new_name.submit], handlers.make_project, new_name, [project, *shown, new_name, status, hint],
          api_visibility="private")
    project.change(handlers.show_project, project, shown, api_visibility="private")
    remove.click(handlers.remove_project, [project, delete_armed], [project, *shown, status, delete_armed],
                 api_visibility="private")
    write = dict(fn=handlers.write_prompt, inputs=[*persona_inputs, *attrs], outputs=[prompt, negative],
                 api_visibility="private")
    # A picked example rewrites the prompt too: the one shown was written for the last persona.
    example.change(handlers.start_from_example, example, [*persona_inputs, *attrs],
                   api_visibility="private").success(**write)
    make_prompt.click(**write)
    start, done = working(preview, handlers.priced("Preview 4 candidates", WORDS), "Drawing 4 candidates…")
    preview.click(**start).then(handlers.preview_words, [*persona_inputs, prompt, negative, words_key, *attrs],
                                [cand_gallery, candidates, picked, status, words_key], api_visibility="private",
                                concurrency_limit=1, concurrency_id="engine").then(**done).then(
        page.header, None, shared.user_box, api_visibility="private")
    cand_gallery.select(pick_candidate, candidates, picked, api_visibility="private")
    save_words_btn.click(handlers.save_words, [project, words_name, *persona_inputs, candidates, picked, *attrs],
                         [*shown, cand_gallery, candidates, picked, status, project], api_visibility="private")
    preset.change(handlers.preset_details, preset, preset_info, api_visibility="private")
    start, done = working(from_preset, handlers.priced("Create avatar", PRESET), "Drawing the avatar…")
    from_preset.click(**start).then(handlers.create_preset, [project, preset, preset_key],
                                    [*shown, status, preset_key, project], api_visibility="private",
                                    concurrency_limit=1, concurrency_id="engine").then(**done).then(
        page.header, None, shared.user_box, api_visibility="private")
    gallery.select(handlers.select_avatar, avatar_ids, [avatar_id, details, *detail_inputs], api_visibility="private")
    save_details.click(handlers.save_avatar_details, [avatar_id, *detail_inputs], status, api_visibility="private")
    delete.click(handlers.delete_avatar, [avatar_id, project, delete_armed],
                 [*shown, avatar_id, details, status, delete_armed], api_visibility="private")
