"""Batch tab, its results: the finished pictures (sorted, narrowed, with the pose each was asked
to follow drawn over it on request); the picture clicked, to star and to download in any size,
beside the other variations of its pose; the whole batch as one ZIP.

The progress stream does not draw the results: it writes a short mark (the batch and how far it
is) into a hidden box, and the box's change draws them with the creator's current choices of
sort, filter and skeleton. A stream started before the creator changed those choices would
otherwise draw the results its own way again at each finished picture.
"""

from __future__ import annotations

import gradio as gr

from studio.core import Studio
from studio.enums import ItemStatus
from studio.services import generations, quality, results
from studio.services.errors import InvalidInput
from studio.ui import form
from studio.ui.common import (Page, Viewer, batch_zip_link, creator_errors, esc, export_format_choices,
                              item_download_link, quality_badge, tiles)
from studio.ui.safeguards import working

STAR, UNSTAR = "☆ Star this picture", "★ Starred (press to unstar)"
NOTHING_PICKED = "Click a picture to star it, download it in any size and see its pose's variations side by side."
NO_PICK = (None, NOTHING_PICKED, "", STAR)  # the panel with nothing picked: id, line, variations, star


def caption(item: generations.FinishedItem) -> str:
    """A result tile's caption: a star when starred, the pose, the variation, the checks' badge."""
    badge = quality_badge(item)
    return (f"{'★ ' if item.favourite else ''}{item.pose_name} · v{item.variation + 1}"
            + (f" · {badge}" if badge else ""))


def seed_and_badge(row) -> str:
    """A finished GenerationItem's seed (the kept picture's) and its checks' badge."""
    badge = quality_badge(generations.finished_item(row))
    return f"seed {quality.kept_seed(row)}" + (f" · {badge}" if badge else "")


def mark(p: generations.BatchProgress | None) -> str:
    """What the results depend on, in a few characters: a new value means they need drawing again."""
    if p is None:
        return ""
    return f"{p.generation_id}:{p.status}:{p.done}:{p.failed}:{p.cancelled}"


class BatchResults:
    """The results' handlers, bound to one page. Ids travel in gr.State, never in captions."""

    def __init__(self, page: Page):
        self.page = page
        self.studio: Studio = page.studio

    def picture(self, viewer: Viewer, item_id: int, path: str, skeleton: bool) -> str | None:
        """The link to a result's picture, with its pose drawn over it when ``skeleton``."""
        if skeleton:
            try:
                path = results.skeleton_picture(self.studio, user_id=viewer.user.id, item_id=item_id)
            except InvalidInput:  # no pose kept with it: the picture as it is
                pass
        return viewer.media(path)

    def cards(self, viewer: Viewer, generation_id: int, sort: str, show: str,
              skeleton: bool) -> tuple[list[tuple[str, str]], list[int]]:
        """The finished pictures as gallery tiles, sorted and narrowed, and their ids index for index."""
        p = generations.progress(self.studio.db, user_id=viewer.user.id, generation_id=int(generation_id))
        done = [item for item in p.items if item.status == ItemStatus.completed.value]
        tiles_, ids = [], []
        for item in quality.order_results(done, p.checks, sort=sort or "made", show=show or "all"):
            link = self.picture(viewer, item.item_id, item.path, skeleton)
            if link:
                tiles_.append((link, caption(item)))
                ids.append(item.item_id)
        return tiles_, ids

    def picked_view(self, viewer: Viewer, item_id: int | None, skeleton: bool):
        """The panel of the picked picture: (its id, its line, its pose's variations side by side,
        the star button's label); all empty when nothing is picked."""
        if item_id is None:
            return NO_PICK
        rows = results.variations_of(self.studio, user_id=viewer.user.id, item_id=item_id)
        picked = next((row for row in rows if row.id == item_id), None)
        if picked is None:  # no longer finished (never happens) or gone: nothing picked
            return NO_PICK
        line = (f"**{esc(picked.pose_name)} · v{picked.variation + 1}** · {esc(seed_and_badge(picked))}"
                + (" · ★ starred" if picked.favourite else ""))
        return item_id, line, self.side_by_side(viewer, rows, item_id, skeleton), UNSTAR if picked.favourite else STAR

    def side_by_side(self, viewer: Viewer, rows, picked_id: int, skeleton: bool) -> str:
        """The variations of one pose in a row, each linked to its full picture."""
        figures = []
        for row in rows:
            shown = self.picture(viewer, row.id, row.thumbnail_path or row.image_path, skeleton)
            full = viewer.media(row.image_path) or shown
            if not shown:
                continue
            label = f"{'★ ' if row.favourite else ''}v{row.variation + 1} · {seed_and_badge(row)}"
            figures.append(
                f"<figure class='batch-compare-item{' batch-compare-picked' if row.id == picked_id else ''}' "
                f"data-variation='{row.variation + 1}'><a href='{esc(full)}' target='_blank' rel='noopener' "
                f"title='Open the full picture'><img src='{esc(shown)}' alt='{esc(row.pose_name)}, variation "
                f"{row.variation + 1}'/></a><figcaption>{esc(label)}</figcaption></figure>")
        if not figures:
            return ""
        name = esc(rows[0].pose_name)
        title = (f"{name}: {len(figures)} variations side by side" if len(figures) > 1 else
                 f"{name}: one variation (ask for more with <b>Variations per pose</b>)")
        return (f"<div id='batch-compare'><div class='batch-compare-title'>{title}</div>"
                f"<div class='batch-compare-row'>{''.join(figures)}</div></div>")

    @creator_errors
    def refresh(self, generation_id, sort, show, skeleton, picked, request: gr.Request):
        """The results drawn again (a picture finished, or the creator changed how they are shown);
        the picked picture stays picked while it is among them."""
        if not generation_id:
            return [], [], *NO_PICK, gr.update(visible=False)
        viewer = self.page.viewer(request)
        cards, ids = self.cards(viewer, generation_id, sort, show, bool(skeleton))
        # The panel for a picked picture shows once there is a picture to pick.
        return (cards, ids, *self.picked_view(viewer, picked if picked in ids else None, bool(skeleton)),
                gr.update(visible=bool(cards)))

    @creator_errors
    def pick(self, ids: list[int], skeleton, request: gr.Request, evt: gr.SelectData):
        """The clicked picture: its line, its variations, its star. The id is the server's own
        list's, at the index the page says; an index outside it picks nothing."""
        index = evt.index if isinstance(evt.index, int) and not isinstance(evt.index, bool) else None
        chosen = ids[index] if ids and index is not None and 0 <= index < len(ids) else None
        return self.picked_view(self.page.viewer(request), chosen, bool(skeleton))

    @creator_errors
    def star(self, picked, generation_id, sort, show, skeleton, request: gr.Request):
        """Star the picked picture, or unstar it; the tiles and the panel say so."""
        if not picked:
            raise gr.Error("Click a picture first, then star it.")
        viewer = self.page.viewer(request)
        item = generations.get_item(self.studio.db, user_id=viewer.user.id, item_id=picked)
        generations.set_item_favourite(self.studio.db, user_id=viewer.user.id, item_id=item.id,
                                       favourite=not item.favourite)
        return self.refresh(generation_id, sort, show, skeleton, picked, request=request)

    @creator_errors
    def download_one(self, picked, format_key, request: gr.Request) -> str:
        return item_download_link(self.studio, self.page.viewer(request), picked, format_key)

    @creator_errors
    def download_all(self, generation_id, request: gr.Request) -> str:
        if not generation_id:
            raise gr.Error("Generate a batch first; its pictures can be downloaded when it ends.")
        return batch_zip_link(self.studio, self.page.viewer(request), int(generation_id))


