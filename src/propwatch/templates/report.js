/* propwatch report: technique toggles, span popups and the span list. No network, no eval. */
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
  var current = null, pinned = false, hideTimer = 0, lit = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function light(ids) {
    lit.forEach(function (m) { m.classList.remove("hl"); });
    lit = [];
    ids.forEach(function (i) { spanMarks[i].forEach(function (m) { m.classList.add("hl"); lit.push(m); }); });
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
    if (e.key === "Escape") { hide(true); }
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
      first.scrollIntoView({ behavior: "smooth", block: "center" });
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
