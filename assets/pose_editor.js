// Pose Studio: the interactive OpenPose BODY-18 skeleton editor.
//
// Runs as the `js_on_load` of studio.ui.pose_editor.PoseCanvas (a gr.HTML), so `element`,
// `props` and `watch` are in scope. Served from this file by the studio itself: no CDN.
//
// Everything while dragging stays in the browser (redraw on animation frames); the pose is
// written to `props.value` only when an edit is finished (pointer released, Mirror, Reset,
// Undo, visibility toggled, arrow-key nudge released). That write is what Python sees and
// what fires the component's `change` event.
//
// `props.value` set by Python (loading a pose) reaches us through `watch('value')` and
// becomes the pose Reset goes back to.

(function mountPoseEditor(element, props, watch) {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const SK = props.skeleton; // {names, limbs, colours, mirror}: pipelines/keypoints.py
  const H = 1000; // viewBox height; width is H * aspect
  const JOINT_PX = 7; // drawn radius, screen pixels
  const HIT_PX = window.matchMedia("(pointer: coarse)").matches ? 24 : 16;
  const STICK_PX = 5;
  const DRAG_SLOP_PX = 3; // a click that moves less than this is not a drag
  const LONG_PRESS_MS = 550;
  const DOUBLE_TAP_MS = 400;
  const NUDGE = 0.005;

  const root = element.querySelector(".pe-root");
  const svg = root.querySelector("svg.pe-canvas");
  const status = root.querySelector(".pe-status");
  const undoButton = root.querySelector("[data-action=undo]");

  const parentOf = new Array(SK.names.length).fill(null);
  for (const [a, b] of SK.limbs) parentOf[b] = a;

  let origin = readValue(props.value);
  let pose = clone(origin);
  let history = [];
  let drag = null;
  let selected = null;
  let hovered = null;
  let unitsPerPx = 1;
  let frameRequested = false;
  let nudgeStart = null;
  let lastTap = null;

  // ---------- pose helpers ----------

  function clone(p) {
    return JSON.parse(JSON.stringify(p));
  }

  function readValue(value) {
    let p = value;
    if (typeof p === "string") {
      try { p = JSON.parse(p); } catch (e) { p = null; }
    }
    if (!p || !Array.isArray(p.body) || p.body.length !== SK.names.length) return null;
    return {
      aspect: Number(p.aspect) || 0.75,
      body: p.body.map(r => [Number(r[0]), Number(r[1]), r.length > 2 ? (Number(r[2]) > 0 ? 1 : 0) : 1]),
      hands: p.hands || null,
      face: p.face || null,
    };
  }

  const r4 = v => Math.round(v * 10000) / 10000;
  const clamp01 = v => Math.min(1, Math.max(0, v));
  const visible = j => pose.body[j][2] > 0;

  function rounded(p) {
    const pts = rows => rows.map(([x, y, v]) => [r4(x), r4(y), v]);
    return {
      aspect: r4(p.aspect),
      body: pts(p.body),
      hands: p.hands ? p.hands.map(pts) : null,
      face: p.face ? pts(p.face) : null,
    };
  }

  // Same as Keypoints.mirrored() in Python: partners swapped, x flipped.
  function mirrored(p) {
    const flip = rows => rows.map(([x, y, v]) => [1 - x, y, v]);
    return {
      aspect: p.aspect,
      body: SK.mirror.map(j => [1 - p.body[j][0], p.body[j][1], p.body[j][2]]),
      hands: p.hands ? p.hands.slice().reverse().map(flip) : null,
      face: p.face ? flip(p.face) : null,
    };
  }

  // A hidden joint parked in a corner of the frame (libraries store "not detected" as 0,0)
  // is drawn beside its parent so it can be found and grabbed.
  function displayPos(j, depth = 0) {
    const [x, y, v] = pose.body[j];
    const parked = v <= 0 && (x === 0 || x === 1) && (y === 0 || y === 1);
    if (!parked || depth > 4) return [x, y];
    const parent = parentOf[j];
    if (parent === null) return [0.5, 0.25];
    const [px, py] = displayPos(parent, depth + 1);
    const side = SK.names[j].startsWith("right") ? -1 : SK.names[j].startsWith("left") ? 1 : 0;
    return [clamp01(px + side * 0.04), clamp01(py + 0.05)];
  }

  // ---------- drawing ----------

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG_NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  const rgb = c => `rgb(${c[0]},${c[1]},${c[2]})`;
  const label = j => SK.names[j].replace(/_/g, " ");

  svg.textContent = "";
  const frameRect = el("rect", { class: "pe-frame", x: 0, y: 0 }, svg);
  const grid = el("g", { class: "pe-grid" }, svg);
  const limbLayer = el("g", { class: "pe-limbs" }, svg);
  const extraLayer = el("g", { class: "pe-extra" }, svg);
  const jointLayer = el("g", { class: "pe-joints" }, svg);
  const ring = el("circle", { class: "pe-ring", r: 0 }, jointLayer);

  const limbLines = SK.limbs.map((_, i) => el("line", { class: "pe-limb", stroke: rgb(SK.colours[i]) }, limbLayer));
  const joints = SK.names.map((name, j) => {
    const g = el("g", { class: "pe-joint", "data-joint": j, "data-name": name }, jointLayer);
    el("title", {}, g).textContent = label(j);
    const hit = el("circle", { class: "pe-hit" }, g);
    const dot = el("circle", { class: "pe-dot", fill: rgb(SK.colours[j]) }, g);
    return { g, hit, dot };
  });

  function layoutFrame() {
    const W = H * pose.aspect;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    root.style.setProperty("--pe-aspect", String(pose.aspect));
    frameRect.setAttribute("width", W);
    frameRect.setAttribute("height", H);
    grid.textContent = "";
    for (const f of [0.25, 0.5, 0.75]) {
      el("line", { x1: f * W, y1: 0, x2: f * W, y2: H, class: f === 0.5 ? "pe-axis" : "" }, grid);
      el("line", { x1: 0, y1: f * H, x2: W, y2: f * H }, grid);
    }
    measure();
  }

  function measure() {
    const box = svg.getBoundingClientRect();
    if (box.height > 0) {
      const W = H * pose.aspect;
      unitsPerPx = Math.max(H / box.height, W / box.width);
    }
    for (const { hit, dot } of joints) {
      hit.setAttribute("r", HIT_PX * unitsPerPx);
      dot.setAttribute("r", JOINT_PX * unitsPerPx);
    }
    svg.style.setProperty("--pe-stick", STICK_PX * unitsPerPx);
    svg.style.setProperty("--pe-px", unitsPerPx);
  }

  function draw() {
    frameRequested = false;
    const W = H * pose.aspect;
    const pos = SK.names.map((_, j) => displayPos(j));
    SK.limbs.forEach(([a, b], i) => {
      const line = limbLines[i];
      line.setAttribute("x1", pos[a][0] * W);
      line.setAttribute("y1", pos[a][1] * H);
      line.setAttribute("x2", pos[b][0] * W);
      line.setAttribute("y2", pos[b][1] * H);
      line.classList.toggle("pe-hidden", !(visible(a) && visible(b)));
    });
    joints.forEach(({ g }, j) => {
      g.setAttribute("transform", `translate(${pos[j][0] * W},${pos[j][1] * H})`);
      g.classList.toggle("pe-hidden", !visible(j));
      g.classList.toggle("pe-active", drag !== null && drag.joint === j);
    });
    if (selected !== null) {
      ring.setAttribute("cx", pos[selected][0] * W);
      ring.setAttribute("cy", pos[selected][1] * H);
      ring.setAttribute("r", (JOINT_PX + 5) * unitsPerPx);
    } else {
      ring.setAttribute("r", 0);
    }
    drawExtras(W);
    showStatus();
    undoButton.disabled = history.length === 0;
  }

  function drawExtras(W) {
    extraLayer.textContent = "";
    const dots = (rows, cls) => {
      for (const [x, y, v] of rows) {
        if (v > 0) el("circle", { class: cls, cx: x * W, cy: y * H, r: 2.5 * unitsPerPx }, extraLayer);
      }
    };
    for (const hand of pose.hands || []) dots(hand, "pe-hand");
    if (pose.face) dots(pose.face, "pe-face");
  }

  function requestDraw() {
    if (!frameRequested) {
      frameRequested = true;
      requestAnimationFrame(draw);
    }
  }

  function showStatus() {
    const j = drag ? drag.joint : hovered !== null ? hovered : selected;
    if (j === null) {
      status.textContent = "Drag a joint to move it · double-click (long-press on touch) to hide or show it · arrow keys nudge the selected joint";
      return;
    }
    const [x, y, v] = pose.body[j];
    status.textContent = `${label(j)} · x ${x.toFixed(3)} · y ${y.toFixed(3)}${v > 0 ? "" : " · hidden"}`;
  }

  // ---------- edits ----------

  function commit() {
    pose = rounded(pose);
    props.value = clone(pose); // a new object: Gradio fires `change` and Python sees it
    requestDraw();
  }

  function remember() {
    history.push(clone(pose));
    if (history.length > 100) history.shift();
  }

  function toggleVisibility(j) {
    remember();
    const [x, y] = displayPos(j); // a parked joint comes back where it is drawn
    pose.body[j] = [x, y, pose.body[j][2] > 0 ? 0 : 1];
    commit();
  }

  const actions = {
    mirror() { remember(); pose = mirrored(pose); commit(); },
    reset() { remember(); pose = clone(origin); layoutFrame(); commit(); },
    undo() {
      if (!history.length) return;
      pose = history.pop();
      layoutFrame();
      commit();
    },
  };

  root.querySelectorAll("[data-action]").forEach(button => {
    button.addEventListener("click", () => actions[button.dataset.action]());
  });

  // ---------- pointer: mouse, touch and pen alike ----------

  function pointerToPose(e) {
    const pt = svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    const q = pt.matrixTransform(svg.getScreenCTM().inverse());
    return [q.x / (H * pose.aspect), q.y / H];
  }

  // Hand and face points ride along with the wrist / nose they belong to.
  function passengers(j) {
    const rows = [];
    const [jx, jy] = pose.body[j];
    if ((SK.names[j] === "right_wrist" || SK.names[j] === "left_wrist") && pose.hands) {
      let best = null, bestDist = 0.08;
      pose.hands.forEach((hand, h) => {
        const d = Math.hypot(hand[0][0] - jx, hand[0][1] - jy);
        if (d < bestDist) { best = h; bestDist = d; }
      });
      if (best !== null) rows.push(["hands", best]);
    }
    if (SK.names[j] === "nose" && pose.face) rows.push(["face", null]);
    return rows;
  }

  svg.addEventListener("pointerdown", e => {
    if (e.button !== 0) return;
    const g = e.target.closest("[data-joint]");
    root.focus({ preventScroll: true });
    if (!g) {
      selected = null;
      requestDraw();
      return;
    }
    e.preventDefault();
    const j = Number(g.dataset.joint);
    const [px, py] = pointerToPose(e);
    const [jx, jy] = displayPos(j);
    drag = {
      joint: j, pointer: e.pointerId, offset: [jx - px, jy - py], start: clone(pose),
      from: [e.clientX, e.clientY], moved: false, pressed: false, passengers: passengers(j),
      timer: e.pointerType === "mouse" ? null : setTimeout(() => longPress(j), LONG_PRESS_MS),
    };
    selected = j;
    svg.setPointerCapture(e.pointerId);
    requestDraw();
  });

  svg.addEventListener("pointermove", e => {
    if (!drag) {
      const g = e.target.closest("[data-joint]");
      const j = g ? Number(g.dataset.joint) : null;
      if (j !== hovered) { hovered = j; showStatus(); }
      return;
    }
    if (e.pointerId !== drag.pointer || drag.pressed) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.from[0], e.clientY - drag.from[1]) < DRAG_SLOP_PX) return;
    drag.moved = true;
    clearTimeout(drag.timer);
    const [px, py] = pointerToPose(e);
    const x = clamp01(px + drag.offset[0]);
    const y = clamp01(py + drag.offset[1]);
    const before = drag.start.body[drag.joint];
    pose.body[drag.joint] = [x, y, pose.body[drag.joint][2]];
    const dx = x - before[0], dy = y - before[1];
    for (const [kind, index] of drag.passengers) {
      const from = kind === "hands" ? drag.start.hands[index] : drag.start.face;
      const moved = from.map(([hx, hy, v]) => [hx + dx, hy + dy, v]);
      if (kind === "hands") pose.hands[index] = moved; else pose.face = moved;
    }
    requestDraw();
  });

  function endDrag(e) {
    if (!drag || e.pointerId !== drag.pointer) return;
    clearTimeout(drag.timer);
    const finished = drag;
    drag = null;
    if (finished.moved) {
      history.push(finished.start);
      commit();
      lastTap = null;
    } else if (!finished.pressed && e.type === "pointerup") {
      // Our own double-click/double-tap: with the pointer captured, the browser's dblclick
      // lands on the svg, not the joint.
      const now = performance.now();
      if (lastTap && lastTap.joint === finished.joint && now - lastTap.time < DOUBLE_TAP_MS) {
        lastTap = null;
        toggleVisibility(finished.joint);
      } else {
        lastTap = { joint: finished.joint, time: now };
        requestDraw();
      }
    } else {
      requestDraw();
    }
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  function longPress(j) {
    if (!drag || drag.moved) return;
    drag.pressed = true;
    if (navigator.vibrate) navigator.vibrate(15);
    toggleVisibility(j);
  }

  svg.addEventListener("dblclick", e => e.preventDefault());
  svg.addEventListener("contextmenu", e => { if (e.target.closest("[data-joint]")) e.preventDefault(); });
  svg.addEventListener("pointerleave", () => { if (!drag && hovered !== null) { hovered = null; showStatus(); } });

  // ---------- keyboard ----------

  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  root.addEventListener("keydown", e => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      e.preventDefault();
      actions.undo();
      return;
    }
    const dir = ARROWS[e.key];
    if (!dir || selected === null) return;
    e.preventDefault();
    if (nudgeStart === null) nudgeStart = clone(pose);
    const step = e.shiftKey ? NUDGE * 5 : NUDGE;
    const [x, y, v] = pose.body[selected];
    pose.body[selected] = [clamp01(x + dir[0] * step), clamp01(y + dir[1] * step), v];
    requestDraw();
  });
  root.addEventListener("keyup", e => {
    if (ARROWS[e.key] && nudgeStart !== null) {
      history.push(nudgeStart);
      nudgeStart = null;
      commit();
    }
  });

  // ---------- Python -> editor ----------

  watch("value", () => {
    const loaded = readValue(props.value);
    if (!loaded) return;
    origin = loaded;
    pose = clone(loaded);
    history = [];
    drag = null;
    selected = null;
    layoutFrame();
    requestDraw();
  });

  new ResizeObserver(() => { measure(); requestDraw(); }).observe(svg);

  // For tests and other scripts on the page: read-only access to the editor's state.
  element.poseEditor = {
    get pose() { return clone(pose); },
    get origin() { return clone(origin); },
  };

  if (!pose) {
    status.textContent = "This pose cannot be edited: it needs 18 body joints.";
    return;
  }
  layoutFrame();
  draw();
})(element, props, watch);
