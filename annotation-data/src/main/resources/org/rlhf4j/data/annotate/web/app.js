// The labelling page for a team: asks the person's name once (kept in this browser), shows the prompt and K responses
// of the item the server leased to them, in the order it shuffled for them, lets them order the responses (best first)
// with the keyboard or the mouse and flag them, and posts {"annotator", "id", "ranking", "flags"} to /api/rank, or
// {"annotator", "id"} to /api/skip. All text is set with textContent.
"use strict";
(function () {
  const FLAGS = [["harmful", "harmful"], ["not_following", "not following"]];
  const NAME_KEY = "rlhf4j.annotator";
  const WAIT_MS = 10000;
  const $ = (id) => document.getElementById(id);
  const state = { name: null, item: null, order: [], flags: [], selected: 0, busy: false, drag: null, timer: null };

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  function storedName() {
    try { return localStorage.getItem(NAME_KEY); } catch (e) { return null; }
  }

  function storeName(name) {
    try {
      if (name === null) localStorage.removeItem(NAME_KEY); else localStorage.setItem(NAME_KEY, name);
    } catch (e) { /* storage off: the name lasts as long as the page */ }
  }

  function show(section) {
    for (const id of ["name-section", "task", "wait", "done"]) $(id).hidden = id !== section;
  }

  function askName(error) {
    state.name = null;
    state.item = null;
    $("who").textContent = "";
    $("change-name").hidden = true;
    $("name-error").textContent = error || "";
    show("name-section");
    $("name").focus();
  }

  function showProgress(p, you) {
    $("progress").textContent = p.rankings_done + " of " + p.rankings_wanted + " rankings done (" + p.remaining
      + " to go; " + p.items_complete + " of " + p.items + " items complete)";
    if (state.name !== null) {
      $("who").textContent = "Labelling as " + state.name + ": " + you.ranked + " ranked, " + you.skipped + " skipped";
      $("change-name").hidden = false;
    }
    const rows = Object.keys(p.annotators).map((name) => {
      const tr = document.createElement("tr");
      for (const [text, cls] of [[name, ""], [String(p.annotators[name].ranked), "count"], [String(p.annotators[name].skipped), "count"]]) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.appendChild(td);
      }
      return tr;
    });
    $("team").tBodies[0].replaceChildren(...rows);
  }

  async function loadNext() {
    clearTimeout(state.timer);
    const name = state.name;
    const r = await fetch("/api/next?annotator=" + encodeURIComponent(name), { cache: "no-store" });
    const data = await r.json().catch(() => ({ error: "HTTP " + r.status }));
    if (r.status === 400) { storeName(null); askName(data.error); return; }
    if (!r.ok) { setStatus("Cannot load: " + (data.error || ("HTTP " + r.status)), true); return; }
    storeName(name);
    showProgress(data.progress, data.you);
    if (data.state === "wait") {
      state.item = null;
      show("wait");
      state.timer = setTimeout(() => loadNext().catch(() => {}), WAIT_MS);
      return;
    }
    if (data.state === "done") {
      state.item = null;
      $("done-title").textContent = data.progress.complete ? "All done" : "Nothing left for you";
      $("done-text").textContent = data.progress.complete
        ? "Every response set in this file has all its rankings. You can close this page."
        : "You have ranked or skipped everything you may rank; what is left needs other people. You can close this page.";
      show("done");
      return;
    }
    state.item = data.item;
    state.order = data.item.shown.slice();
    state.flags = data.item.responses.map(() => new Set());
    state.selected = 0;
    $("prompt").textContent = data.item.prompt;
    show("task");
    render();
    $("list").focus();
  }

  function button(text, label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", (e) => { e.stopPropagation(); onClick(); });
    return b;
  }

  function render() {
    const list = $("list");
    list.replaceChildren();
    const k = state.order.length;
    state.order.forEach((resp, place) => {
      const li = document.createElement("li");
      li.className = "card" + (place === state.selected ? " selected" : "");
      li.dataset.place = String(place);
      li.dataset.response = String(resp);
      li.setAttribute("aria-selected", String(place === state.selected));
      const num = document.createElement("span");
      num.className = "place";
      num.textContent = String(place + 1);
      const handle = document.createElement("span");
      handle.className = "handle";
      handle.textContent = "⠿";
      handle.title = "drag to move";
      handle.addEventListener("pointerdown", (e) => startDrag(e, place));
      const body = document.createElement("div");
      const text = document.createElement("pre");
      text.className = "text";
      text.textContent = state.item.responses[resp];
      body.appendChild(text);
      if (state.item.eos && state.item.eos[resp] === false) {
        const cut = document.createElement("span");
        cut.className = "cutoff";
        cut.textContent = "(cut off at the length limit)";
        body.appendChild(cut);
      }
      const controls = document.createElement("div");
      controls.className = "controls";
      const up = button("▲", "move up", () => move(place, place - 1));
      up.className = "up";
      up.disabled = place === 0;
      const down = button("▼", "move down", () => move(place, place + 1));
      down.className = "down";
      down.disabled = place === k - 1;
      controls.append(up, down);
      for (const [flag, label] of FLAGS) {
        const l = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.className = "flag-" + flag;
        box.checked = state.flags[resp].has(flag);
        box.addEventListener("click", (e) => e.stopPropagation());
        box.addEventListener("change", () => { toggle(resp, flag, box.checked); });
        l.append(box, " " + label);
        controls.appendChild(l);
      }
      li.append(num, handle, body, controls);
      li.addEventListener("click", () => { state.selected = place; render(); });
      list.appendChild(li);
    });
  }

  function toggle(resp, flag, on) {
    if (on) state.flags[resp].add(flag); else state.flags[resp].delete(flag);
    render();
  }

  /** Moves the response at place `from` to place `to` (clamped); it stays selected. */
  function move(from, to) {
    const k = state.order.length;
    to = Math.max(0, Math.min(k - 1, to));
    if (from === to) { state.selected = to; render(); return; }
    const [resp] = state.order.splice(from, 1);
    state.order.splice(to, 0, resp);
    state.selected = to;
    render();
  }

  // Dragging with pointer events (mouse, pen or touch): the drop place is where the pointer is released.
  function dropPlace(y, from) {
    const cards = Array.from($("list").children);
    let before = cards.length;
    for (let p = 0; p < cards.length; p++) {
      const r = cards[p].getBoundingClientRect();
      if (y < r.top + r.height / 2) { before = p; break; }
    }
    return before > from ? before - 1 : before;
  }

  function startDrag(e, place) {
    e.preventDefault();
    state.drag = { from: place };
    state.selected = place;
    const cards = $("list").children;
    for (const c of cards) c.classList.toggle("selected", Number(c.dataset.place) === place);
    cards[place].classList.add("dragging");
  }

  document.addEventListener("pointermove", (e) => {
    if (!state.drag) return;
    const to = dropPlace(e.clientY, state.drag.from);
    for (const c of $("list").children) {
      const p = Number(c.dataset.place);
      c.classList.toggle("drop-before", p === to && to < state.drag.from);
      c.classList.toggle("drop-after", p === to && to > state.drag.from);
    }
  });

  document.addEventListener("pointerup", (e) => {
    if (!state.drag) return;
    const from = state.drag.from;
    state.drag = null;
    move(from, dropPlace(e.clientY, from));
  });

  document.addEventListener("keydown", (e) => {
    if (!state.item || state.busy) return;
    const k = state.order.length;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); return; }
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLButtonElement) {
      if (e.key === " " || e.key === "Enter") return; // let focused controls work as usual
    }
    if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      const step = e.key === "ArrowUp" ? -1 : 1;
      if (e.shiftKey) move(state.selected, state.selected + step);
      else { state.selected = Math.max(0, Math.min(k - 1, state.selected + step)); render(); }
      $("list").focus();
    } else if (/^[1-9]$/.test(e.key) && !e.ctrlKey && !e.altKey && !e.metaKey) {
      const to = Number(e.key) - 1;
      if (to < k) { e.preventDefault(); move(state.selected, to); }
    } else if ((e.key === "h" || e.key === "H") && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const resp = state.order[state.selected];
      toggle(resp, "harmful", !state.flags[resp].has("harmful"));
    } else if ((e.key === "n" || e.key === "N") && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const resp = state.order[state.selected];
      toggle(resp, "not_following", !state.flags[resp].has("not_following"));
    }
  });

  async function post(path, body) {
    const r = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({ error: "HTTP " + r.status }));
    return { r, data };
  }

  async function submit() {
    if (!state.item || state.busy) return;
    state.busy = true;
    $("submit").disabled = true;
    setStatus("Saving…", false);
    const body = {
      annotator: state.name,
      id: state.item.id,
      ranking: state.order.slice(),
      flags: state.flags.map((s) => FLAGS.map(([f]) => f).filter((f) => s.has(f))),
    };
    try {
      const { r, data } = await post("/api/rank", body);
      if (r.ok) setStatus("Saved " + data.saved + ".", false);
      else if (r.status === 409) setStatus("Not saved: " + data.error + ". Showing the next one.", true);
      else { setStatus("Not saved: " + (data.error || ("HTTP " + r.status)), true); return; }
      await loadNext();
    } catch (err) {
      setStatus("Not saved: the server cannot be reached (" + err + "). Your ranking is still here; try again.", true);
    } finally {
      state.busy = false;
      $("submit").disabled = false;
    }
  }

  async function skip() {
    if (!state.item || state.busy) return;
    state.busy = true;
    try {
      const { r, data } = await post("/api/skip", { annotator: state.name, id: state.item.id });
      if (!r.ok) { setStatus("Not skipped: " + (data.error || ("HTTP " + r.status)), true); return; }
      setStatus("Skipped " + data.skipped + ".", false);
      await loadNext();
    } catch (err) {
      setStatus("Not skipped: the server cannot be reached (" + err + ").", true);
    } finally {
      state.busy = false;
    }
  }

  function start(name) {
    state.name = name;
    loadNext().catch((err) => setStatus("Cannot load: " + err, true));
  }

  $("submit").addEventListener("click", submit);
  $("skip").addEventListener("click", skip);
  $("change-name").addEventListener("click", () => { clearTimeout(state.timer); storeName(null); askName(""); });
  $("name-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("name").value.trim();
    if (name) start(name);
  });
  const remembered = storedName();
  if (remembered) start(remembered); else {
    fetch("/api/status", { cache: "no-store" }).then((r) => r.json()).then((p) => showProgress(p, null)).catch(() => {});
    askName("");
  }
})();
