"""Status and kind values shared by the tables, the jobs and the UI.

They are ``str`` Enums stored as plain strings, so a new value needs no database enum
migration and the UI can show ``status.value`` directly.
"""

from enum import Enum


class AuthSource(str, Enum):
    local = "local"
    password = "password"
    oauth = "oauth"


class LedgerKind(str, Enum):
    grant = "grant"
    purchase = "purchase"
    charge = "charge"
    refund = "refund"


class CatalogKind(str, Enum):
    avatar = "avatar"
    pose = "pose"
    background = "background"


class AvatarSource(str, Enum):
    uploaded = "uploaded"
    generated = "generated"
    preset = "preset"


class PoseSource(str, Enum):
    library = "library"
    user = "user"
    extracted = "extracted"
    imported = "imported"


class Difficulty(str, Enum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class Framing(str, Enum):
    full_body = "full_body"
    three_quarter = "three_quarter"
    half_body = "half_body"
    headshot = "headshot"


class Gender(str, Enum):
    unisex = "unisex"
    female = "female"
    male = "male"


class RequestStatus(str, Enum):
    open = "open"
    approved = "approved"
    rejected = "rejected"
    completed = "completed"


class GenerationStatus(str, Enum):
    queued = "queued"
    running = "running"
    completed = "completed"
    partial = "partial"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in FINISHED_GENERATION


FINISHED_GENERATION = frozenset(
    {GenerationStatus.completed, GenerationStatus.partial, GenerationStatus.failed, GenerationStatus.cancelled}
)


class ItemStatus(str, Enum):
    pending = "pending"
    running = "running"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