def render(page: Page, generation_id: gr.State) -> gr.Textbox:
    """The results' part of the Batch tab, under the progress, wired here; returns the hidden box
    the progress stream writes its mark into."""
    handlers = BatchResults(page)
    ids = gr.State([])  # the tiles' item ids, index for index
    picked = gr.State(None)  # the id of the picture clicked
    # Hidden, not invisible: Gradio 6 runs the change events of a "hidden" component only.
    mark_box = gr.Textbox(visible="hidden", elem_id="batch-results-mark")
    with gr.Row():
        sort = form.Dropdown(label="Sort results", choices=list(quality.RESULT_SORTS), value="made",
                             elem_id="batch-sort")
        show = form.Dropdown(label="Show", choices=list(quality.RESULT_SHOWS), value="all", elem_id="batch-show")
        skeleton = gr.Checkbox(label="Show the pose skeleton over each picture", value=False,
                               elem_id="batch-skeleton")
    # The tiles are thumbnails: Gradio's per-tile download would save the thumbnail, so a
    # picked picture downloads in full below, and "Download all" packs every picture in every size.
    gallery = gr.Gallery(label="Results: click one to star it, download it or compare its variations", **tiles(4),
                         height=480, elem_id="batch-results", buttons=["fullscreen"], interactive=False)
    with gr.Column(elem_id="batch-picked", variant="panel", visible=False) as picked_box:
        picked_line = gr.Markdown(NOTHING_PICKED, elem_id="batch-picked-line")
        with gr.Row(elem_id="batch-picked-actions"):
            size = form.Dropdown(label="Size", choices=export_format_choices(), value="original",
                                 elem_id="batch-one-size", scale=2)
            download_one = gr.Button("Download this picture", elem_id="batch-download-one", scale=1)
            star = gr.Button(STAR, elem_id="batch-star", scale=1)
        compare = gr.HTML(elem_id="batch-compare-box")
    with gr.Row():
        download_all = gr.Button("Download all (ZIP, full size, every chosen size)", size="sm",
                                 elem_id="batch-download-all")
    download_out = gr.HTML(elem_id="batch-download")

    view = [generation_id, sort, show, skeleton, picked]
    panel = [picked, picked_line, compare, star]
    gr.on([mark_box.change, sort.change, show.change, skeleton.change], handlers.refresh, view,
          [gallery, ids, *panel, picked_box], api_visibility="private")
    gallery.select(handlers.pick, [ids, skeleton], panel, api_visibility="private")
    star.click(handlers.star, [picked, generation_id, sort, show, skeleton], [gallery, ids, *panel, picked_box],
               api_visibility="private")
    download_one.click(handlers.download_one, [picked, size], download_out, api_visibility="private")
    start, done = working(download_all, "Download all (ZIP, full size, every chosen size)", "Packing the ZIP…")
    download_all.click(**start).then(handlers.download_all, generation_id, download_out,
                                     api_visibility="private").then(**done)
    return mark_box
