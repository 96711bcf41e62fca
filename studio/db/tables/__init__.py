"""Every table of Pose Studio. Importing this package registers them all on SQLModel.metadata."""

from studio.db.tables.avatars import Avatar, AvatarPreset, AvatarProject, AvatarUsage, PersonaExample
from studio.db.tables.catalog import ModelCatalog
from studio.db.tables.credits import CreditAccount, CreditLedger
from studio.db.tables.generations import Generation, GenerationItem
from studio.db.tables.poses import Pose, PoseCategory, PoseFavourite, PoseRequest, PoseRequestVote
from studio.db.tables.users import User
from studio.db.tables.workers import WorkerHeartbeat

__all__ = [
    "Avatar", "AvatarPreset", "AvatarProject", "AvatarUsage", "PersonaExample", "ModelCatalog",
    "CreditAccount", "CreditLedger", "Generation", "GenerationItem", "Pose", "PoseCategory",
    "PoseFavourite", "PoseRequest", "PoseRequestVote", "User", "WorkerHeartbeat",
]
