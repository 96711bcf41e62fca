"""History: past batches with status and cost; their results; downloads; re-run; delete."""

from __future__ import annotations

import uuid

import gradio as gr

from studio.services import exports, generations, quality, stats
from studio.ui import form
from studio.ui.common import (tiles, Page, Shared, Viewer, batch_zip_link, creator_errors, download_link, esc,
                              export_format_choices, quality_badge, quality_lines)
from studio.ui.safeguards import armed_for, confirmed

# "Preset" is the quality preset the batch ran at (tiny, standard, pro); the likeness and pose
# checks of a batch show when it is opened (its title and each image's caption).
COLUMNS = ["#", "When (UTC)", "Status", "Images", "Failed", "Credits", "Refunded", "Preset"]


def _stats_text(s: dict) -> str:
    avg = s.get("average_image_seconds")
    avg_text = f" · {avg:.1f} s per image on average" if avg else ""
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('h') else 's'}"

    return (f"{count(s['generations'], 'batch')} · {count(s['images_completed'], 'image')} · "
            f"{s['images_failed']} failed · {s['credits_spent']} credits spent{avg_text}")


def caption(item) -> str:
    """An image's caption in History (a GenerationItem): the pose, the variation, the seed of the
    picture kept (a re-roll's when a drift was redone) and the same badge as on the Batch tab."""
    star = "★ " if item.favourite else ""
    badge = quality_badge(generations.finished_item(item))
    return (f"{star}{item.pose_name} · v{item.variation + 1} · seed {quality.kept_seed(item)}"
            + (f" · {badge}" if badge else ""))


RERUN = "Re-run with the same seed"


class HistoryTab:
    """The History tab's handlers, bound to one page. Ids travel in gr.State, never in captions."""

    def __init__(self, page: Page):
        self.page = page
        self.studio = page.studio

    def _rows(self, user_id: int) -> list[list]:
        return [[g.id, g.created_at.strftime("%Y-%m-%d %H:%M"), g.status, f"{g.done_items}/{g.total_items}",
                 g.failed_items, g.credits_charged, g.credits_refunded, g.preset_key]
                for g in generations.list_generations(self.studio.db, user_id=user_id, limit=100)]

    def _items(self, viewer: Viewer, generation_id: int, sort: str = "made", show: str = "all"):
        db = self.studio.db
        items = [i for i in generations.list_items(db, user_id=viewer.user.id, generation_id=generation_id,
                                                   sort=sort or "made", show=show or "all")
                 if i.status == "completed"]
        cards, ids = [], []
        for item in items:
            path = viewer.media(item.thumbnail_path) or viewer.media(item.image_path)
            if path:
                cards.append((path, caption(item)))
                ids.append(item.id)
        return cards, ids

    def _title(self, user_id: int, generation_id: int) -> str:
        """The opened batch: its status and cost, then its checks as the Batch tab summed them up."""
        g = generations.get_generation(self.studio.db, user_id=user_id, generation_id=generation_id)
        p = generations.progress(self.studio.db, user_id=user_id, generation_id=generation_id)
        done = [i for i in p.items if i.status == "completed"]
        checks = quality_lines(p.quality, p.checks, done, pictures_made=p.pictures_made, done=p.done)
        return (f"**Batch #{g.id}** · {esc(g.status)} · {g.done_items} of {g.total_items} images · "
                f"{g.credits_charged - g.credits_refunded} credits"
                + "".join(f"  \n{esc(line)}" for line in checks))

    @creator_errors
    def reorder(self, generation_id, sort, show, request: gr.Request):
        if not generation_id:
            return [], []
        return self._items(self.page.viewer(request), int(generation_id), sort, show)

    @creator_errors
    def show(self, request: gr.Request):
        user = self.page.user(request)
        rows = self._rows(user.id)
        note = ("No batches yet: render your first one in the **Batch** tab." if not rows
                else "Click a batch to see its images. " + _stats_text(stats.user_stats(self.studio.db,
                                                                                        user_id=user.id)))
        return rows, note

    @creator_errors
    def open_batch(self, rows, sort, show, request: gr.Request, evt: gr.SelectData):
        viewer = self.page.viewer(request)
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        try:
            generation_id = int(rows.iloc[row, 0]) if hasattr(rows, "iloc") else int(rows[row][0])
        except (IndexError, ValueError, TypeError, KeyError):
            raise gr.Error("Click a row of the table to open that batch.") from None
        cards, ids = self._items(viewer, generation_id, sort, show)
        title = self._title(viewer.user.id, generation_id)
        return generation_id, cards, ids, title, None, RERUN

    @creator_errors
    def pick_item(self, ids: list[int], request: gr.Request, evt: gr.SelectData):
        """The clicked image, and the re-run button with what a re-run of it costs today."""
        if evt.index is None or not ids or not 0 <= int(evt.index) < len(ids):
            return None, RERUN
        item_id = ids[int(evt.index)]
        price = generations.rerun_estimate(self.studio.db, user_id=self.page.user(request).id, item_id=item_id)
        return item_id, f"{RERUN} · {price.total} credits"

    @creator_errors
    def download_zip(self, generation_id, request: gr.Request):
        viewer = self.page.viewer(request)
        if not generation_id:
            raise gr.Error("Open a batch first (click it in the table).")
        return batch_zip_link(self.studio, viewer, int(generation_id))

    @creator_errors
    def download_item(self, item_id, format_key: str, request: gr.Request):
        viewer = self.page.viewer(request)
        if not item_id:
            raise gr.Error("Click an image first.")
        relative = exports.download_file(self.studio, user_id=viewer.user.id, item_id=int(item_id),
                                         format_key=format_key)
        name = exports.download_name(self.studio, user_id=viewer.user.id, item_id=int(item_id), format_key=format_key)
        return download_link(viewer.media(relative, filename=name), name)

    @creator_errors
    def favourite_item(self, item_id, generation_id, sort, show, request: gr.Request):
        viewer = self.page.viewer(request)
        if not item_id:
            raise gr.Error("Click an image first.")
        db = self.studio.db
        item = generations.get_item(db, user_id=viewer.user.id, item_id=int(item_id))
        generations.set_item_favourite(db, user_id=viewer.user.id, item_id=item.id, favourite=not item.favourite)
        return self._items(viewer, int(generation_id), sort, show)[0]

    @creator_errors
    def rerun_item(self, item_id, request: gr.Request) -> str:
        user = self.page.user(request)
        if not item_id:
            raise gr.Error("Click an image first.")
        g = generations.rerun_item(self.studio, user_id=user.id, item_id=int(item_id),
                                   submission_key=uuid.uuid4().hex)
        return (f"Re-running with the same seed as batch #{g.id} ({g.credits_charged} credits charged); "
                "follow it in the **Batch** tab or here.")

    @creator_errors
    def delete_batch(self, generation_id, armed, request: gr.Request):
        """Two presses: the first says what will go, the second deletes (there is no undo)."""
        user = self.page.user(request)
        if not generation_id:
            raise gr.Error("Open a batch first (click it in the table), then delete it.")
        if not confirmed(armed, int(generation_id)):
            view = generations.get_generation(self.studio.db, user_id=user.id, generation_id=int(generation_id))
            return (gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                    f"Press **Delete batch** again to delete batch #{view.id} and its images for good.",
                    armed_for(view.id))
        generations.delete_generation(self.studio, user_id=user.id, generation_id=int(generation_id))
        rows, note = self.show(request)
        return rows, note, None, [], [], "Batch deleted with its images.", None


