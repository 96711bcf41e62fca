"""A batch's finished pictures as the Batch tab works with them: one picture with the pose it was
asked to follow drawn over it, and the variations of one pose to compare side by side.

Every read is scoped by the creator (another creator's image is "not found"). The skeleton
pictures are a cache: made on first ask from the kept thumbnail, named after the image, removed
with their batch and, like any file no row points at, by the orphan sweep after a day (the next
ask makes them again).
"""

from __future__ import annotations

from PIL import Image
from sqlmodel import select

from pipelines.keypoints import Keypoints, PoseError
from pipelines.skeleton import draw_fitted_over
from studio.core import Studio
from studio.db.tables import GenerationItem
from studio.enums import ItemStatus
from studio.media import write_atomically
from studio.services import access
from studio.services.errors import InvalidInput
from studio.services.fields import row_id

SKELETONS = "skeletons"  # media kind: results with their pose drawn over
SKELETON_LIFETIME_S = 24 * 3600


def skeleton_path(user_id: int, item_id: int) -> str:
    """Where the skeleton picture of one image is kept (one per image, so it is found again)."""
    return f"u{user_id}/{SKELETONS}/item{int(item_id)}.webp"


def skeleton_picture(studio: Studio, *, user_id: int, item_id: int) -> str:
    """The media path of the image's thumbnail with its pose drawn over it, made if not kept yet."""
    number = row_id(item_id)
    if number is not None and studio.media.absolute(skeleton_path(user_id, number)).is_file():
        # Kept: only ever made in this creator's folder after the checks below (no database read,
        # so drawing 40 results with their skeletons again costs about what it does without).
        return skeleton_path(user_id, number)
    with studio.db.reading() as session:
        item, _ = access.own_item(session, item_id, user_id=user_id)
        if item.status != ItemStatus.completed.value:
            raise InvalidInput("this image is not finished yet, so its pose cannot be drawn over it")
        source, keypoints, key = item.thumbnail_path or item.image_path, item.keypoints, item.id
    relative = skeleton_path(user_id, key)
    target = studio.media.absolute(relative)
    try:
        pose = Keypoints.from_json(keypoints)
    except PoseError:
        raise InvalidInput("this image has no pose stored with it, so there is no skeleton to draw") from None
    with Image.open(studio.media.absolute(source)) as picture:
        drawn = draw_fitted_over(picture, pose)
    target.parent.mkdir(parents=True, exist_ok=True)
    with write_atomically(target) as part:
        drawn.save(part, format="WEBP", quality=85)
    return relative


def variations_of(studio: Studio, *, user_id: int, item_id: int) -> list[GenerationItem]:
    """Every finished variation of the image's pose in its batch (the image's own included), in
    variation order: the set a creator chooses the best one from."""
    with studio.db.reading() as session:
        item, generation = access.own_item(session, item_id, user_id=user_id)
        return list(session.exec(select(GenerationItem).where(
            GenerationItem.generation_id == generation.id, GenerationItem.position == item.position,
            GenerationItem.status == ItemStatus.completed.value).order_by(GenerationItem.variation)))
