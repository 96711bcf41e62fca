"""Small pieces every tab uses: the page (studio, user, links), errors in the creator's words, media URLs."""

from __future__ import annotations

import base64
import functools
import html
import io
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import gradio as gr
from gradio.utils import get_upload_folder
from PIL import Image

from pipelines.likeness import NOT_VISIBLE
from studio.core import Studio
from studio.db.tables import User
from studio.media import MediaStore
from studio.services.errors import StudioError
from studio.services.exports import EXPORT_FORMATS
from studio.services.quality import BatchChecks, QualitySummary, percent
from studio.uploads import read_photo
from studio.ui.identity import current_user, header_html
from studio.web.links import MediaLinks
from studio.web.watchers import Watchers

log = logging.getLogger(__name__)

BALANCE_REFRESH_S = 15


@dataclass
class Shared:
    """Components several tabs read or write: the header, the pose selection, refresh signals."""

    user_box: gr.HTML
    selected_poses: gr.State  # list of pose ids, in the order picked
    # Ticks every BALANCE_REFRESH_S: views of the balance (header, cost box) read it again, so a
    # grant, a refund or a batch charged in another tab shows without a reload.
    clock: gr.Timer
    # Page-load hooks the tabs register (fresh keys, first listings, a running batch).
    on_load: list[Callable[[gr.Blocks], None]] = field(default_factory=list)


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, as Gradio keeps bound handlers
class Page:
    """One built page: the studio its handlers serve, and the web layer's link signer and
    live-stream ledger (the same objects the media route and /healthz use).

    Tabs receive it in ``render`` and bind their handlers to it; nothing reaches the
    studio through a module global.
    """

    studio: Studio
    links: MediaLinks
    watchers: Watchers

    def user(self, request: gr.Request | None, profile: gr.OAuthProfile | None = None) -> User:
        """Who is asking: always from the request, never from a value the client sent."""
        return current_user(self.studio, request, profile)

    def viewer(self, request: gr.Request) -> "Viewer":
        """The signed-in creator with everything needed to make their file links."""
        return Viewer(user=self.user(request), root=public_root(request), links=self.links,
                      media_store=self.studio.media, previews_dir=Path(self.studio.settings.previews_dir))

    def header(self, request: gr.Request, profile: gr.OAuthProfile | None = None) -> str:
        """The header's user and balance; an event handler (``.then(page.header, None, shared.user_box)``)."""
        return header_html(self.studio, request, profile)


def creator_errors(fn: Callable) -> Callable:
    """Turn domain errors into gr.Error (a toast in the creator's words) and hide tracebacks.

    Works for plain handlers and for generator handlers (streaming progress).
    """
    import inspect

    def translate(exc: Exception) -> gr.Error:
        # A refusal is the creator's to fix: one log line, never a traceback (Gradio prints one
        # for every gr.Error unless told not to).
        if isinstance(exc, gr.Error):
            exc.print_exception = False
            log.info("refused %s: %s", fn.__name__, exc.message)
            return exc
        if isinstance(exc, (StudioError, ValueError)):
            log.info("refused %s: %s", fn.__name__, exc)
            return gr.Error(str(exc), print_exception=False)
        log.exception("handler %s failed", fn.__name__)
        return gr.Error("Something went wrong on our side; nothing was charged for it. Please try again.",
                        print_exception=False)

    if inspect.isasyncgenfunction(fn):
        @functools.wraps(fn)
        async def async_gen_wrapper(*args, **kwargs):
            try:
                async for update in fn(*args, **kwargs):
                    yield update
            except Exception as exc:
                raise translate(exc) from None
        return async_gen_wrapper

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                raise translate(exc) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise translate(exc) from None
    return wrapper


def public_root(request: gr.Request) -> str:
    """The page's own address (``https://host``), as the browser sees it behind a proxy.

    Links must be absolute: Gradio passes an http(s) address to the browser untouched, where
    a server path would be copied into its cache and served to anyone signed in.
    """
    headers = request.headers

    def first(name: str) -> str:
        return (headers.get(name) or "").split(",")[0].strip()

    scheme = first("x-forwarded-proto") or request.url.scheme
    host = first("x-forwarded-host") or first("host") or request.url.netloc
    return f"{scheme}://{host}"


