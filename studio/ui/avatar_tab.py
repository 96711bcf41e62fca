"""Avatar: projects, and an avatar from a photo, from words, or from a preset."""

from __future__ import annotations


import gradio as gr

from studio.context import Studio, current
from studio.services import avatars, projects
from studio.ui.common import Shared, Viewer, creator_errors, esc, new_key, photo_preview, uploaded_file, user_of, viewer_of
from studio.ui.layout import header_html

ATTRIBUTES = [  # (field, label, suggestions)
    ("gender", "Gender", ["woman", "man", "person"]),
    ("age_range", "Age range", ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]),
    ("ethnicity", "Ethnicity", []),
    ("body_type", "Body type", ["slim", "average", "athletic", "curvy", "plus-size"]),
    ("hair_style", "Hair style", ["short", "long waves", "ponytail", "bun", "braids", "covered by a hijab"]),
    ("hair_colour", "Hair colour", ["black", "brown", "blond", "red", "grey"]),
    ("eye_colour", "Eye colour", ["brown", "blue", "green", "hazel", "grey"]),
    ("skin_tone", "Skin tone", ["fair", "light", "medium", "olive", "tan", "brown", "deep brown"]),
    ("style", "Style", ["business suit", "streetwear", "sportswear", "modest fashion", "smart casual"]),
]
NEXT_STEP = "Next: open the **Pose gallery** tab and pick the poses for this person."


def _project_choices(user_id: int) -> list[tuple[str, int]]:
    return [(f"{p.name} ({p.avatar_count})", p.id) for p in projects.list_projects(current().db, user_id=user_id)]


def _avatar_cards(viewer: Viewer, project_id: int | None) -> list[tuple[str, str]]:
    if project_id is None:
        return []
    cards = []
    for a in avatars.list_avatars(current().db, user_id=viewer.user.id, project_id=project_id):
        link = viewer.media(a.thumbnail_path) or viewer.media(a.image_path)
        if link:
            cards.append((link, f"#{a.id} {a.name}"))
    return cards


def _projects_update(user_id: int, selected: int) -> dict:
    """The project list again: its labels carry avatar counts, which just changed."""
    return gr.update(choices=_project_choices(user_id), value=selected)


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


@creator_errors
def load_projects(request: gr.Request):
    viewer = viewer_of(request)
    choices = _project_choices(viewer.user.id)
    selected = choices[0][1] if choices else None
    cards = _avatar_cards(viewer, selected)
    hint = ("Create a project to keep this person's avatars together, e.g. *Spring catalogue*."
            if not choices else NEXT_STEP if cards else
            "Add an avatar to this project: upload a photo, describe a person, or start from a preset.")
    return gr.update(choices=choices, value=selected), cards, hint


@creator_errors
def make_project(name: str, request: gr.Request):
    user = user_of(request)
    project = projects.create_project(current().db, user_id=user.id, name=name)
    return (gr.update(choices=_project_choices(user.id), value=project.id), [], "",
            f"Project **{esc(project.name)}** created. Now add an avatar below.", "")


@creator_errors
def show_project(project_id, request: gr.Request):
    return _avatar_cards(viewer_of(request), _project_id(project_id))


@creator_errors
def remove_project(project_id, request: gr.Request):
    viewer = viewer_of(request)
    pid = _chosen_project(project_id, "Choose the project to delete first.")
    removed = projects.delete_project(current(), user_id=viewer.user.id, project_id=pid)
    choices = _project_choices(viewer.user.id)
    return (gr.update(choices=choices, value=choices[0][1] if choices else None),
            _avatar_cards(viewer, choices[0][1]) if choices else [],
            f"Project deleted with its {removed} avatar(s). Images of past batches are kept in History.")


@creator_errors
def save_uploaded_avatar(project_id, name: str, photo: str | None, key: str, request: gr.Request):
    viewer = viewer_of(request)
    pid = _chosen_project(project_id, "Create or choose a project first, then upload the photo.")
    if not photo:
        raise gr.Error("Choose a photo to upload: a JPEG, PNG or WebP of the person, at least 256 px.")
    avatar = avatars.create_from_upload(current(), user_id=viewer.user.id, project_id=pid, name=name or "Avatar",
                                        file_path=uploaded_file(photo, "Photo"), submission_key=key)
    return (_avatar_cards(viewer, pid), f"Avatar **{esc(avatar.name)}** saved (2 credits). {NEXT_STEP}",
            new_key(), None, "", _projects_update(viewer.user.id, pid))


