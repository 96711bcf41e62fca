"""Pose gallery: categories, filters, search, a grid to pick poses from, favourites, requests,
and the pose editor, which starts from a library pose, from scratch or from a reference photo.

Clicking a pose toggles it in the selection; the selection is shared with the Batch tab.
"""

from __future__ import annotations

import gradio as gr

from studio.db.engine import Database
from studio.enums import Difficulty, Framing, Gender, PoseSource
from studio.services import my_poses, pose_import, pose_requests
from studio.services import poses as gallery
from studio.services.pose_from_photo import PhotoPose, pose_from_photo
from studio.ui import form
from studio.ui.common import Page, Shared, Viewer, about, creator_errors, data_url, esc, uploaded_file, tiles
from studio.ui.latest import LatestOnly
from studio.ui.pose_editor import PoseEditor, pose_json
from studio.ui.safeguards import armed_for, confirmed, working

ANY = "any"  # every menu's "no filter"
DEFAULT_SORT = gallery.PoseQuery().sort
# The creator's words for the values the service filters and sorts by; a value not named
# here reads as itself in sentence case ("full_body": "Full body").
WORDS = {Framing.three_quarter.value: "Three-quarter", Gender.female.value: "Women", Gender.male.value: "Men"}


def _words(value: str) -> str:
    return WORDS.get(value, value.replace("_", " ").capitalize())


def _menu(anything: str, values) -> list[tuple[str, str]]:
    """A filter's choices: no filter, then every value the service accepts for it."""
    return [(anything, ANY), *[(_words(v.value), v.value) for v in values]]


FILTERS = {
    "difficulty": _menu("Any difficulty", Difficulty),
    "gender": _menu("Anyone", Gender),
    "framing": _menu("Any framing", Framing),
}
SORTS = [(_words(sort), sort) for sort in gallery.SORTS]
PHOTO_FIELD = "Reference photo"
OVERLAY_SIDE = 640  # px: the skeleton stays legible, the page stays light (the picture travels inside it)


def category_choices(db: Database, user_id: int | None = None) -> list[tuple[str, str]]:
    choices = [("All poses", ANY)]
    for parent in gallery.categories(db, user_id=user_id):
        choices.append((f"{parent.name} ({parent.count})", parent.slug))
        choices += [(f"   · {child.name} ({child.count})", child.slug) for child in parent.children]
    return choices


def _chosen(value) -> str | None:
    """A menu's value for the service: None where the creator chose no filter."""
    return None if value in (None, "", ANY) else value


def _query(category, difficulty, gender, framing, featured, favourites, mine, search, sort, page) -> gallery.PoseQuery:
    try:
        page = max(1, int(page or 1))
    except (TypeError, ValueError):
        page = 1
    return gallery.PoseQuery(category=_chosen(category), difficulty=_chosen(difficulty),
                             gender=_chosen(gender), framing=_chosen(framing), featured=bool(featured),
                             favourites_only=bool(favourites), mine_only=bool(mine), search=search or "",
                             sort=sort or DEFAULT_SORT, page=page)


def _grid(cards: list[dict], selected: list[int]) -> list[tuple[str, str]]:
    chosen = set(selected or [])
    return [(card["link"], ("✓ " if card["id"] in chosen else "") + ("★ " if card["favourite"] else "") + card["name"])
            for card in cards or []]


def _selection_text(selected: list[int]) -> str:
    n = len(selected or [])
    if not n:
        return "No poses picked yet: click poses to pick them (click again to remove)."
    return f"**{n} pose{'s' if n != 1 else ''} picked.** Next: open the **Batch** tab to render them."


def _empty_text(query: gallery.PoseQuery) -> str:
    if query.mine_only:
        return "You have no poses of your own yet: make one in the **Pose editor** below."
    if query.favourites_only:
        return "No favourites here yet: click a pose, then ★ Favourite."
    if query.search:
        return f"No pose matches “{esc(query.search)}”. Try fewer words, or request the pose below."
    return "No pose matches these filters. Clear a filter or two."


