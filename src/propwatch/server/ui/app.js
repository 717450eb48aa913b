/* propwatch web UI: one page, hash routes, plain modern JavaScript, no dependencies.
 *
 * Every piece of data reaches the page through textContent / createTextNode / setAttribute:
 * nothing from the server or the user is ever parsed as HTML. Span offsets from the API are
 * code-point offsets (Python str); JavaScript strings are UTF-16, so they are converted
 * before slicing (an emoji is one code point but two UTF-16 units).
 */
(() => {
  "use strict";

  const TOKEN_KEY = "propwatch.token";
  const TOP_OUTLETS = 15;
  const main = document.getElementById("pw-main");
  const live = document.getElementById("pw-live");
  const tokenForm = document.getElementById("pw-token");
  const tokenInput = document.getElementById("pw-token-input");

  const state = {
    analyze: null,         // {analysis, body: () => request init, note}
    draft: { text: "", title: "", outlet: "", published: "", attributions: false, framing: false, kbs: [] },
    file: null,            // File chosen on the analyze page
    articles: new Map(),   // id -> Promise<analysis>
    stats: null,           // {at, promise}
    corpusHash: "#/corpus",
  };
  let routeSeq = 0;
  let current = null;      // {name, update?(route)}

  // ------------------------------------------------------------------ DOM helpers

  function append(parent, child) {
    if (child == null || child === false) { return; }
    if (Array.isArray(child)) { child.forEach((c) => append(parent, c)); return; }
    if (typeof child === "string" || typeof child === "number") {
      parent.appendChild(document.createTextNode(String(child)));
      return;
    }
    parent.appendChild(child);
  }

  /** h("a", {class: "x", href: "#", text: "label", onclick: fn}, ...children) */
  function h(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) { continue; }
        if (k === "class") { e.className = v; }
        else if (k === "text") { e.textContent = String(v); }
        else if (k === "vars") { for (const [n, x] of Object.entries(v)) { e.style.setProperty(n, x); } }
        else if (k.startsWith("on")) { e.addEventListener(k.slice(2), v); }
        else if (k === "value") { e.value = v; }
        else if (k === "checked" || k === "disabled" || k === "hidden" || k === "selected") { e[k] = !!v; }
        else { e.setAttribute(k, v === true ? "" : String(v)); }
      }
    }
    append(e, children);
    return e;
  }

  const SVG = "http://www.w3.org/2000/svg";
  function s(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) { if (v != null) { e.setAttribute(k, String(v)); } }
    for (const c of children) {
      if (c == null) { continue; }
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function say(text) { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 30); }

  function fmtInt(n) { return Number(n || 0).toLocaleString("en-US"); }
  function pct(x, digits = 1) { return (Math.round((Number(x) || 0) * 100 * 10 ** digits) / 10 ** digits).toFixed(digits) + "%"; }
  function plural(n, one, many) { return fmtInt(n) + " " + (n === 1 ? one : (many || one + "s")); }
  function safeName(x) { return String(x || "article").replace(/[^\w.-]+/g, "_").replace(/^[._]+/, "").slice(0, 80) || "article"; }
  function safeColor(c) { return /^#[0-9a-fA-F]{3,8}$/.test(String(c)) ? c : "#dddddd"; }
  function isWebUrl(u) { try { const x = new URL(u); return x.protocol === "http:" || x.protocol === "https:"; } catch (e) { return false; } }
  function articleHash(id) { return "#/article/" + encodeURIComponent(id); }

  function spinnerLine(text) {
    return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
  }

  function errorBox(err, prefix) {
    const box = h("div", { class: "msg error", role: "alert" });
    const message = err && err.message ? err.message : String(err);
    append(box, [h("b", { text: prefix || "Something went wrong." }), " ", message]);
    const tags = [err && err.code, err && err.field && "field " + err.field].filter(Boolean);
    if (tags.length) { append(box, h("span", { class: "code", text: "(" + tags.join(" · ") + ")" })); }
    if (err && err.status === 401) {
      append(box, h("div", { text: "Enter the server's API token in the bar above, then try again." }));
    }
    return box;
  }

  function infoBox(...children) { return h("div", { class: "msg info", role: "note" }, ...children); }

  function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // ------------------------------------------------------------------ API

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  function getToken() { try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; } }
  function setToken(t) { try { sessionStorage.setItem(TOKEN_KEY, t); } catch (e) { /* private mode */ } }

  async function api(path, opts = {}) {
    const headers = new Headers(opts.headers || {});
    const token = getToken();
    if (token) { headers.set("Authorization", "Bearer " + token); }
    if (!headers.has("Accept")) { headers.set("Accept", opts.as === "blob" ? "text/html, */*" : "application/json"); }
    let res;
    try {
      res = await fetch(path, { method: opts.method || "GET", body: opts.body, headers });
    } catch (e) {
      throw new ApiError(0, "network", "Cannot reach the propwatch server (" + (e.message || e) + "). Is it still running?");
    }
    if (res.status === 401 && !opts.quiet) { showTokenBar(!!token); }
    if (opts.onHeaders) { opts.onHeaders(res.headers); }
    if (!res.ok) {
      let code = "http_" + res.status;
      let message = res.status + " " + (res.statusText || "error");
      let field;
      try {
        const body = await res.json();
        if (body && body.error) {
          code = body.error.code || code;
          message = body.error.message || message;
          field = body.error.field;
        } else if (body && body.detail) {
          message = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
        }
      } catch (e) { /* not JSON */ }
      throw new ApiError(res.status, code, message, field);
    }
    if (opts.as === "blob") { return res.blob(); }
    try {
      return await res.json();
    } catch (e) {
      throw new ApiError(res.status, "bad_response", "The server sent a response that is not JSON.");
    }
  }

  function showTokenBar(wrong) {
    tokenForm.hidden = false;
    const label = tokenForm.querySelector("label");
    label.textContent = wrong ? "That token was refused. Enter the server's API token." : "This server needs an API token.";
    if (document.activeElement === document.body || !document.activeElement) { tokenInput.focus(); }
  }

  tokenForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const t = tokenInput.value.trim();
    if (!t) { return; }
    setToken(t);
    tokenInput.value = "";
    tokenForm.hidden = true;
    state.stats = null;
    state.articles.clear();
    route(true);
  });

  // ------------------------------------------------------------------ techniques

  let TECHS = [];                 // [{label, name, definition, color}]
  const TECH_IDX = new Map();     // label -> index into TECHS
  let techsLoaded = null;

  function techIndex(label) {
    if (!TECH_IDX.has(label)) {
      TECHS.push({ label, name: String(label).replace(/_/g, " "), definition: "", color: "#dddddd", rank: 1000 + TECHS.length });
      TECH_IDX.set(label, TECHS.length - 1);
    }
    return TECH_IDX.get(label);
  }

  /** Compare technique indices by their place in /api/techniques (unknown labels last). */
  function byRank(a, b) { return TECHS[a].rank - TECHS[b].rank; }

  function loadTechniques() {
    if (!techsLoaded) {
      techsLoaded = api("/api/techniques").then((list) => {
        (Array.isArray(list) ? list : []).forEach((t, rank) => {
          const k = techIndex(String(t.label));
          TECHS[k] = { label: String(t.label), name: String(t.name || t.label), definition: String(t.definition || ""), color: safeColor(t.color), rank };
        });
        return TECHS;
      }, (err) => { techsLoaded = null; if (err.status === 401) { throw err; } return TECHS; });
    }
    return techsLoaded;
  }

  // ------------------------------------------------------------------ offsets

  /** A function mapping code-point offsets of ``text`` to UTF-16 indices. */
  function cpToUtf16(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) { return (i) => Math.max(0, Math.min(i, text.length)); }
    const idx = [];
    let u = 0;
    while (u < text.length) {
      idx.push(u);
      const c = text.charCodeAt(u);
      const pair = c >= 0xD800 && c <= 0xDBFF && u + 1 < text.length && (text.charCodeAt(u + 1) & 0xFC00) === 0xDC00;
      u += pair ? 2 : 1;
    }
    idx.push(u);
    return (i) => (i <= 0 ? 0 : i >= idx.length ? text.length : idx[i]);
  }

  // ------------------------------------------------------------------ analysis documents

  const TECHNIQUES_LAYER = "techniques";
  /** Underline colours of the layers other than techniques, in their order. */
  const LAYER_COLORS = ["#2f56c6", "#b54708", "#067647", "#9e2a9c", "#c11574", "#0e7090", "#475467"];

  function isSpanLike(x) {
    return !!x && typeof x === "object" && !Array.isArray(x)
      && typeof x.start === "number" && typeof x.end === "number" && isFinite(x.start) && isFinite(x.end);
  }

  /** What the spans of a record are called in the text's tooltips: an actor's mentions by its
   * name and the role each gives it, a narrative label's evidence by the label; else null. */
  function recordName(item) {
    if (typeof item.name === "string" && Array.isArray(item.mentions)) {
      return (sp) => item.name + ": " + String(sp.main_role || item.main_role || "");
    }
    if (typeof item.label === "string" && item.label) { return () => item.label; }
    return null;
  }

  /** Every span of a layer: its items when kind is "span", else the spans inside its records. */
  function layerSpans(name, layer) {
    const items = Array.isArray(layer && layer.items) ? layer.items : [];
    const found = [];
    const take = (x, named) => { if (isSpanLike(x)) { found.push([x, named]); } };
    for (const item of items) {
      if (layer.kind === "span" || isSpanLike(item)) { take(item, null); continue; }
      if (!item || typeof item !== "object") { continue; }
      const named = recordName(item);
      for (const v of Object.values(item)) {
        if (Array.isArray(v)) { v.forEach((x) => take(x, named)); } else { take(v, named); }
      }
    }
    return found.map(([sp, named]) => ({
      start: sp.start, end: sp.end,
      label: sp.label != null && sp.label !== "" ? String(sp.label)
        : named ? named(sp) : String(name),
      score: typeof sp.score === "number" && isFinite(sp.score) ? sp.score : null,
      reason: sp.reason ? String(sp.reason) : "",
      text: sp.text != null ? String(sp.text) : null,
    })).sort((a, b) => (a.start - b.start) || (a.end - b.end) || a.label.localeCompare(b.label));
  }

  // ------------------------------------------------------------------ attributions (who says what)

  const ROLES = ["source", "cue", "content"];
  // as in propwatch/render/attributions.py: the reader cannot check these sources
  const FLAGGED_TYPES = ["anonymous", "none"];
  const SOURCE_TYPE_NAMES = { named_person: "person", named_organisation: "organisation", government: "government or military",
    outlet: "news outlet", anonymous: "anonymous", none: "no source" };

  const CLAIM_MATCH = "claim_match";  // the kind of the matches layer's items (known claims)
  const NARRATIVE = "narrative";      // the kind of the narratives layer's items (taxonomy labels)
  const ACTOR = "actor";              // the kind of the roles layer's items (actors and roles)
  // as in propwatch/render/roles.py: each main role, what a reader calls it, and why
  const MAIN_ROLES = ["Protagonist", "Antagonist", "Innocent"];
  const ROLE_NAMES = { Protagonist: "hero", Antagonist: "villain", Innocent: "victim" };
  const ROLE_HINTS = { Protagonist: "cast as the hero: a guardian, martyr or peacemaker",
    Antagonist: "cast as the villain: an instigator, conspirator or aggressor",
    Innocent: "cast as the victim: exploited, scapegoated or forgotten" };
  const OTHER = "Other";  // the taxonomy's label for an article that serves none of its narratives

  /** One role of an attribution record: its fragments (a list, or one span), valid ones only. */
  function fragments(v) { return (Array.isArray(v) ? v : v ? [v] : []).filter((f) => isSpanLike(f) && f.end > f.start); }

  /** [[start, end]] of the summary's unattributed claims (code points). */
  function unattributedClaims(summary) {
    const found = summary && Array.isArray(summary.unattributed_claims) ? summary.unattributed_claims : [];
    return found.filter((c) => isSpanLike(c) && c.end > c.start).map((c) => [c.start, c.end]);
  }

  /** The ranges a layer's panel points at: an attribution layer's fragments and claims, a
   * matches layer's evidence (as render/*.py ``pointed`` gives them to the report). */
  function pointedRanges(ly) {
    const seen = new Map();
    const keep = (f) => seen.set(f.start + " " + f.end, [f.start, f.end]);
    for (const r of ly.records) {
      if (!r || typeof r !== "object") { continue; }
      if (ly.kind === "attribution") { for (const role of ROLES) { fragments(r[role]).forEach(keep); } }
      if (ly.kind === CLAIM_MATCH || ly.kind === NARRATIVE) { fragments(r.evidence).forEach(keep); }
      if (ly.kind === ACTOR) { fragments(r.mentions).forEach(keep); }
    }
    if (ly.kind === "attribution") { for (const c of unattributedClaims(ly.summary)) { seen.set(c[0] + " " + c[1], c); } }
    return [...seen.values()];
  }

  /** One line of at most ``limit`` characters. */
  function excerpt(s, limit) {
    const flat = String(s).replace(/\s+/g, " ").trim();
    return flat.length <= limit ? flat : flat.slice(0, limit - 1).trimEnd() + "…";
  }

  /**
   * An analysis as the views read it, from schema_version 1 (technique spans at the top) or 2
   * (one entry per layer under ``layers``): ``spans`` (each with ``technique``), ``summary``,
   * ``detector``, ``hasTechniques``, ``otherLayers`` [{name, component, version, kind, summary,
   * spans}] and ``raw``, the document exactly as the server sent it (for downloads).
   */
  function normalizeAnalysis(doc) {
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) { return doc; }
    const layers = doc.layers && typeof doc.layers === "object" && !Array.isArray(doc.layers) ? doc.layers : {};
    const v1 = doc.schema_version === 1 || (doc.schema_version == null && Array.isArray(doc.spans));
    const out = { ...doc, raw: doc };
    if (v1) {
      out.spans = Array.isArray(doc.spans) ? doc.spans : [];
      out.hasTechniques = true;
    } else {
      const tech = layers[TECHNIQUES_LAYER];
      const items = tech && Array.isArray(tech.items) ? tech.items : [];
      out.spans = items.filter(isSpanLike).map((sp) => ({ ...sp, technique: sp.label != null ? sp.label : sp.technique }));
      out.summary = tech && tech.summary && typeof tech.summary === "object" ? tech.summary : {};
      out.detector = tech ? String(tech.version || "") : "";
      out.hasTechniques = !!tech;
    }
    out.otherLayers = Object.entries(layers)
      .filter(([name, layer]) => name !== TECHNIQUES_LAYER && layer && typeof layer === "object")
      .map(([name, layer]) => ({
        name, component: String(layer.component || name), version: String(layer.version || ""),
        kind: String(layer.kind || ""), summary: layer.summary && typeof layer.summary === "object" ? layer.summary : {},
        spans: layerSpans(name, layer),
        records: Array.isArray(layer.items) ? layer.items : [],
      }));
    return out;
  }

  // ------------------------------------------------------------------ popup (one for the page)

  const pop = h("div", { class: "pop", id: "pw-pop", role: "tooltip", hidden: true });
  document.body.appendChild(pop);
  let popOwner = null;   // the view whose popup is showing: {hide(force)}

  document.addEventListener("click", (e) => { if (popOwner && !pop.contains(e.target)) { popOwner.hide(true); } });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && popOwner) { popOwner.hide(true); } });
  window.addEventListener("resize", () => { if (popOwner) { popOwner.hide(true); } });

  function hidePopup() { if (popOwner) { popOwner.hide(true); } pop.hidden = true; }

  // ------------------------------------------------------------------ the highlighted article view

  /** One way to light pieces of the text, for every kind of highlight: each call replaces what
   * the previous one lit. pairs: [[element, class], ...] */
  function lighter() {
    let on = [];
    return (pairs) => {
      on.forEach(([el, cls]) => el.classList.remove(cls));
      on = pairs.slice();
      on.forEach(([el, cls]) => el.classList.add(cls));
    };
  }

  function stripes(colors) {
    const unique = colors.filter((c, k) => colors.indexOf(c) === k);
    if (unique.length === 1) { return ""; }
    const w = 7;
    return "repeating-linear-gradient(135deg, " + unique.map((c, k) => c + " " + k * w + "px " + (k + 1) * w + "px").join(", ") + ")";
  }

  /**
   * The article with its spans highlighted, the legend with toggles, the summary and the
   * downloads. ``downloads`` is [{label, run: async () => void}].
   */
  function analysisView(analysis, { downloads = [], note = null, heading = true } = {}) {
    const text = String(analysis.text || "");
    const toU = cpToUtf16(text);
    const spans = (analysis.spans || []).map((sp, i) => {
      const start = toU(sp.start), end = toU(sp.end);
      return { i, start, end, cpStart: sp.start, cpEnd: sp.end, t: techIndex(String(sp.technique)), score: Number(sp.score) || 0,
        reason: sp.reason ? String(sp.reason) : "", text: sp.text != null ? String(sp.text) : text.slice(start, end) };
    });
    const bps = (analysis.boilerplate || []).map(([a, b]) => [toU(a), toU(b)]).filter(([a, b]) => b > a);
    const noTechniques = analysis.hasTechniques === false;

    // the other layers (schema_version 2): their spans are underlined, one toggle per layer
    const layers = (analysis.otherLayers || []).map((ly, k) => ({ ...ly, k, color: LAYER_COLORS[k % LAYER_COLORS.length],
      items: (ly.spans || []).map((sp) => {
        const start = toU(sp.start), end = toU(sp.end);
        return { ...sp, uStart: start, uEnd: end, text: sp.text != null ? sp.text : text.slice(start, end) };
      }) }));
    const lspans = layers.flatMap((ly) => ly.items.filter((sp) => sp.uEnd > sp.uStart).map((sp) => ({ k: ly.k, sp })));
    const layerShown = layers.map(() => true);
    // the ranges a panel points at (who says what): the text is cut at each, and its pieces
    // are kept, so pressing a speaker lights exactly [start, end)
    const points = layers.flatMap((ly) => pointedRanges(ly).map(([a, b]) => ({ k: ly.k, a, b, uA: toU(a), uB: toU(b) })))
      .filter((p) => p.uB > p.uA);
    const pointEls = points.map(() => []);

    // segment the text at every span and boilerplate boundary
    const cuts = new Set([0, text.length]);
    const opens = new Map(), closes = new Map();
    const add = (m, k, v) => { if (!m.has(k)) { m.set(k, []); } m.get(k).push(v); };
    for (const sp of spans) {
      if (sp.end <= sp.start) { continue; }
      cuts.add(sp.start); cuts.add(sp.end);
      add(opens, sp.start, sp.i); add(closes, sp.end, sp.i);
    }
    const lOpens = new Map(), lCloses = new Map();
    lspans.forEach((x, j) => {
      cuts.add(x.sp.uStart); cuts.add(x.sp.uEnd);
      add(lOpens, x.sp.uStart, j); add(lCloses, x.sp.uEnd, j);
    });
    const pOpens = new Map(), pCloses = new Map();
    points.forEach((p, j) => {
      cuts.add(p.uA); cuts.add(p.uB);
      add(pOpens, p.uA, j); add(pCloses, p.uB, j);
    });
    const bpDelta = new Map();
    for (const [a, b] of bps) {
      cuts.add(a); cuts.add(b);
      bpDelta.set(a, (bpDelta.get(a) || 0) + 1);
      bpDelta.set(b, (bpDelta.get(b) || 0) - 1);
    }
    const cutAt = [...cuts].sort((x, y) => x - y);
    const textEl = h("div", { class: "text", id: "pw-text", dir: "auto" });
    const marks = [];
    const segSpans = [];
    const spanMarks = spans.map(() => []);
    const active = new Set();
    const lActive = new Set();
    const pActive = new Set();
    const lyEls = [];       // [element, layer indices]: the underlined pieces of text
    let inBp = 0;
    for (let j = 0; j < cutAt.length - 1; j++) {
      const at = cutAt[j], next = cutAt[j + 1];
      for (const i of closes.get(at) || []) { active.delete(i); }
      for (const i of opens.get(at) || []) { active.add(i); }
      for (const i of lCloses.get(at) || []) { lActive.delete(i); }
      for (const i of lOpens.get(at) || []) { lActive.add(i); }
      for (const i of pCloses.get(at) || []) { pActive.delete(i); }
      for (const i of pOpens.get(at) || []) { pActive.add(i); }
      inBp += bpDelta.get(at) || 0;
      if (next <= at) { continue; }
      const chunk = text.slice(at, next);
      let content = chunk;
      if (lActive.size) {
        const under = [...lActive].sort((x, y) => x - y).map((i) => lspans[i]);
        const ks = [...new Set(under.map((x) => x.k))].sort((x, y) => x - y);
        content = h("span", { class: "ly", "data-l": ks.join(" "), "data-ly": ks.map((k) => layers[k].name).join(" "),
          title: under.map((x) => layers[x.k].name + ": " + x.sp.label).filter((v, n, a) => a.indexOf(v) === n).join("\n"), text: chunk });
        lyEls.push([content, ks]);
      }
      if (pActive.size) {
        if (typeof content === "string") { content = h("span", { text: chunk }); }
        for (const i of pActive) { pointEls[i].push(content); }
      }
      if (active.size) {
        const ids = [...active].sort((x, y) => x - y);
        const m = h("mark", { class: "seg" + (inBp > 0 ? " bp" : ""), "data-s": ids.join(" "),
          "data-t": [...new Set(ids.map((i) => spans[i].t))].join(" "), tabindex: "0" }, content);
        marks.push(m);
        segSpans.push(ids);
        ids.forEach((i) => spanMarks[i].push(m));
        textEl.appendChild(m);
      } else if (inBp > 0) {
        textEl.appendChild(h("span", { class: "bp", title: "boilerplate: skipped by the detectors" }, content));
      } else {
        append(textEl, content);
      }
    }
    const markIndex = new Map(marks.map((m, k) => [m, k]));

    // techniques present, in the canonical order
    const counts = new Map();
    spans.forEach((sp) => counts.set(sp.t, (counts.get(sp.t) || 0) + 1));
    const present = [...counts.keys()].sort(byRank);
    const shown = new Map(present.map((t) => [t, true]));
    const visible = (ids) => ids.filter((i) => shown.get(spans[i].t));

    const legendItems = [];
    const spanItems = [];
    function paint() {
      marks.forEach((m, k) => {
        const ids = visible(segSpans[k]);
        m.classList.toggle("off", ids.length === 0);
        if (ids.length === 0) { m.removeAttribute("tabindex"); } else { m.setAttribute("tabindex", "0"); }
        m.classList.toggle("multi", ids.length > 1);
        if (ids.length > 1) { m.setAttribute("data-n", String(ids.length)); } else { m.removeAttribute("data-n"); }
        m.setAttribute("data-v", [...new Set(ids.map((i) => spans[i].t))].join(" "));
        const colors = ids.map((i) => TECHS[spans[i].t].color);
        if (colors.length) { m.style.setProperty("--c", colors[colors.length - 1]); }
        m.style.background = colors.length ? stripes(colors) : "";
        if (ids.length) {
          const names = [...new Set(ids.map((i) => TECHS[spans[i].t].name))];
          m.setAttribute("aria-label", chunkLabel(m.textContent, names));
        } else {
          m.removeAttribute("aria-label");
        }
      });
      legendItems.forEach(([li, t, box]) => { li.classList.toggle("off", !shown.get(t)); box.checked = !!shown.get(t); });
      spanItems.forEach(([li, t]) => li.classList.toggle("off", !shown.get(t)));
      paintLayers();
    }
    function paintLayers() {
      lyEls.forEach(([el, ks]) => {
        const on = ks.filter((k) => layerShown[k]);
        el.classList.toggle("on", on.length > 0);
        if (on.length) { el.style.setProperty("--lc", layers[on[on.length - 1]].color); } else { el.style.removeProperty("--lc"); }
      });
    }
    function chunkLabel(chunk, names) {
      const c = chunk.length > 60 ? chunk.slice(0, 57) + "…" : chunk;
      return c + " (highlighted: " + names.join(", ") + ")";
    }

    // popup behaviour
    let currentMark = null, pinned = false, hideTimer = 0;
    const lightSpans = lighter();
    function light(ids) { lightSpans(ids.flatMap((i) => spanMarks[i].map((m) => [m, "hl"]))); }
    function fill(ids) {
      pop.textContent = "";
      if (ids.length > 1) { pop.appendChild(h("div", { class: "ph", text: ids.length + " overlapping techniques here" })); }
      for (const i of ids) {
        const sp = spans[i], t = TECHS[sp.t];
        pop.appendChild(h("div", { class: "pe", vars: { "--c": t.color } },
          h("div", { class: "pt" },
            h("i", { class: "sw", vars: { "--c": t.color } }),
            h("span", { class: "pn", text: t.name }),
            h("span", { class: "ps", text: Math.round(sp.score * 100) + "%", title: "detector score" })),
          t.definition ? h("div", { class: "pd", text: t.definition }) : null,
          h("div", { class: "pq", text: "\u201c" + sp.text + "\u201d" }),
          sp.reason ? h("div", { class: "pr", text: "Why: " + sp.reason }) : null,
          h("div", { class: "pl", text: "#" + (i + 1) + " \u00b7 " + t.label + " \u00b7 characters " + sp.cpStart + "\u2013" + sp.cpEnd })));
      }
      if (pinned) {
        pop.appendChild(h("button", { type: "button", class: "px", "aria-label": "Close", text: "\u00d7",
          onclick: (e) => { e.stopPropagation(); owner.hide(true); } }));
      }
    }
    function place(m, clientY) {
      const rects = [...m.getClientRects()];
      let r = rects[0] || m.getBoundingClientRect();
      if (clientY !== undefined) { rects.forEach((c) => { if (clientY >= c.top - 2 && clientY <= c.bottom + 2) { r = c; } }); }
      pop.style.left = "0px"; pop.style.top = "0px";
      const pw = pop.offsetWidth, ph = pop.offsetHeight;
      const vw = document.documentElement.clientWidth, vh = window.innerHeight;
      const left = Math.max(8, Math.min(r.left, vw - pw - 8));
      let top = r.bottom + 8;
      if (top + ph > vh - 8 && r.top - ph - 8 > 60) { top = r.top - ph - 8; }
      pop.style.left = left + window.scrollX + "px";
      pop.style.top = top + window.scrollY + "px";
    }
    function show(m, clientY) {
      const k = markIndex.get(m);
      if (k === undefined) { return; }
      const ids = visible(segSpans[k]);
      if (!ids.length) { return; }
      clearTimeout(hideTimer);
      if (popOwner && popOwner !== owner) { popOwner.hide(true); }
      popOwner = owner;
      if (currentMark) { currentMark.removeAttribute("aria-describedby"); }
      currentMark = m;
      m.setAttribute("aria-describedby", "pw-pop");
      fill(ids);
      pop.hidden = false;
      place(m, clientY);
      light(ids);
    }
    const owner = {
      hide(force) {
        if (pinned && !force) { return; }
        pinned = false;
        pop.hidden = true;
        if (currentMark) { currentMark.removeAttribute("aria-describedby"); }
        currentMark = null;
        light([]);
        if (popOwner === owner) { popOwner = null; }
      },
    };
    const later = () => { clearTimeout(hideTimer); hideTimer = setTimeout(() => owner.hide(false), 180); };
    const markOf = (e) => (e.target && e.target.closest ? e.target.closest("mark.seg") : null);
    textEl.addEventListener("mouseover", (e) => { const m = markOf(e); if (m && !pinned) { show(m, e.clientY); } });
    textEl.addEventListener("mouseout", (e) => { if (markOf(e) && !pinned) { later(); } });
    textEl.addEventListener("click", (e) => {
      const m = markOf(e);
      if (!m || m.classList.contains("off")) { return; }
      if (String(window.getSelection ? window.getSelection() : "").length) { return; }  // let people select text
      e.stopPropagation();
      pinned = true;
      show(m, e.clientY);
    });
    textEl.addEventListener("focusin", (e) => { const m = markOf(e); if (m && !pinned) { show(m); } });
    textEl.addEventListener("focusout", () => { if (!pinned) { later(); } });
    textEl.addEventListener("keydown", (e) => {
      const m = markOf(e);
      if (m && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); pinned = true; show(m); }
    });
    pop.addEventListener("mouseover", () => { if (popOwner === owner) { clearTimeout(hideTimer); } });
    pop.addEventListener("mouseout", () => { if (popOwner === owner && !pinned) { later(); } });

    // ---- side panel
    const summary = analysis.summary || {};
    const nSpans = summary.spans != null ? summary.spans : spans.length;
    const nTech = summary.techniques ? Object.keys(summary.techniques).length : present.length;
    const coverage = Number(summary.coverage) || 0;

    const overview = h("section", { class: "overview", "aria-labelledby": "pw-ov" },
      h("h2", { id: "pw-ov", text: "Overview" }),
      h("div", { class: "stats" },
        h("div", { class: "stat", id: "pw-n-spans" }, h("b", { text: fmtInt(nSpans) }), h("span", { text: nSpans === 1 ? "span" : "spans" })),
        h("div", { class: "stat" }, h("b", { text: fmtInt(nTech) }), h("span", { text: nTech === 1 ? "technique" : "techniques" })),
        h("div", { class: "stat" }, h("b", { text: pct(coverage) }), h("span", { text: "of content covered" }))),
      h("div", { class: "cover", title: fmtInt(summary.covered_characters) + " characters of content are inside at least one span" },
        h("i")),
      h("p", { class: "note" }, noTechniques ? "No techniques layer in this analysis" : ["Detector ", h("code", { text: analysis.detector || "unknown" })],
        bps.length ? " · " + plural(bps.reduce((n, [a, b]) => n + b - a, 0), "boilerplate character") + " greyed" : ""));
    overview.querySelector(".cover i").style.width = Math.min(100, coverage * 100).toFixed(1) + "%";

    const dlButtons = downloads.map((d) => {
      const b = h("button", { type: "button", class: "btn small", "data-download": d.kind || "" }, d.label);
      b.addEventListener("click", async () => {
        b.disabled = true;
        const old = b.textContent;
        b.textContent = "";
        append(b, [h("span", { class: "spinner", "aria-hidden": "true" }), old]);
        try { await d.run(); say(old + ": done"); }
        catch (err) { dlStatus.textContent = ""; dlStatus.appendChild(errorBox(err, "Download failed.")); }
        finally { b.textContent = old; b.disabled = false; }
      });
      return b;
    });
    const dlStatus = h("div", { class: "dlstatus" });
    const dlSection = downloads.length ? h("section", { "aria-label": "Downloads" }, h("h2", { text: "Download" }), h("div", { class: "actions" }, dlButtons), dlStatus) : null;

    const legend = h("ul", { class: "legend", "aria-label": "Techniques found; untick to hide their highlights" });
    for (const t of present) {
      const tech = TECHS[t];
      const n = counts.get(t);
      const box = h("input", { type: "checkbox", checked: true, "data-t": String(t), "aria-controls": "pw-text" });
      box.addEventListener("change", () => { shown.set(t, box.checked); owner.hide(true); paint(); say(tech.name + (box.checked ? " shown" : " hidden")); });
      const li = h("li", { class: "tech", "data-t": String(t), vars: { "--c": tech.color } },
        h("label", null, box, h("i", { class: "sw", "aria-hidden": "true" }), h("span", { class: "tname", text: tech.name }),
          h("span", { class: "count", text: fmtInt(n), "aria-label": plural(n, "span") })),
        h("div", { class: "bar", "aria-hidden": "true" }, h("i")),
        tech.definition ? h("div", { class: "def", text: tech.definition }) : null);
      li.querySelector(".bar i").style.width = (100 * n / Math.max(...counts.values())).toFixed(1) + "%";
      legendItems.push([li, t, box]);
      legend.appendChild(li);
    }
    const absent = noTechniques ? [] : TECHS.map((t, k) => k).filter((k) => !counts.has(k) && TECHS[k].definition).sort(byRank);
    const setAll = (on) => { present.forEach((t) => shown.set(t, on)); owner.hide(true); paint(); say(on ? "All highlights shown" : "All highlights hidden"); };
    const controls = h("div", { class: "controls" },
      h("button", { type: "button", class: "linkbtn", onclick: () => setAll(true), text: "Show all" }),
      h("button", { type: "button", class: "linkbtn", onclick: () => setAll(false), text: "Hide all" }));
    const article = h("article", { class: "card article", "aria-label": "Article text with highlights" });
    if (bps.length) {
      const bpBox = h("input", { type: "checkbox", checked: true });
      bpBox.addEventListener("change", () => article.classList.toggle("hidebp", !bpBox.checked));
      controls.appendChild(h("label", null, bpBox, "Show boilerplate"));
    }
    const techSection = h("section", { "aria-labelledby": "pw-tech" }, h("h2", { id: "pw-tech", text: "Techniques" }),
      present.length ? [legend, controls]
        : h("p", { class: "none", text: noTechniques ? "No techniques layer: this analysis was made without the technique detector." : "No technique found in this text." }),
      absent.length ? h("p", { class: "absent" }, h("b", { text: "Not found: " }), absent.map((k) => TECHS[k].name).join(", ")) : null);

    let spanSection = null;
    if (spans.length) {
      const ol = h("ol", { class: "spanlist" });
      for (const sp of spans) {
        const tech = TECHS[sp.t];
        const q = sp.text.length > 110 ? sp.text.slice(0, 107) + "…" : sp.text;
        const b = h("button", { type: "button", class: "spanbtn", vars: { "--c": tech.color } },
          h("span", { class: "num", text: String(sp.i + 1) }),
          h("span", { class: "sbody" }, h("span", { class: "shead" }, h("b", { text: tech.name }), h("span", { class: "score", text: Math.round(sp.score * 100) + "%" })),
            h("q", { text: q })));
        b.addEventListener("mouseenter", () => { if (!pinned) { light([sp.i]); } });
        b.addEventListener("mouseleave", () => { if (!pinned) { light([]); } });
        b.addEventListener("click", (e) => {
          const first = spanMarks[sp.i][0];
          if (!first) { return; }
          e.stopPropagation();
          owner.hide(true);
          first.scrollIntoView({ behavior: "smooth", block: "center" });
          light([sp.i]);
          if (!first.classList.contains("off")) { first.focus({ preventScroll: true }); }
          setTimeout(() => { if (!pinned) { light([]); } }, 1600);
        });
        const li = h("li", { "data-t": String(sp.t) }, b);
        spanItems.push([li, sp.t]);
        ol.appendChild(li);
      }
      spanSection = h("section", { class: "spans" }, h("details", null, h("summary", null, h("h2", { text: "Spans (" + spans.length + ")" })), ol));
    }

    // ---- panels that point at the text: a button lights its ranges, one class per role
    const piecesAt = new Map(points.map((p, j) => [p.k + " " + p.a + " " + p.b, pointEls[j]]));
    const lightRanges = lighter();
    let pressed = null;
    /** Press a pointing button (ranges: [{role, a, b}] in code points of layer k): light the
     * ranges and scroll to the first; pressing it again, or another, clears or replaces them. */
    function press(button, k, ranges) {
      const again = button === pressed;
      if (pressed) { pressed.setAttribute("aria-pressed", "false"); }
      pressed = null;
      lightRanges([]);
      if (!button || again) { return; }
      const pairs = [];
      let first = null, firstAt = Infinity;
      for (const { role, a, b } of ranges) {
        const els = piecesAt.get(k + " " + a + " " + b) || [];
        els.forEach((el) => pairs.push([el, "hl-" + role]));
        if (els.length && a < firstAt) { first = els[0]; firstAt = a; }
      }
      pressed = button;
      button.setAttribute("aria-pressed", "true");
      lightRanges(pairs);
      if (first) { first.scrollIntoView({ behavior: "smooth", block: "center" }); }
      say((first ? "Marked in the text: " : "Not in the text: ") + button.textContent.replace(/\s+/g, " ").trim());
    }
    function pointer(cls, k, ranges, ...children) {
      return h("button", { type: "button", class: "pointer" + (cls ? " " + cls : ""), "aria-pressed": "false",
        onclick: (e) => { e.stopPropagation(); owner.hide(true); press(e.currentTarget, k, ranges); } }, ...children);
    }

    /** The attributions layer as "Who says what": each speaker with its type and statements,
     * the sourcing profile, and the checkable claims nobody is cited for. */
    function whoSaysWhat(ly, hid, lab, toggle) {
      const slice = (f) => text.slice(toU(f.start), toU(f.end));
      const groups = new Map();
      for (const r of ly.records) {
        if (!r || typeof r !== "object") { continue; }
        const type = String(r.source_type || "none");
        const name = ((r.speaker ? String(r.speaker) : fragments(r.source).map(slice).join(" ")) || "(no source)").replace(/\s+/g, " ").trim();
        const key = name + "\u0000" + type;
        if (!groups.has(key)) { groups.set(key, { name, type, items: [] }); }
        groups.get(key).items.push(r);
      }
      const roles = (r) => ROLES.flatMap((role) => fragments(r[role]).map((f) => ({ role, a: f.start, b: f.end })));
      const statement = (r) => excerpt(fragments(r.cue).map(slice).join(" "), 30) + ": " + excerpt(fragments(r.content).map(slice).join(" … "), 120);
      const people = [...groups.values()].map(({ name, type, items }) => {
        const flagged = FLAGGED_TYPES.includes(type);
        return h("li", { class: "speaker" + (flagged ? " anon" : ""), "data-type": type },
          pointer("who", ly.k, items.flatMap(roles),
            h("b", { text: name }), " ",
            h("span", { class: "stype" + (flagged ? " flag" : ""), text: (flagged ? "⚠ " : "") + (SOURCE_TYPE_NAMES[type] || type) }), " ",
            h("span", { class: "scount", text: plural(items.length, "statement") })),
          h("ol", null, items.map((r) => h("li", null, pointer("", ly.k, roles(r), statement(r))))));
      });
      const claims = unattributedClaims(ly.summary).filter(([a, b]) => toU(b) > toU(a));
      const claimList = claims.map(([a, b]) => h("li", null,
        pointer("claim", ly.k, [{ role: "claim", a, b }], excerpt(text.slice(toU(a), toU(b)), 120))));
      const sm = ly.summary;
      const share = (x) => Math.round((Number(x) || 0) * 100) + "%";
      const state = Array.isArray(sm.state_affiliated_outlets) ? sm.state_affiliated_outlets.map(String) : [];
      const legend = (people.length ? ROLES : []).map((role) => h("span", { class: "hl-" + role, text: role }));
      if (claims.length) { legend.push(h("span", { class: "hl-claim", text: "unattributed claim" })); }
      return [
        h("h2", { id: hid }, h("span", { class: "lname", text: "Who says what" }), " ", h("span", { class: "lcount", text: "(" + fmtInt(ly.records.length) + ")" })),
        lab,
        h("p", { class: "lfacts" }, "attributed content " + share(sm.attributed_share) + " of the text; anonymous " + share(sm.anonymous_share)
          + (state.length ? "; state-affiliated outlets: " + state.join(", ") : "")),
        toggle,
        legend.length ? h("p", { class: "hl-legend" }, "Press a speaker, a statement or a claim to mark it in the text: ", legend.flatMap((x, n) => (n ? [" ", x] : [x]))) : null,
        people.length ? h("ul", { class: "speakers" }, people) : h("p", { class: "none", text: "No attributions found." }),
        claims.length ? [h("h3", { text: "Checkable claims with no attribution" }), h("ol", { class: "claims" }, claimList)] : null,
      ];
    }

    /** The matches layer as "Known claims", best first: each claim (pressing it marks the
     * sentences that carry it), its knowledge base and id, score, verdict, link, tags and the
     * evidence quoted; then the narratives its tags add up to. */
    function knownClaims(ly, hid, lab, toggle) {
      const sm = ly.summary;
      const kbs = Array.isArray(sm.kbs) ? sm.kbs.map(String) : [];
      const threshold = typeof sm.threshold === "number" && isFinite(sm.threshold) ? sm.threshold : null;
      const matches = ly.records.filter((m) => m && typeof m === "object" && m.claim != null);
      const items = matches.map((m) => {
        const evidence = fragments(m.evidence).filter((f) => toU(f.end) > toU(f.start));
        const score = Number(m.score) || 0;
        const url = m.url != null && isWebUrl(String(m.url)) ? String(m.url) : null;
        const tags = (Array.isArray(m.tags) ? m.tags.map(String) : []).filter((t) => !t.includes(":"));
        return h("li", { class: "known-claim", "data-kb": String(m.kb || ""), "data-claim-id": String(m.claim_id || "") },
          pointer("claim", ly.k, evidence.map((f) => ({ role: "claim", a: f.start, b: f.end })), h("b", { text: String(m.claim) })),
          h("p", { class: "kmeta" }, h("span", { class: "score", title: "probability that the article repeats this claim", text: Math.round(score * 100) + "%" }), " ",
            h("code", { class: "kid", text: String(m.kb || "") + ":" + String(m.claim_id || "") })),
          m.verdict ? h("p", { class: "verdict" }, h("b", { text: "Verdict: " }), excerpt(m.verdict, 300)) : null,
          url ? h("p", { class: "klink" }, h("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: url })) : null,
          tags.length ? h("p", { class: "tags" }, tags.map((t) => h("span", { class: "tag", text: t }))) : null,
          evidence.length ? h("ol", { class: "evidence" }, evidence.map((f) => h("li", null, h("q", { text: excerpt(text.slice(toU(f.start), toU(f.end)), 140) })))) : null);
      });
      const narratives = (Array.isArray(sm.narratives) ? sm.narratives : []).filter((n) => n && n.tag != null);
      return [
        h("h2", { id: hid }, h("span", { class: "lname", text: "Known claims" }), " ", h("span", { class: "lcount", text: "(" + fmtInt(matches.length) + ")" })),
        lab,
        h("p", { class: "lfacts" }, "knowledge bases: " + (kbs.join(", ") || "?") + (threshold != null ? "; threshold " + Math.round(threshold * 100) + "%" : "")),
        toggle,
        items.length ? [h("p", { class: "hl-legend" }, "Press a claim to mark the sentences that carry it: ", h("span", { class: "hl-claim", text: "evidence" })),
          h("ol", { class: "known-claims" }, items)]
          : h("p", { class: "none", text: "No known claim found" + (threshold != null ? " (none scored " + Math.round(threshold * 100) + "% or more)." : ".") }),
        narratives.length ? h("p", { class: "lfacts" }, "narratives: " + narratives.map((n) => String(n.tag) + " (" + fmtInt(n.matches) + ")").join(", ")) : null,
      ];
    }

    /** The narratives layer as "Narratives", best first: each narrative with its score (pressing
     * it marks the sentences that carry it), its best evidence, and its subnarratives nested
     * under it; "Other" when the article serves none (as render/narratives.py). */
    function narrativesPanel(ly, hid, lab, toggle) {
      const num = (x) => (typeof x === "number" && isFinite(x) ? x : 0);
      const isOther = (l) => String(l).trim().toLowerCase() === OTHER.toLowerCase();
      const recs = ly.records.filter((r) => r && typeof r === "object" && typeof r.label === "string" && !isOther(r.label));
      const branches = new Map();
      const branch = (name) => { if (!branches.has(name)) { branches.set(name, { name, head: null, subs: [] }); } return branches.get(name); };
      const parentOf = (label) => { const k = label.lastIndexOf(": "); const head = k > 0 ? label.slice(0, k) : ""; return head.includes(": ") ? head : ""; };
      for (const r of recs) { if (r.level !== "subnarrative") { branch(r.label).head = r; } }
      for (const r of recs) {
        if (r.level !== "subnarrative") { continue; }
        const parent = (typeof r.parent === "string" && r.parent) || parentOf(r.label) || OTHER;
        branch(isOther(parent) ? OTHER : parent).subs.push(r);
      }
      const best = (b) => (b.head ? num(b.head.score) : Math.max(0, ...b.subs.map((r) => num(r.score))));
      const tree = [...branches.values()].sort((x, y) => (best(y) - best(x)) || x.name.localeCompare(y.name));
      const evidence = (r) => (r ? fragments(r.evidence).filter((f) => toU(f.end) > toU(f.start)) : []);
      const ranges = (rs) => rs.flatMap((r) => evidence(r).map((f) => ({ role: "narrative", a: f.start, b: f.end })));
      const pct = (x) => Math.round(num(x) * 100) + "%";
      const quotes = (r) => {
        const ev = evidence(r);
        if (!ev.length) { return null; }
        return [h("ol", { class: "evidence" }, ev.slice(0, 3).map((f) => h("li", null, h("q", { text: excerpt(text.slice(toU(f.start), toU(f.end)), 140) }),
          typeof f.score === "number" ? h("span", { class: "lab", text: " " + pct(f.score) }) : null))),
        ev.length > 3 ? h("p", { class: "lab", text: "and " + fmtInt(ev.length - 3) + " more" }) : null];
      };
      const short = (r, parent) => (r.label.startsWith(parent + ": ") && r.label.length > parent.length + 2 ? r.label.slice(parent.length + 2) : r.label);
      const items = tree.map((b) => {
        const subs = b.subs.slice().sort((x, y) => num(y.score) - num(x.score)).map((r) => h("li", { class: "subnarrative", "data-label": r.label },
          pointer("sub", ly.k, ranges([r]), h("b", { text: short(r, b.name) }), " ", h("span", { class: "score", text: pct(r.score) })),
          r.description ? h("p", { class: "desc", text: String(r.description) }) : null, quotes(r)));
        return h("li", { class: "narrative", "data-label": b.name },
          pointer("narr", ly.k, ranges(b.head ? [b.head] : b.subs), h("b", { text: b.name }), " ",
            b.head ? h("span", { class: "score", title: "probability that the article serves this narrative", text: pct(b.head.score) })
              : h("span", { class: "lab", text: "(via subnarratives)" })),
          b.head && b.head.description ? h("p", { class: "desc", text: String(b.head.description) }) : null,
          quotes(b.head),
          subs.length ? h("ol", { class: "subnarratives" }, subs) : null);
      });
      const taxonomy = ly.summary.taxonomy != null ? String(ly.summary.taxonomy) : "";
      return [
        h("h2", { id: hid }, h("span", { class: "lname", text: "Narratives" }), " ", h("span", { class: "lcount", text: "(" + fmtInt(tree.length) + ")" })),
        lab,
        taxonomy ? h("p", { class: "lfacts", text: "taxonomy: " + taxonomy }) : null,
        toggle,
        items.length ? [h("p", { class: "hl-legend" }, "Press a narrative to mark the sentences that carry it: ", h("span", { class: "hl-narrative", text: "evidence" })),
          h("ol", { class: "narratives" }, items)]
          : h("p", { class: "other" }, h("b", { text: OTHER }), ": the article serves none of the taxonomy's narratives."),
      ];
    }

    /** The roles layer as "Actors", most mentioned first: each actor with its main role (hero,
     * villain, victim), fine roles and mentions; pressing it marks every mention, coloured by
     * the role each gives it (as render/roles.py). */
    function actorsPanel(ly, hid, lab, toggle) {
      const num = (x) => (typeof x === "number" && isFinite(x) ? x : 0);
      const roleClass = (r) => (MAIN_ROLES.includes(r) ? r.toLowerCase() : "mention");
      const roleName = (r) => (ROLE_NAMES[r] ? ROLE_NAMES[r] + " (" + r.toLowerCase() + ")" : String(r));
      const plural2 = (n, word) => fmtInt(n) + " " + (n === 1 ? word : word === "hero" ? "heroes" : word + "s");
      const actors = ly.records.filter((r) => r && typeof r === "object" && typeof r.name === "string")
        .map((r) => ({ r, mentions: fragments(r.mentions).filter((m) => toU(m.end) > toU(m.start)) }))
        .sort((x, y) => (y.mentions.length - x.mentions.length) || (num(y.r.score) - num(x.r.score)) || x.r.name.localeCompare(y.r.name));
      const counts = new Map();
      actors.forEach(({ r }) => counts.set(String(r.main_role), (counts.get(String(r.main_role)) || 0) + 1));
      const order = [...MAIN_ROLES.filter((r) => counts.has(r)), ...[...counts.keys()].filter((r) => !MAIN_ROLES.includes(r)).sort()];
      const countLine = order.map((r) => plural2(counts.get(r), ROLE_NAMES[r] || r.toLowerCase())).join(", ");
      const flat = (x) => String(x).replace(/\s+/g, " ").trim();
      const items = actors.map(({ r, mentions }) => {
        const main = String(r.main_role || "");
        const fine = Array.isArray(r.fine_roles) ? r.fine_roles.map(String) : [];
        const marks = mentions.slice().sort((x, y) => (x.start - y.start) || (x.end - y.end))
          .map((m) => ({ role: roleClass(MAIN_ROLES.includes(m.main_role) ? m.main_role : main), a: m.start, b: m.end }));
        const also = [...new Set(mentions.map((m) => flat(text.slice(toU(m.start), toU(m.end)))))].filter((w) => w && w !== flat(r.name)).sort();
        return h("li", { class: "actor", "data-role": roleClass(main) },
          pointer("who", ly.k, marks, h("b", { text: r.name }), " ",
            h("span", { class: "role role-" + roleClass(main), title: ROLE_HINTS[main] || main, text: roleName(main) }), " ",
            h("span", { class: "scount", text: plural(mentions.length, "mention") })),
          h("p", { class: "fine" }, (fine.length ? fine.join(", ") + " · " : "") + String(r.entity_type || "other") + " · ",
            h("span", { class: "score", title: "probability of this role", text: Math.round(num(r.score) * 100) + "%" }),
            also.length ? " · also “" + excerpt(also.join(", "), 80) + "”" : ""));
      });
      return [
        h("h2", { id: hid }, h("span", { class: "lname", text: "Actors" }), " ", h("span", { class: "lcount", text: "(" + fmtInt(actors.length) + ")" })),
        lab,
        countLine ? h("p", { class: "lfacts", text: countLine }) : null,
        toggle,
        items.length ? [h("p", { class: "hl-legend" }, "Press an actor to mark its mentions in the text, by the role each gives it: ",
          MAIN_ROLES.flatMap((r, n) => [n ? " " : null, h("span", { class: "hl-" + r.toLowerCase(), text: ROLE_NAMES[r] })])),
        h("ul", { class: "actors" }, items)]
          : h("p", { class: "none", text: "No actors found." }),
      ];
    }

    const layerSections = layers.map((ly) => {
      const hid = "pw-ly-" + ly.k;
      const box = h("input", { type: "checkbox", checked: true, "data-layer": ly.name, "aria-controls": "pw-text" });
      const section = h("section", { class: "layer", "data-layer": ly.name, "aria-labelledby": hid, vars: { "--lc": ly.color } });
      box.addEventListener("change", () => {
        layerShown[ly.k] = box.checked;
        section.classList.toggle("off", !box.checked);
        paintLayers();
        say(ly.name + (box.checked ? " shown in the text" : " hidden in the text"));
      });
      const toggle = h("label", { class: "lytoggle" }, box, h("i", { class: "lsw", "aria-hidden": "true" }), "Show in text");
      const lab = h("p", { class: "lab" }, h("code", { text: ly.component }), ly.version ? [" · ", h("code", { text: ly.version })] : null);
      const panels = { attribution: whoSaysWhat, [CLAIM_MATCH]: knownClaims, [NARRATIVE]: narrativesPanel, [ACTOR]: actorsPanel };
      if (Object.prototype.hasOwnProperty.call(panels, ly.kind)) {
        append(section, panels[ly.kind](ly, hid, lab, toggle));
        return section;
      }
      const facts = Object.entries(ly.summary).filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean");
      let body;
      if (ly.items.length) {
        body = h("ol", { class: "layerlist" }, ly.items.map((sp) => {
          const flat = sp.text.replace(/\s+/g, " ").trim();
          const q = flat.length > 90 ? flat.slice(0, 89).trimEnd() + "…" : flat;
          const b = h("button", { type: "button", class: "lybtn", title: sp.reason || null, "data-start": String(sp.start), "data-end": String(sp.end) },
            h("span", { class: "shead" }, h("b", { class: "llabel", text: sp.label }),
              sp.score != null ? h("span", { class: "score", text: Math.round(sp.score * 100) + "%" }) : null),
            h("q", { text: q }));
          b.addEventListener("click", (e) => {
            if (sp.uEnd <= sp.uStart) { return; }
            e.stopPropagation();
            owner.hide(true);
            selectInText(textEl, sp.uStart, sp.uEnd);
          });
          return h("li", null, b);
        }));
      } else {
        body = h("p", { class: "none", text: "Nothing found." });
      }
      append(section, [
        h("h2", { id: hid }, h("span", { class: "lname", text: ly.name }), " ", h("span", { class: "lcount", text: "(" + fmtInt(ly.items.length) + ")" })),
        lab,
        facts.length ? h("p", { class: "lfacts" }, facts.map(([k, v]) => h("span", { class: "chip" }, k.replace(/_/g, " ") + ": ", h("b", { text: typeof v === "number" ? fmtInt(v) : String(v) })))) : null,
        toggle,
        body]);
      return section;
    });

    const meta = h("dl", { class: "metadata" });
    const metaRow = (k, v) => { if (v != null && v !== "") { meta.appendChild(h("dt", { text: k })); meta.appendChild(h("dd", null, v)); } };
    metaRow("Title", analysis.title);
    metaRow("Outlet", analysis.outlet);
    metaRow("Published", analysis.published);
    const link = (u) => isWebUrl(u) ? h("a", { href: u, rel: "noopener noreferrer", target: "_blank", text: u }) : String(u);
    if (analysis.url) { metaRow("URL", link(analysis.url)); }
    if (analysis.canonical_url && analysis.canonical_url !== analysis.url) { metaRow("Canonical URL", link(analysis.canonical_url)); }
    metaRow("Id", h("code", { text: String(analysis.id) }));
    metaRow("Source", analysis.source);
    metaRow("Length", plural([...text].length, "character"));

    const panel = h("aside", { class: "card panel", "aria-label": "Summary and technique legend" },
      overview, dlSection, techSection, spanSection, layerSections,
      h("section", null, h("h2", { text: "Details" }), meta),
      h("section", { class: "note", text: "Highlights show where an automatic detector found a persuasion technique, with its confidence. They are pointers for a careful reader, not verdicts on the article." }));

    if (heading && (analysis.title || analysis.outlet || analysis.published)) {
      article.appendChild(h("h2", { class: "atitle", text: analysis.title || "Untitled" }));
      const by = h("p", { class: "byline" });
      if (analysis.outlet) { by.appendChild(h("span", { text: analysis.outlet })); }
      if (analysis.published) { by.appendChild(h("span", { text: analysis.published })); }
      if (by.childNodes.length) { article.appendChild(by); }
    }
    if (note) { article.appendChild(note); }
    const lyHint = lspans.length ? " Dotted underlines mark the spans of " + layers.filter((ly) => ly.items.length).map((ly) => ly.name).join(", ") + " (toggled in the side panel)." : "";
    article.appendChild(h("p", { class: "hint", text: (spans.length
      ? "Hover, focus (Tab) or click a highlight to see the technique, its score and why it was flagged. Striped text lies under several spans."
      : noTechniques ? "This analysis has no techniques layer." : "No technique was found in this text.") + lyHint }));
    article.appendChild(textEl);
    paint();

    const node = h("div", { class: "layout" }, article, panel);
    return { node, textEl, text, toU, owner };
  }

  /** Select the UTF-16 range [start, end) of a text element and bring it into view. */
  function selectInText(textEl, start, end) {
    const walker = document.createTreeWalker(textEl, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let pos = 0, started = false, node;
    while ((node = walker.nextNode())) {
      const len = node.data.length;
      if (!started && start <= pos + len) { range.setStart(node, start - pos); started = true; }
      if (started && end <= pos + len) { range.setEnd(node, end - pos); break; }
      pos += len;
    }
    if (!started) { return; }
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    const r = range.getBoundingClientRect();
    window.scrollTo({ top: window.scrollY + r.top - 120, behavior: "smooth" });
  }

  // ------------------------------------------------------------------ word diff

  const TOKEN_RE = /(\s*)([\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s])/gu;
  const WORDISH = /[\p{L}\p{N}_]/u;
  const MAX_CELLS = 4e6;

  function tokenize(text) {
    const toks = [];
    let end = 0;
    for (const m of text.matchAll(TOKEN_RE)) { toks.push([m[1], m[2]]); end = m.index + m[0].length; }
    return { toks, tail: text.slice(end) };
  }

  /** [[op, i1, i2, j1, j2]] with op "equal" or "change", as difflib's opcodes. */
  function diffOps(a, b) {
    let pre = 0;
    while (pre < a.length && pre < b.length && a[pre] === b[pre]) { pre++; }
    let suf = 0;
    while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) { suf++; }
    const n = a.length - pre - suf, m = b.length - pre - suf;
    const ops = [];
    const push = (op, i1, i2, j1, j2) => {
      if (i1 === i2 && j1 === j2) { return; }
      const last = ops[ops.length - 1];
      if (last && last[0] === op) { last[2] = i2; last[4] = j2; } else { ops.push([op, i1, i2, j1, j2]); }
    };
    push("equal", 0, pre, 0, pre);
    if (n && m && (n + 1) * (m + 1) <= MAX_CELLS) {
      // LCS table over the middle part, then walk it forwards
      const W = m + 1;
      const L = new Uint32Array((n + 1) * W);
      for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) {
          L[i * W + j] = a[pre + i] === b[pre + j] ? L[(i + 1) * W + j + 1] + 1 : Math.max(L[(i + 1) * W + j], L[i * W + j + 1]);
        }
      }
      let i = 0, j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && a[pre + i] === b[pre + j]) { push("equal", pre + i, pre + i + 1, pre + j, pre + j + 1); i++; j++; }
        else if (j < m && (i === n || L[i * W + j + 1] >= L[(i + 1) * W + j])) { push("change", pre + i, pre + i, pre + j, pre + j + 1); j++; }
        else { push("change", pre + i, pre + i + 1, pre + j, pre + j); i++; }
      }
    } else {
      push("change", pre, pre + n, pre, pre + m);
    }
    push("equal", pre + n, a.length, pre + m, b.length);
    return ops;
  }

  function renderToks(parent, toks, tag) {
    if (!toks.length) { return; }
    if (!tag) { parent.appendChild(document.createTextNode(toks.map(([w, t]) => w + t).join(""))); return; }
    parent.appendChild(document.createTextNode(toks[0][0]));
    parent.appendChild(h(tag, { text: toks[0][1] + toks.slice(1).map(([w, t]) => w + t).join("") }));
  }

  /** Word diff: two fragments whose text is exactly ``left`` and ``right``. */
  function wordDiff(left, right) {
    const A = tokenize(left), B = tokenize(right);
    const ops = diffOps(A.toks.map((t) => t[1]), B.toks.map((t) => t[1]));
    const fa = document.createDocumentFragment(), fb = document.createDocumentFragment();
    let removed = 0, added = 0, changed = false;
    const words = (toks) => toks.filter(([, t]) => WORDISH.test(t)).length;
    for (const [op, i1, i2, j1, j2] of ops) {
      const ta = A.toks.slice(i1, i2), tb = B.toks.slice(j1, j2);
      if (op === "equal") { renderToks(fa, ta, null); renderToks(fb, tb, null); continue; }
      changed = true;
      renderToks(fa, ta, "del"); renderToks(fb, tb, "ins");
      removed += words(ta); added += words(tb);
    }
    fa.appendChild(document.createTextNode(A.tail));
    fb.appendChild(document.createTextNode(B.tail));
    return { left: fa, right: fb, removed, added, changed };
  }

  // ------------------------------------------------------------------ shared data

  function getArticle(id) {
    if (!state.articles.has(id)) {
      const p = api("/api/articles/" + encodeURIComponent(id)).then(normalizeAnalysis);
      p.catch(() => state.articles.delete(id));
      state.articles.set(id, p);
    }
    return state.articles.get(id);
  }

  function getStats(force) {
    if (force || !state.stats || Date.now() - state.stats.at > 60000) {
      const p = api("/api/stats");
      p.catch(() => { if (state.stats && state.stats.promise === p) { state.stats = null; } });
      state.stats = { at: Date.now(), promise: p };
    }
    return state.stats.promise;
  }

  function cpSlice(text, start, end) { const toU = cpToUtf16(text); return text.slice(toU(start), toU(end)); }

  function whoLine(art) {
    const parts = [];
    if (art && art.outlet) { parts.push(h("b", { text: art.outlet })); }
    parts.push(h("span", { class: "date", text: (art && art.published) || "undated" }));
    const out = [];
    parts.forEach((p, k) => { if (k) { out.push(" · "); } out.push(p); });
    return out;
  }

  /** Two passages side by side with a word diff. sides: [{id, start, end, label}] */
  async function pairView(link, { leftId } = {}) {
    let sides = [{ id: link.a, start: link.a_start, end: link.a_end }, { id: link.b, start: link.b_start, end: link.b_end }];
    if (leftId && sides[1].id === leftId && sides[0].id !== leftId) { sides = [sides[1], sides[0]]; }
    const arts = await Promise.all(sides.map((sd) => getArticle(sd.id).catch((e) => ({ __error: e }))));
    const texts = arts.map((art, k) => (art && !art.__error ? cpSlice(String(art.text || ""), sides[k].start, sides[k].end) : null));
    const head = h("div", { class: "phead" }, h("span", { class: "pscore", title: "Share of aligned words that match", text: pct(link.score) + " match" }));
    let bodies = texts.map((t) => (t == null ? null : document.createTextNode(t)));
    if (texts[0] != null && texts[1] != null) {
      const d = wordDiff(texts[0], texts[1]);
      bodies = [d.left, d.right];
      if (d.removed || d.added) {
        append(head, h("span", null, h("del", { text: plural(d.removed, "word") }), " only left · ", h("ins", { text: plural(d.added, "word") }), " only right"));
      } else {
        append(head, h("span", { text: d.changed ? "punctuation differs" : "same words" }));
      }
    }
    const cols = sides.map((sd, k) => {
      const art = arts[k];
      const ok = art && !art.__error;
      const name = ok && art.title ? art.title : sd.id;
      return h("div", { class: "col " + (k ? "right" : "left") },
        h("div", { class: "ctitle" }, sd.id === leftId ? h("b", { text: "This article" }) : h("a", { href: articleHash(sd.id), text: name })),
        h("div", { class: "chead" }, whoLine(ok ? art : null),
          h("span", { class: "span" }, h("code", { class: "cid", text: sd.id }), " · characters " + fmtInt(sd.start) + "–" + fmtInt(sd.end))),
        bodies[k] ? h("div", { class: "ptext", dir: "auto", "data-article": sd.id, "data-start": String(sd.start), "data-end": String(sd.end) }, bodies[k])
          : errorBox(art && art.__error, "Could not load this article."));
    });
    return h("article", { class: "pair", "aria-label": "Aligned passages side by side" }, head, h("div", { class: "cols" }, cols));
  }

  function noStoreNote(err) {
    return infoBox(h("b", { text: "No corpus here. " }),
      "This server was started without a corpus store, so there is nothing to browse. " +
      "Start it with a database (", h("code", { text: "--db news.db" }), ") built by ",
      h("code", { text: "propwatch corpus add" }), ". Single articles can still be analysed on the ",
      h("a", { href: "#/analyze", text: "Analyze" }), " page.",
      err && err.message ? h("div", { class: "note", text: err.message }) : null);
  }

  // ------------------------------------------------------------------ analyze page

  /** The knowledge bases of known claims in the server's store, [{name, claims, sources}];
   * [] when there is no store (asked of /api/health first: no refused request to log) or the
   * list cannot be read (a token not given yet: no prompt before the user analyses). */
  async function loadKnowledgeBases() {
    try {
      const health = await api("/api/health", { quiet: true });
      if (!health || !health.db) { return []; }
      const kbs = await api("/api/kb", { quiet: true });
      return (Array.isArray(kbs) ? kbs : []).filter((kb) => kb && typeof kb.name === "string" && kb.name)
        .map((kb) => ({ name: kb.name, claims: Number(kb.claims) || 0, sources: Array.isArray(kb.sources) ? kb.sources.map(String) : [] }));
    } catch (err) {
      return [];
    }
  }

  function analyzePage(root) {
    document.title = "Analyze · propwatch";
    const d = state.draft;
    const ta = h("textarea", { id: "pw-input", name: "text", rows: "10", spellcheck: "false", placeholder: "Paste the text of a news article here…", value: d.text });
    const title = h("input", { type: "text", id: "pw-title", name: "title", value: d.title, autocomplete: "off" });
    const outlet = h("input", { type: "text", id: "pw-outlet", name: "outlet", value: d.outlet, autocomplete: "off" });
    const published = h("input", { type: "date", id: "pw-published", name: "published", value: d.published });
    const file = h("input", { type: "file", id: "pw-file", name: "file", accept: ".txt,.text,.html,.htm,.jsonl,.csv,text/plain,text/html" });
    const fileInfo = h("span", { class: "note", id: "pw-file-info" });
    const clearFile = h("button", { type: "button", class: "linkbtn", hidden: true, text: "Remove file" });
    const who = h("input", { type: "checkbox", id: "pw-with-attributions", name: "with", value: "attributions", checked: d.attributions });
    who.addEventListener("change", () => { d.attributions = who.checked; });
    const framing = h("input", { type: "checkbox", id: "pw-with-framing", name: "with", value: "narratives", checked: !!d.framing });
    framing.addEventListener("change", () => { d.framing = framing.checked; });
    // knowledge bases of known claims, when the server's store has some (GET /api/kb)
    const kbRow = h("fieldset", { class: "kbpick", id: "pw-kbs", hidden: true },
      h("legend", { text: "Also find known claims from:" }));
    const kbBoxes = [];
    loadKnowledgeBases().then((kbs) => {
      if (!kbs.length || !kbRow.isConnected) { return; }
      for (const kb of kbs) {
        const box = h("input", { type: "checkbox", name: "kb", value: kb.name, checked: d.kbs.includes(kb.name) });
        box.addEventListener("change", () => { d.kbs = kbBoxes.filter((b) => b.checked).map((b) => b.value); });
        kbBoxes.push(box);
        kbRow.appendChild(h("label", { class: "check", title: kb.sources.join(", ") || null }, box, " " + kb.name + " ",
          h("span", { class: "note", text: "(" + plural(kb.claims, "claim") + ")" })));
      }
      kbRow.hidden = false;
    });
    const btn = h("button", { type: "submit", class: "btn primary", id: "pw-analyze" }, "Analyze");
    const status = h("div", { id: "pw-status" });
    const result = h("div", { id: "pw-result" });

    const syncFile = () => {
      const f = state.file;
      ta.disabled = !!f;
      clearFile.hidden = !f;
      fileInfo.textContent = f ? "“" + f.name + "” (" + fmtInt(f.size) + " bytes) will be analysed instead of the text box." : "";
    };
    for (const [el, key] of [[ta, "text"], [title, "title"], [outlet, "outlet"], [published, "published"]]) {
      el.addEventListener("input", () => { d[key] = el.value; });
    }
    file.addEventListener("change", () => { state.file = file.files && file.files[0] ? file.files[0] : null; syncFile(); });
    clearFile.addEventListener("click", () => { state.file = null; file.value = ""; syncFile(); file.focus(); });

    const form = h("form", { class: "card block", id: "pw-analyze-form", novalidate: true },
      h("div", { class: "field" }, h("label", { for: "pw-input", text: "Article text" }), ta),
      h("div", { class: "grid3" },
        h("div", { class: "field" }, h("label", { for: "pw-title", text: "Title (optional)" }), title),
        h("div", { class: "field" }, h("label", { for: "pw-outlet", text: "Outlet (optional)" }), outlet),
        h("div", { class: "field" }, h("label", { for: "pw-published", text: "Published (optional)" }), published)),
      kbRow,
      h("div", { class: "row" },
        h("span", { class: "filebox" }, h("label", { for: "pw-file", text: "…or upload a file (.txt, .html, .jsonl):" }), file, clearFile),
        h("span", { class: "grow" }),
        h("label", { class: "check", for: "pw-with-attributions" }, who, " Also show who says what (sources, quotes)"),
        h("label", { class: "check", for: "pw-with-framing" }, framing, " Narratives and actors (hero, villain, victim)"), btn),
      h("div", { class: "row" }, fileInfo));

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      status.textContent = "";
      const f = state.file;
      if (!f && !ta.value.trim()) {
        status.appendChild(errorBox({ message: "Paste an article into the text box or choose a file first." }, "Nothing to analyse."));
        ta.focus();
        return;
      }
      const fields = { title: title.value.trim(), outlet: outlet.value.trim(), published: published.value.trim() };
      const body = f
        ? () => { const fd = new FormData(); fd.append("file", f, f.name); for (const [k, v] of Object.entries(fields)) { if (v) { fd.append(k, v); } } return { body: fd }; }
        : (() => { const payload = { text: ta.value }; for (const [k, v] of Object.entries(fields)) { if (v) { payload[k] = v; } }
          const json = JSON.stringify(payload); return () => ({ body: json, headers: { "Content-Type": "application/json" } }); })();
      btn.disabled = true;
      btn.textContent = "";
      append(btn, [h("span", { class: "spinner", "aria-hidden": "true" }), "Analysing…"]);
      status.appendChild(spinnerLine("Analysing the article…"));
      try {
        let records = 1;
        const params = new URLSearchParams();
        if (who.checked) { params.append("with", "attributions"); }
        if (framing.checked) { params.append("with", "narratives"); params.append("with", "roles"); }
        kbBoxes.filter((b) => b.checked).forEach((b) => params.append("kb", b.value));
        const query = params.toString() ? "?" + params.toString() : "";
        let analysis = await api("/api/analyze" + query, { method: "POST", ...body(),
          onHeaders: (hd) => { records = parseInt(hd.get("X-Propwatch-Records") || "1", 10) || 1; } });
        let note = records > 1 ? records : null;
        if (Array.isArray(analysis)) {
          if (!analysis.length) { throw new ApiError(0, "empty", "The file held no article."); }
          if (analysis.length > 1) { note = analysis.length; }
          analysis = analysis[0];
        }
        await loadTechniques().catch(() => TECHS);
        analysis = normalizeAnalysis(analysis);
        state.analyze = { analysis, body, note, query };
        status.textContent = "";
        showResult(result);
        say("Analysis ready: " + plural((analysis.spans || []).length, "span"));
        const r = result.querySelector(".layout");
        if (r) { r.scrollIntoView({ behavior: "smooth", block: "start" }); }
      } catch (err) {
        status.textContent = "";
        status.appendChild(errorBox(err, "The analysis failed."));
      } finally {
        btn.disabled = false;
        btn.textContent = "Analyze";
      }
    });

    root.appendChild(h("header", { class: "pagehead" }, h("h1", { text: "Analyze an article" }),
      h("p", { class: "lede", text: "Paste a news article or upload a file. propwatch marks the passages that use one of 14 propaganda techniques, with a score and the reason for each." })));
    root.appendChild(form);
    root.appendChild(status);
    root.appendChild(result);
    syncFile();
    if (state.analyze) { showResult(result); }
  }

  function showResult(result) {
    const { analysis, body, note, query = "" } = state.analyze;
    result.textContent = "";
    const base = safeName(analysis.title || analysis.id);
    const view = analysisView(analysis, {
      note: note ? infoBox("The file held " + fmtInt(note) + " articles; this shows the first. Use the corpus tools for batches.") : null,
      downloads: [
        { label: "Download JSON", kind: "json", run: async () => saveBlob(new Blob([JSON.stringify(analysis.raw || analysis, null, 2)], { type: "application/json" }), base + ".propwatch.json") },
        { label: "Download HTML report", kind: "html", run: async () => saveBlob(await api("/api/report" + query, { method: "POST", as: "blob", ...body() }), base + ".report.html") },
      ],
    });
    result.appendChild(view.node);
  }

  // ------------------------------------------------------------------ corpus page

  function corpusPage(root, r) {
    document.title = "Corpus · propwatch";
    const q = h("input", { type: "search", id: "pw-q", name: "q", placeholder: "words or a phrase", autocomplete: "off" });
    const outletSel = h("select", { id: "pw-outlet-f", name: "outlet" }, h("option", { value: "", text: "All outlets" }));
    const techSel = h("select", { id: "pw-tech-f", name: "technique" }, h("option", { value: "", text: "All techniques" }));
    const form = h("form", { class: "card block filters", role: "search", id: "pw-search" },
      h("div", { class: "field" }, h("label", { for: "pw-q", text: "Search the articles" }), q),
      h("div", { class: "field" }, h("label", { for: "pw-outlet-f", text: "Outlet" }), outletSel),
      h("div", { class: "field" }, h("label", { for: "pw-tech-f", text: "Technique" }), techSel),
      h("button", { type: "submit", class: "btn primary", text: "Search" }));
    const statsBox = h("div", { class: "card block", id: "pw-overview" }, spinnerLine("Loading corpus statistics…"));
    const listing = h("section", { class: "card listing", "aria-labelledby": "pw-res-h" });
    const charts = h("div", { class: "two" });
    const body = h("div", null, form, listing, statsBox, charts);
    root.appendChild(h("header", { class: "pagehead" }, h("h1", { text: "Corpus" }),
      h("p", { class: "lede", text: "Search the stored articles, filter by outlet and technique, and see which techniques each outlet uses over time." })));
    const notice = h("div");
    root.appendChild(notice);
    root.appendChild(body);

    const params = () => {
      const p = new URLSearchParams();
      if (q.value.trim()) { p.set("q", q.value.trim()); }
      if (outletSel.value) { p.set("outlet", outletSel.value); }
      if (techSel.value) { p.set("technique", techSel.value); }
      return p;
    };
    form.addEventListener("submit", (e) => { e.preventDefault(); location.hash = "#/corpus" + (params().toString() ? "?" + params() : ""); });
    techSel.addEventListener("change", () => form.requestSubmit());
    outletSel.addEventListener("change", () => form.requestSubmit());

    const setSelect = (sel, v) => {
      if (v && ![...sel.options].some((o) => o.value === v)) { sel.appendChild(h("option", { value: v, text: v })); }
      sel.value = v || "";
    };

    const techsReady = loadTechniques().then(() => {
      for (const t of [...TECHS].sort((a, b) => a.rank - b.rank)) { if (t.definition) { techSel.appendChild(h("option", { value: t.label, text: t.name })); } }
      setSelect(techSel, lastRoute.params.get("technique"));
    }).catch(() => {});

    Promise.all([getStats(), techsReady]).then(([stats]) => {
      renderStats(statsBox, charts, stats);
      const outlets = Object.entries(stats.outlets || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      for (const [name, n] of outlets) { outletSel.appendChild(h("option", { value: name, text: name + " (" + fmtInt(n) + ")" })); }
      setSelect(outletSel, lastRoute.params.get("outlet"));
    }, (err) => {
      if (err.code === "no_store") { return; }  // shown once, by the listing
      statsBox.textContent = "";
      statsBox.appendChild(errorBox(err, "Could not load the corpus statistics."));
    });

    let lastRoute = r;
    let listSeq = 0;
    async function update(route) {
      lastRoute = route;
      const p = route.params;
      q.value = p.get("q") || "";
      setSelect(outletSel, p.get("outlet"));
      setSelect(techSel, p.get("technique"));
      state.corpusHash = location.hash || "#/corpus";
      const page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
      const query = new URLSearchParams();
      for (const k of ["q", "outlet", "technique"]) { if (p.get(k)) { query.set(k, p.get(k)); } }
      query.set("page", String(page));
      query.set("page_size", "20");
      const seq = ++listSeq;
      listing.textContent = "";
      listing.appendChild(h("div", { class: "lhead" }, h("h2", { class: "sec", id: "pw-res-h", text: "Articles" })));
      listing.appendChild(h("div", { class: "block" }, spinnerLine("Searching…")));
      let res;
      try {
        res = await api("/api/articles?" + query);
      } catch (err) {
        if (seq !== listSeq) { return; }
        if (err.code === "no_store" || (err.status === 404 && /store/i.test(err.message))) {
          body.hidden = true;
          notice.textContent = "";
          notice.appendChild(noStoreNote(err));
          return;
        }
        listing.lastChild.remove();
        listing.appendChild(h("div", { class: "block" }, errorBox(err, "The search failed.")));
        return;
      }
      if (seq !== listSeq) { return; }
      listing.textContent = "";
      const items = res.items || [];
      const filt = [p.get("q") && "“" + p.get("q") + "”", p.get("outlet"), p.get("technique") && TECHS[techIndex(p.get("technique"))].name].filter(Boolean);
      listing.appendChild(h("div", { class: "lhead" }, h("h2", { class: "sec", id: "pw-res-h", text: "Articles" }),
        h("span", { class: "note", id: "pw-res-info", text: (items.length ? "page " + (res.page || page) : "no match") + (filt.length ? " · " + filt.join(" · ") : "") })));
      if (!items.length) {
        listing.appendChild(h("p", { class: "block none", text: page > 1 ? "No more articles." : "No article matches. Try fewer or other words, or clear a filter." }));
      } else {
        const tbody = h("tbody");
        for (const it of items) {
          tbody.appendChild(h("tr", null,
            h("td", { class: "t" }, h("a", { href: articleHash(it.id), text: it.title || it.id }), h("span", { class: "id", text: it.id })),
            h("td", { text: it.outlet || "—" }),
            h("td", { class: "d", text: it.published || "undated" }),
            h("td", { class: "n", text: fmtInt(it.n_spans) })));
        }
        listing.appendChild(h("div", { class: "tablewrap" }, h("table", { id: "pw-results" },
          h("thead", null, h("tr", null, h("th", { scope: "col", text: "Article" }), h("th", { scope: "col", text: "Outlet" }),
            h("th", { scope: "col", text: "Published" }), h("th", { scope: "col", class: "n", text: "Spans" }))), tbody)));
      }
      const go = (n) => { const x = new URLSearchParams(p); x.set("page", String(n)); return "#/corpus?" + x; };
      const cur = res.page || page;
      if (cur > 1 || res.has_more) {
        listing.appendChild(h("nav", { class: "pager", "aria-label": "Result pages" },
          cur > 1 ? h("a", { class: "btn", href: go(cur - 1), rel: "prev", text: "← Previous" }) : h("span", { class: "btn", "aria-disabled": "true", text: "← Previous" }),
          h("span", { text: "Page " + cur }),
          res.has_more ? h("a", { class: "btn", href: go(cur + 1), rel: "next", text: "Next →" }) : h("span", { class: "btn", "aria-disabled": "true", text: "Next →" })));
      }
    }
    update(r);
    return { update };
  }

  function renderStats(box, charts, stats) {
    box.textContent = "";
    const spans = stats.spans || {};
    const pub = stats.published || {};
    const range = pub.first ? (pub.first === pub.last ? pub.first : pub.first + " – " + pub.last) : "no dates";
    box.appendChild(h("h2", { class: "sec", text: "Overview" }));
    box.appendChild(h("div", { class: "stats four" },
      h("div", { class: "stat" }, h("b", { text: fmtInt(stats.articles) }), h("span", { text: stats.articles === 1 ? "article" : "articles" })),
      h("div", { class: "stat" }, h("b", { text: fmtInt(Object.keys(stats.outlets || {}).length) }),
        h("span", { text: Object.keys(stats.outlets || {}).length === 1 ? "outlet" : "outlets" })),
      h("div", { class: "stat" }, h("b", { text: fmtInt(spans.total) }), h("span", { text: "technique spans" })),
      h("div", { class: "stat small" }, h("b", { text: range }), h("span", { text: "published" + (pub.undated ? " · " + fmtInt(pub.undated) + " undated" : "") }))));
    const byTech = Object.entries(spans.by_technique || {}).sort((a, b) => b[1] - a[1]);
    if (byTech.length) {
      box.appendChild(h("div", { class: "chips" },
        byTech.map(([label, n]) => { const t = TECHS[techIndex(label)]; return h("a", { class: "chip", href: "#/corpus?technique=" + encodeURIComponent(label), title: t.definition || label },
          h("i", { class: "sw", vars: { "--c": t.color } }), t.name, " ", h("b", { text: fmtInt(n) })); })));
      box.lastChild.style.marginTop = "14px";
    }
    charts.textContent = "";
    charts.appendChild(outletChart(stats));
    charts.appendChild(timelineChart(stats));
  }

  function techKeys(labels) {
    return h("div", { class: "keys", "aria-hidden": "true" }, labels.map((l) => { const t = TECHS[techIndex(l)]; return h("span", null, h("i", { class: "sw", vars: { "--c": t.color } }), t.name); }));
  }

  function techOrder(labels) {
    return [...new Set(labels)].sort((a, b) => byRank(techIndex(a), techIndex(b)));
  }

  function outletChart(stats) {
    const card = h("section", { class: "card block", "aria-labelledby": "pw-oc-h", id: "pw-outlet-chart" },
      h("h2", { class: "sec", id: "pw-oc-h", text: "Techniques by outlet" }));
    const by = (stats.spans && stats.spans.by_outlet) || {};
    const rows = Object.entries(by).map(([o, m]) => [o, m, Object.values(m).reduce((x, y) => x + Number(y || 0), 0)])
      .filter((r) => r[2] > 0).sort((a, b) => b[2] - a[2] || a[0].localeCompare(b[0]));
    if (!rows.length) { card.appendChild(h("p", { class: "none", text: "No technique spans stored yet (run propwatch corpus analyze)." })); return card; }
    const top = rows.slice(0, TOP_OUTLETS);
    const max = top[0][2];
    const labels = techOrder(top.flatMap((r) => Object.keys(r[1])));
    const grid = h("div", { class: "hbars", role: "list" });
    for (const [outlet, m, total] of top) {
      const parts = labels.filter((l) => m[l] > 0);
      const desc = outlet + ": " + plural(total, "span") + " — " + parts.map((l) => TECHS[techIndex(l)].name + " " + m[l]).join(", ");
      const track = h("div", { class: "track", role: "img", "aria-label": desc });
      for (const l of parts) {
        const seg = h("i", { title: outlet + " · " + TECHS[techIndex(l)].name + ": " + m[l], vars: { "--c": TECHS[techIndex(l)].color } });
        seg.style.width = (100 * m[l] / max).toFixed(2) + "%";
        track.appendChild(seg);
      }
      grid.appendChild(h("a", { class: "ol", role: "listitem", href: "#/corpus?outlet=" + encodeURIComponent(outlet), title: outlet + " — show its articles", text: outlet }));
      grid.appendChild(track);
      grid.appendChild(h("span", { class: "tot", text: fmtInt(total) }));
    }
    card.appendChild(grid);
    if (rows.length > TOP_OUTLETS) { card.appendChild(h("p", { class: "note", text: "Top " + TOP_OUTLETS + " of " + fmtInt(rows.length) + " outlets by number of spans." })); }
    card.appendChild(techKeys(labels));
    return card;
  }

  function monthRange(first, last) {
    const out = [];
    let [y, m] = first.split("-").map(Number);
    const [ly, lm] = last.split("-").map(Number);
    while ((y < ly || (y === ly && m <= lm)) && out.length < 600) {
      out.push(y + "-" + String(m).padStart(2, "0"));
      m++; if (m > 12) { m = 1; y++; }
    }
    return out;
  }

  function timelineChart(stats) {
    const card = h("section", { class: "card block", "aria-labelledby": "pw-tl-h", id: "pw-timeline" },
      h("h2", { class: "sec", id: "pw-tl-h", text: "Timeline: technique spans per month" }));
    const rows = (stats.timeline || []).filter((r) => r && r.month && Number(r.count) > 0);
    if (!rows.length) { card.appendChild(h("p", { class: "none", text: "No dated articles with technique spans." })); return card; }
    const data = new Map();
    for (const r of rows) {
      const key = String(r.month);
      if (!data.has(key)) { data.set(key, new Map()); }
      const m = data.get(key);
      m.set(String(r.technique), (m.get(String(r.technique)) || 0) + Number(r.count));
    }
    let months = [...data.keys()].sort();
    if (months.every((x) => /^\d{4}-\d{2}$/.test(x))) { months = monthRange(months[0], months[months.length - 1]); }
    const labels = techOrder(rows.map((r) => String(r.technique)));
    const totals = months.map((mo) => [...(data.get(mo) || new Map()).values()].reduce((a, b) => a + b, 0));
    const max = Math.max(...totals, 1);
    const W = 640, H = 240, L = 40, R = 10, T = 12, B = 30;
    const cw = (W - L - R) / months.length;
    const bw = Math.max(2, Math.min(48, cw * 0.72));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const svg = s("svg", { class: "timeline", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Technique spans per month, " + months[0] + " to " + months[months.length - 1] + ": " + months.map((mo, k) => mo + " " + totals[k]).join(", ") });
    const nice = max <= 4 ? [0, max] : [0, Math.round(max / 2), max];
    for (const v of nice) {
      svg.appendChild(s("line", { class: v ? "grid" : "axis", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      svg.appendChild(s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, fmtInt(v)));
    }
    const every = Math.ceil(months.length / 10);
    months.forEach((mo, k) => {
      const x = L + k * cw + (cw - bw) / 2;
      let acc = 0;
      const m = data.get(mo) || new Map();
      for (const l of labels) {
        const v = m.get(l) || 0;
        if (!v) { continue; }
        const t = TECHS[techIndex(l)];
        svg.appendChild(s("rect", { class: "seg", x: x.toFixed(1), y: y(acc + v).toFixed(1), width: bw.toFixed(1), height: Math.max(0.5, y(acc) - y(acc + v)).toFixed(1), fill: t.color },
          s("title", null, mo + " · " + t.name + ": " + v)));
        acc += v;
      }
      if (k % every === 0) { svg.appendChild(s("text", { x: (L + k * cw + cw / 2).toFixed(1), y: H - 10, "text-anchor": "middle" }, mo)); }
    });
    card.appendChild(svg);
    card.appendChild(techKeys(labels));
    return card;
  }

  // ------------------------------------------------------------------ article page

  async function articlePage(root, r) {
    const id = r.arg;
    document.title = "Article · propwatch";
    root.appendChild(h("p", { class: "crumb" }, h("a", { href: state.corpusHash, text: "← Back to the corpus" })));
    const slot = h("div", null, spinnerLine("Loading the article…"));
    root.appendChild(slot);
    let analysis;
    try {
      [analysis] = await Promise.all([getArticle(id), loadTechniques().catch(() => TECHS)]);
    } catch (err) {
      slot.textContent = "";
      slot.appendChild(err.code === "no_store" ? noStoreNote(err) : errorBox(err, err.status === 404 ? "No such article." : "Could not load the article."));
      return;
    }
    document.title = (analysis.title || analysis.id) + " · propwatch";
    slot.textContent = "";
    const by = h("p", { class: "byline" });
    if (analysis.outlet) { by.appendChild(h("span", { text: analysis.outlet })); }
    by.appendChild(h("span", { text: analysis.published || "undated" }));
    by.appendChild(h("span", null, h("code", { text: analysis.id })));
    slot.appendChild(h("header", { class: "pagehead" }, h("h1", { text: analysis.title || analysis.id }), by));
    const base = safeName(analysis.id);
    const view = analysisView(analysis, {
      heading: false,
      downloads: [
        { label: "Download JSON", kind: "json", run: async () => saveBlob(new Blob([JSON.stringify(analysis.raw || analysis, null, 2)], { type: "application/json" }), base + ".propwatch.json") },
        { label: "Download HTML report", kind: "html", run: async () => saveBlob(await api("/api/articles/" + encodeURIComponent(id) + "/report.html", { as: "blob" }), base + ".report.html") },
      ],
    });
    slot.appendChild(view.node);
    const reuse = h("section", { class: "card block", id: "pw-reuse", "aria-labelledby": "pw-reuse-h" },
      h("h2", { class: "sec", id: "pw-reuse-h", text: "Text reuse" }), spinnerLine("Looking for passages shared with other articles…"));
    reuse.style.marginTop = "18px";
    slot.appendChild(reuse);
    renderArticleReuse(reuse, analysis, view);
  }

  async function renderArticleReuse(box, analysis, view) {
    const id = String(analysis.id);
    const q = "?article=" + encodeURIComponent(id);
    let pairs, clusters;
    try {
      [pairs, clusters] = await Promise.all([api("/api/reuse/pairs" + q), api("/api/reuse/clusters" + q).catch(() => [])]);
    } catch (err) {
      box.lastChild.remove();
      box.appendChild(errorBox(err, "Could not load the reuse links."));
      return;
    }
    box.lastChild.remove();
    pairs = (Array.isArray(pairs) ? pairs : []).filter((p) => p.a === id || p.b === id);
    if (!pairs.length) {
      box.appendChild(h("p", { class: "none", text: "No passage of this article was found in another stored article." }));
    } else {
      box.appendChild(h("p", { class: "note", text: plural(pairs.length, "passage") + " shared with other articles. Choose one to compare it side by side; changed words are marked." }));
      const list = h("ul", { class: "links", id: "pw-links" });
      const compare = h("div", { id: "pw-compare", "aria-live": "polite" });
      const buttons = [];
      pairs.sort((x, y) => (y.score - x.score) || 0);
      pairs.forEach((p, k) => {
        const mine = p.a === id ? [p.a_start, p.a_end] : [p.b_start, p.b_end];
        const other = p.a === id ? p.b : p.a;
        const name = h("span", { class: "lt", text: other });
        const b = h("button", { type: "button", "aria-pressed": "false", "data-other": other },
          name, h("span", { class: "lm", text: "characters " + fmtInt(mine[0]) + "–" + fmtInt(mine[1]) + " here · " + pct(p.score) + " match" }));
        getArticle(other).then((o) => { name.textContent = (o.outlet ? o.outlet + " — " : "") + (o.title || other); }, () => {});
        b.addEventListener("click", async () => {
          buttons.forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
          compare.textContent = "";
          compare.appendChild(spinnerLine("Loading both passages…"));
          const pv = await pairView(p, { leftId: id });
          compare.textContent = "";
          const toU = view.toU;
          compare.appendChild(h("div", { class: "row" },
            h("button", { type: "button", class: "btn small", text: "Show this passage in the article",
              onclick: () => selectInText(view.textEl, toU(mine[0]), toU(mine[1])) }),
            h("a", { class: "btn small", href: articleHash(other), text: "Open the other article" })));
          compare.appendChild(pv);
        });
        buttons.push(b);
        list.appendChild(h("li", null, b));
      });
      box.appendChild(list);
      box.appendChild(compare);
      buttons[0].click();
    }
    clusters = (Array.isArray(clusters) ? clusters : []).filter((c) => (c.members || []).some((m) => m.id === id));
    if (clusters.length) {
      box.appendChild(h("h3", { class: "sec", text: "Reprint clusters" }));
      box.lastChild.style.marginTop = "18px";
      box.appendChild(clusterList(clusters, id));
    }
  }

  function clusterList(clusters, currentId) {
    const ol = h("ol", { class: "clusters" });
    for (const c of clusters) {
      const members = c.members || [];
      const ids = [...new Set(members.map((m) => m.id))];
      const originEl = c.origin
        ? [h("span", { class: "badge origin", text: "origin" }), " ", c.origin === currentId ? h("b", { text: "this article" }) : h("a", { href: articleHash(c.origin), text: c.origin })]
        : [h("span", { class: "badge", text: "origin unknown" })];
      ol.appendChild(h("li", null,
        h("b", { text: "Cluster " + c.cluster }), " · " + plural(ids.length, "article") + " · ", originEl,
        c.origin_basis ? h("span", { class: "note basis", text: " · basis: " + c.origin_basis + (c.origin && c.origin_confidence != null ? ", confidence " + Number(c.origin_confidence).toFixed(2) : "") }) : null,
        c.origin_note ? h("span", { class: "note", text: " — " + c.origin_note }) : null,
        h("ul", { class: "members" }, members.map((m) => h("li", null,
          m.id === currentId ? h("b", { text: m.id }) : h("a", { href: articleHash(m.id), text: m.id }),
          " · characters " + fmtInt(m.start) + "–" + fmtInt(m.end))))));
    }
    return ol;
  }

  // ------------------------------------------------------------------ reuse page

  async function reusePage(root) {
    document.title = "Reuse · propwatch";
    root.appendChild(h("header", { class: "pagehead" }, h("h1", { text: "Text reuse" }),
      h("p", { class: "lede", text: "Passages that appear in more than one stored article, aligned word by word, and the reprint clusters they form." })));
    const slot = h("div", null, spinnerLine("Loading reuse links…"));
    root.appendChild(slot);
    let pairs, clusters, stats;
    try {
      [pairs, clusters, stats] = await Promise.all([api("/api/reuse/pairs"), api("/api/reuse/clusters").catch(() => []), getStats().catch(() => null)]);
    } catch (err) {
      slot.textContent = "";
      slot.appendChild(err.code === "no_store" ? noStoreNote(err) : errorBox(err, "Could not load the reuse links."));
      return;
    }
    slot.textContent = "";
    if (stats && stats.reuse && typeof stats.reuse === "object") {
      const flat = Object.entries(stats.reuse).filter(([, v]) => typeof v === "number" || typeof v === "string");
      if (flat.length) {
        slot.appendChild(h("div", { class: "card block" }, h("h2", { class: "sec", text: "Latest reuse run" }),
          h("div", { class: "chips" }, flat.map(([k, v]) => h("span", { class: "chip" }, k.replace(/_/g, " ") + ": ", h("b", { text: typeof v === "number" ? fmtInt(v) : v }))))));
      }
    }
    pairs = Array.isArray(pairs) ? pairs : [];
    const card = h("section", { class: "card listing", "aria-labelledby": "pw-pairs-h" },
      h("div", { class: "lhead" }, h("h2", { class: "sec", id: "pw-pairs-h", text: "Shared passages" }), h("span", { class: "note", text: plural(pairs.length, "link") })));
    slot.appendChild(card);
    const compare = h("div", { class: "card block", id: "pw-compare", hidden: true });
    if (!pairs.length) {
      card.appendChild(h("p", { class: "block none", text: "No reuse found yet. Run propwatch reuse --db on the corpus." }));
    } else {
      const shown = pairs.slice(0, 300);
      const tbody = h("tbody");
      shown.forEach((p) => {
        const btn = h("button", { type: "button", class: "btn small", text: "Compare" });
        btn.addEventListener("click", async () => {
          compare.hidden = false;
          compare.textContent = "";
          compare.appendChild(spinnerLine("Loading both passages…"));
          const pv = await pairView(p);
          compare.textContent = "";
          compare.appendChild(h("h2", { class: "sec", text: "Side by side" }));
          compare.appendChild(pv);
          compare.scrollIntoView({ behavior: "smooth", block: "start" });
        });
        tbody.appendChild(h("tr", null,
          h("td", { class: "t" }, h("a", { href: articleHash(p.a), text: p.a }), h("span", { class: "id", text: "characters " + fmtInt(p.a_start) + "–" + fmtInt(p.a_end) })),
          h("td", { class: "t" }, h("a", { href: articleHash(p.b), text: p.b }), h("span", { class: "id", text: "characters " + fmtInt(p.b_start) + "–" + fmtInt(p.b_end) })),
          h("td", { class: "n", text: pct(p.score) }),
          h("td", null, btn)));
      });
      card.appendChild(h("div", { class: "tablewrap" }, h("table", null,
        h("thead", null, h("tr", null, h("th", { scope: "col", text: "Article A" }), h("th", { scope: "col", text: "Article B" }),
          h("th", { scope: "col", class: "n", text: "Match" }), h("th", { scope: "col", text: "" }))), tbody)));
      if (pairs.length > shown.length) { card.appendChild(h("p", { class: "block note", text: "Showing the first " + shown.length + " links." })); }
    }
    slot.appendChild(compare);
    clusters = Array.isArray(clusters) ? clusters : [];
    if (clusters.length) {
      slot.appendChild(h("section", { class: "card block" }, h("h2", { class: "sec", text: "Reprint clusters (" + clusters.length + ")" }), clusterList(clusters.slice(0, 200), null)));
    }
  }

  // ------------------------------------------------------------------ router

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, "");
    const qpos = raw.indexOf("?");
    const path = qpos >= 0 ? raw.slice(0, qpos) : raw;
    const params = new URLSearchParams(qpos >= 0 ? raw.slice(qpos + 1) : "");
    const parts = path.split("/");
    let arg = parts.slice(1).join("/");
    try { arg = decodeURIComponent(arg); } catch (e) { /* keep raw */ }
    return { name: parts[0] || "analyze", arg, params };
  }

  const PAGES = { analyze: analyzePage, corpus: corpusPage, article: articlePage, reuse: reusePage };

  async function route(force) {
    const r = parseHash();
    hidePopup();
    for (const a of document.querySelectorAll(".nav a")) {
      const on = a.getAttribute("data-route") === (r.name === "article" ? "corpus" : r.name);
      if (on) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
    }
    if (!force && current && current.name === r.name && current.update) { current.update(r); return; }
    const seq = ++routeSeq;
    main.textContent = "";
    const root = h("div", { class: "page page-" + r.name });
    main.appendChild(root);
    const page = PAGES[r.name];
    if (!page) {
      current = { name: r.name };
      root.appendChild(errorBox({ message: "There is no page “" + r.name + "”." }, "Not found."));
      root.appendChild(h("p", null, h("a", { href: "#/analyze", text: "Go to Analyze" })));
      return;
    }
    current = { name: r.name };
    try {
      const out = await page(root, r);
      if (seq === routeSeq && out && out.update) { current.update = out.update; }
    } catch (err) {
      if (seq === routeSeq) { root.appendChild(errorBox(err, "This page failed to load.")); }
    }
  }

  window.addEventListener("hashchange", () => route(false));
  window.addEventListener("unhandledrejection", (e) => {
    // never a blank page: show anything that escaped as a message
    const root = main.firstElementChild || main;
    root.appendChild(errorBox(e.reason || "unknown error", "Something went wrong."));
  });
  loadTechniques().catch(() => {});
  route(true);
})();
