"""The studio's API for gradio_client: stable names, the user always from the request.

    from gradio_client import Client, handle_file
    c = Client("http://127.0.0.1:7860/")
    project = c.predict("Spring catalogue", api_name="/create_project")

Each endpoint is a plain typed method (gr.api) returning JSON, so clients get ids back
rather than whatever the UI shows; the UI's own events are private. Every endpoint lives
here; a tab that needs one's logic imports it from here, and this module imports no tab.
"""

from __future__ import annotations

import dataclasses

import gradio as gr
from gradio.data_classes import FileData

from pipelines.keypoints import JOINT_NAMES
from pipelines.params import GenerationParams
from studio.core import Studio
from studio.db.tables import CreditAccount, User
from studio.services import avatars, credits, generations, likeness, projects, quality
from studio.services import poses as gallery
from studio.services.pose_from_photo import pose_from_photo
from studio.ui.common import Page, creator_errors, uploaded_file


def balance_summary(studio: Studio, user: User) -> dict:
    """The balance and quota of ``user`` (the API's /balance, and the Credits tab's summary)."""
    with studio.db.session() as session:
        account = session.get(CreditAccount, user.id)
        unlimited = credits.unlimited_active(account)
        left = credits.quota_left(account) if unlimited else None
        return {"user": user.name, "balance": account.balance, "unlimited": unlimited,
                "daily_quota": account.daily_quota if unlimited else None, "quota_left": left,
                "unlimited_expires_at": account.unlimited_expires_at.isoformat()
                if unlimited and account.unlimited_expires_at else None}