def recaption(cards: list[dict], selected: list[int]):
    """Update ✓ marks on the current grid without querying again (from the server's own cards)."""
    return _grid(cards, selected)


def clear_selection():
    return [], _selection_text([])


def _overlay_html(found: PhotoPose) -> str:
    """The photo with the skeleton found in it, and who was read when several people were seen."""
    if found.people > 1:
        people = f"{found.people} people found: the {'larger' if found.people == 2 else 'largest'} one was used."
    else:
        people = "1 person found."
    return (f"<figure class='pose-photo-found' data-people='{found.people}' style='margin:0'>"
            f"<img alt='The pose found in your photo' src='{data_url(found.overlay, max_side=OVERLAY_SIDE)}' "
            f"style='max-width:100%;max-height:420px;border-radius:6px'/>"
            f"<figcaption>{esc(people)} Adjust it in the pose editor below, name it and save it.</figcaption>"
            "</figure>")


class GalleryTab:
    """The tab's handlers, bound to one page. The grid's cards (id, link, name, favourite) are
    kept in a gr.State as the server made them: a click is read by index, and the ✓/★ marks
    are drawn from them, never read back from the client."""

    def __init__(self, page: Page):
        self.page = page
        self.db = page.studio.db
        self.listings = LatestOnly()

    def _page_cards(self, viewer: Viewer, page: gallery.PosePage) -> list[dict]:
        files = gallery.preview_files(self.page.studio, user_id=viewer.user.id, pose_ids=[c.id for c in page.items])
        return [{"id": c.id, "link": viewer.preview(files[c.id]), "name": c.name, "favourite": c.is_favourite}
                for c in page.items if c.id in files]

    @creator_errors
    def browse(self, category, difficulty, gender, framing, featured, favourites, mine, search, sort, page, selected,
               request: gr.Request):
        ticket = self.listings.start(request)
        viewer = self.page.viewer(request)
        query = _query(category, difficulty, gender, framing, featured, favourites, mine, search, sort, page)
        result = gallery.list_poses(self.db, user_id=viewer.user.id, query=query)
        past_end = bool(result.pages) and query.page > result.pages
        if past_end:
            # Next on the last page, or a page number typed past the end: the last page, not page 1,
            # so Next never wraps the creator back to the start.
            asked = query.page
            query = _query(category, difficulty, gender, framing, featured, favourites, mine, search, sort,
                           result.pages)
            result = gallery.list_poses(self.db, user_id=viewer.user.id, query=query)
        info = (f"{result.total} poses · page {result.page} of {max(result.pages, 1)}" if result.total
                else _empty_text(query))
        if past_end:
            info += f" · there is no page {asked}: this is the last page"
        cards = self._page_cards(viewer, result)
        if not self.listings.is_latest(ticket):
            return gr.skip()  # a newer listing of this page is under way: it draws the grid
        return _grid(cards, selected), cards, result.page, info

    @creator_errors
    def toggle_pick(self, cards: list[dict], selected: list[int], request: gr.Request, evt: gr.SelectData):
        if evt.index is None or not cards or not 0 <= int(evt.index) < len(cards):
            return gr.skip()  # skips every output
        pose_id = cards[int(evt.index)]["id"]
        pose = gallery.get_pose(self.db, user_id=self.page.user(request).id, pose_id=pose_id)  # checks it is visible
        selected = list(selected or [])
        if pose_id in selected:
            selected.remove(pose_id)
        else:
            selected.append(pose_id)
        details = (f"**{esc(pose.name)}** · {esc(pose.framing.replace('_', ' '))} · {esc(pose.difficulty)}"
                   f"\n\n{esc(pose.description)}\n\nTags: {esc(', '.join(pose.tags))}")
        return selected, _selection_text(selected), pose_id, details

    @creator_errors
    def toggle_favourite(self, pose_id, cards: list[dict], selected: list[int], request: gr.Request):
        """Star or unstar the focused pose. The grid is redrawn from the cards it shows, not queried
        again: a star counts toward "popular", and a re-query would move the pose while the creator
        is looking at it."""
        user = self.page.user(request)
        if not pose_id:
            raise gr.Error("Click a pose first, then mark it as a favourite.")
        now = gallery.toggle_favourite(self.db, user_id=user.id, pose_id=int(pose_id))
        cards = [{**card, "favourite": now} if card["id"] == int(pose_id) else card for card in cards or []]
        note = "★ Added to your favourites." if now else "Removed from your favourites."
        return note, cards, _grid(cards, selected)

    # pose editor -------------------------------------------------------------------------

    @creator_errors
    def edit_copy(self, pose_id, request: gr.Request):
        """Start the editor from the pose the creator clicked last (library or their own)."""
        user = self.page.user(request)
        if not pose_id:
            raise gr.Error("Click a pose in the grid first, then press 'Edit a copy'.")
        draft = my_poses.duplicate_from_library(self.db, user_id=user.id, pose_id=int(pose_id))
        return pose_json(draft.keypoints_json), f"{draft.name} (my version)", draft.category_slug or ANY, \
            PoseSource.user.value, "Drag the joints, then save it as your pose."

    @creator_errors
    def find_pose(self, photo, request: gr.Request):
        """Load the pose of the person in the creator's photo into the editor; nothing is stored
        until they save it. A refused photo raises, so the editor keeps the pose it had."""
        user = self.page.user(request)
        if not photo:
            raise gr.Error(f"{PHOTO_FIELD}: choose a photo of a person first, then press 'Find the pose'.")
        with about(PHOTO_FIELD):
            found = pose_from_photo(self.page.studio, user_id=user.id, file_path=uploaded_file(photo, PHOTO_FIELD))
        return (_overlay_html(found), pose_json(found.keypoints), "", PoseSource.extracted.value,
                "The pose from your photo is in the editor: drag any joint that is off, name it and save it.")

    @creator_errors
    def open_pose_file(self, upload, request: gr.Request):
        """An OpenPose JSON file, a skeleton picture or a photo, opened in the editor; nothing is
        stored until the creator saves it."""
        self.page.user(request)
        if not upload:
            raise gr.Error("Pose file: choose an OpenPose .json file or a skeleton picture first.")
        with about("Pose file"):
            keypoints, source, note = pose_import.pose_for_editor(uploaded_file(upload, "Pose file"))
        said = "The pose from your file is in the editor" + (f" ({esc(note)})" if note else "")
        return pose_json(keypoints.to_json()), "", source.value, said + ": adjust it, name it and save it."

    def _own_pose(self, pose_id, user_id: int, doing: str):
        if not pose_id:
            raise gr.Error(f"Click one of your poses first (tick *My poses only*), then {doing} it.")
        pose = gallery.get_pose(self.db, user_id=user_id, pose_id=int(pose_id))
        if pose.owner_id != user_id:
            raise gr.Error(f"“{pose.name}” is from the library: only your own poses can be {doing}d. "
                           "Press 'Edit a copy' to make it yours.")
        return pose

    @creator_errors
    def rename_my_pose(self, pose_id, new_name, cards: list[dict], selected: list[int], request: gr.Request):
        user = self.page.user(request)
        pose = self._own_pose(pose_id, user.id, "rename")
        if not (new_name or "").strip():
            raise gr.Error("New name: type the name your pose should have.")
        renamed = my_poses.update_pose(self.db, user_id=user.id, pose_id=pose.id, name=new_name)
        cards = [{**c, "name": renamed.name} if c["id"] == pose.id else c for c in cards or []]
        return f"Renamed to **{esc(renamed.name)}**.", cards, _grid(cards, selected), ""

    @creator_errors
    def delete_my_pose(self, pose_id, armed, cards: list[dict], selected: list[int], request: gr.Request):
        """Two presses: the first says what will go, the second deletes (there is no undo)."""
        user = self.page.user(request)
        pose = self._own_pose(pose_id, user.id, "delete")
        if not confirmed(armed, pose.id):
            return (f"Press **Delete my pose** again to delete “{esc(pose.name)}” for good "
                    "(batches made with it keep their pictures).", armed_for(pose.id), cards, _grid(cards, selected),
                    selected)
        my_poses.delete_pose(self.db, user_id=user.id, pose_id=pose.id)
        cards = [c for c in cards or [] if c["id"] != pose.id]
        selected = [p for p in selected or [] if p != pose.id]
        return f"Deleted “{esc(pose.name)}”.", None, cards, _grid(cards, selected), selected

    @creator_errors
    def save_my_pose(self, pose: dict, name: str, category: str, source: str, request: gr.Request):
        user = self.page.user(request)
        if not (name or "").strip():
            raise gr.Error("Give your pose a name, e.g. 'Holding the tote bag high'.")
        saved = my_poses.create_pose(self.page.studio, user_id=user.id, name=name, keypoints_json=pose,
                                     category_slug=_chosen(category), source=source or PoseSource.user.value)
        return (f"Saved **{esc(saved.name)}** to your poses (only you can see it). "
                "Tick *My poses only* to find it.")

    # pose requests -----------------------------------------------------------------------

    def _requests_tables(self, user_id: int):
        mine = [[r.id, r.name, r.status, r.votes, r.admin_note]
                for r in pose_requests.list_my_requests(self.db, user_id=user_id)]
        others = [r for r in pose_requests.list_open_requests(self.db, user_id=user_id) if not r.is_mine]
        open_ = [[r.id, r.name, r.description, r.votes, "yes" if r.voted else ""] for r in others]
        # Voting is picking a request by its name from a list, never typing its number.
        choices = [(f"{r.name} · {r.votes} vote{'s' if r.votes != 1 else ''}" + (" · you voted" if r.voted else ""),
                    r.id) for r in others]
        return mine, open_, gr.update(choices=choices, value=None)

    @creator_errors
    def show_requests(self, request: gr.Request):
        return self._requests_tables(self.page.user(request).id)

    @creator_errors
    def send_request(self, name, description, category, reference, request: gr.Request):
        user = self.page.user(request)
        pose_requests.create_request(self.page.studio, user_id=user.id, name=name, description=description,
                                     category_slug=_chosen(category),
                                     reference_image_path=uploaded_file(reference, "Reference picture")
                                     if reference else None)
        mine, open_, votable = self._requests_tables(user.id)
        return mine, open_, votable, "Thanks! Your request is listed below; others can vote for it.", "", "", None

    @creator_errors
    def vote_request(self, request_id, request: gr.Request):
        user = self.page.user(request)
        if not request_id:
            raise gr.Error("Request to vote for: pick one from the list first.")
        try:
            request_id = int(request_id)
        except (TypeError, ValueError):
            raise gr.Error("Request to vote for: pick one from the list.") from None
        votes = pose_requests.vote(self.page.studio, user_id=user.id, request_id=request_id)
        mine, open_, votable = self._requests_tables(user.id)
        return mine, open_, votable, f"Voted: that request now has {votes} vote{'s' if votes != 1 else ''}."