@dataclass(frozen=True)
class Viewer:
    """The signed-in creator and the page they look from: every file link is made for them."""

    user: User
    root: str
    links: MediaLinks
    media_store: MediaStore
    previews_dir: Path

    def media(self, relative: str | None, filename: str | None = None) -> str | None:
        """A link to one of the creator's stored files, or None when there is none."""
        if not relative or not self.media_store.absolute(relative).exists():
            return None
        return self.root + self.links.path(user_id=self.user.id, kind="media", relative=relative,
                                           filename=filename)

    def preview(self, path: Path) -> str:
        """A link to a rendered pose preview (a file under the previews folder)."""
        relative = Path(path).resolve().relative_to(self.previews_dir.resolve())
        return self.root + self.links.path(user_id=self.user.id, kind="preview", relative=relative.as_posix())


def uploaded_file(value: Any, field: str) -> str:
    """The server path of a file this client uploaded for ``field``; nothing else is accepted.

    The upload guard (studio/web/guard.py) already refused files this client did not upload;
    this second check keeps any other way into a handler from making the studio read a file
    outside Gradio's upload folder.
    """
    path = value.get("path") if isinstance(value, dict) else getattr(value, "path", value)
    if not path or not isinstance(path, str):
        raise gr.Error(f"{field}: no file arrived; choose the file and upload it again.")
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(Path(get_upload_folder()).resolve()):
        raise gr.Error(f"{field}: that file was not uploaded to the studio; upload it first "
                       "(gradio_client: handle_file(path)).")
    return str(resolved)


@contextmanager
def about(field: str) -> Iterator[None]:
    """A refusal raised inside names ``field``, as the form's own do: "Reference photo: this file
    is not a picture Pose Studio can read...". One already naming it is left as it is."""
    try:
        yield
    except StudioError as exc:
        if str(exc).startswith(f"{field}:"):
            raise
        raise type(exc)(f"{field}: {exc}") from None


def photo_preview(value: Any, field: str) -> str:
    """HTML showing an uploaded photo as the studio will keep it, or what is wrong with it.

    The picture travels inside the page (a small data: URL), so the check leaves no file behind.
    """
    if not value:
        return ""
    try:
        photo = read_photo(uploaded_file(value, field))
    except StudioError as exc:
        return f"<div class='photo-refused' role='alert'><b>{esc(field)}:</b> {esc(exc)}</div>"
    width, height = photo.size
    return (f"<div class='photo-ok'><img alt='{esc(field)}' src='{data_url(photo, max_side=240)}' "
            f"style='max-height:200px;border-radius:6px'/><div>{width}x{height} px · ready</div></div>")


def data_url(picture: Image.Image, *, max_side: int) -> str:
    """``picture``, shrunk to fit ``max_side``, as a WebP ``data:`` URL for an ``<img>``.

    A picture made from a creator's photo travels inside the page this way: no file is left in
    Gradio's cache, where its link would open for anyone signed in.
    """
    picture = picture.copy()
    picture.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=80)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()


def download_link(link: str | None, name: str) -> str:
    """A download link in the page: the file comes from the owner-only media route."""
    if not link:
        raise gr.Error("That file is gone; make the download again.")
    return (f"<div class='studio-download'><a href='{esc(link)}' download='{esc(name)}'>"
            f"⬇ Download {esc(name)}</a></div>")


def item_download_link(studio: Studio, viewer: "Viewer", item_id: Any, format_key: str) -> str:
    """A download link to one finished image in ``format_key``, named after its project, pose,
    variation and seed (the Batch tab's and History's "Download this picture")."""
    from studio.services.exports import download_file, download_name

    if not item_id:
        raise gr.Error("Click a picture first, then download it.")
    relative = download_file(studio, user_id=viewer.user.id, item_id=item_id, format_key=format_key)
    name = download_name(studio, user_id=viewer.user.id, item_id=item_id, format_key=format_key)
    return download_link(viewer.media(relative, filename=name), name)