def render(page: Page, shared: Shared) -> None:
    handlers = HistoryTab(page)
    with gr.Tab("History", id="history") as tab:
        note = gr.Markdown(elem_id="history-note")
        table = gr.Dataframe(headers=COLUMNS, interactive=False, elem_id="history-table")
        generation_id = gr.State(None)
        item_ids = gr.State([])
        item_id = gr.State(None)
        delete_armed = gr.State(None)  # the batch a first press of Delete batch asked to delete
        title = gr.Markdown(elem_id="history-title")
        results = gr.Gallery(label="Images: click one to download it in any size", **tiles(5), height=420,
                             allow_preview=False, elem_id="history-results", interactive=False)
        with gr.Row():
            sort = form.Dropdown(label="Sort images", choices=list(quality.RESULT_SORTS), value="made",
                               elem_id="history-sort")
            show = form.Dropdown(label="Show", choices=list(quality.RESULT_SHOWS), value="all", elem_id="history-show")
        with gr.Row():
            zip_button = gr.Button("Download ZIP of the batch", elem_id="history-zip")
            fmt = form.Dropdown(label="Size", choices=export_format_choices(), value="original", scale=2)
            one_button = gr.Button("Download this image", elem_id="history-download-one")
            favourite = gr.Button("★ Favourite")
            rerun = gr.Button(RERUN, elem_id="history-rerun")
            delete = gr.Button("Delete batch", variant="stop", elem_id="history-delete")
        file_out = gr.HTML(elem_id="history-download")
        action_note = gr.Markdown(elem_id="history-action-note")

    tab.select(handlers.show, None, [table, note], api_visibility="private")
    table.select(handlers.open_batch, [table, sort, show], [generation_id, results, item_ids, title, item_id, rerun],
                 api_visibility="private")
    gr.on([sort.change, show.change], handlers.reorder, [generation_id, sort, show], [results, item_ids],
          api_visibility="private")
    results.select(handlers.pick_item, item_ids, [item_id, rerun], api_visibility="private")
    zip_button.click(handlers.download_zip, generation_id, file_out, api_visibility="private")
    one_button.click(handlers.download_item, [item_id, fmt], file_out, api_visibility="private")
    favourite.click(handlers.favourite_item, [item_id, generation_id, sort, show], results,
                    api_visibility="private")
    rerun.click(handlers.rerun_item, item_id, action_note, api_visibility="private").then(
        page.header, None, shared.user_box, api_visibility="private")
    delete.click(handlers.delete_batch, [generation_id, delete_armed],
                 [table, note, generation_id, results, item_ids, action_note, delete_armed], api_visibility="private")