class StudioApi:
    """The endpoints of one page, bound to its studio."""

    def __init__(self, page: Page):
        self.page = page
        self.studio = page.studio

    def create_project(self, name: str, description: str = "", request: gr.Request = None) -> dict:
        """Create an avatar project for the signed-in creator."""
        user = self.page.user(request)
        project = projects.create_project(self.studio, user_id=user.id, name=name, description=description)
        return {"project_id": project.id, "name": project.name}

    def upload_avatar(self, project_id: int, name: str, photo: FileData, submission_key: str = "",
                      request: gr.Request = None) -> dict:
        """Make an avatar from a photo (JPEG, PNG or WebP, 256-4096 px, at most 10 MB), at the
        catalog's price for an uploaded avatar."""
        user = self.page.user(request)
        avatar = avatars.create_from_upload(self.studio, user_id=user.id, project_id=project_id, name=name,
                                            file_path=uploaded_file(photo, "Photo"),
                                            submission_key=submission_key or None)
        return {"avatar_id": avatar.id, "name": avatar.name, "project_id": avatar.project_id}

    def list_poses(self, category: str = "", search: str = "", page: int = 1, request: gr.Request = None) -> dict:
        """List poses the signed-in creator can use (library and their own)."""
        user = self.page.user(request)
        try:
            page = max(1, int(page or 1))
        except (TypeError, ValueError):
            page = 1
        # "any" is what the gallery's category menu sends for all poses; clients may send it too.
        query = gallery.PoseQuery(category=None if category in ("", "any") else category, search=search or "",
                                  page=page)
        result = gallery.list_poses(self.studio.db, user_id=user.id, query=query)
        return {"total": result.total, "page": result.page, "pages": result.pages,
                "poses": [{"id": c.id, "slug": c.slug, "name": c.name, "category": c.category,
                           "framing": c.framing, "difficulty": c.difficulty, "tags": list(c.tags),
                           "is_mine": c.is_mine} for c in result.items]}

    def pose_from_photo(self, photo: FileData, request: gr.Request = None) -> dict:
        """The pose of the person in a reference photo (JPEG, PNG or WebP, 256-4096 px, at most
        10 MB; the largest person when there are several), as the pose JSON the library stores,
        normalised to the photo. Nothing is saved and nothing is charged."""
        user = self.page.user(request)
        found = pose_from_photo(self.studio, user_id=user.id, file_path=uploaded_file(photo, "Photo"))
        body = found.keypoints["body"]
        return {"keypoints": found.keypoints, "people": found.people,
                "joints_seen": [name for name, (_, _, v) in zip(JOINT_NAMES, body) if v]}

    def likeness(self, first: FileData, second: FileData, request: gr.Request = None) -> dict:
        """Whether two photos (JPEG, PNG or WebP, one face each) show the same person:
        {"likeness": 0..1, "same_person": bool, "distance": float, "note": ""}; likeness 0.6 and up
        (distance under 0.6) is the same person. Free; nothing is stored."""
        self.page.user(request)  # signed in, like every endpoint
        # Both paths checked as uploads of this client before anything opens them.
        return likeness.compare(self.studio, uploaded_file(first, "First photo"), uploaded_file(second, "Second photo"))

    def estimate(self, pose_count: int, variations: int = 1, preset: str = "", background: bool = False,
                 params: dict | None = None, request: gr.Request = None) -> dict:
        """What a batch would cost the signed-in creator, and whether they can afford it; pass the
        same ``params`` as to /submit (a larger size or more steps cost more)."""
        user = self.page.user(request)
        e = generations.estimate(self.studio.db, user_id=user.id, pose_count=pose_count, variations=variations,
                                 preset_key=preset or self.studio.settings.preset, background=bool(background),
                                 params=params or {})
        return {"items": e.items, "price_per_item": e.price_per_item, "background_per_item": e.background_per_item,
                "total": e.total, "balance": e.balance, "uses_quota": e.uses_quota, "quota_left": e.quota_left,
                "affordable": e.affordable, "work_factor": e.work_factor, "message": e.message}

    def balance(self, request: gr.Request = None) -> dict:
        """The balance and quota of the signed-in user."""
        return balance_summary(self.studio, self.page.user(request))

    def submit(self, avatar_id: int, pose_ids: list[int], variations: int = 1, preset: str = "",
               export_formats: list[str] | None = None, params: dict | None = None,
               background: dict | None = None, submission_key: str = "", checks: dict | None = None,
               request: gr.Request = None) -> dict:
        """Create and pay for a batch; the same submission_key twice returns the same batch.
        ``checks`` (optional, each key optional): {"reroll": true, "likeness_bar": 0.6, "pose_bar": 0.5,
        "max_rerolls": 2, "face_pass": false}; bars are shares of 1 (0.6 is 60 %). Re-rolls of pictures
        below a bar are free; the face pass defaults to the preset's."""
        user = self.page.user(request)
        try:
            parsed = GenerationParams.from_json(params or {})
        except ValueError as exc:
            raise gr.Error(str(exc)) from None
        # Ids and counts go to the service as sent: it refuses 2.5 rather than truncating it to 2.
        g = generations.submit(self.studio, user_id=user.id, request=generations.SubmitRequest(
            avatar_id=avatar_id, pose_ids=pose_ids, variations=variations,
            preset_key=preset or self.studio.settings.preset, params=parsed, background=background or None,
            export_formats=tuple(export_formats or ()), submission_key=submission_key, checks=checks))
        return {"generation_id": g.id, "status": g.status, "credits_charged": g.credits_charged,
                "total_items": g.total_items}

    def status(self, generation_id: int, request: gr.Request = None) -> dict:
        """Progress of one of the creator's batches."""
        user = self.page.user(request)
        p = generations.progress(self.studio.db, user_id=user.id, generation_id=generation_id)
        return {"generation_id": p.generation_id, "status": p.status, "total": p.total, "done": p.done,
                "failed": p.failed, "cancelled": p.cancelled, "left": p.left, "fraction": p.fraction,
                "eta_seconds": p.eta_seconds, "finished": p.finished, "error": p.error,
                "pictures_made": p.pictures_made, "checks": p.checks.to_json() if p.checks else None,
                "quality": dataclasses.asdict(p.quality) if p.quality else None}

    def results(self, generation_id: int, request: gr.Request = None) -> list[dict]:
        """The finished images of a batch: one link each, for the signed-in owner only.

        Download a link with the client's login, e.g. ``httpx.get(r["url"], cookies=client.cookies)``;
        links expire (STUDIO_LINK_HOURS), ask again for fresh ones.
        """
        viewer = self.page.viewer(request)
        items = generations.list_items(self.studio.db, user_id=viewer.user.id, generation_id=generation_id)
        out = []
        for i in items:
            link = viewer.media(i.image_path) if i.status == "completed" else None
            if link:
                out.append({"item_id": i.id, "url": link, "pose": i.pose_name, "variation": i.variation + 1,
                            "seed": quality.kept_seed(i), **quality.item_scores(i)})
        return out


ENDPOINTS = ("create_project", "upload_avatar", "list_poses", "pose_from_photo", "likeness", "estimate", "balance",
             "submit", "status", "results")


def render(page: Page) -> None:
    endpoints = StudioApi(page)
    for name in ENDPOINTS:
        gr.api(creator_errors(getattr(endpoints, name)), api_name=name)