@creator_errors
def check_photo(photo: str | None) -> str:
    """The chosen photo as the studio will keep it, or what is wrong with it, before any charge."""
    return photo_preview(photo, "Photo")


def _persona(name, age, personality, background) -> dict:
    return {"name": name, "age": age if age not in ("", None) else None, "personality": personality,
            "background": background}


def _attributes(values) -> dict:
    return {field: value for (field, _, _), value in zip(ATTRIBUTES, values)}


# Handlers below list the nine attributes as plain parameters, in ATTRIBUTES order: Gradio
# maps inputs to parameters by position and injects gr.Request by type, so no *args.


@creator_errors
def start_from_example(slug: str):
    example = next((e for e in avatars.persona_examples(current().db) if e.slug == slug), None)
    if example is None:
        raise gr.Error("Choose one of the persona examples.")
    attrs = example.attributes or {}
    return [example.name, example.age, example.personality, example.background,
            *[attrs.get(field, "") for field, _, _ in ATTRIBUTES]]


@creator_errors
def write_prompt(name, age, personality, background, gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style):
    attribute_values = (gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style)
    from pipelines.avatar_prompt import persona_prompt

    persona = avatars.clean_persona(_persona(name, age, personality, background))
    return persona_prompt(persona, avatars.clean_attributes(_attributes(attribute_values)))


@creator_errors
def preview_words(name, age, personality, background, prompt, negative, key,
                  gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style, request: gr.Request):
    attribute_values = (gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style)
    viewer = viewer_of(request)
    candidates = avatars.preview_from_words(
        current(), user_id=viewer.user.id, persona=_persona(name, age, personality, background),
        attributes=_attributes(attribute_values), prompt=prompt or None, negative_prompt=negative or None,
        count=4, submission_key=key)
    cards = [(viewer.media(c.image_path), f"seed {c.seed}") for c in candidates]
    state = [{"path": c.image_path, "seed": c.seed, "prompt": c.prompt, "negative": c.negative_prompt}
             for c in candidates]
    return cards, state, None, "Pick the candidate you like, name it, and save it (10 credits were charged).", \
        new_key()


def pick_candidate(candidates: list, evt: gr.SelectData):
    if not candidates or evt.index is None or not 0 <= int(evt.index) < len(candidates):
        return None
    return int(evt.index)


@creator_errors
def save_words(project_id, avatar_name, name, age, personality, background, candidates, picked,
               gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style, request: gr.Request):
    attribute_values = (gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style)
    viewer = viewer_of(request)
    user = viewer.user
    pid = _chosen_project(project_id)
    if not candidates or picked is None:
        raise gr.Error("Preview some candidates and click the one you like first.")
    chosen = candidates[int(picked)]
    avatar = avatars.save_candidate(
        current(), user_id=user.id, project_id=pid, name=avatar_name or name or "Avatar",
        candidate_path=chosen["path"], persona=_persona(name, age, personality, background),
        attributes=_attributes(attribute_values), prompt=chosen["prompt"], negative_prompt=chosen["negative"],
        seed=chosen["seed"])
    return (_avatar_cards(viewer, pid), [], [], None, f"Avatar **{esc(avatar.name)}** saved. {NEXT_STEP}",
            _projects_update(user.id, pid))


@creator_errors
def preset_details(slug: str):
    preset = next((p for p in avatars.avatar_presets(current().db) if p.slug == slug), None)
    return preset.description if preset else ""


@creator_errors
def create_preset(project_id, slug: str, key: str, request: gr.Request):
    viewer = viewer_of(request)
    user = viewer.user
    pid = _chosen_project(project_id)
    if not slug:
        raise gr.Error("Choose a preset first.")
    avatar = avatars.create_from_preset(current(), user_id=user.id, project_id=pid, preset_slug=slug,
                                        submission_key=key)
    return (_avatar_cards(viewer, pid), f"Avatar **{esc(avatar.name)}** created (8 credits). {NEXT_STEP}", new_key(),
            _projects_update(user.id, pid))


def _avatar_id_from_caption(caption: str | None) -> int | None:
    if caption and caption.startswith("#"):
        try:
            return int(caption[1:].split(" ", 1)[0])
        except ValueError:
            return None
    return None


