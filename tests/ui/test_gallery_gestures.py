"""The gallery of a running studio offers the library's gesture sub-categories and lists their poses."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import httpx

from tests.ui.studio_server import AUTH, client, running_studio

DATA = Path(__file__).resolve().parents[2] / "data"


def _shipped() -> tuple[list[dict], Counter]:
    categories = json.loads((DATA / "categories.json").read_text(encoding="utf-8"))
    poses = [p for path in (DATA / "poses").glob("*.json") for p in json.loads(path.read_text(encoding="utf-8"))]
    return categories, Counter(p["category"] for p in poses)


def test_the_gallery_menu_lists_every_sub_category_and_the_gestures_list_their_poses(tmp_path):
    categories, counts = _shipped()
    children = [c for parent in categories for c in parent["children"]]
    gestures = [c for c in children if c.get("hands")]
    assert gestures, "the library ships gesture sub-categories"
    with running_studio(tmp_path / "data", STUDIO_AUTH=AUTH) as (_, url):
        c = client(url, "ana")
        config = httpx.get(f"{url}/config", cookies=c.cookies, timeout=30).json()
        menu = next(comp for comp in config["components"] if comp.get("props", {}).get("elem_id") == "gallery-category")
        offered = {value: label for label, value in menu["props"]["choices"]}
        for child in children:
            assert child["slug"] in offered, f"{child['name']} missing from the gallery's category menu"
            assert child["name"] in offered[child["slug"]] and f"({counts[child['slug']]})" in offered[child["slug"]]
        for child in gestures:
            listing = c.predict(child["slug"], "", 1, api_name="/list_poses")
            assert listing["total"] == counts[child["slug"]] >= 5
            assert {p["category"] for p in listing["poses"]} == {child["slug"]}
