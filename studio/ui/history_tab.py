"""History: past batches with their avatar, poses, status and cost, filtered and sorted on the
server (studio.services.history); their results; downloads; re-run; delete."""

from __future__ import annotations

import uuid

import gradio as gr

from studio.services import generations, history, quality, stats
from studio.ui import form
from studio.ui.history_cards import OPEN_ON_CLICK, cards_html
from studio.ui.common import (tiles, Page, Shared, Viewer, batch_zip_link, creator_errors, esc, item_download_link,
                              export_format_choices, quality_badge, quality_lines)
from studio.ui.safeguards import armed_for, confirmed

# The filter menus' "any" entry: the handler reads it as "not narrowed".
ANY = "any"
STATUS_CHOICES = [("Any status", ANY), ("Done", "done"), ("Failed", "failed"), ("Cancelled", "cancelled"),
                  ("Running or queued", "running")]


def _wanted(project, avatar, status, preset, sort) -> history.BatchFilter:
    """The filter as the menus hold it; ids and words are checked by the service."""
    def given(value):
        return None if value in (None, "", ANY) else value

    return history.BatchFilter(project_id=given(project), avatar_id=given(avatar), status=given(status),
                               preset_key=given(preset), sort=sort or "newest")


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

    def _listing(self, viewer: Viewer, wanted: history.BatchFilter) -> tuple[str, str]:
        """The batches the filter keeps, as cards, and the line above them."""
        batches = history.list_batches(self.studio.db, user_id=viewer.user.id, wanted=wanted)
        totals = stats.user_stats(self.studio.db, user_id=viewer.user.id)
        if not totals["generations"]:
            return "", "No batches yet: render your first one in the **Batch** tab."
        shown = (f"{len(batches)} shown · " if wanted != history.BatchFilter(sort=wanted.sort) else "")
        return (cards_html(batches, viewer),
                f"Click a batch to see its images. {shown}{_stats_text(totals)}")

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
    def menus(self, project, avatar, preset, request: gr.Request):
        """The filter menus with the creator's own projects, avatars (of the chosen project) and
        presets; a choice that is gone (deleted since) goes back to "any"."""
        user_id = self.page.user(request).id
        everything = history.filter_choices(self.studio.db, user_id=user_id)
        project = project if project in {pid for _, pid in everything.projects} else ANY
        choices = (history.filter_choices(self.studio.db, user_id=user_id, project_id=project)
                   if project != ANY else everything)
        avatar = avatar if avatar in {aid for _, aid in choices.avatars} else ANY
        preset = preset if preset in choices.presets else ANY
        return (gr.update(choices=[("All projects", ANY), *choices.projects], value=project),
                gr.update(choices=[("All avatars", ANY), *choices.avatars], value=avatar),
                gr.update(choices=[("Any preset", ANY), *choices.presets], value=preset))

    @creator_errors
    def show(self, project, avatar, status, preset, sort, request: gr.Request):
        return self._listing(self.page.viewer(request), _wanted(project, avatar, status, preset, sort))

    @creator_errors
    def open_batch(self, sort, show, request: gr.Request, evt: gr.EventData):
        """The pressed card's batch. Its id comes from the page: only the creator's own opens."""
        viewer = self.page.viewer(request)
        pressed = evt._data if isinstance(evt._data, dict) else {}
        batch = generations.get_generation(self.studio.db, user_id=viewer.user.id,
                                           generation_id=pressed.get("batch"))
        cards, ids = self._items(viewer, batch.id, sort, show)
        return batch.id, cards, ids, self._title(viewer.user.id, batch.id), None, RERUN

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
        return item_download_link(self.studio, self.page.viewer(request), item_id, format_key)

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
    def delete_batch(self, generation_id, armed, project, avatar, status, preset, sort, request: gr.Request):
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
        listing, note = self._listing(self.page.viewer(request), _wanted(project, avatar, status, preset, sort))
        return listing, note, None, [], [], "Batch deleted with its images.", None


def render(page: Page, shared: Shared) -> None:
    handlers = HistoryTab(page)
    with gr.Tab("History", id="history") as tab:
        with gr.Row(elem_id="history-filters"):
            project = form.Dropdown(label="Project", choices=[("All projects", ANY)], value=ANY,
                                    elem_id="history-project", min_width=150)
            avatar = form.Dropdown(label="Avatar", choices=[("All avatars", ANY)], value=ANY,
                                   elem_id="history-avatar", min_width=150)
            status = form.Dropdown(label="Status", choices=STATUS_CHOICES, value=ANY, elem_id="history-status",
                                   min_width=150)
            preset = form.Dropdown(label="Preset", choices=[("Any preset", ANY)], value=ANY,
                                   elem_id="history-preset", min_width=150)
            order = form.Dropdown(label="Sort batches", choices=[(s.capitalize(), s) for s in history.SORTS],
                                  value="newest", elem_id="history-order", min_width=150)
        note = gr.Markdown(elem_id="history-note")
        # Cards, one button each (history_cards): pressing one opens that batch below.
        table = gr.HTML(elem_id="history-table", js_on_load=OPEN_ON_CLICK, apply_default_css=False)
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

    filters = [project, avatar, status, preset, order]
    menus = dict(fn=handlers.menus, inputs=[project, avatar, preset], outputs=[project, avatar, preset],
                 api_visibility="private")
    listing = dict(fn=handlers.show, inputs=filters, outputs=[table, note], api_visibility="private")
    # A new project narrows the avatar menu first; .input, not .change: the menus' own updates
    # must not start another listing.
    gr.on([tab.select, project.input], **menus).then(**listing)
    gr.on([avatar.input, status.input, preset.input, order.input], **listing)
    table.click(handlers.open_batch, [sort, show], [generation_id, results, item_ids, title, item_id, rerun],
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
    delete.click(handlers.delete_batch, [generation_id, delete_armed, *filters],
                 [table, note, generation_id, results, item_ids, action_note, delete_armed], api_visibility="private")
