/* propwatch report: technique toggles, span popups, the span list, and panel buttons that
   point at the text (who says what). No network, no eval. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var dataEl = document.getElementById("pw-data");
  if (!dataEl) { return; }
  var D = JSON.parse(dataEl.textContent);
  var T = D.techniques, S = D.spans;
  var shown = T.map(function () { return true; });
  var marks = Array.prototype.slice.call(document.querySelectorAll("#pw-text mark.seg"));
  var markers = Array.prototype.slice.call(document.querySelectorAll("#pw-text sup.mk"));
  var segSpans = [];
  var spanMarks = S.map(function () { return []; });
  marks.forEach(function (m, k) {
    var ids = m.getAttribute("data-s").split(" ").map(Number);
    segSpans.push(ids);
    ids.forEach(function (i) { spanMarks[i].push(m); });
    m.removeAttribute("title");  // the popup replaces the plain tooltip
  });
  var markIndex = new Map();
  marks.forEach(function (m, k) { markIndex.set(m, k); });

  /* One way to light pieces of the text, for every kind of highlight: each call replaces
     what the previous one lit. pairs: [[element, class], ...] */
  function lighter() {
    var on = [];
    return function (pairs) {
      on.forEach(function (p) { p[0].classList.remove(p[1]); });
      on = pairs.slice();
      on.forEach(function (p) { p[0].classList.add(p[1]); });
    };
  }

  function reveal(el) { el.scrollIntoView({ behavior: "smooth", block: "center" }); }

  function background(colors) {
    var unique = colors.filter(function (c, k) { return colors.indexOf(c) === k; });
    if (unique.length === 1) { return ""; }
    var w = 7;
    return "repeating-linear-gradient(135deg, " + unique.map(function (c, k) {
      return c + " " + (k * w) + "px " + ((k + 1) * w) + "px";
    }).join(", ") + ")";
  }

  function visible(ids) {
    return ids.filter(function (i) { return shown[S[i].t]; });
  }

  function paint() {
    marks.forEach(function (m, k) {
      var ids = visible(segSpans[k]);
      m.classList.toggle("off", ids.length === 0);
      if (ids.length === 0) { m.removeAttribute("tabindex"); } else { m.setAttribute("tabindex", "0"); }
      if (ids.length > 1) { m.setAttribute("data-n", String(ids.length)); } else { m.removeAttribute("data-n"); }
      var colors = ids.map(function (i) { return T[S[i].t].color; });
      if (colors.length) { m.style.setProperty("--c", colors[colors.length - 1]); }
      m.style.background = colors.length ? background(colors) : "";
    });
    markers.forEach(function (mk) {
      mk.classList.toggle("off", !shown[S[Number(mk.getAttribute("data-i"))].t]);
    });
    document.querySelectorAll(".legend li.tech, .spans li").forEach(function (li) {
      li.classList.toggle("off", !shown[Number(li.getAttribute("data-t"))]);
    });
  }

  document.querySelectorAll(".legend input[data-t]").forEach(function (box) {
    box.addEventListener("change", function () {
      shown[Number(box.getAttribute("data-t"))] = box.checked;
      hide(true);
      paint();
    });
  });
  var mkBox = document.getElementById("pw-markers");
  if (mkBox) { mkBox.addEventListener("change", function () { document.body.classList.toggle("no-mk", !mkBox.checked); }); }
  var bpBox = document.getElementById("pw-boiler");
  if (bpBox) { bpBox.addEventListener("change", function () { document.body.classList.toggle("no-bp", !bpBox.checked); }); }

  /* popup */
  var pop = document.createElement("div");
  pop.className = "pop";
  pop.id = "pw-pop";
  pop.setAttribute("role", "tooltip");
  pop.hidden = true;
  document.body.appendChild(pop);
  var current = null, pinned = false, hideTimer = 0, lightSpans = lighter();

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function light(ids) {
    var pairs = [];
    ids.forEach(function (i) { spanMarks[i].forEach(function (m) { pairs.push([m, "hl"]); }); });
    lightSpans(pairs);
  }

  function fill(ids) {
    pop.textContent = "";
    if (ids.length > 1) { pop.appendChild(el("div", "ph", ids.length + " overlapping techniques here")); }
    ids.forEach(function (i) {
      var s = S[i], t = T[s.t];
      var entry = el("div", "pe");
      entry.style.setProperty("--c", t.color);
      var head = el("div", "pt");
      var sw = el("i", "sw"); sw.style.setProperty("--c", t.color);
      head.appendChild(sw);
      head.appendChild(el("span", "pn", t.name));
      head.appendChild(el("span", "ps", Math.round(s.score * 100) + "%"));
      entry.appendChild(head);
      if (t.definition) { entry.appendChild(el("div", "pd", t.definition)); }
      entry.appendChild(el("div", "pq", "\u201c" + s.text + "\u201d"));
      if (s.reason) { entry.appendChild(el("div", "pr", "Why: " + s.reason)); }
      entry.appendChild(el("div", "pl", "#" + (i + 1) + " \u00b7 " + t.label + " \u00b7 characters " + s.start + "\u2013" + s.end));
      pop.appendChild(entry);
    });
    if (pinned) {
      var x = el("button", "px", "\u00d7");
      x.type = "button";
      x.setAttribute("aria-label", "Close");
      x.addEventListener("click", function () { hide(true); });
      pop.appendChild(x);
    }
  }

  function place(m, clientY) {
    var rects = Array.prototype.slice.call(m.getClientRects());
    var r = rects[0] || m.getBoundingClientRect();
    if (clientY !== undefined) {
      rects.forEach(function (c) { if (clientY >= c.top - 2 && clientY <= c.bottom + 2) { r = c; } });
    }
    pop.style.left = "0px"; pop.style.top = "0px";
    var pw = pop.offsetWidth, ph = pop.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var left = Math.max(8, Math.min(r.left, vw - pw - 8));
    var top = r.bottom + 8;
    if (top + ph > vh - 8 && r.top - ph - 8 > 8) { top = r.top - ph - 8; }
    pop.style.left = (left + window.scrollX) + "px";
    pop.style.top = (top + window.scrollY) + "px";
  }

  function show(m, clientY) {
    var k = markIndex.get(m);
    if (k === undefined) { return; }
    var ids = visible(segSpans[k]);
    if (!ids.length) { return; }
    clearTimeout(hideTimer);
    if (current) { current.removeAttribute("aria-describedby"); }
    current = m;
    m.setAttribute("aria-describedby", "pw-pop");
    fill(ids);
    pop.hidden = false;
    place(m, clientY);
    light(ids);
  }

  function hide(force) {
    if (pinned && !force) { return; }
    pinned = false;
    pop.hidden = true;
    if (current) { current.removeAttribute("aria-describedby"); }
    current = null;
    light([]);
  }

  function later() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { hide(false); }, 180);
  }

  var text = document.getElementById("pw-text");
  text.addEventListener("mouseover", function (e) {
    var m = e.target.closest ? e.target.closest("mark.seg") : null;
    if (m && !pinned) { show(m, e.clientY); }
  });
  text.addEventListener("mouseout", function (e) {
    var m = e.target.closest ? e.target.closest("mark.seg") : null;
    if (m && !pinned) { later(); }
  });
  text.addEventListener("click", function (e) {
    var m = e.target.closest ? e.target.closest("mark.seg") : null;
    if (!m || m.classList.contains("off")) { return; }
    if (window.getSelection && String(window.getSelection()).length) { return; }  // let people select text
    pinned = true;
    show(m, e.clientY);
    e.stopPropagation();
  });
  text.addEventListener("focusin", function (e) {
    var m = e.target.closest ? e.target.closest("mark.seg") : null;
    if (m && !pinned) { show(m); }
  });
  text.addEventListener("focusout", function () { if (!pinned) { later(); } });
  pop.addEventListener("mouseover", function () { clearTimeout(hideTimer); });
  pop.addEventListener("mouseout", function () { if (!pinned) { later(); } });
  document.addEventListener("click", function (e) {
    if (pinned && !pop.contains(e.target)) { hide(true); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { hide(true); press(null); }
    if ((e.key === "Enter" || e.key === " ") && e.target.matches && e.target.matches("mark.seg")) {
      e.preventDefault();
      pinned = true;
      show(e.target);
    }
  });
  window.addEventListener("resize", function () { if (current && !pop.hidden) { place(current); } });

  /* span list: hover lights the span, click scrolls to it */
  document.querySelectorAll(".spans li button").forEach(function (b) {
    var i = Number(b.getAttribute("data-i"));
    b.addEventListener("mouseenter", function () { if (!pinned) { light([i]); } });
    b.addEventListener("mouseleave", function () { if (!pinned) { light([]); } });
    b.addEventListener("click", function (e) {
      var first = spanMarks[i][0];
      if (!first) { return; }
      e.stopPropagation();
      reveal(first);
      hide(true);
      light([i]);
      setTimeout(function () { if (!pinned) { light([]); } }, 1600);
    });
  });
  markers.forEach(function (mk) {
    var i = Number(mk.getAttribute("data-i"));
    mk.addEventListener("mouseenter", function () { if (!pinned) { light([i]); } });
    mk.addEventListener("mouseleave", function () { if (!pinned) { light([]); } });
  });

  /* Panel buttons that point at the text: data-hl maps a role (source, cue, content, claim)
     to [start, end) ranges of their layer (the section's data-layer). The text is cut at each
     such range; data-m on a piece lists the ranges it lies under, as indices into D.points
     ([layer, start, end]). Pressing a button lights its ranges, one class per role, and
     scrolls to the first; pressing it again, or another, clears or replaces them. */
  var pieces = {};
  document.querySelectorAll("#pw-text [data-m]").forEach(function (el) {
    el.getAttribute("data-m").split(" ").forEach(function (k) {
      var p = (D.points || [])[Number(k)];
      if (!p) { return; }
      var key = p.join(" ");
      (pieces[key] = pieces[key] || []).push(el);
    });
  });
  var lightRanges = lighter(), pressed = null;

  function targets(button) {
    var section = button.closest("[data-layer]");
    var layer = section ? section.getAttribute("data-layer") : "";
    var hl;
    try { hl = JSON.parse(button.getAttribute("data-hl")) || {}; } catch (err) { hl = {}; }
    var pairs = [], first = null, firstAt = Infinity;
    Object.keys(hl).forEach(function (role) {
      if (!/^[a-z]+$/.test(role) || !Array.isArray(hl[role])) { return; }
      hl[role].forEach(function (r) {
        var found = pieces[[layer, r[0], r[1]].join(" ")] || [];
        found.forEach(function (el) { pairs.push([el, "hl-" + role]); });
        if (found.length && r[0] < firstAt) { first = found[0]; firstAt = r[0]; }
      });
    });
    return { pairs: pairs, first: first };
  }

  function tell(button, message) {  // the panel's live line, for screen readers
    var section = button.closest("[data-layer]");
    var status = section && section.querySelector(".hl-status");
    if (status) { status.textContent = message; }
  }

  function press(button) {
    var again = button === pressed;
    if (pressed) { pressed.setAttribute("aria-pressed", "false"); tell(pressed, ""); }
    pressed = null;
    lightRanges([]);
    if (!button || again) { return; }
    var lit = targets(button);
    pressed = button;
    button.setAttribute("aria-pressed", "true");
    lightRanges(lit.pairs);
    tell(button, (lit.first ? "Marked in the text: " : "Not in the text: ")
      + button.textContent.replace(/\s+/g, " ").trim());
    if (lit.first) { reveal(lit.first); }
  }

  document.querySelectorAll("button[data-hl]").forEach(function (b) {
    b.addEventListener("click", function (e) {
      e.stopPropagation();
      hide(true);
      press(b);
    });
  });

  paint();

  // a toggle per layer other than techniques: its spans are underlined while it is shown
  var hiddenLayers = {};
  document.querySelectorAll("input[data-layer-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      hiddenLayers[box.getAttribute("data-layer-toggle")] = !box.checked;
      document.querySelectorAll("#pw-text .ly").forEach(function (el) {
        var names = (el.getAttribute("data-ly") || "").split(" ");
        el.classList.toggle("off", names.every(function (n) { return hiddenLayers[n]; }));
      });
    });
  });
})();
