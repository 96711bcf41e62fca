"""The pose editor in a real browser: drag, mirror, reset, hide/show, undo, load from Python,
and the conditioning preview, checked against what Python receives."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from pipelines.keypoints import JOINT, Keypoints
from studio.ui.pose_editor import DEFAULT_POSE, SAMPLE_POSE, build_demo, demo_theme

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RECEIVED = "#pose-editor-received textarea"
PREVIEW_IMG = ".pose-editor-preview img"


@pytest.fixture(scope="module")
def editor_url():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    demo = build_demo()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                theme=demo_theme())
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def received(page) -> dict:
    """The pose as the Python handler last received it."""
    return json.loads(page.input_value(RECEIVED))


def wait_received(page, previous: dict, timeout: float = 10.0) -> dict:
    """The next pose Python receives after ``previous``."""
    before = json.dumps(previous)
    page.wait_for_function("([sel, before]) => { const t = document.querySelector(sel);"
                           " return t && t.value && JSON.stringify(JSON.parse(t.value)) !== JSON.stringify(JSON.parse(before)); }",
                           arg=[RECEIVED, before], timeout=timeout * 1000)
    return received(page)


def browser_pose(page) -> dict:
    return page.evaluate("() => document.querySelector('.pe-root').parentElement.poseEditor.pose")


def centre(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def joint(name: str) -> str:
    return f".pe-joint[data-name={name}] .pe-dot"


def preview_src(page) -> str:
    return page.get_attribute(PREVIEW_IMG, "src") or ""


def test_pose_editor_in_browser(page, editor_url):
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(editor_url)
    page.wait_for_selector(joint("right_wrist"), timeout=30_000)
    page.wait_for_function(f"() => document.querySelector({RECEIVED!r})?.value", timeout=15_000)
    initial = received(page)
    assert initial["body"] == DEFAULT_POSE["body"]
    assert browser_pose(page)["body"] == initial["body"]
    page.wait_for_selector(PREVIEW_IMG, timeout=15_000)
    first_preview = preview_src(page)

    # Drag the right wrist by a known offset; the frame maps pixels to normalised units.
    frame = page.locator(".pe-frame").bounding_box()
    x0, y0 = centre(page, joint("right_wrist"))
    dx, dy = -40, -60
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + dx / 2, y0 + dy / 2, steps=5)
    mid = browser_pose(page)["body"][JOINT["right_wrist"]]
    assert mid[1] < initial["body"][JOINT["right_wrist"]][1] - 0.01, "the joint must follow the pointer while dragging"
    page.mouse.move(x0 + dx, y0 + dy, steps=5)
    released = time.monotonic()
    page.mouse.up()
    dragged = wait_received(page, initial)
    round_trip = time.monotonic() - released
    wrist = JOINT["right_wrist"]
    ox, oy, _ = initial["body"][wrist]
    nx, ny, nv = dragged["body"][wrist]
    assert nx == pytest.approx(ox + dx / frame["width"], abs=0.002)
    assert ny == pytest.approx(oy + dy / frame["height"], abs=0.002)
    assert nv == 1
    assert [row for j, row in enumerate(dragged["body"]) if j != wrist] == \
           [row for j, row in enumerate(initial["body"]) if j != wrist]
    assert dragged["aspect"] == initial["aspect"]
    Keypoints.from_json(dragged).check_usable()
    page.wait_for_function(f"(before) => document.querySelector({PREVIEW_IMG!r})?.src !== before",
                           arg=first_preview, timeout=10_000)

    # Mirror: left and right swapped and flipped, exactly as Keypoints.mirrored() does it.
    page.click("button[data-action=mirror]")
    mirrored = wait_received(page, dragged)
    expected = Keypoints.from_json(dragged).mirrored().to_json()
    for got, want in zip(mirrored["body"], expected["body"]):
        assert got[:2] == pytest.approx(want[:2], abs=1e-4)
        assert got[2] == want[2]
    assert mirrored["body"][JOINT["left_wrist"]][1] == pytest.approx(ny, abs=1e-4)

    # Hide a joint with a double-click; Undo brings it back.
    page.dblclick(joint("left_ankle"))
    hidden = wait_received(page, mirrored)
    assert hidden["body"][JOINT["left_ankle"]][2] == 0
    assert hidden["body"][JOINT["left_ankle"]][:2] == mirrored["body"][JOINT["left_ankle"]][:2]
    assert page.locator(".pe-joint[data-name=left_ankle].pe-hidden").count() == 1
    page.click("button[data-action=undo]")
    assert wait_received(page, hidden)["body"] == mirrored["body"]

    # Reset: back to the pose it was loaded with.
    page.click("button[data-action=reset]")
    reset = wait_received(page, mirrored)
    assert reset["body"] == initial["body"]

    # Loading a pose from Python redraws the editor and becomes the new Reset point.
    page.click("#pose-editor-load")
    page.wait_for_function("(want) => JSON.stringify(document.querySelector('.pe-root').parentElement"
                           ".poseEditor.pose.body) === JSON.stringify(want)", arg=SAMPLE_POSE["body"],
                           timeout=10_000)
    assert page.locator(".pe-joint[data-name=right_ear].pe-hidden").count() == 1
    loaded = wait_received(page, reset)
    assert loaded["body"] == SAMPLE_POSE["body"]
    x0, y0 = centre(page, joint("left_knee"))
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 30, y0 + 10, steps=4)
    page.mouse.up()
    moved = wait_received(page, loaded)
    assert moved["body"][JOINT["left_knee"]] != SAMPLE_POSE["body"][JOINT["left_knee"]]
    page.click("button[data-action=reset]")
    assert wait_received(page, moved)["body"] == SAMPLE_POSE["body"]

    # The screenshot shows the loaded pose (one hidden joint) with the right wrist hovered.
    page.wait_for_timeout(300)
    src = preview_src(page)
    page.hover(joint("right_wrist"))
    page.wait_for_timeout(200)
    page.screenshot(path=str(ARTIFACTS / "pose-editor.png"), full_page=True)
    assert src.startswith(("http://127.0.0.1", "data:image/png", "/"))

    print(f"pose reached Python {round_trip * 1000:.0f} ms after release")
    foreign = [u for u in requests if urlparse(u).scheme in ("http", "https")
               and urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    assert not foreign, f"the editor must work offline, but the page fetched {foreign}"
    assert not [e for e in errors if "favicon" not in e], errors


def test_pose_editor_with_touch(browser, editor_url):
    context = browser.new_context(viewport={"width": 820, "height": 1000}, has_touch=True)
    try:
        page = context.new_page()
        page.goto(editor_url)
        page.wait_for_selector(joint("left_elbow"), timeout=30_000)
        page.wait_for_function(f"() => document.querySelector({RECEIVED!r})?.value", timeout=15_000)
        initial = received(page)
        touch = context.new_cdp_session(page)

        def finger(kind: str, x: float = 0, y: float = 0) -> None:
            points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        # Drag the left elbow with a finger.
        frame = page.locator(".pe-frame").bounding_box()
        x0, y0 = centre(page, joint("left_elbow"))
        finger("touchStart", x0, y0)
        for step in range(1, 6):
            finger("touchMove", x0 + 8 * step, y0 - 6 * step)
        finger("touchEnd")
        dragged = wait_received(page, initial)
        elbow = JOINT["left_elbow"]
        assert dragged["body"][elbow][0] == pytest.approx(initial["body"][elbow][0] + 40 / frame["width"], abs=0.003)
        assert dragged["body"][elbow][1] == pytest.approx(initial["body"][elbow][1] - 30 / frame["height"], abs=0.003)

        # A long press hides a joint; a second one shows it again.
        x1, y1 = centre(page, joint("right_knee"))
        finger("touchStart", x1, y1)
        page.wait_for_timeout(800)
        finger("touchEnd")
        hidden = wait_received(page, dragged)
        assert hidden["body"][JOINT["right_knee"]][2] == 0
        finger("touchStart", x1, y1)
        page.wait_for_timeout(800)
        finger("touchEnd")
        assert wait_received(page, hidden)["body"][JOINT["right_knee"]][2] == 1
        page.screenshot(path=str(ARTIFACTS / "pose-editor-touch.png"), full_page=True)
    finally:
        context.close()
