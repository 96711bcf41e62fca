"""A creator's own numbers: batches, images, time, credits, favourite poses and avatars."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select

from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarUsage, Generation, GenerationItem
from studio.enums import ItemStatus

TOP = 5


def user_stats(db: Database, *, user_id: int) -> dict[str, Any]:
    with db.session() as session:
        row = session.exec(select(
            func.count(Generation.id), func.coalesce(func.sum(Generation.credits_charged), 0),
            func.coalesce(func.sum(Generation.credits_refunded), 0),
        ).where(Generation.user_id == user_id)).one()
        generations, charged, refunded = int(row[0]), int(row[1]), int(row[2])
        spans = session.exec(select(Generation.started_at, Generation.finished_at).where(
            Generation.user_id == user_id, col(Generation.started_at).is_not(None),
            col(Generation.finished_at).is_not(None))).all()
        by_status = dict(session.exec(
            select(GenerationItem.status, func.count()).join(Generation, Generation.id == GenerationItem.generation_id)
            .where(Generation.user_id == user_id).group_by(GenerationItem.status)).all())
        image_seconds = session.exec(
            select(func.avg(GenerationItem.seconds)).join(Generation, Generation.id == GenerationItem.generation_id)
            .where(Generation.user_id == user_id, GenerationItem.status == ItemStatus.completed.value)).one()
        poses = session.exec(
            select(GenerationItem.pose_id, GenerationItem.pose_name, func.count().label("n"))
            .join(Generation, Generation.id == GenerationItem.generation_id)
            .where(Generation.user_id == user_id)
            .group_by(GenerationItem.pose_id, GenerationItem.pose_name)
            .order_by(func.count().desc(), GenerationItem.pose_name).limit(TOP)).all()
        avatars = session.exec(
            select(Avatar.id, Avatar.name, func.count(AvatarUsage.id).label("n"))
            .join(Avatar, Avatar.id == AvatarUsage.avatar_id)
            .where(AvatarUsage.user_id == user_id, Avatar.user_id == user_id)
            .group_by(Avatar.id, Avatar.name)
            .order_by(func.count(AvatarUsage.id).desc(), Avatar.name).limit(TOP)).all()
    durations = [(f - s).total_seconds() for s, f in spans]
    return {
        "generations": generations,
        "images_completed": int(by_status.get(ItemStatus.completed.value, 0)),
        "images_failed": int(by_status.get(ItemStatus.failed.value, 0)),
        "images_cancelled": int(by_status.get(ItemStatus.cancelled.value, 0)),
        "average_generation_seconds": round(sum(durations) / len(durations), 2) if durations else None,
        "average_image_seconds": round(float(image_seconds), 3) if image_seconds is not None else None,
        "credits_spent": charged - refunded,
        "credits_charged": charged,
        "credits_refunded": refunded,
        "top_poses": [{"pose_id": pid, "name": name, "images": int(n)} for pid, name, n in poses],
        "top_avatars": [{"avatar_id": aid, "name": name, "generations": int(n)} for aid, name, n in avatars],
    }
