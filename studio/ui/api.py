"""The studio's API for gradio_client: stable names, the user always from the request.

    from gradio_client import Client, handle_file
    c = Client("http://127.0.0.1:7860/")
    project = c.predict("Spring catalogue", api_name="/create_project")

Each endpoint is a plain typed function (gr.api) returning JSON, so clients get ids back
rather than whatever the UI shows; the UI's own events are private.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.data_classes import FileData
from gradio.utils import get_upload_folder

from studio.context import current
from studio.services import avatars, generations, projects
from studio.ui.common import creator_errors, media_file, user_of


def create_project_api(name: str, description: str = "", request: gr.Request = None) -> dict:
    """Create an avatar project for the signed-in creator."""
    user = user_of(request)
    project = projects.create_project(current().db, user_id=user.id, name=name, description=description)
    return {"project_id": project.id, "name": project.name}


def uploaded_file(photo: FileData | dict | None) -> str:
    """The path of a file the client uploaded; anything outside Gradio's upload folder is refused,
    so no API call can make the studio read another file on the server."""
    path = (photo or {}).get("path") if isinstance(photo, dict) else getattr(photo, "path", None)
    if not path:
        raise gr.Error("Attach the photo as a file (gradio_client: handle_file(path)).")
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(Path(get_upload_folder()).resolve()):
        raise gr.Error("That file was not uploaded to the studio; attach it with handle_file(path).")
    return str(resolved)


def upload_avatar_api(project_id: int, name: str, photo: FileData, submission_key: str = "",
                      request: gr.Request = None) -> dict:
    """Make an avatar from a photo (JPEG, PNG or WebP, 256-4096 px, at most 10 MB): 2 credits."""
    user = user_of(request)
    avatar = avatars.create_from_upload(current(), user_id=user.id, project_id=int(project_id), name=name,
                                        file_path=uploaded_file(photo), submission_key=submission_key or None)
    return {"avatar_id": avatar.id, "name": avatar.name, "project_id": avatar.project_id}


def submit_api(avatar_id: int, pose_ids: list[int], variations: int = 1, preset: str = "",
               export_formats: list[str] | None = None, params: dict | None = None, background: dict | None = None,
               submission_key: str = "", request: gr.Request = None) -> dict:
    """Create and pay for a batch; the same submission_key twice returns the same batch."""
    from pipelines.params import GenerationParams

    user = user_of(request)
    try:
        parsed = GenerationParams.from_json(params or {})
    except ValueError as exc:
        raise gr.Error(str(exc)) from None
    g = generations.submit(current(), user_id=user.id, request=generations.SubmitRequest(
        avatar_id=int(avatar_id), pose_ids=tuple(int(p) for p in pose_ids), variations=int(variations),
        preset_key=preset or current().settings.preset, params=parsed, background=background or None,
        export_formats=tuple(export_formats or ()), submission_key=submission_key))
    return {"generation_id": g.id, "status": g.status, "credits_charged": g.credits_charged,
            "total_items": g.total_items}


def status_api(generation_id: int, request: gr.Request = None) -> dict:
    """Progress of one of the creator's batches."""
    user = user_of(request)
    p = generations.progress(current().db, user_id=user.id, generation_id=int(generation_id))
    return {"generation_id": p.generation_id, "status": p.status, "total": p.total, "done": p.done,
            "failed": p.failed, "cancelled": p.cancelled, "left": p.left, "fraction": p.fraction,
            "eta_seconds": p.eta_seconds, "finished": p.finished, "error": p.error}


def results_files(generation_id, request: gr.Request):
    """The finished images of a batch, as files the client downloads."""
    user = user_of(request)
    items = generations.list_items(current().db, user_id=user.id, generation_id=int(generation_id))
    return [(media_file(i.image_path), f"{i.pose_name} · v{i.variation + 1} · seed {i.seed}")
            for i in items if i.status == "completed" and media_file(i.image_path)]


def render() -> None:
    from studio.ui.batch_tab import estimate_api
    from studio.ui.credits_tab import balance_summary
    from studio.ui.gallery_tab import list_poses_api

    gr.api(creator_errors(create_project_api), api_name="create_project")
    gr.api(creator_errors(upload_avatar_api), api_name="upload_avatar")
    gr.api(creator_errors(list_poses_api), api_name="list_poses")
    gr.api(creator_errors(estimate_api), api_name="estimate")
    gr.api(creator_errors(balance_summary), api_name="balance")
    gr.api(creator_errors(submit_api), api_name="submit")
    gr.api(creator_errors(status_api), api_name="status")
    with gr.Group(visible=False):
        generation_id = gr.Number(precision=0)
        images = gr.Gallery(interactive=False)
        gr.Button().click(creator_errors(results_files), generation_id, images, api_name="results")