def batch_zip_link(studio: Studio, viewer: "Viewer", generation_id: int) -> str:
    """A download link to the batch's ZIP, made now (Batch tab's Download all, History's ZIP)."""
    from studio.services.exports import batch_zip_download

    relative, name = batch_zip_download(studio, user_id=viewer.user.id, generation_id=int(generation_id))
    return download_link(viewer.media(relative, filename=name), name)


# Gallery widths in columns that the page's CSS keeps (layout.CSS has a rule for each).
TILE_COLUMNS = range(1, 9)


def tiles(columns: int) -> dict[str, Any]:
    """A gr.Gallery's ``columns``, kept when it holds fewer pictures: Gradio 6 sets the grid to
    min(columns, pictures), so one avatar (or one pose) filled the whole row as a huge crop."""
    if columns not in TILE_COLUMNS:
        raise ValueError(f"a gallery takes {TILE_COLUMNS.start} to {TILE_COLUMNS.stop - 1} columns, not {columns}")
    return {"columns": columns, "elem_classes": [f"studio-tiles-{columns}"]}


def esc(value: Any) -> str:
    return html.escape(str(value))


def export_format_choices() -> list[tuple[str, str]]:
    """The export sizes as (label, key) menu choices, one per row of ``EXPORT_FORMATS``."""
    return [(f.label, key) for key, f in EXPORT_FORMATS.items()]


def new_key() -> str:
    """A submission key: made once per form, so a double click sends the same one (charged once)."""
    return uuid.uuid4().hex


def quality_badge(item: Any) -> str:
    """The checks of one result for its tile's caption: "Likeness 82 % · Pose 91 % (best of 3)".

    ``item`` is a ``generations.FinishedItem``. "face not visible" is a result of its own (the
    picture shows no face), not a zero; a score that could not be taken reads "not measured"
    (the batch's summary says why). A picture never checked gets no badge.
    """
    parts = []
    if item.likeness is not None:
        parts.append(f"Likeness {percent(item.likeness)}")
    elif item.likeness_note:
        parts.append(item.likeness_note if item.likeness_note == NOT_VISIBLE else "likeness not measured")
    if item.pose_match is not None:
        parts.append(f"Pose {percent(item.pose_match)}")
    elif item.pose_note:
        parts.append("pose not measured")
    badge = " · ".join(parts)
    if item.attempts > 1:
        badge += f" (best of {item.attempts})"
    return badge.strip()


def quality_lines(summary: QualitySummary | None, checks: BatchChecks | None, items: Sequence[Any] = (), *,
                  pictures_made: int, done: int) -> list[str]:
    """A batch's checks in a few sentences (the Batch tab's progress, a batch opened in History):
    mean and worst of each score, how many fell below the bars, and the free re-rolls.
    ``items`` are the batch's finished ``FinishedItem``s: they tell "no face visible" from a
    likeness that could not be measured."""
    lines = []
    if summary is not None and checks is not None:
        if summary.likeness_off:
            lines.append(f"{summary.likeness_off[:1].upper()}{summary.likeness_off[1:]}; re-roll by likeness is off.")
        elif summary.likeness_mean is not None:
            lines.append(f"Likeness: mean {percent(summary.likeness_mean)}, worst {percent(summary.likeness_worst)}; "
                         f"{summary.likeness_below} of {summary.measured} below the "
                         f"{percent(checks.likeness_bar)} bar.")
        else:
            why = next((i.likeness_note for i in items if i.likeness_note and i.likeness_note != NOT_VISIBLE), "")
            lines.append(f"Likeness {why}." if why.startswith("not measured") else
                         f"Likeness not measured: {why}." if why else
                         f"Likeness: no face visible in any of the {summary.measured} pictures.")
        if summary.pose_mean is not None:
            lines.append(f"Pose: mean {percent(summary.pose_mean)}, worst {percent(summary.pose_worst)}; "
                         f"{summary.pose_below} of {summary.measured} below the {percent(checks.pose_bar)} bar.")
    # Failed images make no picture, so more pictures than images means drifts were redone.
    if pictures_made > done:
        lines.append(f"{pictures_made} pictures made for {done} images: re-rolls are free, "
                     f"you paid for the {done} images only.")
    return lines