def render(page: Page, shared: Shared) -> None:
    handlers = GalleryTab(page)
    categories = category_choices(page.studio.db)
    with gr.Tab("Pose gallery", id="gallery") as tab:
        page_cards = gr.State([])
        focused = gr.State(None)
        # The pose a first press of Delete named; a second press deletes it. (Inside the tab: a
        # component made outside it would sit among the tabs and shift their labels.)
        delete_armed = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=220):
                category = form.Dropdown(label="Category", choices=categories, value=ANY, elem_id="gallery-category")
                difficulty = form.Dropdown(label="Difficulty", choices=FILTERS["difficulty"], value=ANY)
                gender = form.Dropdown(label="Suits", choices=FILTERS["gender"], value=ANY)
                framing = form.Dropdown(label="Framing", choices=FILTERS["framing"], value=ANY)
                featured = gr.Checkbox(label="Featured only")
                favourites = gr.Checkbox(label="My favourites only")
                mine = gr.Checkbox(label="My poses only")
            with gr.Column(scale=4):
                with gr.Row(equal_height=True):
                    search = gr.Textbox(label="Search", placeholder="e.g. arms crossed, yoga, product",
                                        scale=4, elem_id="gallery-search")
                    sort = gr.Radio(label="Sort", choices=SORTS, value=DEFAULT_SORT, scale=2)
                selection = gr.Markdown(_selection_text([]), elem_id="gallery-selection")
                grid = gr.Gallery(label="Poses: click to pick", **tiles(6), height=620, allow_preview=False,
                                  object_fit="contain", elem_id="gallery-grid", buttons=[], interactive=False)
                with gr.Row():
                    prev_page = gr.Button("← Previous", size="sm", elem_id="gallery-prev")
                    page_number = form.Number(value=1, precision=0, minimum=1, label="Page", scale=0, min_width=90,
                                            elem_id="gallery-page")
                    info = gr.Markdown(elem_id="gallery-info")
                    next_page = gr.Button("Next →", size="sm", elem_id="gallery-next")
                    clear = gr.Button("Clear selection", size="sm")
                details = gr.Markdown(elem_id="gallery-details")
                with gr.Row():
                    favourite = gr.Button("★ Favourite", size="sm", elem_id="gallery-favourite")
                    copy = gr.Button("Edit a copy in the pose editor", size="sm", elem_id="gallery-edit-copy")
                with gr.Accordion("My pose: rename or delete", open=False, elem_id="gallery-my-pose"):
                    with gr.Row():
                        mine_name = gr.Textbox(label="New name", scale=3, elem_id="gallery-rename-name")
                        rename = gr.Button("Rename my pose", size="sm", scale=1, elem_id="gallery-rename")
                        remove = gr.Button("Delete my pose", size="sm", variant="stop", scale=1,
                                           elem_id="gallery-delete")
                favourite_note = gr.Markdown(elem_id="gallery-note")

        with gr.Accordion("Pose from a reference photo", open=False, elem_id="pose-photo-box"):
            with gr.Row():
                with gr.Column(scale=2):
                    gr.Markdown("Upload a photo of a person and the studio reads their pose into the editor "
                                "below. One person seen whole or from the waist up, in clear light, works best. "
                                "Nothing is saved until you save the pose.")
                    photo = gr.File(label=f"{PHOTO_FIELD} of a person (JPEG, PNG or WebP)", file_types=["image"],
                                    type="filepath", height=120, elem_id="pose-photo")
                    find = gr.Button("Find the pose", variant="primary", elem_id="pose-photo-find")
                with gr.Column(scale=3):
                    overlay = gr.HTML(elem_id="pose-photo-overlay")
        with gr.Accordion("Import a pose file (OpenPose JSON or a skeleton picture)", open=False,
                          elem_id="pose-file-box"):
            with gr.Row():
                pose_file = gr.File(label="Pose file (.json, or a .png/.jpg/.webp skeleton picture or photo)",
                                    file_types=[".json", "image"], type="filepath", height=100, elem_id="pose-file")
                open_file = gr.Button("Open in the pose editor", variant="primary", elem_id="pose-file-open")
        with gr.Accordion("Pose editor: make your own pose", open=False, elem_id="gallery-editor") as editor_box:
            # Where the pose in the editor came from, as My poses records it: held on the server.
            e_source = gr.State(PoseSource.user.value)
            gr.Markdown("Drag joints to shape the pose; double-click a joint to hide it. The picture on the right "
                        "is exactly what steers the model.")
            editor = PoseEditor.render(elem_id="gallery-pose-editor")
            with gr.Row():
                e_name = gr.Textbox(label="Name of your pose", elem_id="editor-name")
                e_category = form.Dropdown(label="Category", choices=categories, value=ANY)
                e_save = gr.Button("Save as my pose", variant="primary", elem_id="editor-save")
            e_note = gr.Markdown(elem_id="editor-note")
        with gr.Accordion("Request a pose the library lacks", open=False):
            with gr.Row():
                r_name = gr.Textbox(label="Pose name", placeholder="e.g. Holding a shopping bag over the shoulder")
                r_category = form.Dropdown(label="Category", choices=categories, value=ANY)
            r_description = gr.Textbox(label="Describe the pose", lines=2)
            r_reference = gr.File(label="Reference picture (optional; JPEG, PNG or WebP)", file_types=["image"],
                                  type="filepath", height=100)
            r_send = gr.Button("Send request", variant="primary")
            r_note = gr.Markdown()
            gr.Markdown("**Your requests**")
            r_mine = gr.Dataframe(headers=["#", "Pose", "Status", "Votes", "Answer"], interactive=False)
            gr.Markdown("**Requests from others**: vote for the ones you want too")
            r_open = gr.Dataframe(headers=["#", "Pose", "Description", "Votes", "You voted"], interactive=False)
            with gr.Row():
                r_vote_id = form.Dropdown(label="Request to vote for", choices=[], value=None, scale=3,
                                        elem_id="request-vote-pick")
                r_vote = gr.Button("Vote", size="sm")

    # Every listing reads the same inputs and redraws the same outputs.
    browse = dict(fn=handlers.browse, inputs=[category, difficulty, gender, framing, featured, favourites, mine,
                                              search, sort, page_number, shared.selected_poses],
                  outputs=[grid, page_cards, page_number, info], api_visibility="private")
    # Any filter change starts from page 1; typing in search waits for Enter or a pause.
    filter_changes = [control.change for control in (category, difficulty, gender, framing, featured, favourites,
                                                     mine, sort)]
    gr.on([*filter_changes, search.submit], lambda: 1, None, page_number, api_visibility="private").then(**browse)
    prev_page.click(lambda p: max(1, int(p or 1) - 1), page_number, page_number,
                    api_visibility="private").then(**browse)
    next_page.click(lambda p: int(p or 1) + 1, page_number, page_number, api_visibility="private").then(**browse)
    favourite.click(handlers.toggle_favourite, [focused, page_cards, shared.selected_poses],
                    [favourite_note, page_cards, grid], api_visibility="private")
    shared.on_load.append(lambda demo: gr.on([page_number.submit, tab.select, demo.load], **browse))

    grid.select(handlers.toggle_pick, [page_cards, shared.selected_poses],
                [shared.selected_poses, selection, focused, details], api_visibility="private").then(
        recaption, [page_cards, shared.selected_poses], grid, api_visibility="private")
    clear.click(clear_selection, None, [shared.selected_poses, selection], api_visibility="private").then(
        recaption, [page_cards, shared.selected_poses], grid, api_visibility="private")
    open_editor = dict(fn=lambda: gr.update(open=True), inputs=None, outputs=editor_box, api_visibility="private")
    copy.click(handlers.edit_copy, focused, [editor.load_target, e_name, e_category, e_source, e_note],
               api_visibility="private").success(**open_editor)
    start, done = working(find, "Find the pose", "Finding the pose…")
    found = find.click(**start).then(handlers.find_pose, photo, [overlay, editor.load_target, e_name, e_source, e_note],
                                     api_visibility="private")
    found.success(**open_editor)
    found.then(**done)
    open_file.click(handlers.open_pose_file, pose_file, [editor.load_target, e_name, e_source, e_note],
                    api_visibility="private").success(**open_editor)
    rename.click(handlers.rename_my_pose, [focused, mine_name, page_cards, shared.selected_poses],
                 [favourite_note, page_cards, grid, mine_name], api_visibility="private")
    remove.click(handlers.delete_my_pose, [focused, delete_armed, page_cards, shared.selected_poses],
                 [favourite_note, delete_armed, page_cards, grid, shared.selected_poses], api_visibility="private")
    e_save.click(handlers.save_my_pose, [editor.value, e_name, e_category, e_source], e_note,
                 api_visibility="private")

    r_send.click(handlers.send_request, [r_name, r_description, r_category, r_reference],
                 [r_mine, r_open, r_vote_id, r_note, r_name, r_description, r_reference], api_visibility="private")
    r_vote.click(handlers.vote_request, r_vote_id, [r_mine, r_open, r_vote_id, r_note], api_visibility="private")
    tab.select(handlers.show_requests, None, [r_mine, r_open, r_vote_id], api_visibility="private")