@creator_errors
def select_avatar(request: gr.Request, evt: gr.SelectData):
    user = user_of(request)
    caption = evt.value.get("caption") if isinstance(evt.value, dict) else None
    avatar_id = _avatar_id_from_caption(caption)
    if avatar_id is None:
        return [gr.skip()] * (6 + len(ATTRIBUTES))
    a = avatars.get_avatar(current().db, user_id=user.id, avatar_id=avatar_id)
    return [a.id, gr.update(visible=True), a.name, a.persona_name, a.persona_age, a.persona_personality,
            *[getattr(a, field) for field, _, _ in ATTRIBUTES]]


@creator_errors
def save_avatar_details(avatar_id, name, persona_name, persona_age, personality,
                        gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style, request: gr.Request):
    attribute_values = (gender, age_range, ethnicity, body_type, hair_style, hair_colour, eye_colour, skin_tone, style)
    user = user_of(request)
    if not avatar_id:
        raise gr.Error("Click an avatar first.")
    changes = {"name": name, "persona_name": persona_name, "persona_age": persona_age,
               "persona_personality": personality, **_attributes(attribute_values)}
    avatar = avatars.update_avatar(current().db, user_id=user.id, avatar_id=int(avatar_id), **changes)
    return f"Saved **{esc(avatar.name)}**."


@creator_errors
def delete_avatar(avatar_id, project_id, request: gr.Request):
    viewer = viewer_of(request)
    if not avatar_id:
        raise gr.Error("Click an avatar first.")
    avatars.delete_avatar(current(), user_id=viewer.user.id, avatar_id=int(avatar_id))
    return _avatar_cards(viewer, _project_id(project_id)), None, gr.update(visible=False), "Avatar deleted."


