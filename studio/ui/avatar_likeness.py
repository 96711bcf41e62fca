"""Avatar tab, "Is this the same person as my avatar?": a photo's face compared with the chosen
avatar's, free, nothing stored."""

from __future__ import annotations

import gradio as gr

from pipelines.likeness import LIKENESS_BAR, SAME_PERSON_DISTANCE
from studio.services import likeness
from studio.services.errors import InvalidInput
from studio.services.quality import percent
from studio.ui.common import Page, creator_errors, esc, photo_preview, uploaded_file
from studio.ui.safeguards import working


def same_person_html(answer: dict) -> str:
    """A likeness answer in words a creator acts on: "Likeness 81 % — the same person",
    "Likeness 43 % — probably someone else", or "Likeness not measured: <why>"."""
    if answer["likeness"] is None:
        note = answer["note"] or "not measured"
        return f"<div class='same-person' data-same=''>Likeness {esc(note)}.</div>"
    verdict = "the same person" if answer["same_person"] else "probably someone else"
    return (f"<div class='same-person' data-same='{str(answer['same_person']).lower()}'>"
            f"<b>Likeness {percent(answer['likeness'])} — {verdict}</b><br/>"
            f"<small>{percent(LIKENESS_BAR)} and above reads as the same person (face descriptor distance "
            f"{answer['distance']:.2f}; under {SAME_PERSON_DISTANCE} is the same person).</small></div>")


@creator_errors
def check_compared_photo(photo: str | None) -> tuple[str, str]:
    """The photo to compare as the studio reads it, or what is wrong with it; the last answer goes."""
    return photo_preview(photo, "Photo to compare"), ""


class SamePerson:
    """The comparison's handler, bound to one page."""

    def __init__(self, page: Page):
        self.page = page

    @creator_errors
    def same_person(self, avatar_id, photo, request: gr.Request) -> str:
        """The likeness of a photo to the chosen avatar, in words; free, nothing stored."""
        user = self.page.user(request)
        if not avatar_id:
            raise gr.Error("Click an avatar above first, then choose the photo to compare.")
        if not photo:
            raise gr.Error("Photo to compare: choose a photo of the person first.")
        try:
            answer = likeness.same_as_avatar(self.page.studio, user_id=user.id, avatar_id=int(avatar_id),
                                             photo_path=uploaded_file(photo, "Photo to compare"))
        except InvalidInput as exc:
            # The photo refused (no face, several faces, not a picture): said beside it, where the
            # creator looks for the answer; anything else is a toast (creator_errors).
            return f"<div class='photo-refused' role='alert'>{esc(exc)}</div>"
        return same_person_html(answer)


def render(page: Page, avatar_id: gr.Number) -> None:
    """The accordion, inside the chosen avatar's details; ``avatar_id`` is the avatar clicked."""
    handlers = SamePerson(page)
    with gr.Accordion("Is this the same person as my avatar? (free)", open=False, elem_id="avatar-same-person"):
        gr.Markdown("Check a photo before paying for a batch: its face is compared with this avatar's. "
                    "Nothing is stored or charged.")
        with gr.Row():
            with gr.Column():
                same_photo = gr.File(label="Photo to compare (JPEG, PNG or WebP)", file_types=["image"],
                                     type="filepath", height=100, elem_id="avatar-same-photo")
                same_preview = gr.HTML(elem_id="avatar-same-preview")
            with gr.Column():
                same_check = gr.Button("Compare with this avatar", size="sm", elem_id="avatar-same-check")
                same_answer = gr.HTML(elem_id="avatar-same-answer")
    same_photo.upload(check_compared_photo, same_photo, [same_preview, same_answer], api_visibility="private")
    same_photo.clear(lambda: ("", ""), None, [same_preview, same_answer], api_visibility="private")
    start, done = working(same_check, "Compare with this avatar", "Comparing the faces…")
    same_check.click(**start).then(handlers.same_person, [avatar_id, same_photo], same_answer,
                                   api_visibility="private").then(**done)
    # Another avatar clicked: the last answer was about the previous one.
    avatar_id.change(lambda _: "", avatar_id, same_answer, api_visibility="private")
