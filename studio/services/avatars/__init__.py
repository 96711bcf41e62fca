"""Avatars: from a photo, from words, or from a shipped preset (projects: ``projects.py``).

One module per path: ``photo`` (``photos``: several at once), ``words``, ``presets``; ``edit`` for an avatar once made;
``persona`` (what describes an avatar) and ``drawing`` (paid on delivery) are what they share.
Import from the package: ``from studio.services import avatars; avatars.create_from_upload(...)``.

Every function is scoped by ``user_id``: an id that is unknown or belongs to someone else
raises ``NotFound`` with the same message either way (``studio.services.access``), so nothing
about other creators leaks.

Money and files:
- From a photo: the avatar row and its charge are one transaction; the files are written
  first and removed again if that transaction fails, so a refused upload costs nothing and
  leaves nothing behind.
- From words or a preset: paid on delivery. The balance is checked, the picture is drawn
  outside any transaction (seconds to minutes) and saved, and only then is the charge
  committed (for a preset, in one transaction with the avatar row). A failed drawing or a
  crash at any point before that commit costs nothing; its files, if any, are orphans the
  recovery sweep removes. (Charges made before this design may still have refunds, keyed
  ``<charge key>:refund``.)
- The same ``submission_key`` twice (a double click) charges once and gives back the same
  result: the files of words/preset avatars have names derived from the key, so a repeat
  finds them.
- Files are deleted after the rows are committed: a crash in between leaves an orphan file,
  never a row pointing at a missing picture.
"""


from __future__ import annotations

from studio.services.avatars.drawing import AvatarGenerationFailed
from studio.services.avatars.edit import delete_avatar, get_avatar, list_avatars, record_usage, update_avatar
from studio.services.avatars.persona import (ATTRIBUTE_FIELDS, AVATARS, EDITABLE_FIELDS, PERSONA_FIELDS,
                                             clean_attributes, clean_persona)
from studio.services.avatars.photo import create_from_upload
from studio.services.avatars.photos import MOST_PHOTOS, PhotoRefused, PhotosSaved, create_from_uploads
from studio.services.avatars.presets import avatar_presets, create_from_preset
from studio.services.avatars.words import (CANDIDATE_LIFETIME_S, CANDIDATES, MAX_CANDIDATES, Candidate,
                                           persona_examples, preview_from_words, save_candidate)

__all__ = [
    "ATTRIBUTE_FIELDS", "AVATARS", "CANDIDATES", "CANDIDATE_LIFETIME_S", "EDITABLE_FIELDS", "MAX_CANDIDATES",
    "MOST_PHOTOS", "PERSONA_FIELDS", "AvatarGenerationFailed", "Candidate", "PhotoRefused", "PhotosSaved",
    "avatar_presets", "clean_attributes", "clean_persona", "create_from_preset", "create_from_upload",
    "create_from_uploads", "delete_avatar", "get_avatar", "list_avatars", "persona_examples",
    "preview_from_words", "record_usage", "save_candidate", "update_avatar",
]