def render(studio: Studio, shared: Shared) -> None:
    examples = [(e.name + f" — {e.background}", e.slug) for e in avatars.persona_examples(studio.db)]
    presets = [(p.name, p.slug) for p in avatars.avatar_presets(studio.db)]
    with gr.Tab("Avatar", id="avatar") as tab:
        hint = gr.Markdown(elem_id="avatar-hint")
        with gr.Row(equal_height=True):
            project = gr.Dropdown(label="Project", choices=[], allow_custom_value=True, scale=3,
                                  elem_id="avatar-project")
            new_name = gr.Textbox(label="New project", placeholder="e.g. Spring catalogue", scale=3,
                                  elem_id="avatar-new-project")
            create = gr.Button("Create project", scale=1, elem_id="avatar-create-project")
            remove = gr.Button("Delete project", variant="stop", size="sm", scale=1)
        gallery = gr.Gallery(label="Avatars in this project", columns=6, height=220, allow_preview=False,
                             elem_id="avatar-gallery", interactive=False)
        with gr.Group(visible=False) as details:
            avatar_id = gr.Number(visible=False, precision=0)
            with gr.Row():
                d_name = gr.Textbox(label="Avatar name")
                d_persona = gr.Textbox(label="Persona name")
                d_age = gr.Number(label="Age", precision=0, minimum=1, maximum=120)
            d_personality = gr.Textbox(label="Personality")
            with gr.Row():
                d_attrs = [gr.Dropdown(label=label, choices=choices, allow_custom_value=True)
                           for _, label, choices in ATTRIBUTES[:5]]
            with gr.Row():
                d_attrs += [gr.Dropdown(label=label, choices=choices, allow_custom_value=True)
                            for _, label, choices in ATTRIBUTES[5:]]
            with gr.Row():
                save_details = gr.Button("Save changes", size="sm")
                delete = gr.Button("Delete avatar", variant="stop", size="sm")
        status = gr.Markdown(elem_id="avatar-status")

        with gr.Tabs():
            with gr.Tab("From a photo", id="avatar-photo"):
                upload_key = gr.State(None)
                with gr.Row():
                    with gr.Column():
                        # A plain file: the studio checks it (size, format, pixels) before anything
                        # decodes it; gr.Image would decode first, with Pillow's bomb guard off.
                        photo = gr.File(label="Photo of the person (JPEG, PNG or WebP, 256-4096 px, up to 10 MB)",
                                        file_types=["image"], type="filepath", height=120,
                                        elem_id="avatar-photo-input")
                        photo_check = gr.HTML(elem_id="avatar-photo-preview")
                    with gr.Column():
                        photo_name = gr.Textbox(label="Avatar name", placeholder="e.g. Amira", elem_id="avatar-photo-name")
                        upload = gr.Button("Save avatar · 2 credits", variant="primary", elem_id="avatar-upload")
                        gr.Markdown("A clear, front-facing photo works best. Metadata (location, camera) is removed.")
            with gr.Tab("From words", id="avatar-words"):
                words_key = gr.State(None)
                candidates = gr.State([])
                picked = gr.State(None)
                example = gr.Dropdown(label="Start from an example persona", choices=examples)
                with gr.Row():
                    p_name = gr.Textbox(label="Name")
                    p_age = gr.Number(label="Age", precision=0, minimum=1, maximum=120)
                p_personality = gr.Textbox(label="Personality", placeholder="warm, confident")
                p_background = gr.Textbox(label="Background", placeholder="Runs a modest-fashion label", lines=2)
                with gr.Row():
                    attrs = [gr.Dropdown(label=label, choices=choices, allow_custom_value=True)
                             for _, label, choices in ATTRIBUTES[:5]]
                with gr.Row():
                    attrs += [gr.Dropdown(label=label, choices=choices, allow_custom_value=True)
                              for _, label, choices in ATTRIBUTES[5:]]
                make_prompt = gr.Button("Write the prompt", size="sm")
                prompt = gr.Textbox(label="Prompt (edit freely)", lines=2)
                negative = gr.Textbox(label="Negative prompt", lines=1)
                preview = gr.Button("Preview 4 candidates · 10 credits", variant="primary")
                cand_gallery = gr.Gallery(label="Candidates: click the one you like", columns=4, height=260,
                                          allow_preview=False, interactive=False)
                with gr.Row():
                    words_name = gr.Textbox(label="Avatar name", placeholder="defaults to the persona's name")
                    save_words_btn = gr.Button("Save the chosen candidate", variant="primary")
            with gr.Tab("From a preset", id="avatar-preset"):
                preset_key = gr.State(None)
                preset = gr.Dropdown(label="Preset", choices=presets)
                preset_info = gr.Markdown()
                from_preset = gr.Button("Create avatar · 8 credits", variant="primary")

    persona_inputs = [p_name, p_age, p_personality, p_background]
    # Fresh submission keys per page load (a double click reuses them: charged once).
    shared.on_load.append(lambda demo: demo.load(lambda: (new_key(), new_key(), new_key()), None,
                                                 [upload_key, words_key, preset_key], api_visibility="private"))
    tab.select(load_projects, None, [project, gallery, hint], api_visibility="private")
    shared.on_load.append(lambda demo: demo.load(load_projects, None, [project, gallery, hint],
                                                 api_visibility="private"))
    create.click(make_project, new_name, [project, gallery, new_name, status, hint], api_visibility="private")
    project.change(show_project, project, gallery, api_visibility="private")
    remove.click(remove_project, project, [project, gallery, status], api_visibility="private")
    photo.upload(check_photo, photo, photo_check, api_visibility="private")
    photo.clear(lambda: "", None, photo_check, api_visibility="private")
    upload.click(save_uploaded_avatar, [project, photo_name, photo, upload_key],
                 [gallery, status, upload_key, photo, photo_check, project],
                 api_visibility="private", concurrency_limit=4).then(
        header_html, None, shared.user_box, api_visibility="private")
    example.change(start_from_example, example, [*persona_inputs, *attrs], api_visibility="private")
    make_prompt.click(write_prompt, [*persona_inputs, *attrs], [prompt, negative], api_visibility="private")
    preview.click(preview_words, [*persona_inputs, prompt, negative, words_key, *attrs],
                  [cand_gallery, candidates, picked, status, words_key], api_visibility="private",
                  concurrency_limit=1, concurrency_id="engine").then(
        header_html, None, shared.user_box, api_visibility="private")
    cand_gallery.select(pick_candidate, candidates, picked, api_visibility="private")
    save_words_btn.click(save_words, [project, words_name, *persona_inputs, candidates, picked, *attrs],
                         [gallery, cand_gallery, candidates, picked, status, project], api_visibility="private")
    preset.change(preset_details, preset, preset_info, api_visibility="private")
    from_preset.click(create_preset, [project, preset, preset_key], [gallery, status, preset_key, project],
                      api_visibility="private", concurrency_limit=1, concurrency_id="engine").then(
        header_html, None, shared.user_box, api_visibility="private")
    gallery.select(select_avatar, None, [avatar_id, details, d_name, d_persona, d_age, d_personality, *d_attrs],
                   api_visibility="private")
    save_details.click(save_avatar_details, [avatar_id, d_name, d_persona, d_age, d_personality, *d_attrs],
                       status, api_visibility="private")
    delete.click(delete_avatar, [avatar_id, project], [gallery, avatar_id, details, status],
                 api_visibility="private")
