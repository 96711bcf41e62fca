"""The studio's API for gradio_client: stable names, the user always from the request.

    from gradio_client import Client, handle_file
    c = Client("http://127.0.0.1:7860/")
    project = c.predict("Spring catalogue", api_name="/create_project")

Each endpoint is a plain typed function (gr.api) returning JSON, so clients get ids back
rather than whatever the UI shows; the UI's own events are private.
"""

from __future__ import annotations

import gradio as gr
from gradio.data_classes import FileData

from studio.context import current
from studio.services import avatars, generations, projects
from studio.ui.common import creator_errors, uploaded_file, user_of, viewer_of


def create_project_api(name: str, description: str = "", request: gr.Request = None) -> dict:
    """Create an avatar project for the signed-in creator."""
    user = user_of(request)
    project = projects.create_project(current().db, user_id=user.id, name=name, description=description)
    return {"project_id": project.id, "name": project.name}


def upload_avatar_api(project_id: int, name: str, photo: FileData, submission_key: str = "",
                      request: gr.Request = None) -> dict:
    """Make an avatar from a photo (JPEG, PNG or WebP, 256-4096 px, at most 10 MB): 2 credits."""
    user = user_of(request)
    avatar = avatars.create_from_upload(current(), user_id=user.id, project_id=project_id, name=name,
                                        file_path=uploaded_file(photo, "Photo"), submission_key=submission_key or None)
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
    # Ids and counts go to the service as sent: it refuses 2.5 rather than truncating it to 2.
    g = generations.submit(current(), user_id=user.id, request=generations.SubmitRequest(
        avatar_id=avatar_id, pose_ids=pose_ids, variations=variations,
        preset_key=preset or current().settings.preset, params=parsed, background=background or None,
        export_formats=tuple(export_formats or ()), submission_key=submission_key))
    return {"generation_id": g.id, "status": g.status, "credits_charged": g.credits_charged,
            "total_items": g.total_items}


def status_api(generation_id: int, request: gr.Request = None) -> dict:
    """Progress of one of the creator's batches."""
    user = user_of(request)
    p = generations.progress(current().db, user_id=user.id, generation_id=generation_id)
    return {"generation_id": p.generation_id, "status": p.status, "total": p.total, "done": p.done,
            "failed": p.failed, "cancelled": p.cancelled, "left": p.left, "fraction": p.fraction,
            "eta_seconds": p.eta_seconds, "finished": p.finished, "error": p.error}


def results_api(generation_id: int, request: gr.Request = None) -> list[dict]:
    """The finished images of a batch: one link each, for the signed-in owner only.

    Download a link with the client's login, e.g. ``httpx.get(r["url"], cookies=client.cookies)``;
    links expire (STUDIO_LINK_HOURS), ask again for fresh ones.
    """
    viewer = viewer_of(request)
    items = generations.list_items(current().db, user_id=viewer.user.id, generation_id=generation_id)
    out = []
    for i in items:
        link = viewer.media(i.image_path) if i.status == "completed" else None
        if link:
            out.append({"item_id": i.id, "url": link, "pose": i.pose_name, "variation": i.variation + 1,
                        "seed": i.seed})
    return out


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
    gr.api(creator_errors(results_api), api_name="results")
