// The labelling page: shows one prompt with its K responses, lets a person order them (best first) with the keyboard
// or the mouse and flag them, and posts {"id", "ranking", "flags"} to /api/rank. All text is set with textContent.
"use strict";
(function () {
  const FLAGS = [["harmful", "harmful"], ["not_following", "not following"]];
  const $ = (id) => document.getElementById(id);
  const state = { item: null, order: [], flags: [], selected: 0, busy: false, drag: null };

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  function showProgress(ranked, total) {
    $("progress").textContent = ranked + " of " + total + " ranked";
  }

  async function loadNext() {
    const r = await fetch("/api/next", { cache: "no-store" });
    const data = await r.json();
    showProgress(data.ranked, data.total);
    $("who").textContent = "Labelling as " + data.annotator;
    if (data.done) {
      state.item = null;
      $("task").hidden = true;
      $("done").hidden = false;
      return;
    }
    state.item = data.item;
    state.order = data.item.responses.map((_, i) => i);
    state.flags = data.item.responses.map(() => new Set());
    state.selected = 0;
    $("prompt").textContent = data.item.prompt;
    $("task").hidden = false;
    $("done").hidden = true;
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

  async function submit() {
    if (!state.item || state.busy) return;
    state.busy = true;
    $("submit").disabled = true;
    setStatus("Saving…", false);
    const body = {
      id: state.item.id,
      ranking: state.order.slice(),
      flags: state.flags.map((s) => FLAGS.map(([f]) => f).filter((f) => s.has(f))),
    };
    try {
      const r = await fetch("/api/rank", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await r.json().catch(() => ({ error: "HTTP " + r.status }));
      if (r.ok) setStatus("Saved " + data.saved + ".", false);
      else if (r.status === 409) setStatus("Already saved earlier; showing the next one.", false);
      else { setStatus("Not saved: " + (data.error || ("HTTP " + r.status)), true); return; }
      await loadNext();
    } catch (err) {
      setStatus("Not saved: the server cannot be reached (" + err + "). Your ranking is still here; try again.", true);
    } finally {
      state.busy = false;
      $("submit").disabled = false;
    }
  }

  $("submit").addEventListener("click", submit);
  loadNext().catch((err) => setStatus("Cannot load: " + err, true));
})();
