"""Avatar tab, "From a photo": one photo or several at once, dropped on the box or chosen; each
becomes its own avatar in the project (studio.services.avatars.create_from_uploads), checked as
one photo is. A refused photo is named with the reason and costs nothing; the others are made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from studio.services import avatars
from studio.ui.common import Page, Shared, creator_errors, esc, new_key, photo_preview, uploaded_file
from studio.ui.safeguards import working

UPLOAD = "avatar.upload"  # the catalog entry of an avatar from a photo
NEXT_STEP = "Next: open the **Pose gallery** tab and pick the poses for this person."


def photos_of(value: Any) -> list:
    """The files a multiple-file box sent: none, one (a client may send a single file) or a list."""
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _file_name(value: Any) -> str:
    path = value.get("path") if isinstance(value, dict) else getattr(value, "path", value)
    return Path(str(path or "")).name or "a photo"


@creator_errors
def check_photos(value: Any) -> str:
    """Each chosen photo as the studio will keep it, or what is wrong with it, before any charge."""
    files = photos_of(value)
    if len(files) > avatars.MOST_PHOTOS:
        return (f"<div class='photo-refused' role='alert'><b>Photos:</b> you chose {len(files)}; "
                f"upload at most {avatars.MOST_PHOTOS} at once.</div>")
    if len(files) <= 1:
        return photo_preview(files[0], "Photo") if files else ""
    checks = "".join(f"<div class='photo-file'><div class='photo-file-name'>{esc(_file_name(f))}</div>"
                     f"{photo_preview(f, 'Photo')}</div>" for f in files)
    return f"<div class='photo-files'>{checks}</div>"


def saved_text(saved: avatars.PhotosSaved, price: int) -> str:
    """What was made and what was not, by name: "2 avatars saved (4 credits): **A**, **B**."."""
    parts = []
    if len(saved.made) == 1:
        parts.append(f"Avatar **{esc(saved.made[0].name)}** saved ({price} credits).")
    elif saved.made:
        names = ", ".join(f"**{esc(a.name)}**" for a in saved.made)
        parts.append(f"{len(saved.made)} avatars saved ({len(saved.made) * price} credits): {names}.")
    if saved.refused:
        parts.append("Not made, nothing charged for them:\n"
                     + "\n".join(f"- {esc(r.file_name)}: {esc(r.reason)}" for r in saved.refused))
    if saved.made:
        parts.append(NEXT_STEP)
    return "\n\n".join(parts)


class PhotoAvatars:
    """The sub-tab's handler. ``tab`` is the Avatar tab's handlers (projects, the avatar gallery)."""

    def __init__(self, page: Page, tab: Any):
        self.page = page
        self.tab = tab

    @creator_errors
    def save(self, project_id, name: str, photos, key: str, request: gr.Request):
        viewer = self.page.viewer(request)
        pid = self.tab.chosen_project(project_id, "Create or choose a project first, then upload the photos.")
        files = photos_of(photos)
        if not files:
            raise gr.Error("Photo: choose a photo to upload: a JPEG, PNG or WebP of the person, at least 256 px.")
        saved = avatars.create_from_uploads(self.page.studio, user_id=viewer.user.id, project_id=pid,
                                            file_paths=[uploaded_file(f, "Photo") for f in files],
                                            name=name or "", submission_key=key)
        price = self.tab.prices[UPLOAD]
        if not saved.made:  # nothing happened: the form keeps everything, the toast says why
            raise gr.Error("; ".join(f"Photo {r.file_name}: {r.reason}" for r in saved.refused))
        return (*self.tab.avatars_shown(viewer, pid), saved_text(saved, price), new_key(), None, "",
                self.tab.projects_update(viewer.user.id, pid))


def render(page: Page, shared: Shared, tab: Any, project: gr.Dropdown, shown: list,
           status: gr.Markdown) -> gr.State:
    """The "From a photo" sub-tab; ``shown`` is the avatar gallery and its ids. Returns the form's
    submission key, for the tab to renew on each page load."""
    handlers = PhotoAvatars(page, tab)
    label = tab.priced("Save avatars", UPLOAD) + " each"
    with gr.Tab("From a photo", id="avatar-photo"):
        upload_key = gr.State(None)
        with gr.Row():
            with gr.Column():
                # Plain files: the studio checks each (size, format, pixels) before anything
                # decodes it; gr.Image would decode first, with Pillow's bomb guard off.
                photos = gr.File(label=f"Photos of the person: drop one or several (up to {avatars.MOST_PHOTOS}; "
                                       "JPEG, PNG or WebP, 256-4096 px, up to 10 MB each)",
                                 file_count="multiple", file_types=["image"], type="filepath", height=140,
                                 elem_id="avatar-photo-input")
                photo_check = gr.HTML(elem_id="avatar-photo-preview")
            with gr.Column():
                photo_name = gr.Textbox(label="Avatar name", placeholder="e.g. Amira (several: Amira 1, Amira 2…; "
                                        "empty: each photo's file name)", elem_id="avatar-photo-name")
                upload = gr.Button(label, variant="primary", elem_id="avatar-upload")
                gr.Markdown("Each photo becomes its own avatar. A clear, front-facing photo works best. "
                            "Metadata (location, camera) is removed.")
    photos.upload(check_photos, photos, photo_check, api_visibility="private")
    photos.clear(lambda: "", None, photo_check, api_visibility="private")
    # Slow actions say so on their button (the page shows no spinner: safeguards.quiet_refusals).
    start, done = working(upload, label, "Checking and saving the photos…")
    upload.click(**start).then(handlers.save, [project, photo_name, photos, upload_key],
                               [*shown, status, upload_key, photos, photo_check, project],
                               api_visibility="private", concurrency_limit=4).then(**done).then(
        page.header, None, shared.user_box, api_visibility="private")
    return upload_key
