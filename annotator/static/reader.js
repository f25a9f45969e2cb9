// reader.js: the Reader widget's page: the story as a book page, selection,
// the floating annotation toolbar, highlights, popovers, and the side panel.
//
// Ground rules:
// * Every string that comes from data (story text, notes, trope labels,
//   reader names) is untrusted. The DOM is built with createElement and
//   textContent only; there is no innerHTML anywhere in this file.
// * Offsets on the wire are Python code points. JavaScript strings are UTF-16,
//   so each paragraph converts both ways through its own index map (built
//   only for paragraphs that hold astral characters such as emoji).
// * A change re-renders only the paragraphs it touches; the story is painted
//   in chunks so a long novel shows its first page at once.

/**
 * Synced traits (model.get):
 * @typedef {Object} Traits
 * @property {string} story_id       id of the story shown
 * @property {string} reader         the reader's name ("mine" = creator === reader)
 * @property {"everyone"|"mine"} show whose annotations to show
 * @property {string} trope_filter   a trope id, or "" for all
 * @property {string[]} hidden_tropes trope ids switched off in the legend ("" = untagged)
 * @property {string} can_undo       label of the change undo would revert, or ""
 * @property {string} height         CSS height of the reading pane
 * @property {boolean} suggestions   show trope suggestions (hints) in the gutter
 * @property {string[]} groups       the reader's groups (audience "group:<name>")
 *
 * @typedef {Object} WireParagraph
 * @property {string} id
 * @property {number|null} number    gutter number; null for the title
 * @property {number} start          code-point offset in the story
 * @property {number} end
 * @property {"title"|"heading"|"narration"|"dialogue"|"mixed"} kind
 * @property {boolean} [sceneBreakBefore] default false
 * @property {string|null} [speaker]  default null
 * @property {string} text           the paragraph's text
 * @property {string} [after]        the white space up to the next paragraph; default "\n\n"
 * @property {number[][]} [sentences] [start, end] code-point pairs relative to `start`; default []
 *
 * @typedef {Object} WireStory
 * @property {string} id
 * @property {string} title
 * @property {string} version
 * @property {Object<string, *>} meta  author, fandom, rating, words ...
 * @property {string} lead           white space before the first paragraph
 * @property {number} length         length of the text in code points
 * @property {WireParagraph[]} paragraphs
 *
 * @typedef {Object} WireTrope
 * @property {string} id
 * @property {string} label
 * @property {string[]} aliases
 * @property {string} definition
 * @property {string} category
 * @property {string} category_label
 * @property {string} colour          #rrggbb
 * @property {string} underline       CSS text-decoration-style
 * @property {string} underline_thickness
 *
 * @typedef {Object} WireAnnotation
 * @property {string} id
 * @property {string} creator
 * @property {number|null} start     null for links (and sometimes orphans)
 * @property {number|null} end
 * @property {string|null} exact     the quoted text: only for orphans (else sliced from the story)
 * @property {string[]} tropes       trope ids
 * @property {string} note           Markdown or plain text; shown as text
 * @property {string|null} colour    #rrggbb, or null for the trope colour
 * @property {"tagging"|"commenting"|"highlighting"|"linking"} motivation
 * @property {string[]} links        for links: the payoff annotation id
 * @property {string|null} targetRef for links: the set-up annotation id
 * @property {string} modified
 * @property {boolean} orphan        the text changed; no place fits the quote
 * @property {string} audience       "public" | "private" | "group:<name>"
 *
 * @typedef {Object} WireHint         a trope suggestion (never an annotation by itself)
 * @property {string} paragraph       paragraph id
 * @property {number} start           the triggering passage (what "Tag" annotates)
 * @property {number} end
 * @property {string} trope           trope id
 * @property {number} score           confidence in [0, 1]
 * @property {string[]} evidence      the words that triggered it
 * @property {number[][]} spans       [start, end] of each evidence item (story offsets)
 * @property {string} generator
 * @property {string|null} similarTo
 *
 * Page -> Python (model.send); each carries `request`, echoed by the ack:
 * @typedef {{type:"load", request:string}} LoadRequest
 * @typedef {{type:"select", request:string, start:number|null, end:number|null, exact?:string}} SelectRequest
 * @typedef {{type:"annotate", request:string, start:number, end:number, exact:string, tropes:string[], note:string, colour:string|null, audience?:string}} AnnotateRequest
 * @typedef {{type:"edit", request:string, id:string, tropes?:string[], note?:string, colour?:string|null, audience?:string}} EditRequest
 * @typedef {{type:"delete", request:string, id:string}} DeleteRequest
 * @typedef {{type:"link", request:string, source:string, target:string}} LinkRequest
 * @typedef {{type:"undo", request:string}} UndoRequest
 * @typedef {{type:"hints", request:string, paragraphs:string[]|null}} HintsRequest  (answered by a Hints message, then an ack)
 * @typedef {{type:"accept"|"dismiss"|"undismiss", request:string, paragraph:string, trope:string}} SuggestionRequest
 *
 * Python -> page (msg:custom):
 * @typedef {{type:"load", request:string, story:WireStory, tropes:WireTrope[], annotations:WireAnnotation[], more:boolean, parts?:number}} LoadReply
 *   (with `more`, big stories paint their text first: the paragraphs come in `parts` messages, this one
 *   and LoadParts, and the annotations follow in Upserts, all but the last with `more`)
 * @typedef {{type:"load-part", request:string, paragraphs:WireParagraph[]}} LoadPart
 * @typedef {{type:"upsert", annotations:WireAnnotation[], more?:boolean}} Upsert
 * @typedef {{type:"remove", ids:string[]}} Remove
 * @typedef {{type:"ack", request:string, ok:boolean, error:string|null, suggestions?:string[], result?:*}} Ack
 * @typedef {{type:"focus", id:string}} Focus
 * @typedef {{type:"hints", paragraphs:string[], hints:WireHint[]}} Hints  (replaces the hints of `paragraphs`)
 */

const COLOUR_RE = /^#[0-9a-fA-F]{6}$/;
const UNDERLINES = new Set(["solid", "dashed", "dotted", "double", "wavy"]);
const THICKNESS_RE = /^\d{1,2}(\.\d{1,3})?(px|em)$/;
const HEIGHT_RE = /^[\w\s().,%+*/-]{1,60}$/;
const DEFAULT_HIGHLIGHT = "#f2c94c";
const PRESET_COLOURS = [
  ["#f2c94c", "Yellow"],
  ["#6fcf97", "Green"],
  ["#56ccf2", "Blue"],
  ["#f291c0", "Pink"],
  ["#f2994a", "Orange"],
  ["#b18cf2", "Purple"],
];
const UNTAGGED = "";
const FIRST_CHUNK_CHARS = 30000; // painted at once; the rest in short slices
const SLICE_MS = 8; // never hold the main thread longer than this while building
// Past these sizes highlights are painted only near the viewport.
const LAZY_PARAGRAPHS = 1500;
const LAZY_ANNOTATIONS = 4000;
const LAZY_MARGIN = "1500px 0px";
// Lazy mode builds a block's paragraphs only when it nears the viewport
// (LAZY_MARGIN) and drops them again past DROP_MARGIN: the page then holds a
// few blocks of elements, not a novel's 100,000 (and focus changes, layout
// and paint stay cheap). Unbuilt blocks are empty placeholders of their
// estimated (or last measured) height.
const DROP_MARGIN = "6000px 0px";
// Paragraphs and list items live in blocks: content-visibility and the lazy
// painter then track a few hundred elements, not tens of thousands.
const BLOCK_PARAGRAPHS = 40;
const FIRST_BLOCK_PARAGRAPHS = 8; // about a screenful: the first frame lays out only this block
const BLOCK_ITEMS = 25; // side-list items a block (the first frame lays out the first block)
const EAGER_ITEMS = 150; // a list this short is built at once; a longer one block by block as it scrolls
const ITEM_ESTIMATE_PX = 74; // an unbuilt list block's height, per item, until it has been measured
const LIST_MARGIN = "1200px 0px"; // list blocks are built this near the list's view, and dropped beyond
const REQUEST_TIMEOUT_MS = 15000;
const FLASH_MS = 1200;
const MAX_LANES = 4;
const WORD_RE = /[\p{L}\p{N}]+/gu;
const HINTS_BATCH_MS = 40; // hint requests for blocks coming into view are batched
const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  lock: "M4 7V5a4 4 0 0 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4zm2 0h4V5a2 2 0 1 0-4 0v2z",
  group: "M5.5 8a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zm5.5 0a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM0 13.5C0 11 2.5 9.5 5.5 9.5S11 11 11 13.5V14H0v-.5zm12 .5v-.5c0-1.2-.4-2.3-1.1-3.1.4-.1.7-.1 1.1-.1 2.3 0 4 1.2 4 3.2v.5h-4z",
  bulb: "M8 1a4.5 4.5 0 0 0-2.7 8.1c.5.4.7.8.7 1.3V11h4v-.6c0-.5.2-.9.7-1.3A4.5 4.5 0 0 0 8 1zM6 12h4v1.2H6zm.6 2h2.8l-.4 1H7z",
};

let viewCounter = 0;

// -- small DOM helpers (textContent only) ---------------------------------------------

/**
 * Create an element. `props.text` sets textContent; `props.attrs` sets
 * attributes (names are ours; values may be data and are never parsed).
 * @param {string} tag
 * @param {Object} [props]
 * @param {...(Node|string|null|undefined|false)} children
 */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text != null) el.textContent = String(props.text);
  if (props.attrs) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (v === false || v == null) continue;
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  if (props.data) for (const [k, v] of Object.entries(props.data)) el.dataset[k] = String(v);
  if (props.on) for (const [k, fn] of Object.entries(props.on)) el.addEventListener(k, fn);
  for (const c of children) {
    if (c == null || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** A small inline icon (an SVG path of ours; aria-hidden). */
function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "ann-ico");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

function excerpt(text, n) {
  const s = String(text || "").replace(/\s+/g, " ").trim();
  return s.length <= n ? s : s.slice(0, n - 1).trimEnd() + "…";
}

/** A note as one line of plain text: Markdown emphasis markers dropped. */
function noteExcerpt(note, n) {
  const s = String(note || "").replace(/\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*)\*|_([^_\s][^_\n]*)_|`([^`\n]+)`/g, (m, a, b, c, d) => a || b || c || d || m);
  return excerpt(s, n);
}

/** A quote for one line: its start and its end, paragraph breaks as ¶. */
function quoteExcerpt(text) {
  const s = String(text || "").replace(/\s*\n\s*\n\s*/g, " ¶ ").replace(/\s+/g, " ").trim();
  if (s.length <= 90) return `“${s}”`;
  return `“${s.slice(0, 52).trimEnd()} … ${s.slice(-30).trimStart()}”`;
}

function words(s) {
  return String(s).toLocaleLowerCase().match(WORD_RE) || [];
}

function prefersReducedMotion() {
  return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** 3083 -> "3,083" (toLocaleString would load the locale data first: ~20 ms). */
function groupDigits(n) {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

/** A tiny, safe Markdown subset for notes: paragraphs, **bold**, *italic*, `code`. */
function renderNote(note) {
  const frag = document.createDocumentFragment();
  const blocks = String(note || "").split(/\n{2,}/);
  for (const block of blocks) {
    if (!block.trim()) continue;
    const p = h("p");
    const re = /(\*\*[^*\n]+\*\*|\*[^*\s][^*\n]*\*|_[^_\s][^_\n]*_|`[^`\n]+`)/g;
    let last = 0;
    for (const m of block.matchAll(re)) {
      if (m.index > last) p.append(block.slice(last, m.index));
      const tok = m[0];
      if (tok.startsWith("**")) p.append(h("strong", { text: tok.slice(2, -2) }));
      else if (tok.startsWith("`")) p.append(h("code", { text: tok.slice(1, -1) }));
      else p.append(h("em", { text: tok.slice(1, -1) }));
      last = m.index + tok.length;
    }
    if (last < block.length) p.append(block.slice(last));
    frag.append(p);
  }
  return frag;
}

/** A budget of SLICE_MS from now, in the shape of an IdleDeadline. */
function slice() {
  const t = performance.now();
  return { timeRemaining: () => SLICE_MS - (performance.now() - t) };
}

// -- code points <-> UTF-16 ---------------------------------------------------------

/** Build a paragraph's index maps (only needed when it holds astral characters). */
function buildMaps(p) {
  const t = p.text;
  const u2c = new Int32Array(t.length + 1);
  const c2u = new Int32Array(t.length + 1);
  let cp = 0;
  for (let i = 0; i < t.length; ) {
    c2u[cp] = i;
    u2c[i] = cp;
    const c = t.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < t.length && (t.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) u2c[i + 1] = -(cp + 1); // inside a pair: between code point cp and cp + 1
    i += pair ? 2 : 1;
    cp += 1;
  }
  c2u[cp] = t.length;
  u2c[t.length] = cp;
  p.u2c = u2c;
  p.c2u = c2u.subarray(0, cp + 1);
  if (cp !== p.cpLen) console.warn(`annotator: paragraph ${p.id} has ${cp} code points, Python says ${p.cpLen}`);
}

/** Code-point offset within the paragraph -> UTF-16 index. */
function cpToU16(p, cp) {
  const c = Math.max(0, Math.min(p.cpLen, cp));
  if (!p.astral) return c;
  if (!p.c2u) buildMaps(p);
  return p.c2u[Math.min(c, p.c2u.length - 1)];
}

/** UTF-16 index within the paragraph -> code-point offset (round inside a pair). */
function u16ToCp(p, u, roundUp) {
  const i = Math.max(0, Math.min(p.text.length, u));
  if (!p.astral) return i;
  if (!p.u2c) buildMaps(p);
  const v = p.u2c[i];
  if (v >= 0) return v;
  return roundUp ? -v : -v - 1;
}

// -- the view -------------------------------------------------------------------------

class ReaderView {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.viewId = `v${++viewCounter}${Math.random().toString(36).slice(2, 7)}`;
    this.seq = 0;
    this.pending = new Map();
    this.loaded = false;
    this.disposed = false;
    this.t0 = performance.now();
    /** @type {Map<string, WireAnnotation>} */
    this.anns = new Map();
    this.byPara = new Map(); // paragraph index -> Set of annotation ids
    this.linkIndex = new Map(); // annotation id -> [{dir, other, linkId}]
    this.listItems = new Map();
    this.visibleIds = new Set();
    this.recentTropes = [];
    this.order = [];
    this.listBlocks = []; // blocks of the side list, in order: {ids, built} on the element
    this.listBlockOf = new Map(); // annotation id -> its side-list block
    this.filters = { mine: false, reader: "", only: "", hidden: new Set() };
    this.idleHandle = null;
    this.renderedUpTo = 0; // paragraphs [0, renderedUpTo) have elements
    this.cursor = null; // keyboard: {pi, si}
    this.cursorAnchor = null;
    this.paraAnchor = null; // shift-click on paragraph numbers
    this.linkFrom = null;
    this.hoverTimer = null;
    this.hints = new Map(); // paragraph index -> [WireHint], best first
    this.hintsFetched = new Set(); // paragraph indexes asked for (or pushed)
    this.hintQueue = new Set(); // paragraph indexes to ask for in the next batch
    this.hintTimer = null;
    this.hintObserver = null;
    this.sg = null; // the open suggestion list: {pi}
    this.lastAudience = "public";
    this.buildSkeleton();
    this.bindModel();
    this.boot();
  }

  /** Draw from the opening state when Python put the first load there, else ask for it. */
  boot() {
    let boot = null;
    const raw = this.model.get("boot"); // bytes (a DataView): JSON, or empty
    if (raw && ArrayBuffer.isView(raw) && raw.byteLength) {
      try {
        boot = JSON.parse(new TextDecoder().decode(raw));
      } catch (e) {
        boot = null; // unreadable: ask for the load instead
      }
    }
    if (!boot || typeof boot !== "object" || !boot.story || !Array.isArray(boot.story.paragraphs)) {
      this.requestLoad();
      return;
    }
    this.root.dataset.boot = "state";
    this.load({ type: "load", story: boot.story, tropes: boot.tropes, annotations: boot.annotations, more: false });
    // Python clears the boot and sends whatever changed since its snapshot.
    this.model.send({ type: "booted", request: this.nextRequestId(), rev: boot.rev });
  }

  // ---- skeleton -------------------------------------------------------------------
  buildSkeleton() {
    const scope = `ann-${this.viewId}`;
    this.scope = scope;
    this.styleEl = h("style");
    this.page = h("article", {
      className: "ann-page",
      attrs: {
        tabindex: 0,
        "aria-label": "Story text. Arrow keys move by sentence, Shift+arrows extend, Enter annotates, P selects the paragraph.",
      },
    });
    this.head = h("header", { className: "ann-head" });
    this.status = h("div", { className: "ann-loading", text: "Opening the story…" });
    this.banner = h("div", { className: "ann-banner", attrs: { hidden: true, role: "status" } });
    this.sheet = h("div", { className: "ann-sheet" }, this.banner, this.head, this.status, this.page);
    this.scroller = h("div", { className: "ann-scroll" }, this.sheet);
    this.live = h("div", { className: "ann-sr", attrs: { "aria-live": "polite" } });
    this.toast = h("div", { className: "ann-toast", attrs: { role: "status", "aria-live": "polite", hidden: true } });
    this.main = h("div", { className: "ann-main" }, this.scroller, this.toast, this.live);

    this.countEl = h("span", { className: "ann-count" });
    this.legend = h("div", { className: "ann-legend", attrs: { role: "group", "aria-label": "Tropes: press to show or hide" } });
    this.list = h("div", { className: "ann-list", attrs: { role: "list", "aria-label": "Annotations in story order" } });
    this.emptyNote = h("p", { className: "ann-empty", attrs: { hidden: true } });
    this.orphanList = h("div", { className: "ann-list ann-orphan-list", attrs: { role: "list" } });
    this.orphans = h(
      "details",
      { className: "ann-orphans", attrs: { hidden: true } },
      h("summary", { text: "Detached annotations" }),
      h("p", { className: "ann-hint", text: "The text changed and these quotes no longer fit anywhere." }),
      this.orphanList,
    );
    this.legendCount = h("span", { className: "ann-count" });
    this.legendBox = h(
      "details",
      { className: "ann-legend-box", attrs: { open: true } },
      h("summary", {}, h("span", { className: "ann-side-title", text: "Tropes" }), this.legendCount),
      this.legend,
    );
    this.side = h(
      "aside",
      { className: "ann-side", attrs: { "aria-label": "Annotations" } },
      this.legendBox,
      h("div", { className: "ann-side-head" }, h("h3", { className: "ann-side-title", text: "Annotations" }), this.countEl),
      (this.listScroll = h("div", { className: "ann-list-scroll" }, this.list, this.emptyNote, this.orphans)),
    );
    this.root = h("div", { className: `ann-root ${scope}`, data: { state: "loading" } }, this.styleEl, this.main, this.side);
    this.el.append(this.root);

    this.toolbar = new Editor(this);
    this.popover = h("div", { className: "ann-popover", attrs: { role: "dialog", "aria-label": "Annotations here", hidden: true } });
    this.hovercard = h("div", { className: "ann-hovercard", attrs: { role: "tooltip", hidden: true, id: `${scope}-tip` } });
    this.sgList = h("div", { className: "ann-sg", attrs: { role: "dialog", "aria-label": "Suggested tropes", hidden: true } });
    this.sgList.addEventListener("click", (e) => this.hintClick(e));
    this.sgList.addEventListener("mouseover", (e) => this.hintHot(e));
    this.sgList.addEventListener("focusin", (e) => this.hintHot(e));
    this.sgList.addEventListener("mouseleave", () => this.showEvidence(null));
    this.sheet.append(this.toolbar.el, this.popover, this.hovercard, this.sgList);
    this.applyHeight();
    this.bindDom();
  }

  applyHeight() {
    const v = this.model.get("height");
    if (typeof v === "string" && HEIGHT_RE.test(v)) this.root.style.setProperty("--ann-height", v);
  }

  // ---- model & messages -----------------------------------------------------------
  bindModel() {
    this.onMsg = (msg) => this.handleMessage(msg);
    this.onFilter = () => this.refilter();
    this.onReader = () => {
      this.refilter(true);
      if (this.loaded && this.hintsOn()) {
        this.clearHints(); // hints are per reader: what they dismissed or tagged
        this.fetchHints();
      }
    };
    this.onHeight = () => this.applyHeight();
    this.onSuggestions = () => this.suggestionsChanged();
    this.model.on("msg:custom", this.onMsg);
    this.model.on("change:suggestions", this.onSuggestions);
    this.model.on("change:show", this.onFilter);
    this.model.on("change:trope_filter", this.onFilter);
    this.model.on("change:hidden_tropes", this.onFilter);
    this.model.on("change:reader", this.onReader);
    this.model.on("change:height", this.onHeight);
  }

  requestLoad() {
    this.loadRequest = this.nextRequestId();
    this.model.send({ type: "load", request: this.loadRequest });
    this.loadTimer = setTimeout(() => {
      if (!this.loaded) this.status.textContent = "Waiting for Python… If this stays, run the cell again (the kernel may have restarted).";
    }, 4000);
  }

  nextRequestId() {
    return `${this.viewId}:${++this.seq}`;
  }

  /** Send a request; resolves with its ack (never rejects). */
  request(type, payload = {}) {
    const id = this.nextRequestId();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: "Python did not answer within 15 s. Is the kernel running? If it restarted, run the cell again." });
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, timer, t0: performance.now(), type });
      this.model.send({ type, request: id, ...payload });
    });
  }

  handleMessage(msg) {
    if (!msg || typeof msg !== "object" || this.disposed) return;
    switch (msg.type) {
      case "load":
        if (!this.loaded) this.load(msg);
        break;
      case "load-part":
        if (!this.loaded) this.loadPart(msg);
        break;
      case "upsert":
      case "remove": {
        if (!this.loaded) break;
        const t = performance.now();
        if (msg.type === "upsert" && (msg.more || this.bulk)) this.bulkPart(msg.annotations || [], !!msg.more);
        else if (msg.type === "upsert") this.upsert(msg.annotations || []);
        else this.remove(msg.ids || []);
        this.root.dataset.lastApplyMs = (performance.now() - t).toFixed(1);
        break;
      }
      case "ack": {
        const p = this.pending.get(msg.request);
        if (!p) break;
        this.pending.delete(msg.request);
        clearTimeout(p.timer);
        const ms = performance.now() - p.t0;
        if (p.type === "annotate" || p.type === "edit") {
          this.root.dataset.lastSaveMs = ms.toFixed(1);
        }
        p.resolve(msg);
        break;
      }
      case "hints":
        if (this.loaded) this.applyHints(msg);
        break;
      case "focus":
        if (typeof msg.id !== "string") break;
        if (this.loaded) this.goTo(msg.id, { open: false });
        else this.pendingFocus = msg.id; // scroll_to() ran before the page loaded
        break;
      default:
        break;
    }
  }

  // ---- loading --------------------------------------------------------------------
  load(msg) {
    if (msg.parts > 1 && msg.story && Array.isArray(msg.story.paragraphs)) {
      // A big story comes in parts (load-part messages): keep them until the last.
      this.partial = { msg, paragraphs: msg.story.paragraphs.slice(), left: msg.parts - 1 };
      return;
    }
    this.loaded = true;
    clearTimeout(this.loadTimer);
    if (!this.root.dataset.boot) this.root.dataset.boot = "request";
    this.root.dataset.loadMs = (performance.now() - this.t0).toFixed(1);
    const story = msg.story;
    this.story = story;
    this.paras = story.paragraphs.map((p, index) => ({
      ...p,
      after: p.after ?? "\n\n",
      sentences: p.sentences || [],
      sceneBreakBefore: !!p.sceneBreakBefore,
      speaker: p.speaker || null,
      index,
      cpLen: p.end - p.start,
      astral: /[\uD800-\uDFFF]/.test(p.text),
      el: null,
      textEl: null,
    }));
    this.starts = this.paras.map((p) => p.start);
    this.paraIndexById = new Map(this.paras.map((p) => [p.id, p.index]));
    this.setTropes(msg.tropes || []);
    for (const a of msg.annotations || []) this.index(a);
    this.lazy = this.paras.length > LAZY_PARAGRAPHS || this.anns.size > LAZY_ANNOTATIONS || !!msg.more;
    if (this.lazy && typeof IntersectionObserver !== "undefined") {
      this.observer = new IntersectionObserver((entries) => this.onVisible(entries), { root: this.scroller, rootMargin: LAZY_MARGIN });
    } else this.lazy = false;
    this.root.dataset.lazy = String(this.lazy);
    this.awaitingMore = !!msg.more; // the annotations follow in one upsert
    this.rebuildLinks();
    this.computeVisible();
    this.status.remove();
    this.renderHead();
    this.renderChunk(FIRST_CHUNK_CHARS);
    this.renderSide();
    // After the frame's style, layout and paint: a task queued from rAF.
    requestAnimationFrame(() => setTimeout(() => {
      this.root.dataset.firstPaintMs = (performance.now() - this.t0).toFixed(1);
    }, 0));
    this.scheduleRest();
    if (this.pendingFocus) {
      const id = this.pendingFocus;
      this.pendingFocus = null;
      requestAnimationFrame(() => this.goTo(id, { open: false }));
    }
    this.root.dataset.suggestions = this.hintsOn() ? "on" : "off";
    if (this.hintsOn()) this.fetchHints(); // after the first paint, never before it
  }

  /** The next paragraphs of a load reply sent in parts; the last part loads the story. */
  loadPart(msg) {
    const partial = this.partial;
    if (!partial || msg.request !== partial.msg.request || !Array.isArray(msg.paragraphs)) return;
    for (const p of msg.paragraphs) partial.paragraphs.push(p);
    if (--partial.left > 0) return;
    this.partial = null;
    this.load({ ...partial.msg, story: { ...partial.msg.story, paragraphs: partial.paragraphs }, parts: 1 });
  }

  setTropes(tropes) {
    this.tropes = tropes.filter((t) => t && typeof t.id === "string");
    this.tropeById = new Map();
    this.tropes.forEach((t, i) => {
      t.index = i;
      t.words = words(t.label);
      this.tropeById.set(t.id, t);
    });
    const rules = this.tropes.map((t, i) => {
      const c = COLOUR_RE.test(t.colour) ? t.colour : "#888888";
      const u = UNDERLINES.has(t.underline) ? t.underline : "solid";
      const w = THICKNESS_RE.test(t.underline_thickness) ? t.underline_thickness : "2px";
      return `.${this.scope} .t${i}{--ann-c:${c};--ann-u:${u};--ann-w:${w}}`;
    });
    for (const name of ["pending", "cursor"]) {
      rules.push(`::highlight(${this.scope}-${name}){background-color:${name === "pending" ? "rgba(66,133,244,.30)" : "rgba(66,133,244,.16)"};}`);
    }
    // Suggestion evidence: faint while the list is open, stronger for the row in focus.
    rules.push(`::highlight(${this.scope}-evidence){background-color:rgba(245,166,35,.20);}`);
    rules.push(`::highlight(${this.scope}-evidence-hot){background-color:rgba(245,166,35,.42);}`);
    rules.push(`::highlight(${this.scope}-passage){background-color:rgba(66,133,244,.10);}`);
    this.styleEl.textContent = rules.join("\n");
  }

  renderHead() {
    const titlePara = this.paras.find((p) => p.kind === "title");
    const meta = this.story.meta || {};
    const line = [];
    if (Array.isArray(meta.fandom) && meta.fandom.length) line.push(meta.fandom.join(", "));
    if (Array.isArray(meta.relationship) && meta.relationship.length) line.push(meta.relationship.join(", "));
    if (typeof meta.words === "number") line.push(`${groupDigits(meta.words)} words`);
    if (!titlePara) this.head.append(h("h2", { className: "ann-title ann-title-static", text: this.story.title }));
    if (meta.author && typeof meta.author === "string") this.head.append(h("p", { className: "ann-byline", text: `by ${meta.author}` }));
    if (line.length) this.head.append(h("p", { className: "ann-meta", text: line.join(" · ") }));
  }

  /** Render paragraphs until `budget` characters or the time slice is used up. */
  renderChunk(budget, deadline) {
    if (this.lazy) {
      if (!this.blocks) this.layoutBlocks();
      return;
    }
    let chars = 0;
    while (this.renderedUpTo < this.paras.length) {
      const p = this.paras[this.renderedUpTo];
      if (p.kind === "title") this.head.prepend(this.buildParagraph(p, null));
      else {
        const block = this.pageBlock();
        block.append(this.buildParagraph(p, block));
        block.paras.push(p.index);
        if (block.hintSeen) this.wantHints([p.index]);
        block.estimate += 17 + Math.ceil(p.text.length / 68) * 29;
        block.style.containIntrinsicSize = `auto ${block.estimate}px`;
      }
      this.renderedUpTo += 1;
      chars += p.text.length;
      if (budget != null && chars >= budget) break;
      if (deadline && deadline.timeRemaining() < 1) break;
    }
  }

  /** The block new paragraphs go into (a new one every BLOCK_PARAGRAPHS). */
  pageBlock() {
    let block = this.page.lastElementChild;
    const cap = block && block === this.page.firstElementChild ? FIRST_BLOCK_PARAGRAPHS : BLOCK_PARAGRAPHS;
    if (!block || block.paras.length >= cap) {
      block = h("div", { className: "ann-block" });
      block.paras = [];
      block.estimate = 0;
      block.seen = !this.lazy;
      this.page.append(block);
      if (this.lazy) this.observer.observe(block);
      if (this.hintObserver) this.hintObserver.observe(block);
    }
    return block;
  }

  /** Build the rest of the story in slices of SLICE_MS (the list builds as it is scrolled). */
  scheduleRest() {
    const storyBuilt = this.renderedUpTo >= this.paras.length;
    if (storyBuilt) {
      this.idleHandle = null;
      if (!this.awaitingMore) this.markReady();
      return;
    }
    this.idleHandle = setTimeout(() => {
      if (this.disposed) return;
      this.renderChunk(null, slice());
      this.scheduleRest();
    }, 0);
  }

  /** Lazy mode: build the blocks coming near the viewport. */
  onVisible(entries) {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const block = entry.target;
      if (this.blocks) {
        this.buildBlock(block);
        continue;
      }
      block.seen = true;
      this.observer.unobserve(block);
      for (const i of block.paras) if (!this.paras[i].painted) this.paintParagraph(this.paras[i]);
    }
  }

  markReady() {
    if (this.root.dataset.state === "ready") return;
    this.root.dataset.state = "ready";
    this.root.dataset.readyMs = (performance.now() - this.t0).toFixed(1);
  }

  // ---- lazy mode: blocks built near the viewport, dropped far from it ----------------
  /** Lay the story out as placeholder blocks (the title is built at once, in the head). */
  layoutBlocks() {
    this.blocks = [];
    this.dropLater = new Set();
    this.dropObserver = new IntersectionObserver((entries) => this.onFar(entries), { root: this.scroller, rootMargin: DROP_MARGIN });
    let block = null;
    for (const p of this.paras) {
      if (p.kind === "title") {
        this.head.prepend(this.buildParagraph(p, null));
        continue;
      }
      if (!block || block.paras.length >= BLOCK_PARAGRAPHS) {
        block = h("div", { className: "ann-block is-placeholder" });
        block.paras = [];
        block.estimate = 0;
        block.seen = false;
        block.built = false;
        block.keep = false;
        block.bi = this.blocks.length;
        this.blocks.push(block);
      }
      block.paras.push(p.index);
      p.bi = block.bi;
      block.estimate += 17 + Math.ceil(p.text.length / 68) * 29;
    }
    const frag = document.createDocumentFragment();
    for (const b of this.blocks) {
      b.dataset.from = String(b.paras[0]);
      b.dataset.to = String(b.paras[b.paras.length - 1]);
      b.style.height = `${b.estimate}px`;
      frag.append(b);
      this.observer.observe(b);
    }
    this.page.append(frag);
    this.renderedUpTo = this.paras.length; // every paragraph has its block
    if (this.blocks.length) this.buildBlock(this.blocks[0]); // the first page, before any observer runs
  }

  /** Build a placeholder block's paragraphs (with their highlights and hints). */
  buildBlock(block) {
    if (block.built) return;
    block.built = true;
    block.seen = true;
    const frag = document.createDocumentFragment();
    for (const i of block.paras) frag.append(this.buildParagraph(this.paras[i], block));
    block.replaceChildren(frag);
    block.classList.remove("is-placeholder");
    block.style.height = "";
    block.style.containIntrinsicSize = `auto ${block.measured || block.estimate}px`;
    this.observer.unobserve(block);
    this.dropObserver.observe(block);
  }

  /** Back to a placeholder of its measured height: its paragraphs lose their elements. */
  dropBlock(block, height) {
    if (!block.built) return;
    block.built = false;
    block.seen = false;
    this.dropLater.delete(block);
    for (const i of block.paras) {
      const p = this.paras[i];
      p.el = null;
      p.textEl = null;
      p.gutter = null;
      p.sgBtn = null;
      p.painted = false;
    }
    if (height > 0) block.measured = height;
    block.replaceChildren();
    block.classList.add("is-placeholder");
    block.style.height = `${block.measured || block.estimate}px`;
    this.dropObserver.unobserve(block);
    this.observer.observe(block);
  }

  /** Drop built blocks that went far from the viewport (unless something holds them). */
  onFar(entries) {
    for (const entry of entries) {
      const block = entry.target;
      block.near = entry.isIntersecting;
      if (block.near) block.keep = false; // built for a jump and now seen: an ordinary block again
      else if (!block.keep && block.built) {
        if (this.holds(block)) this.dropLater.add(block);
        else this.dropBlock(block, entry.boundingClientRect.height);
      }
    }
    for (const block of this.dropLater) {
      if (block.near || !block.built || block.keep) this.dropLater.delete(block);
      else if (!this.holds(block)) this.dropBlock(block, block.getBoundingClientRect().height);
    }
  }

  /** Whether a block must stay built: focus, the selection, an open toolbar, popover or hint list is in it. */
  holds(block) {
    const inside = (n) => !!n && block.contains(n);
    if (inside(document.activeElement)) return true;
    const sel = window.getSelection();
    if (sel && sel.rangeCount && (inside(sel.anchorNode) || inside(sel.focusNode))) return true;
    const from = block.paras[0];
    const to = block.paras[block.paras.length - 1];
    const hit = (i) => i != null && i >= from && i <= to;
    if (this.sg && hit(this.sg.pi)) return true;
    if (!this.popover.hidden && inside(this.popoverAnchor)) return true;
    const span = this.toolbar.isOpen && this.toolbar.span;
    if (span && this.paraIndexAt(span.start) <= to && this.paraIndexAt(Math.max(span.start, span.end - 1)) >= from) return true;
    if (this.cursor && document.activeElement === this.page && (hit(this.cursor.pi) || (this.cursorAnchor && hit(this.cursorAnchor.pi)))) return true;
    return false;
  }

  /** The block of paragraph i, built (kept until it has been in view), or null for the title. */
  blockOf(i) {
    const p = this.paras[i];
    if (!p || p.bi == null) return null;
    const block = this.blocks[p.bi];
    if (!block.built) {
      block.keep = true;
      this.buildBlock(block);
    }
    return block;
  }

  /**
   * Tab from the last highlight of a block (Shift+Tab: the first) would skip
   * the unbuilt blocks after it: build on until one has a highlight to go to.
   */
  tabAcross(anchor, back) {
    const block = anchor.closest(".ann-block");
    if (!block || block.bi == null) return;
    const anchors = block.querySelectorAll(".ann-anchor");
    if (anchors[back ? 0 : anchors.length - 1] !== anchor) return;
    for (let b = block.bi + (back ? -1 : 1); b >= 0 && b < this.blocks.length; b += back ? -1 : 1) {
      const next = this.blocks[b];
      if (!next.built) {
        next.keep = true;
        this.buildBlock(next);
      }
      if (next.querySelector(".ann-anchor")) break;
    }
  }

  /** Index of the first paragraph whose text is in view below `top` (client y). */
  firstParaInView(top) {
    const title = this.paras[0] && this.paras[0].kind === "title" ? this.paras[0] : null;
    if (title && title.textEl && title.textEl.getBoundingClientRect().bottom > top + 4) return 0;
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.blocks[mid].getBoundingClientRect().bottom > top + 4) hi = mid;
      else lo = mid + 1;
    }
    const block = this.blocks[lo];
    if (!block) return 0;
    if (block.built) {
      for (const i of block.paras) if (this.paras[i].textEl.getBoundingClientRect().bottom > top + 4) return i;
    }
    return block.paras[0];
  }

  /** Make sure paragraphs up to index i exist (for jumps into the unpainted part). */
  ensureRendered(i) {
    if (this.blocks) {
      this.blockOf(i);
      return;
    }
    if (i < this.renderedUpTo) return;
    while (this.renderedUpTo <= i && this.renderedUpTo < this.paras.length) this.renderChunk(5000);
  }

  buildParagraph(p, block) {
    const textTag = p.kind === "title" ? "span" : p.kind === "heading" ? "span" : "p";
    const textEl = h(textTag, { className: "ann-text" });
    let el;
    if (p.kind === "title") {
      el = h("h2", { className: "ann-p ann-title", data: { pi: p.index } }, textEl);
    } else if (p.kind === "heading") {
      el = h("h3", { className: "ann-p ann-heading", data: { pi: p.index } }, textEl);
    } else {
      const num = h("button", {
        className: "ann-num",
        text: p.number,
        attrs: { type: "button", tabindex: -1, "aria-label": `Select paragraph ${p.number}`, title: "Select this paragraph (Shift+click: a range)" },
        data: { pi: p.index },
      });
      const gutter = h("div", { className: "ann-gutter" }, num);
      p.gutter = gutter;
      if (p.speaker && (p.kind === "dialogue" || p.kind === "mixed")) {
        gutter.append(h("span", { className: "ann-speaker", text: p.speaker }));
        gutter.setAttribute("title", `${p.speaker} speaks`);
      }
      el = h("div", { className: `ann-p is-${p.kind}`, data: { pi: p.index } }, gutter, textEl);
      if (p.sceneBreakBefore) {
        const brk = h("div", { className: "ann-break", attrs: { role: "separator", "aria-label": "Scene break" } }, h("span", { text: "⁂", attrs: { "aria-hidden": "true" } }));
        el = h("div", { className: "ann-scene" }, brk, el);
        p.el = el.lastChild;
      }
    }
    p.el = p.el || el;
    p.textEl = textEl;
    if (this.hints.has(p.index)) this.renderHintButton(p);
    if (block && !block.seen) {
      textEl.textContent = p.text; // highlights come when the block nears the viewport
      p.painted = false;
    } else this.paintParagraph(p);
    return el;
  }

  // ---- annotations: indexing ----------------------------------------------------
  paraIndexAt(offset) {
    let lo = 0;
    let hi = this.starts.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= offset) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Indexes of the paragraphs an annotation's span overlaps. */
  spanParas(a) {
    const out = [];
    if (!this.isText(a)) return out;
    for (let i = this.paraIndexAt(a.start); i < this.paras.length && this.paras[i].start < a.end; i++) {
      if (this.paras[i].end > a.start) out.push(i);
    }
    return out;
  }

  isText(a) {
    return a.motivation !== "linking" && !a.orphan && Number.isInteger(a.start) && Number.isInteger(a.end) && a.end > a.start;
  }

  index(a) {
    if (!a || typeof a.id !== "string") return;
    this.anns.set(a.id, a);
    this.count(a, 1);
    for (const i of this.spanParas(a)) {
      let set = this.byPara.get(i);
      if (!set) this.byPara.set(i, (set = new Set()));
      set.add(a.id);
    }
  }

  unindex(a) {
    for (const i of this.spanParas(a)) {
      const set = this.byPara.get(i);
      if (set) set.delete(a.id);
    }
    this.anns.delete(a.id);
    this.count(a, -1);
  }

  /**
   * Keep the counts the legend, the side-list header and the trope picker
   * show as annotations come and go (recounting 20,000 on every change was
   * most of the page's work per save). "Mine" is counted for countsReader;
   * recountMine() when the reader changes.
   */
  count(a, d) {
    if (a.motivation === "linking") return;
    if (!this.counts) this.counts = { text: 0, all: new Map(), mine: new Map(), untagged: 0, untaggedMine: 0, reader: this.model.get("reader") };
    const c = this.counts;
    const mine = a.creator === c.reader;
    c.text += d;
    if (!a.tropes.length) {
      c.untagged += d;
      if (mine) c.untaggedMine += d;
    }
    for (const t of a.tropes) {
      c.all.set(t, (c.all.get(t) || 0) + d);
      if (mine) c.mine.set(t, (c.mine.get(t) || 0) + d);
    }
  }

  recountMine() {
    const c = this.counts;
    if (!c) return;
    c.reader = this.model.get("reader");
    c.mine = new Map();
    c.untaggedMine = 0;
    for (const a of this.anns.values()) {
      if (a.motivation === "linking" || a.creator !== c.reader) continue;
      if (!a.tropes.length) c.untaggedMine += 1;
      for (const t of a.tropes) c.mine.set(t, (c.mine.get(t) || 0) + 1);
    }
  }

  rebuildLinks() {
    this.linkIndex = new Map();
    const add = (id, entry) => {
      if (!this.linkIndex.has(id)) this.linkIndex.set(id, []);
      this.linkIndex.get(id).push(entry);
    };
    for (const a of this.anns.values()) {
      if (a.motivation !== "linking" || !a.targetRef) continue;
      for (const target of a.links || []) {
        add(a.targetRef, { dir: "to", other: target, linkId: a.id, creator: a.creator });
        add(target, { dir: "from", other: a.targetRef, linkId: a.id, creator: a.creator });
      }
    }
  }

  readFilters() {
    this.filters = {
      mine: this.model.get("show") === "mine",
      reader: this.model.get("reader"),
      only: this.model.get("trope_filter") || "",
      hidden: new Set(this.model.get("hidden_tropes") || []),
    };
  }

  visible(a) {
    const f = this.filters;
    if (a.motivation === "linking") return false;
    if (f.mine && a.creator !== f.reader) return false;
    if (f.only && !a.tropes.includes(f.only)) return false;
    if (f.hidden.size) {
      if (!a.tropes.length) return !f.hidden.has(UNTAGGED);
      return a.tropes.some((t) => !f.hidden.has(t));
    }
    return true;
  }

  computeVisible() {
    this.readFilters();
    this.visibleIds = new Set();
    for (const a of this.anns.values()) if (this.visible(a)) this.visibleIds.add(a.id);
  }

  // ---- annotations: painting ------------------------------------------------------
  primaryTrope(a) {
    for (const t of a.tropes) {
      const trope = this.tropeById.get(t);
      if (trope) return trope;
    }
    return null;
  }

  /** Rebuild one paragraph's text with its visible highlights (nested marks in lanes). */
  paintParagraph(p) {
    const textEl = p.textEl;
    if (!textEl) return;
    p.painted = true;
    const ids = this.byPara.get(p.index);
    const items = [];
    if (ids) {
      for (const id of ids) {
        if (!this.visibleIds.has(id)) continue;
        const a = this.anns.get(id);
        const s = cpToU16(p, a.start - p.start);
        const e = cpToU16(p, a.end - p.start);
        if (e > s) items.push({ a, s, e, head: a.start >= p.start });
      }
    }
    if (!items.length) {
      textEl.textContent = p.text;
      return;
    }
    items.sort((x, y) => x.s - y.s || y.e - x.e || (x.a.id < y.a.id ? -1 : 1));
    const laneEnds = [];
    for (const it of items) {
      let lane = laneEnds.findIndex((end) => end <= it.s);
      if (lane < 0) {
        lane = laneEnds.length;
        laneEnds.push(0);
      }
      laneEnds[lane] = it.e;
      it.lane = lane;
    }
    const cuts = new Set([0, p.text.length]);
    for (const it of items) {
      cuts.add(it.s);
      cuts.add(it.e);
    }
    const points = [...cuts].sort((x, y) => x - y);
    const frag = document.createDocumentFragment();
    let k = 0;
    let active = [];
    const reader = this.model.get("reader");
    for (let i = 0; i < points.length - 1; i++) {
      const from = points[i];
      const to = points[i + 1];
      while (k < items.length && items[k].s <= from) active.push(items[k++]);
      active = active.filter((it) => it.e > from);
      const seg = p.text.slice(from, to);
      if (!active.length) {
        frag.append(seg);
        continue;
      }
      // Only MAX_LANES lanes are drawn: nest marks for those, and for deeper
      // lanes only where an annotation starts (its head keeps it clickable
      // and reachable by keyboard). Nesting every covering annotation made
      // thousands of marks up to 29 deep, and layout and paint paid for each.
      let cover = active.filter((it) => it.lane < MAX_LANES || (it.head && it.s === from));
      // Where only deeper lanes cover the text, draw the shallowest of them.
      if (!cover.length) cover = [active.reduce((x, y) => (y.lane < x.lane ? y : x))];
      cover.sort((x, y) => x.lane - y.lane);
      let outer = null;
      let inner = null;
      for (const it of cover) {
        const m = this.mark(it, it.head && it.s === from, reader);
        if (!outer) outer = m;
        else inner.append(m);
        inner = m;
      }
      inner.append(seg);
      frag.append(outer);
    }
    textEl.replaceChildren(frag);
  }

  /** One highlight element (text is never parsed as markup: attributes and text nodes only). */
  mark(it, isHead, reader) {
    const a = it.a;
    const t = this.primaryTrope(a);
    const m = document.createElement("mark");
    let cls = `ann-hl lane-${Math.min(it.lane, MAX_LANES - 1)}`;
    if (t) cls += ` t${t.index}`;
    else cls += " is-plain";
    if (a.creator === reader) cls += " is-mine";
    if (isHead) cls += " is-head";
    m.className = cls;
    m.setAttribute("data-id", a.id);
    if (a.colour && COLOUR_RE.test(a.colour)) m.style.setProperty("--ann-c", a.colour);
    if (isHead) {
      // Keyboard access goes through an empty anchor inside the mark: Chrome
      // starts no mouse selection inside a focusable element, and an empty
      // element adds nothing to the text (offsets stay exact).
      const anchor = document.createElement("span");
      anchor.className = "ann-anchor";
      anchor.setAttribute("tabindex", "0");
      anchor.setAttribute("role", "button");
      anchor.setAttribute("aria-haspopup", "dialog");
      anchor.setAttribute("aria-label", this.describe(a));
      anchor.setAttribute("data-id", a.id);
      m.append(anchor);
    }
    return m;
  }

  describe(a) {
    const labels = a.tropes.map((t) => this.tropeById.get(t)?.label || t);
    let s = labels.length ? labels.join(", ") : a.note ? "Note" : "Highlight";
    if (a.note) s += `: ${noteExcerpt(a.note, 90)}`;
    s += `. By ${a.creator}`;
    if (a.audience === "private") s += ", private";
    else if (typeof a.audience === "string" && a.audience.startsWith("group:")) s += `, shared with ${a.audience.slice(6)}`;
    s += ". Press Enter to open.";
    return s;
  }

  repaint(indexes) {
    for (const i of indexes) {
      const p = this.paras[i];
      if (p && p.textEl && p.painted !== false) this.paintParagraph(p); // unpainted ones paint when seen
    }
    if (this.sg && indexes.has(this.sg.pi)) this.showEvidence(this.sg.hot); // its ranges were in the old nodes
  }

  // ---- deltas ----------------------------------------------------------------------
  upsert(list) {
    if (list.length > 200) {
      this.bulkUpsert(list);
      return;
    }
    const touched = new Set();
    const linkEnds = new Set();
    const noteLink = (a) => {
      if (a.motivation !== "linking") return;
      if (a.targetRef) linkEnds.add(a.targetRef);
      for (const t of a.links || []) linkEnds.add(t);
    };
    const reader = this.model.get("reader");
    const mineTouched = [];
    for (const a of list) {
      if (!a || typeof a.id !== "string") continue;
      const old = this.anns.get(a.id);
      if (old) {
        for (const i of this.spanParas(old)) touched.add(i);
        if (old.creator === reader) mineTouched.push(...this.spanParas(old));
        noteLink(old);
        this.unindex(old);
      }
      this.index(a);
      noteLink(a);
      for (const i of this.spanParas(a)) touched.add(i);
      if (a.creator === reader) mineTouched.push(...this.spanParas(a));
      if (this.visible(a)) this.visibleIds.add(a.id);
      else this.visibleIds.delete(a.id);
      this.placeListItem(a);
    }
    if (linkEnds.size) {
      this.rebuildLinks();
      this.relist(linkEnds);
    }
    this.repaint(touched);
    this.afterChange();
    if (mineTouched.length) this.wantHints(mineTouched, true); // tagged there: hints change
    if (this.awaitingMore) {
      // The annotations that followed a split load were few (bulkUpsert handles many).
      this.awaitingMore = false;
      if (!this.idleHandle) this.scheduleRest();
    }
  }

  /** Index new or changed annotations; the paragraphs they touch (before and after). */
  reindex(list, updateVisible) {
    const touched = new Set();
    for (const a of list) {
      if (!a || typeof a.id !== "string") continue;
      const old = this.anns.get(a.id);
      if (old) {
        for (const i of this.spanParas(old)) touched.add(i);
        this.unindex(old);
      }
      this.index(a);
      if (updateVisible) {
        if (this.visible(a)) this.visibleIds.add(a.id);
        else this.visibleIds.delete(a.id);
      }
      for (const i of this.spanParas(a)) touched.add(i);
    }
    return touched;
  }

  /** Many changes at once (an import): re-index, repaint what they touch, rebuild the list. */
  bulkUpsert(list) {
    this.awaitingMore = false;
    const touched = this.reindex(list, false);
    this.rebuildLinks();
    this.computeVisible();
    this.repaint(touched);
    this.renderSide();
    this.refreshOpenPopover();
    if (!this.idleHandle) this.scheduleRest();
  }

  /**
   * One of the upserts a split load's annotations come in (`more`: others
   * follow). Each is indexed and painted where built at once; links, the
   * list and the legend are rebuilt once, after the last.
   */
  bulkPart(list, more) {
    if (!this.bulk) this.bulk = true;
    const touched = this.reindex(list, true);
    this.repaint(touched);
    if (more) return;
    this.bulk = false;
    this.awaitingMore = false;
    this.rebuildLinks();
    this.computeVisible();
    this.renderSide();
    this.refreshOpenPopover();
    if (!this.idleHandle) this.scheduleRest();
  }

  remove(ids) {
    const touched = new Set();
    const linkEnds = new Set();
    const reader = this.model.get("reader");
    const mineTouched = [];
    for (const id of ids) {
      const a = this.anns.get(id);
      if (!a) continue;
      for (const i of this.spanParas(a)) touched.add(i);
      if (a.creator === reader) mineTouched.push(...this.spanParas(a));
      if (a.motivation === "linking") {
        if (a.targetRef) linkEnds.add(a.targetRef);
        for (const t of a.links || []) linkEnds.add(t);
      }
      this.unindex(a);
      this.visibleIds.delete(id);
      this.dropListItem(id);
    }
    if (linkEnds.size) {
      this.rebuildLinks();
      this.relist(linkEnds);
    }
    this.repaint(touched);
    this.afterChange();
    if (mineTouched.length) this.wantHints(mineTouched, true);
  }

  afterChange() {
    this.renderLegend();
    this.updateCount();
    this.refreshOpenPopover();
  }

  /** Filters or the reader changed: repaint only paragraphs whose visible set changed. */
  refilter(readerChanged = false) {
    if (!this.loaded) return;
    this.readFilters();
    const touched = new Set();
    for (const a of this.anns.values()) {
      const now = this.visible(a);
      const was = this.visibleIds.has(a.id);
      if (now !== was || (readerChanged && now)) {
        if (now) this.visibleIds.add(a.id);
        else this.visibleIds.delete(a.id);
        for (const i of this.spanParas(a)) touched.add(i);
      }
      const li = this.listItems.get(a.id);
      if (li) li.hidden = !now;
      if (li && readerChanged) li.classList.toggle("is-mine", a.creator === this.filters.reader);
    }
    this.repaint(touched);
    this.renderLegend();
    this.updateCount();
    this.refreshOpenPopover();
  }

  // ---- side panel -------------------------------------------------------------------
  compareAnn(x, y) {
    return x.start - y.start || y.end - x.end || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  }

  /**
   * The side list: annotations in story order, in blocks of BLOCK_ITEMS.
   * A short list is built at once. A long one (20,000 annotations would be
   * 220,000 elements, and every focus change in the page paid for them) is
   * built block by block as it nears the list's view, and blocks far from it
   * are emptied again; an unbuilt block keeps its (estimated or last
   * measured) height, so the scrollbar stays true.
   */
  renderSide() {
    const listed = [...this.anns.values()].filter((a) => this.isText(a));
    listed.sort((x, y) => this.compareAnn(x, y));
    this.order = listed.map((a) => a.id);
    if (this.listObserver) this.listObserver.disconnect();
    this.listObserver = null;
    this.listItems = new Map([...this.listItems].filter(([, li]) => li.parentElement === this.orphanList));
    this.listBlockOf = new Map();
    this.listBlocks = [];
    this.list.replaceChildren();
    const lazy = this.order.length > EAGER_ITEMS && typeof IntersectionObserver !== "undefined";
    if (lazy) {
      this.listObserver = new IntersectionObserver((entries) => this.onListVisible(entries), { root: this.listScroll, rootMargin: LIST_MARGIN });
    }
    for (let i = 0; i < this.order.length; i += BLOCK_ITEMS) this.addListBlock(this.order.slice(i, i + BLOCK_ITEMS), null);
    if (this.listBlocks.length) this.buildListBlock(this.listBlocks[0]);
    if (!lazy) for (const block of this.listBlocks) this.buildListBlock(block);
    this.root.dataset.listLazy = String(lazy);
    for (const a of this.anns.values()) if (a.orphan && a.motivation !== "linking") this.placeListItem(a);
    this.renderLegend();
    this.updateCount();
    this.root.dataset.list = "built";
  }

  /** A new, unbuilt list block holding `ids`, before `before` (a block) or at the end. */
  addListBlock(ids, before) {
    const block = h("div", { className: "ann-list-block", attrs: { role: "none" } });
    block.ids = ids;
    block.built = false;
    block.style.containIntrinsicSize = `auto ${ids.length * ITEM_ESTIMATE_PX}px`;
    for (const id of ids) this.listBlockOf.set(id, block);
    if (before) {
      before.before(block);
      this.listBlocks.splice(this.listBlocks.indexOf(before), 0, block);
    } else {
      this.list.append(block);
      this.listBlocks.push(block);
    }
    if (this.listObserver) this.listObserver.observe(block);
    return block;
  }

  buildListBlock(block) {
    if (block.built) return;
    block.built = true;
    block.replaceChildren(...block.ids.map((id) => this.buildListItem(this.anns.get(id))));
  }

  /** Empty a block far from view (never the one holding the focus). */
  dropListBlock(block, height) {
    if (!block.built || block.contains(document.activeElement)) return;
    if (height > 0) block.style.containIntrinsicSize = `auto ${Math.round(height)}px`;
    for (const id of block.ids) this.listItems.delete(id);
    block.replaceChildren();
    block.built = false;
  }

  onListVisible(entries) {
    for (const e of entries) {
      if (e.isIntersecting) this.buildListBlock(e.target);
      else this.dropListBlock(e.target, e.boundingClientRect.height);
    }
  }

  /** Make sure the list item of `id` exists (a jump to an annotation far down the list). */
  ensureListItem(id) {
    const block = this.listBlockOf.get(id);
    if (block) this.buildListBlock(block);
    return this.listItems.get(id);
  }

  /** Rebuild the list items of these ids (their link counts changed). */
  relist(ids) {
    for (const id of ids) {
      const li = this.listItems.get(id);
      const a = this.anns.get(id);
      if (li && a) {
        const fresh = this.buildListItem(a);
        li.replaceWith(fresh);
      }
    }
  }

  buildListItem(a) {
    const p = this.paras[this.paraIndexAt(a.start ?? 0)];
    const chips = h("span", { className: "ann-chips" }, ...this.chips(a.tropes));
    const loc = a.orphan ? "detached" : p && p.number != null ? `¶${p.number}` : "title";
    const body = a.note
      ? h("span", { className: "ann-item-note", text: noteExcerpt(a.note, 120) })
      : h("span", { className: "ann-item-quote", text: `“${excerpt(this.quoteOf(a), 90)}”` });
    const links = this.linkIndex.get(a.id);
    const meta = h(
      "span",
      { className: "ann-item-meta" },
      h("span", { className: "ann-item-reader", text: a.creator }),
      this.audienceBadge(a),
      links && links.length ? h("span", { className: "ann-item-links", text: ` · ${links.length} link${links.length > 1 ? "s" : ""}` }) : null,
    );
    const btn = h(
      "button",
      {
        className: "ann-item",
        attrs: { type: "button", "aria-label": `${loc}: ${this.describe(a)}` },
        data: { id: a.id },
      },
      h("span", { className: "ann-item-top" }, h("span", { className: "ann-loc", text: loc }), chips),
      a.orphan ? h("span", { className: "ann-item-quote", text: `“${excerpt(this.quoteOf(a), 140)}”` }) : null,
      body,
      meta,
    );
    const li = h("div", { className: `ann-li${a.creator === this.model.get("reader") ? " is-mine" : ""}`, attrs: { role: "listitem" }, data: { id: a.id } }, btn);
    li.hidden = !this.visibleIds.has(a.id);
    this.listItems.set(a.id, li);
    return li;
  }

  chips(tropeIds) {
    return tropeIds.map((id) => {
      const t = this.tropeById.get(id);
      return h("span", { className: `ann-chip${t ? ` t${t.index}` : ""}`, attrs: { title: t ? t.definition : id } }, h("span", { className: "ann-dot", attrs: { "aria-hidden": "true" } }), t ? t.label : id);
    });
  }

  placeListItem(a) {
    this.dropListItem(a.id);
    if (a.motivation === "linking") return;
    if (a.orphan) {
      const li = this.buildListItem(a);
      li.hidden = !this.visible(a);
      this.orphanList.append(li);
      this.orphans.hidden = false;
      return;
    }
    if (!this.isText(a)) return;
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compareAnn(this.anns.get(this.order[mid]), a) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.order.splice(lo, 0, a.id);
    // Into the block of its neighbour in story order (the one before it, or
    // the first block); a block may grow past BLOCK_ITEMS that way.
    const prev = lo > 0 ? this.order[lo - 1] : null;
    let block = prev ? this.listBlockOf.get(prev) : this.listBlocks[0];
    if (!block) {
      block = this.addListBlock([], null);
      this.buildListBlock(block);
    }
    const at = prev ? block.ids.indexOf(prev) + 1 : 0;
    block.ids.splice(at, 0, a.id);
    this.listBlockOf.set(a.id, block);
    if (!block.built) return; // built with the others when it nears the view
    const li = this.buildListItem(a);
    const after = prev ? this.listItems.get(prev) : null;
    if (after && after.parentElement === block) after.after(li);
    else block.prepend(li);
  }

  dropListItem(id) {
    const li = this.listItems.get(id);
    if (li) li.remove();
    this.listItems.delete(id);
    const block = this.listBlockOf.get(id);
    if (block) {
      this.listBlockOf.delete(id);
      const i = block.ids.indexOf(id);
      if (i >= 0) block.ids.splice(i, 1);
      if (!block.ids.length) {
        if (this.listObserver) this.listObserver.unobserve(block);
        block.remove();
        this.listBlocks.splice(this.listBlocks.indexOf(block), 1);
      }
    }
    const at = this.order.indexOf(id);
    if (at >= 0) this.order.splice(at, 1);
    if (!this.orphanList.children.length) this.orphans.hidden = true;
  }

  updateCount() {
    const total = this.counts ? this.counts.text : 0;
    const shown = this.visibleIds.size; // only annotations there are, never links
    this.countEl.textContent = shown === total ? String(total) : `${shown} of ${total}`;
    this.emptyNote.hidden = shown > 0;
    this.emptyNote.textContent = total
      ? "No annotation matches the filters."
      : "No annotations yet. Select a passage to add one.";
  }

  renderLegend() {
    const mine = this.model.get("show") === "mine";
    if (this.counts && this.counts.reader !== this.model.get("reader")) this.recountMine();
    const c = this.counts || { all: new Map(), mine: new Map(), untagged: 0, untaggedMine: 0 };
    const counts = new Map([...(mine ? c.mine : c.all)].filter(([, n]) => n > 0));
    const untagged = mine ? c.untaggedMine : c.untagged;
    const hidden = new Set(this.model.get("hidden_tropes") || []);
    const only = this.model.get("trope_filter");
    const chips = [];
    const entries = [...counts.entries()].sort((x, y) => {
      const tx = this.tropeById.get(x[0]);
      const ty = this.tropeById.get(y[0]);
      return (tx ? tx.index : 1e9) - (ty ? ty.index : 1e9);
    });
    if (untagged) entries.push([UNTAGGED, untagged]);
    for (const [id, n] of entries) {
      const t = this.tropeById.get(id);
      const label = id === UNTAGGED ? "Notes & highlights" : t ? t.label : id;
      const off = hidden.has(id) || (only && id !== only);
      const chip = h(
        "button",
        {
          className: `ann-legend-chip${t ? ` t${t.index}` : " is-untagged"}${off ? " is-off" : ""}`,
          attrs: { type: "button", "aria-pressed": off ? "false" : "true", title: t ? `${t.category_label}: ${t.definition}` : "Annotations without a trope" },
          data: { trope: id },
        },
        h("span", { className: "ann-dot", attrs: { "aria-hidden": "true" } }),
        h("span", { className: "ann-legend-label", text: label }),
        h("span", { className: "ann-legend-n", text: n }),
      );
      chips.push(chip);
    }
    if (hidden.size) {
      chips.push(h("button", { className: "ann-legend-all", text: "Show all", attrs: { type: "button" }, data: { action: "show-all" } }));
    }
    this.legend.replaceChildren(...chips);
    this.legendCount.textContent = String(entries.length);
  }

  toggleTrope(id) {
    const hidden = new Set(this.model.get("hidden_tropes") || []);
    if (hidden.has(id)) hidden.delete(id);
    else hidden.add(id);
    this.model.set("hidden_tropes", [...hidden]);
    this.model.save_changes();
    this.refilter();
  }

  // ---- DOM events -----------------------------------------------------------------
  bindDom() {
    const root = this.root;
    // Keep JupyterLab's notebook shortcuts (a, b, d d, Enter...) and its cell
    // selection away from what happens inside the reader.
    this.onKeyDown = (e) => this.keydown(e);
    root.addEventListener("keydown", this.onKeyDown);
    root.addEventListener("mousedown", (e) => {
      e.stopPropagation();
      this.mouseIsDown = true;
      this.downInText = e.button === 0 && (this.page.contains(e.target) || this.head.contains(e.target)) && !e.target.closest(".ann-num");
      this.hideHover();
      if (!this.popover.hidden && !this.popover.contains(e.target)) this.closePopover();
      if (this.sg && !this.sgList.contains(e.target) && !e.target.closest(".ann-sg-btn")) this.closeHints();
      if (this.toolbar.isOpen && !this.toolbar.el.contains(e.target) && this.page.contains(e.target)) this.toolbar.close();
    });
    this.onDocMouseUp = (e) => {
      this.mouseIsDown = false;
      if (this.downInText && e.button === 0) setTimeout(() => this.selectionFromDom(), 0);
      this.downInText = false;
    };
    document.addEventListener("mouseup", this.onDocMouseUp);
    this.sheet.addEventListener("click", (e) => this.click(e));
    this.sheet.addEventListener("mouseover", (e) => this.hover(e));
    this.sheet.addEventListener("mouseout", (e) => {
      const m = e.target.closest && e.target.closest("mark.ann-hl");
      if (m && !(e.relatedTarget && m.contains(e.relatedTarget))) this.unhover();
    });
    this.sheet.addEventListener("focusin", (e) => {
      if (!e.target.matches || !e.target.matches(".ann-anchor")) return;
      this.setFocused(e.target.dataset.id);
      if (e.target.matches(":focus-visible")) this.showHover(e.target.parentElement, true);
    });
    this.sheet.addEventListener("focusout", (e) => {
      if (!e.target.matches || !e.target.matches(".ann-anchor")) return;
      this.setFocused(null);
      this.hideHover();
    });
    this.page.addEventListener("blur", () => this.clearCursor());
    this.side.addEventListener("click", (e) => this.sideClick(e));
  }

  keydown(e) {
    const mod = e.ctrlKey || e.metaKey;
    const inField = e.target.closest && e.target.closest("input, textarea");
    if (mod && !e.altKey && (e.key === "z" || e.key === "Z") && !inField) {
      e.preventDefault();
      e.stopPropagation();
      this.undo();
      return;
    }
    if (e.key === "Escape") {
      let handled = false;
      if (this.linkFrom) {
        this.endLinkMode();
        handled = true;
      } else if (this.sg) {
        this.closeHints(true);
        handled = true;
      } else if (!this.popover.hidden) {
        this.closePopover(true);
        handled = true;
      } else if (this.toolbar.isOpen) {
        this.toolbar.close(true);
        handled = true;
      } else if (this.cursorAnchor) {
        this.cursorAnchor = null;
        this.drawCursor();
        handled = true;
      }
      if (handled) {
        e.preventDefault();
        e.stopPropagation();
      }
      return;
    }
    // Keys typed in the reader are the reader's, not notebook shortcuts (a, b,
    // d d, Enter, Ctrl+Enter...); only Ctrl/Cmd+S (save) goes through.
    if (!(mod && (e.key === "s" || e.key === "S"))) e.stopPropagation();
    if (e.target === this.page && !mod && !e.altKey) this.cursorKey(e);
    else if (e.target.matches && e.target.matches(".ann-anchor") && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      this.openPopoverAt(e.target.parentElement);
    } else if (e.key === "Tab" && this.blocks && !mod && e.target.matches && e.target.matches(".ann-anchor")) this.tabAcross(e.target, e.shiftKey);
  }

  click(e) {
    if (this.sgList.contains(e.target)) return; // its own handler
    const sgBtn = e.target.closest(".ann-sg-btn");
    if (sgBtn) {
      e.preventDefault();
      const pi = Number(sgBtn.dataset.pi);
      if (this.sg && this.sg.pi === pi) this.closeHints();
      else this.openHints(pi);
      return;
    }
    const num = e.target.closest(".ann-num");
    if (num) {
      e.preventDefault();
      this.selectParagraphs(Number(num.dataset.pi), e.shiftKey);
      return;
    }
    const m = e.target.closest("mark.ann-hl");
    if (m && this.page.contains(m) || (m && this.head.contains(m))) {
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed && this.sheet.contains(sel.anchorNode)) return; // a drag, not a click
      if (this.linkFrom) {
        this.finishLink(m.dataset.id);
        return;
      }
      this.openPopoverAt(m);
    }
  }

  sideClick(e) {
    const chip = e.target.closest(".ann-legend-chip");
    if (chip) {
      this.toggleTrope(chip.dataset.trope);
      return;
    }
    if (e.target.closest("[data-action=show-all]")) {
      this.model.set("hidden_tropes", []);
      this.model.save_changes();
      this.refilter();
      return;
    }
    const item = e.target.closest(".ann-item");
    if (item) {
      if (this.linkFrom) this.finishLink(item.dataset.id);
      else this.goTo(item.dataset.id, { open: false, focus: true });
    }
  }

  // ---- hover card ------------------------------------------------------------------
  hover(e) {
    if (this.mouseIsDown) return;
    const m = e.target.closest && e.target.closest("mark.ann-hl");
    if (!m) return;
    clearTimeout(this.hoverTimer);
    this.setHot(m.dataset.id);
    this.hoverTimer = setTimeout(() => this.showHover(m, false), 280);
  }

  unhover() {
    clearTimeout(this.hoverTimer);
    this.setHot(null);
    this.hideHover();
  }

  /** Outline every piece of the annotation whose anchor has keyboard focus. */
  setFocused(id) {
    for (const el of this.sheet.querySelectorAll("mark.is-focus")) el.classList.remove("is-focus");
    if (id) for (const el of this.marksOf(id)) el.classList.add("is-focus");
  }

  setHot(id) {
    if (this.hotId === id) return;
    for (const el of this.sheet.querySelectorAll("mark.is-hot")) el.classList.remove("is-hot");
    this.hotId = id;
    if (id) for (const el of this.marksOf(id)) el.classList.add("is-hot");
  }

  showHover(m, viaFocus) {
    if (!this.popover.hidden || this.toolbar.isOpen) return;
    const a = this.anns.get(m.dataset.id);
    if (!a) return;
    const card = this.hovercard;
    card.replaceChildren(
      h("div", { className: "ann-chips" }, ...this.chips(a.tropes)),
      a.note ? h("p", { className: "ann-hover-note", text: noteExcerpt(a.note, 220) }) : null,
      h("p", { className: "ann-hover-meta", text: `${a.creator}${viaFocus ? " · Enter to open" : " · click to open"}` }),
    );
    card.hidden = false;
    this.place(card, m.getBoundingClientRect(), "above");
  }

  hideHover() {
    clearTimeout(this.hoverTimer);
    this.hovercard.hidden = true;
  }

  /** Position a floating element inside the sheet next to a client rect. */
  place(node, rect, prefer = "below") {
    const sheet = this.sheet.getBoundingClientRect();
    const width = node.offsetWidth || 320;
    const height = node.offsetHeight || 120;
    let left = rect.left - sheet.left;
    left = Math.max(8, Math.min(left, this.sheet.clientWidth - width - 8));
    const above = rect.top - sheet.top - height - 8;
    const below = rect.bottom - sheet.top + 8;
    const viewTop = this.scroller.scrollTop;
    const viewBottom = viewTop + this.scroller.clientHeight;
    let top = prefer === "above" ? above : below;
    if (prefer === "above" && top < viewTop) top = below;
    // The toolbar grows downwards (suggestions), so only fixed-size cards flip above.
    else if (prefer === "below" && node !== this.toolbar.el && below + height > viewBottom && above >= viewTop) top = above;
    node.style.left = `${left}px`;
    node.style.top = `${Math.max(0, top)}px`;
  }

  /** Scroll the reading pane just enough to show a floating element. */
  reveal(node) {
    const top = node.offsetTop;
    const bottom = top + node.offsetHeight;
    const viewTop = this.scroller.scrollTop;
    const viewBottom = viewTop + this.scroller.clientHeight;
    if (bottom > viewBottom) this.scroller.scrollTop = Math.min(top - 8, bottom - this.scroller.clientHeight + 16);
    else if (top < viewTop) this.scroller.scrollTop = top - 8;
  }

  // ---- selection -> offsets ---------------------------------------------------------
  paraOfNode(node) {
    const el = (node.nodeType === 1 ? node : node.parentElement)?.closest(".ann-p");
    if (!el || !this.sheet.contains(el)) return null;
    return this.paras[Number(el.dataset.pi)] || null;
  }

  /**
   * A DOM boundary point -> code-point offset in the story. Points outside any
   * paragraph text (the gutter, a scene break, past the end after a
   * triple-click) are clamped to the nearest paragraph edge.
   */
  pointToOffset(node, offset, edge) {
    const host = node.nodeType === 1 ? node : node.parentElement;
    const textEl = host && host.closest(".ann-text");
    if (textEl && this.sheet.contains(textEl)) {
      const p = this.paraOfNode(textEl);
      const r = document.createRange();
      r.setStart(textEl, 0);
      r.setEnd(node, offset);
      const u = r.toString().length;
      return p.start + u16ToCp(p, u, edge === "end");
    }
    // Find the first rendered paragraph whose text lies after the point.
    let lo = 0;
    let hi = this.renderedUpTo;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const p = this.paras[mid];
      const r = document.createRange();
      // An unbuilt paragraph: its placeholder block stands for it.
      r.selectNodeContents(p.textEl || this.blocks[p.bi]);
      const c = r.comparePoint(node, offset);
      if (c < 0 || (c === 0 && !p.textEl)) hi = mid;
      else lo = mid + 1;
    }
    if (edge === "start") return lo < this.renderedUpTo ? this.paras[lo].start : null;
    return lo > 0 ? this.paras[lo - 1].end : null;
  }

  /** The text of [start, end) as Python slices it (paragraphs plus the gaps between them). */
  textSlice(start, end) {
    const out = [];
    if (!this.paras.length) return "";
    if (start < this.paras[0].start) out.push(this.story.lead.slice(start, Math.min(end, this.paras[0].start)));
    for (let i = this.paraIndexAt(start); i < this.paras.length; i++) {
      const p = this.paras[i];
      if (p.start >= end) break;
      const s = Math.max(start, p.start);
      const e = Math.min(end, p.end);
      if (e > s) out.push(p.text.slice(cpToU16(p, s - p.start), cpToU16(p, e - p.start)));
      const gs = Math.max(start, p.end);
      const ge = Math.min(end, p.end + p.after.length);
      if (ge > gs) out.push(p.after.slice(gs - p.end, ge - p.end));
    }
    return out.join("");
  }

  /** Trim white space at both ends of a span (white space is always one code unit). */
  trimSpan(start, end) {
    const text = this.textSlice(start, end);
    const lead = text.length - text.trimStart().length;
    const trail = text.length - text.trimEnd().length;
    if (lead >= text.length) return null;
    return [start + lead, end - trail];
  }

  selectionFromDom() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    if (!this.sheet.contains(range.commonAncestorContainer) || this.toolbar.el.contains(range.commonAncestorContainer)) return;
    if (this.popover.contains(range.commonAncestorContainer) || this.hovercard.contains(range.commonAncestorContainer)) return;
    if (this.sgList.contains(range.commonAncestorContainer)) return;
    const start = this.pointToOffset(range.startContainer, range.startOffset, "start");
    const end = this.pointToOffset(range.endContainer, range.endOffset, "end");
    if (start == null || end == null || end <= start) return;
    const span = this.trimSpan(start, end);
    if (!span) return;
    const rects = range.getClientRects();
    const rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
    this.openEditorForSpan(span[0], span[1], rect);
  }

  selectParagraphs(pi, extend) {
    let from = pi;
    let to = pi;
    if (extend && this.paraAnchor != null) {
      from = Math.min(this.paraAnchor, pi);
      to = Math.max(this.paraAnchor, pi);
    } else this.paraAnchor = pi;
    const a = this.paras[from];
    const b = this.paras[to];
    this.ensureRendered(to);
    window.getSelection()?.removeAllRanges();
    const rect = b.textEl.getBoundingClientRect();
    this.openEditorForSpan(a.start, b.end, { left: rect.left, right: rect.right, top: rect.bottom, bottom: rect.bottom });
  }

  openEditorForSpan(start, end, rect) {
    if (this.linkFrom) this.endLinkMode();
    this.closeHints();
    this.closePopover();
    this.hideHover();
    const exact = this.textSlice(start, end);
    this.toolbar.openCreate({ start, end, exact }, rect);
    this.showPending(start, end);
    void this.request("select", { start, end, exact }).then((ack) => {
      if (!ack.ok && this.toolbar.isOpen && this.toolbar.span && this.toolbar.span.start === start) this.toolbar.showError(ack.error, ack.suggestions);
    });
  }

  /** A DOM point for a code-point offset (paragraph edges for offsets in gaps). */
  domPoint(offset, edge) {
    let i = this.paraIndexAt(offset);
    let p = this.paras[i];
    if (offset > p.end) {
      if (edge === "start" && i + 1 < this.paras.length) {
        p = this.paras[++i];
        offset = p.start;
      } else offset = p.end;
    }
    this.ensureRendered(i);
    let u = cpToU16(p, offset - p.start);
    const walker = document.createTreeWalker(p.textEl, NodeFilter.SHOW_TEXT);
    let last = null;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (u <= n.data.length) return { node: n, offset: u };
      u -= n.data.length;
      last = n;
    }
    return last ? { node: last, offset: last.data.length } : { node: p.textEl, offset: 0 };
  }

  rangeFor(start, end) {
    const a = this.domPoint(start, "start");
    const b = this.domPoint(end, "end");
    const r = document.createRange();
    r.setStart(a.node, a.offset);
    r.setEnd(b.node, b.offset);
    return r;
  }

  setHighlight(name, range) {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    const key = `${this.scope}-${name}`;
    if (range) CSS.highlights.set(key, new Highlight(range));
    else CSS.highlights.delete(key);
  }

  showPending(start, end) {
    try {
      this.setHighlight("pending", this.rangeFor(start, end));
    } catch (err) {
      this.setHighlight("pending", null);
    }
  }

  clearPending() {
    this.setHighlight("pending", null);
  }

  // ---- keyboard reading cursor ------------------------------------------------------
  /** A paragraph's sentences as absolute [start, end] pairs (the whole paragraph if none). */
  sentencesOf(p) {
    if (!p.abs) p.abs = p.sentences.length ? p.sentences.map(([s, e]) => [p.start + s, p.start + e]) : [[p.start, p.end]];
    return p.abs;
  }

  /** Put the reading cursor on the first sentence in view. */
  pageFocus() {
    if (this.cursor || !this.paras) return;
    // start at the first paragraph visible in the pane
    const top = this.scroller.getBoundingClientRect().top;
    let pi = 0;
    if (this.blocks) pi = this.firstParaInView(top);
    else for (let i = 0; i < this.renderedUpTo; i++) {
      const r = this.paras[i].textEl.getBoundingClientRect();
      if (r.bottom > top + 4) {
        pi = i;
        break;
      }
    }
    this.cursor = { pi, si: 0 };
    this.drawCursor();
  }

  clearCursor() {
    if (this.toolbar.isOpen) return;
    this.setHighlight("cursor", null);
  }

  cursorSpan() {
    const c = this.cursor;
    const [s, e] = this.sentencesOf(this.paras[c.pi])[c.si];
    if (!this.cursorAnchor) return [s, e];
    const a = this.cursorAnchor;
    const [as, ae] = this.sentencesOf(this.paras[a.pi])[a.si];
    return [Math.min(s, as), Math.max(e, ae)];
  }

  drawCursor() {
    if (!this.cursor) return;
    const [s, e] = this.cursorSpan();
    try {
      this.setHighlight("cursor", this.rangeFor(s, e));
    } catch (err) {
      /* nothing to show */
    }
    const p = this.paras[this.cursor.pi];
    const pr = p.el.getBoundingClientRect();
    const sr = this.scroller.getBoundingClientRect();
    if (pr.top < sr.top || pr.bottom > sr.bottom) this.scroller.scrollTop += pr.top - sr.top - 40;
    const where = p.number != null ? `Paragraph ${p.number}` : "Title";
    this.live.textContent = `${where}: ${excerpt(this.textSlice(s, e), 300)}`;
  }

  moveCursor(dPara, dSent) {
    let { pi, si } = this.cursor;
    if (dPara) {
      pi = Math.max(0, Math.min(this.paras.length - 1, pi + dPara));
      si = 0;
    } else {
      si += dSent;
      if (si < 0) {
        if (pi === 0) si = 0;
        else {
          pi -= 1;
          si = this.sentencesOf(this.paras[pi]).length - 1;
        }
      } else if (si >= this.sentencesOf(this.paras[pi]).length) {
        if (pi === this.paras.length - 1) si -= 1;
        else {
          pi += 1;
          si = 0;
        }
      }
    }
    this.ensureRendered(pi);
    this.cursor = { pi, si };
  }

  cursorKey(e) {
    if (!this.cursor) this.pageFocus();
    if (!this.cursor) return;
    const moves = { ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1] };
    if (moves[e.key]) {
      e.preventDefault();
      if (e.shiftKey && !this.cursorAnchor) this.cursorAnchor = { ...this.cursor };
      if (!e.shiftKey) this.cursorAnchor = null;
      this.moveCursor(...moves[e.key]);
      this.drawCursor();
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const [s, e2] = this.cursorSpan();
      const r = this.rangeFor(s, e2).getBoundingClientRect();
      this.openEditorForSpan(s, e2, r);
    } else if (e.key === "p" || e.key === "P") {
      e.preventDefault();
      const p = this.paras[this.cursor.pi];
      const r = p.textEl.getBoundingClientRect();
      this.openEditorForSpan(p.start, p.end, { left: r.left, top: r.bottom, bottom: r.bottom });
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      this.cursorAnchor = null;
      this.cursor = e.key === "Home" ? { pi: 0, si: 0 } : { pi: this.paras.length - 1, si: 0 };
      this.ensureRendered(this.cursor.pi);
      this.drawCursor();
    }
  }

  // ---- popover: read, edit, delete, link ------------------------------------------
  marksOf(id) {
    const a = this.anns.get(id);
    if (!a) return [];
    const out = [];
    const sel = `mark[data-id="${CSS.escape(id)}"]`;
    for (const i of this.spanParas(a)) {
      const p = this.paras[i];
      if (p.textEl && p.painted === false) this.paintParagraph(p);
      if (p.textEl) out.push(...p.textEl.querySelectorAll(sel));
    }
    return out;
  }

  /** Ids of the annotations covering a mark, innermost first. */
  idsAt(m) {
    const ids = [];
    for (let el = m; el && el.matches && el.matches("mark.ann-hl"); el = el.parentElement) ids.push(el.dataset.id);
    return ids;
  }

  openPopoverAt(m) {
    this.hideHover();
    this.closeHints();
    this.toolbar.close();
    this.popoverIds = this.idsAt(m);
    this.popoverAnchor = m;
    this.renderPopover();
    this.popover.hidden = false;
    this.place(this.popover, m.getBoundingClientRect(), "below");
    this.reveal(this.popover);
    const first = this.popover.querySelector("button");
    if (first) first.focus({ preventScroll: true });
  }

  refreshOpenPopover() {
    if (this.popover.hidden) return;
    this.popoverIds = (this.popoverIds || []).filter((id) => this.anns.has(id));
    if (!this.popoverIds.length) this.closePopover();
    else this.renderPopover();
  }

  renderPopover() {
    const reader = this.model.get("reader");
    const cards = this.popoverIds.map((id) => {
      const a = this.anns.get(id);
      const mine = a.creator === reader;
      const links = (this.linkIndex.get(id) || []).map((l) => {
        const other = this.anns.get(l.other);
        const label = l.dir === "to" ? "Payoff" : "Set-up";
        const where = other ? this.locationOf(other) : "?";
        return h(
          "li",
          {},
          h(
            "button",
            { className: "ann-linkrow", attrs: { type: "button" }, data: { action: "follow", id: l.other } },
            h("span", { className: "ann-link-dir", text: l.dir === "to" ? `→ ${label}` : `← ${label}` }),
            h("span", { className: "ann-link-where", text: where }),
            h("span", { className: "ann-link-quote", text: other ? `“${excerpt(this.quoteOf(other), 60)}”` : "(not loaded)" }),
          ),
          l.creator === reader
            ? h("button", { className: "ann-icon", text: "×", attrs: { type: "button", "aria-label": "Remove this link", title: "Remove this link" }, data: { action: "unlink", id: l.linkId } })
            : null,
        );
      });
      return h(
        "article",
        { className: "ann-card", data: { id } },
        h("div", { className: "ann-chips" }, ...this.chips(a.tropes)),
        a.note ? h("div", { className: "ann-card-note" }, renderNote(a.note)) : null,
        h(
          "p",
          { className: "ann-card-meta" },
          this.audienceBadge(a),
          h("span", { text: `${a.creator}${mine ? " (you)" : ""} · ${formatDate(a.modified)} · ${this.locationOf(a)}` }),
        ),
        links.length ? h("ul", { className: "ann-links" }, ...links) : null,
        h(
          "div",
          { className: "ann-card-actions" },
          mine ? h("button", { className: "ann-btn", text: "Edit", attrs: { type: "button" }, data: { action: "edit", id } }) : null,
          h("button", { className: "ann-btn", text: "Link to…", attrs: { type: "button", title: "Link this set-up to its payoff" }, data: { action: "link", id } }),
          mine ? h("button", { className: "ann-btn ann-danger", text: "Delete", attrs: { type: "button" }, data: { action: "delete", id } }) : null,
        ),
      );
    });
    const close = h("button", { className: "ann-icon ann-close", text: "×", attrs: { type: "button", "aria-label": "Close" }, data: { action: "close" } });
    this.popover.replaceChildren(close, ...cards);
    this.popover.onclick = (e) => this.popoverClick(e);
  }

  /** The quoted text of an annotation: sliced from the story, or sent (orphans). */
  quoteOf(a) {
    if (this.isText(a)) return this.textSlice(a.start, a.end);
    return a.exact || "";
  }

  locationOf(a) {
    if (a.orphan || !Number.isInteger(a.start)) return "detached";
    return this.spanLabel(a.start, a.end);
  }

  /** "¶5", "¶5–7" or "title" for a span. */
  spanLabel(start, end) {
    const name = (p) => (p.number != null ? String(p.number) : p.kind === "title" ? "title" : p.id);
    const a = this.paras[this.paraIndexAt(start)];
    const b = this.paras[this.paraIndexAt(Math.max(start, end - 1))];
    if (!a) return "";
    if (a === b || !b) return a.number != null ? `¶${a.number}` : name(a);
    return a.number != null ? `¶${a.number}–${name(b)}` : `${name(a)}–¶${name(b)}`;
  }

  async popoverClick(e) {
    const btn = e.target.closest("button[data-action]");
    if (!btn) return;
    const id = btn.dataset.id;
    const action = btn.dataset.action;
    if (action === "close") this.closePopover(true);
    else if (action === "follow") this.goTo(id, { open: true });
    else if (action === "edit") {
      const a = this.anns.get(id);
      const rect = this.popover.getBoundingClientRect();
      this.closePopover();
      this.toolbar.openEdit(a, { left: rect.left, top: rect.top - 8, bottom: rect.top - 8 });
    } else if (action === "delete") {
      const ack = await this.request("delete", { id });
      if (ack.ok) {
        this.closePopover();
        this.notify("Annotation deleted.", "Undo", () => this.undo());
      } else this.notify(ack.error);
    } else if (action === "unlink") {
      const ack = await this.request("delete", { id });
      this.notify(ack.ok ? "Link removed." : ack.error, ack.ok ? "Undo" : null, () => this.undo());
    } else if (action === "link") this.startLinkMode(id);
  }

  closePopover(restoreFocus = false) {
    if (this.popover.hidden) return;
    this.popover.hidden = true;
    if (restoreFocus && this.popoverAnchor && this.popoverAnchor.isConnected) this.focusMark(this.popoverAnchor);
  }

  startLinkMode(id) {
    const a = this.anns.get(id);
    if (!a) return;
    this.closePopover();
    this.linkFrom = id;
    this.root.classList.add("is-linking");
    this.banner.replaceChildren(
      h("span", { text: `Linking ${this.locationOf(a)} “${excerpt(this.quoteOf(a), 50)}”: click its payoff (a highlight or a list item).` }),
      h("button", { className: "ann-btn", text: "Cancel", attrs: { type: "button" }, on: { click: () => this.endLinkMode() } }),
    );
    this.banner.hidden = false;
    this.scroller.scrollTop = Math.max(0, this.scroller.scrollTop);
  }

  endLinkMode() {
    this.linkFrom = null;
    this.root.classList.remove("is-linking");
    this.banner.hidden = true;
  }

  async finishLink(target) {
    const source = this.linkFrom;
    this.endLinkMode();
    if (!source || !target) return;
    if (source === target) {
      this.notify("Pick another annotation: one cannot link to itself.");
      return;
    }
    const ack = await this.request("link", { source, target });
    if (ack.ok) {
      const a = this.anns.get(source);
      const b = this.anns.get(target);
      this.notify(`Linked ${a ? this.locationOf(a) : "set-up"} → ${b ? this.locationOf(b) : "payoff"}.`, "Undo", () => this.undo());
    } else this.notify(ack.error);
  }

  // ---- navigation -----------------------------------------------------------------
  goTo(id, { open = false, focus = false } = {}) {
    const a = this.anns.get(id);
    if (!a) return;
    if (!this.isText(a)) {
      const li = this.listItems.get(id);
      if (li) {
        this.orphans.open = true;
        li.scrollIntoView({ block: "nearest" });
        this.flashEl(li);
      }
      return;
    }
    const paras = this.spanParas(a);
    for (const i of this.blocks ? paras : paras.slice(-1)) this.ensureRendered(i);
    const marks = this.marksOf(id);
    const target = marks[0] || this.paras[paras[0]].el;
    const sr = this.scroller.getBoundingClientRect();
    const tr = target.getBoundingClientRect();
    const top = this.scroller.scrollTop + tr.top - sr.top - this.scroller.clientHeight / 3;
    // A far jump in lazy mode is instant: a smooth one would build (and resize) every block on the way.
    const far = this.blocks && Math.abs(tr.top - sr.top) > 3 * this.scroller.clientHeight;
    this.scroller.scrollTo({ top: Math.max(0, top), behavior: prefersReducedMotion() || far ? "auto" : "smooth" });
    for (const m of marks.length ? marks : [target]) this.flashEl(m);
    const li = this.ensureListItem(id);
    if (li) li.scrollIntoView({ block: "nearest" });
    const head = marks.find((m) => m.classList.contains("is-head")) || marks[0];
    if (focus && head) this.focusMark(head);
    if (open && head) setTimeout(() => this.openPopoverAt(head), prefersReducedMotion() ? 0 : 350);
  }

  /** Focus a highlight (its anchor; the head piece carries it). */
  focusMark(m) {
    const head = m.querySelector(":scope > .ann-anchor") || this.marksOf(m.dataset.id).find((x) => x.classList.contains("is-head"))?.querySelector(":scope > .ann-anchor");
    if (head) head.focus({ preventScroll: true });
  }

  /** Mark an element "here it is" for FLASH_MS (a state, not an animation: see reader.css). */
  flashEl(el) {
    clearTimeout(el.flashTimer);
    el.classList.add("is-flash");
    el.flashTimer = setTimeout(() => el.classList.remove("is-flash"), FLASH_MS);
  }

  // ---- undo & notices -------------------------------------------------------------
  async undo() {
    const ack = await this.request("undo");
    if (!ack.ok) this.notify(ack.error);
    else if (ack.result && ack.result.undone) this.notify(`Undone: ${ack.result.undone}.`);
    else this.notify("Nothing to undo.");
  }

  notify(text, actionLabel, action) {
    clearTimeout(this.toastTimer);
    const parts = [h("span", { text })];
    if (actionLabel && action) {
      parts.push(
        h("button", {
          className: "ann-btn ann-toast-action",
          text: actionLabel,
          attrs: { type: "button" },
          on: {
            click: () => {
              this.toast.hidden = true;
              action();
            },
          },
        }),
      );
    }
    this.toast.replaceChildren(...parts);
    this.toast.hidden = false;
    this.toastTimer = setTimeout(() => (this.toast.hidden = true), 5000);
  }

  // ---- search over the vocabulary -------------------------------------------------
  /** Type-ahead like Vocabulary.search: every typed word starts a word of a name. */
  searchTropes(query, exclude, limit = 8) {
    const q = words(query);
    const skip = new Set(exclude);
    if (!q.length) {
      // Most used first: counted as annotations come and go (see count()).
      const counts = this.counts ? this.counts.all : new Map();
      const recent = this.recentTropes.filter((id) => this.tropeById.has(id));
      const rest = this.tropes
        .filter((t) => !recent.includes(t.id))
        .sort((x, y) => (counts.get(y.id) || 0) - (counts.get(x.id) || 0) || x.index - y.index)
        .map((t) => t.id);
      return [...recent, ...rest].filter((id) => !skip.has(id)).slice(0, limit).map((id) => ({ trope: this.tropeById.get(id), via: null }));
    }
    const joined = q.join(" ");
    const matches = (name) => {
      const nw = words(name);
      return q.every((w) => nw.some((x) => x.startsWith(w)));
    };
    const ranked = [];
    for (const t of this.tropes) {
      if (skip.has(t.id)) continue;
      let rank;
      let via = null;
      if (t.words.join(" ").startsWith(joined)) rank = 0;
      else if (matches(t.label)) rank = 1;
      else {
        via = (t.aliases || []).find((al) => matches(al)) || null;
        if (via) rank = 2;
        else if (matches(t.id.replace(/-/g, " "))) rank = 2;
        else continue;
      }
      ranked.push({ rank, trope: t, via });
    }
    ranked.sort((x, y) => x.rank - y.rank || x.trope.index - y.trope.index);
    return ranked.slice(0, limit);
  }

  // ---- audiences ------------------------------------------------------------------
  /** A small badge for a non-public annotation: a lock (private) or people (a group). */
  audienceBadge(a) {
    const aud = typeof a.audience === "string" ? a.audience : "public";
    if (aud === "public") return null;
    if (aud === "private") {
      const mine = a.creator === this.model.get("reader");
      return h(
        "span",
        { className: "ann-aud is-private", attrs: { title: mine ? "Private: only you can see it" : `Private to ${a.creator}` } },
        icon("lock"),
        mine ? "Only me" : "Private",
      );
    }
    const group = aud.startsWith("group:") ? aud.slice(6) : aud;
    return h("span", { className: "ann-aud is-group", attrs: { title: `Shared with the group ${group}` } }, icon("group"), group);
  }

  // ---- suggestions: hints in the gutter --------------------------------------------
  hintsOn() {
    return !!this.model.get("suggestions");
  }

  suggestionsChanged() {
    if (!this.loaded) return;
    this.root.dataset.suggestions = this.hintsOn() ? "on" : "off";
    if (this.hintsOn()) this.fetchHints();
    else this.clearHints();
  }

  /** Ask Python for hints: all at once for a short story, per block near the viewport for a long one. */
  fetchHints() {
    if (!this.lazy || typeof IntersectionObserver === "undefined") {
      const all = this.paras.filter((p) => p.number != null).map((p) => p.index);
      for (const i of all) this.hintsFetched.add(i);
      void this.request("hints", { paragraphs: null }).then((ack) => this.hintsAnswered(ack));
      return;
    }
    if (this.hintObserver) return;
    this.hintObserver = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        entry.target.hintSeen = true;
        this.hintObserver.unobserve(entry.target);
        this.wantHints(entry.target.paras);
      }
    }, { root: this.scroller, rootMargin: LAZY_MARGIN });
    for (const block of this.page.children) this.hintObserver.observe(block);
  }

  /**
   * Queue paragraphs for a hints request. `refresh`: only those already
   * fetched (their hints changed: the reader tagged or untagged there).
   */
  wantHints(indexes, refresh = false) {
    if (!this.hintsOn()) return;
    for (const i of indexes) {
      const p = this.paras[i];
      if (!p || p.number == null) continue;
      if (refresh ? !this.hintsFetched.has(i) : this.hintsFetched.has(i)) continue;
      this.hintQueue.add(i);
    }
    if (this.hintQueue.size && !this.hintTimer) {
      this.hintTimer = setTimeout(() => {
        this.hintTimer = null;
        const indexes = [...this.hintQueue];
        this.hintQueue.clear();
        if (!indexes.length || !this.hintsOn() || this.disposed) return;
        for (const i of indexes) this.hintsFetched.add(i);
        const paragraphs = indexes.map((i) => this.paras[i].id);
        void this.request("hints", { paragraphs }).then((ack) => this.hintsAnswered(ack));
      }, HINTS_BATCH_MS);
    }
  }

  hintsAnswered(ack) {
    if (!ack.ok && this.hintsOn()) this.notify(`Suggestions are not available: ${ack.error}`);
    else if (ack.ok) this.root.dataset.hintsMs = String(Math.round(performance.now() - this.t0));
  }

  /** Python sent the hints of some paragraphs: they replace what we had for them. */
  applyHints(msg) {
    if (!this.hintsOn()) return; // switched off meanwhile
    const touched = new Set();
    for (const id of msg.paragraphs || []) {
      const i = this.paraIndexById.get(id);
      if (i == null) continue;
      this.hints.delete(i);
      this.hintQueue.delete(i); // fresh already
      this.hintsFetched.add(i);
      touched.add(i);
    }
    for (const s of msg.hints || []) {
      const i = s && this.paraIndexById.get(s.paragraph);
      if (i == null || typeof s.trope !== "string" || !Number.isInteger(s.start) || !Number.isInteger(s.end)) continue;
      if (!this.hints.has(i)) this.hints.set(i, []);
      this.hints.get(i).push(s);
      touched.add(i);
    }
    for (const i of touched) this.renderHintButton(this.paras[i]);
    this.root.dataset.hintParagraphs = String(this.hints.size);
    if (this.sg && touched.has(this.sg.pi)) this.renderHintList();
  }

  clearHints() {
    this.closeHints();
    clearTimeout(this.hintTimer);
    this.hintTimer = null;
    if (this.hintObserver) this.hintObserver.disconnect();
    this.hintObserver = null;
    for (const block of this.page.children) block.hintSeen = false;
    const had = [...this.hints.keys()];
    this.hints.clear();
    this.hintsFetched.clear();
    this.hintQueue.clear();
    for (const i of had) this.renderHintButton(this.paras[i]);
    this.root.dataset.hintParagraphs = "0";
  }

  tropeLabel(id) {
    const t = this.tropeById.get(id);
    return t ? t.label : id;
  }

  /** The quiet marker beside a paragraph number: a bulb and how many suggestions. */
  renderHintButton(p) {
    if (!p || !p.gutter) return;
    const list = this.hintsOn() ? this.hints.get(p.index) || [] : [];
    let btn = p.sgBtn;
    if (!list.length) {
      if (btn) btn.remove();
      p.sgBtn = null;
      return;
    }
    if (!btn) {
      btn = h(
        "button",
        { className: "ann-sg-btn", attrs: { type: "button", "aria-haspopup": "dialog", "aria-expanded": "false" }, data: { pi: p.index } },
        icon("bulb"),
        h("span", { className: "ann-sg-n" }),
      );
      p.gutter.prepend(btn);
      p.sgBtn = btn;
    }
    const names = list.map((s) => this.tropeLabel(s.trope)).join(", ");
    btn.lastChild.textContent = String(list.length);
    btn.title = `Suggested: ${names}`;
    btn.setAttribute("aria-label", `${list.length} suggested trope${list.length > 1 ? "s" : ""} for paragraph ${p.number}: ${names}`);
  }

  openHints(pi) {
    const p = this.paras[pi];
    if (!p || !p.sgBtn) return;
    this.closeHints();
    this.closePopover();
    this.toolbar.close();
    this.hideHover();
    this.sg = { pi, hot: null };
    p.sgBtn.setAttribute("aria-expanded", "true");
    p.sgBtn.classList.add("is-open");
    this.renderHintList();
    if (!this.sg) return;
    this.sgList.hidden = false;
    this.root.dataset.suggestionList = "open";
    // Under the paragraph (or over it), never on it: its evidence is marked in the text.
    const r = p.textEl.getBoundingClientRect();
    this.place(this.sgList, { left: r.left, right: r.right, top: r.top, bottom: r.bottom }, "below");
    this.reveal(this.sgList);
    this.focusHintList();
  }

  focusHintList() {
    if (this.sg) {
      const first = this.sgList.querySelector("button[data-action=tag]:not([disabled])");
      if (first) return first.focus({ preventScroll: true });
    }
    this.page.focus({ preventScroll: true });
  }

  closeHints(restoreFocus = false) {
    if (!this.sg) return;
    const p = this.paras[this.sg.pi];
    this.sg = null;
    this.sgList.hidden = true;
    delete this.root.dataset.suggestionList;
    for (const name of ["evidence", "evidence-hot", "passage"]) this.setHighlight(name, null);
    if (p && p.sgBtn) {
      p.sgBtn.setAttribute("aria-expanded", "false");
      p.sgBtn.classList.remove("is-open");
      if (restoreFocus) p.sgBtn.focus({ preventScroll: true });
    }
  }

  renderHintList() {
    const pi = this.sg.pi;
    const p = this.paras[pi];
    const list = this.hints.get(pi) || [];
    if (!list.length) {
      const hadFocus = this.sgList.contains(document.activeElement);
      this.closeHints();
      if (hadFocus) this.page.focus({ preventScroll: true });
      return;
    }
    const rows = list.map((s, k) => {
      const t = this.tropeById.get(s.trope);
      const pct = Math.round(Math.max(0, Math.min(1, Number(s.score) || 0)) * 100);
      const fill = h("span", { className: "ann-sg-fill" });
      fill.style.width = `${pct}%`;
      const label = this.tropeLabel(s.trope);
      const passage = excerpt(this.textSlice(s.start, s.end), 80);
      const evidence = (Array.isArray(s.evidence) ? s.evidence : []).slice(0, 3);
      return h(
        "li",
        { className: "ann-sg-item", data: { k, trope: s.trope } },
        h(
          "div",
          { className: "ann-sg-top" },
          ...this.chips([s.trope]),
          h(
            "span",
            { className: "ann-sg-score", attrs: { title: `Confidence ${pct}%` } },
            h("span", { className: "ann-sg-bar", attrs: { role: "meter", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct, "aria-label": "Confidence" } }, fill),
            h("span", { className: "ann-sg-pct", text: `${pct}%` }),
          ),
        ),
        evidence.length
          ? h("p", { className: "ann-sg-evidence" }, h("span", { className: "ann-sg-because", text: "because of " }), ...evidence.map((w) => h("q", { text: excerpt(w, 48) })))
          : null,
        h(
          "div",
          { className: "ann-sg-actions" },
          h("button", {
            className: "ann-btn ann-primary ann-sg-tag",
            text: "Tag",
            attrs: { type: "button", title: `Tag “${passage}” as ${label}`, "aria-label": `Tag this passage as ${label}` },
            data: { action: "tag" },
          }),
          h("button", {
            className: "ann-btn ann-sg-dismiss",
            text: "Not here",
            attrs: { type: "button", title: `Do not suggest ${label} for this paragraph again`, "aria-label": `Not here: stop suggesting ${label} for this paragraph` },
            data: { action: "dismiss" },
          }),
        ),
      );
    });
    const close = h("button", { className: "ann-icon ann-close", text: "×", attrs: { type: "button", "aria-label": "Close" }, data: { action: "close" } });
    this.sgList.replaceChildren(
      close,
      h("div", { className: "ann-sg-head" }, icon("bulb"), h("span", { className: "ann-sg-title", text: "Suggested tropes" }), h("span", { className: "ann-tb-loc", text: `¶${p.number}` })),
      h("ul", { className: "ann-sg-items" }, ...rows),
      h("p", { className: "ann-sg-note", text: "Proposed from the highlighted words. Nothing is tagged until you choose Tag." }),
    );
    if (this.sg.hot != null && this.sg.hot >= list.length) this.sg.hot = null;
    this.showEvidence(this.sg.hot);
  }

  /** Faintly mark the evidence of the open list; `k`: the row in focus (its passage and words stronger). */
  showEvidence(k) {
    if (!this.sg) return;
    this.sg.hot = k;
    const list = this.hints.get(this.sg.pi) || [];
    const ranges = (spans) => {
      const out = [];
      for (const sp of spans) {
        if (!Array.isArray(sp) || !Number.isInteger(sp[0]) || !Number.isInteger(sp[1]) || sp[1] <= sp[0]) continue;
        try {
          out.push(this.rangeFor(sp[0], sp[1]));
        } catch (err) {
          /* a span we cannot place: skip it */
        }
      }
      return out;
    };
    const set = (name, rs) => {
      if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
      if (rs.length) CSS.highlights.set(`${this.scope}-${name}`, new Highlight(...rs));
      else CSS.highlights.delete(`${this.scope}-${name}`);
    };
    set("evidence", ranges(list.flatMap((s) => s.spans || [])));
    const hot = k != null ? list[k] : null;
    set("evidence-hot", hot ? ranges(hot.spans || []) : []);
    set("passage", hot ? ranges([[hot.start, hot.end]]) : []);
  }

  hintHot(e) {
    if (!this.sg) return;
    const li = e.target.closest && e.target.closest(".ann-sg-item");
    const k = li ? Number(li.dataset.k) : null;
    if (k !== this.sg.hot) this.showEvidence(k);
  }

  async hintClick(e) {
    const btn = e.target.closest("button[data-action]");
    if (!btn || !this.sg) return;
    const action = btn.dataset.action;
    if (action === "close") {
      this.closeHints(true);
      return;
    }
    const li = btn.closest(".ann-sg-item");
    const s = li && (this.hints.get(this.sg.pi) || [])[Number(li.dataset.k)];
    if (!s || btn.disabled) return;
    for (const b of li.querySelectorAll("button")) b.disabled = true;
    const key = { paragraph: s.paragraph, trope: s.trope };
    const label = this.tropeLabel(s.trope);
    const where = this.spanLabel(s.start, s.end);
    if (action === "tag") {
      const ack = await this.request("accept", key);
      if (!ack.ok) {
        for (const b of li.querySelectorAll("button")) b.disabled = false;
        this.notify(ack.error);
        return;
      }
      const id = ack.result && ack.result.id;
      if (id) for (const m of this.marksOf(id)) this.flashEl(m);
      this.notify(`Tagged ${where} as “${label}”.`, "Undo", () => this.undo());
    } else if (action === "dismiss") {
      const ack = await this.request("dismiss", key);
      if (!ack.ok) {
        for (const b of li.querySelectorAll("button")) b.disabled = false;
        this.notify(ack.error);
        return;
      }
      this.notify(`“${label}” will not be suggested for ${where} again.`, "Undo", () =>
        this.request("undismiss", key).then((a) => {
          if (!a.ok) this.notify(a.error);
        }),
      );
    }
    if (this.sgList.contains(document.activeElement) || document.activeElement === document.body) this.focusHintList();
  }

  // ---- teardown -------------------------------------------------------------------
  destroy() {
    this.disposed = true;
    if (this.idleHandle) clearTimeout(this.idleHandle);
    if (this.observer) this.observer.disconnect();
    if (this.listObserver) this.listObserver.disconnect();
    if (this.dropObserver) this.dropObserver.disconnect();
    clearTimeout(this.loadTimer);
    clearTimeout(this.toastTimer);
    clearTimeout(this.hoverTimer);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.model.off("msg:custom", this.onMsg);
    this.model.off("change:show", this.onFilter);
    this.model.off("change:trope_filter", this.onFilter);
    this.model.off("change:hidden_tropes", this.onFilter);
    this.model.off("change:reader", this.onReader);
    this.model.off("change:height", this.onHeight);
    this.model.off("change:suggestions", this.onSuggestions);
    document.removeEventListener("mouseup", this.onDocMouseUp);
    clearTimeout(this.hintTimer);
    if (this.hintObserver) this.hintObserver.disconnect();
    for (const name of ["pending", "cursor", "evidence", "evidence-hot", "passage"]) this.setHighlight(name, null);
    this.root.remove();
  }
}

// -- the floating toolbar: create and edit --------------------------------------------

class Editor {
  /** @param {ReaderView} view */
  constructor(view) {
    this.view = view;
    this.isOpen = false;
    this.mode = "create";
    this.span = null;
    this.annotation = null;
    this.chosen = [];
    this.colour = null;
    this.active = -1;
    this.results = [];
    this.busy = false;
    const id = `${view.scope}-suggest`;
    this.quote = h("p", { className: "ann-tb-quote" });
    this.chipBox = h("span", { className: "ann-tb-chips" });
    this.input = h("input", {
      className: "ann-tb-input",
      attrs: {
        type: "text",
        role: "combobox",
        "aria-autocomplete": "list",
        "aria-expanded": "false",
        "aria-controls": id,
        "aria-label": "Tropes: type to search, Enter to add",
        placeholder: "Add a trope…",
        autocomplete: "off",
        spellcheck: "false",
      },
    });
    this.suggest = h("ul", { className: "ann-suggest", attrs: { role: "listbox", id, hidden: true, "aria-label": "Matching tropes" } });
    this.field = h("div", { className: "ann-tb-field", on: { click: () => this.input.focus() } }, this.chipBox, this.input);
    this.swatches = h("div", { className: "ann-swatches", attrs: { role: "radiogroup", "aria-label": "Highlight colour" } });
    this.note = h("textarea", {
      className: "ann-tb-note",
      attrs: { rows: 2, placeholder: "Note (optional). Enter saves, Shift+Enter: new line", "aria-label": "Note" },
    });
    this.error = h("div", { className: "ann-tb-error", attrs: { role: "alert", hidden: true } });
    this.saveBtn = h("button", { className: "ann-btn ann-primary", text: "Save", attrs: { type: "button" } });
    this.cancelBtn = h("button", { className: "ann-btn", text: "Cancel", attrs: { type: "button" } });
    this.deleteBtn = h("button", { className: "ann-btn ann-danger", text: "Delete", attrs: { type: "button", hidden: true } });
    this.title = h("span", { className: "ann-tb-title" });
    this.loc = h("span", { className: "ann-tb-loc" });
    this.audience = h("select", {
      className: "ann-tb-audience",
      attrs: { "aria-label": "Who can see it", title: "Who can see this annotation" },
    });
    this.el = h(
      "div",
      { className: "ann-toolbar", attrs: { role: "dialog", "aria-label": "Annotate the selection", hidden: true } },
      h("div", { className: "ann-tb-head" }, this.title, this.loc, this.quote, this.audience),
      this.field,
      this.suggest,
      this.note,
      h("div", { className: "ann-tb-row" }, this.swatches, h("span", { className: "ann-spacer" }), this.deleteBtn, this.cancelBtn, this.saveBtn),
      this.error,
    );
    this.buildSwatches();
    this.fillAudience("public");
    this.input.addEventListener("input", () => this.update());
    this.input.addEventListener("focus", () => this.update());
    this.input.addEventListener("blur", () => setTimeout(() => this.hideSuggest(), 150));
    this.input.addEventListener("keydown", (e) => this.inputKey(e));
    this.note.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.save();
      }
    });
    this.note.addEventListener("input", () => this.autosize());
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.save();
      }
    });
    this.suggest.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
    this.suggest.addEventListener("click", (e) => {
      const li = e.target.closest("li[data-trope]");
      if (li) this.pick(li.dataset.trope);
    });
    this.chipBox.addEventListener("click", (e) => {
      const x = e.target.closest("button[data-trope]");
      if (x) {
        this.chosen = this.chosen.filter((t) => t !== x.dataset.trope);
        this.renderChips();
        this.input.focus();
      }
    });
    this.saveBtn.addEventListener("click", () => this.save());
    this.cancelBtn.addEventListener("click", () => this.close(true));
    this.deleteBtn.addEventListener("click", () => this.remove());
    this.audience.addEventListener("change", () => this.audience.classList.toggle("is-restricted", this.audience.value !== "public"));
  }

  buildSwatches() {
    const opts = [[null, "Trope colour"], ...PRESET_COLOURS];
    this.swatchBtns = opts.map(([c, name]) => {
      const b = h("button", {
        className: `ann-swatch${c ? "" : " is-auto"}`,
        attrs: { type: "button", role: "radio", "aria-label": name, title: name, "aria-checked": "false", tabindex: -1 },
        data: { colour: c || "" },
      });
      if (c) b.style.setProperty("--sw", c);
      b.addEventListener("click", () => this.setColour(c));
      b.addEventListener("keydown", (e) => {
        const i = this.swatchBtns.indexOf(b);
        const d = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
        if (d) {
          e.preventDefault();
          const next = this.swatchBtns[(i + d + this.swatchBtns.length) % this.swatchBtns.length];
          this.setColour(next.dataset.colour || null);
          next.focus();
        }
      });
      return b;
    });
    this.swatches.replaceChildren(...this.swatchBtns);
  }

  setColour(c) {
    this.colour = c;
    for (const b of this.swatchBtns) {
      const on = (b.dataset.colour || null) === c;
      b.setAttribute("aria-checked", on ? "true" : "false");
      b.tabIndex = on ? 0 : -1;
    }
  }

  /** The audience menu: Public, Only me, and the reader's groups (plus `current` if it is none of these). */
  fillAudience(current) {
    const opts = [
      ["public", "Public"],
      ["private", "Only me"],
    ];
    for (const g of this.view.model.get("groups") || []) if (typeof g === "string" && g) opts.push([`group:${g}`, `Group: ${g}`]);
    if (current && !opts.some(([v]) => v === current)) opts.push([current, current.startsWith("group:") ? `Group: ${current.slice(6)}` : current]);
    this.audience.replaceChildren(...opts.map(([v, label]) => h("option", { text: label, attrs: { value: v } })));
    this.audience.value = opts.some(([v]) => v === current) ? current : "public";
    this.audience.classList.toggle("is-restricted", this.audience.value !== "public");
  }

  reset() {
    this.chosen = [];
    this.input.value = "";
    this.note.value = "";
    this.setColour(null);
    this.showError(null);
    this.renderChips();
    this.hideSuggest();
    this.busy = false;
    this.el.classList.remove("is-busy");
  }

  openCreate(span, rect) {
    this.reset();
    this.mode = "create";
    this.span = span;
    this.annotation = null;
    this.title.textContent = "Annotate";
    this.el.setAttribute("aria-label", "Annotate the selection");
    this.loc.textContent = this.view.spanLabel(span.start, span.end);
    this.quote.textContent = quoteExcerpt(span.exact);
    this.quote.title = excerpt(span.exact, 600);
    this.deleteBtn.hidden = true;
    this.fillAudience(this.view.lastAudience);
    this.show(rect);
  }

  openEdit(a, rect) {
    this.reset();
    this.mode = "edit";
    this.annotation = a;
    this.span = null;
    this.chosen = a.tropes.slice();
    this.note.value = a.note || "";
    this.setColour(a.colour && COLOUR_RE.test(a.colour) ? a.colour : null);
    this.title.textContent = "Edit";
    this.el.setAttribute("aria-label", "Edit the annotation");
    this.loc.textContent = this.view.locationOf(a);
    const quote = this.view.quoteOf(a);
    this.quote.textContent = quoteExcerpt(quote);
    this.quote.title = excerpt(quote, 600);
    this.deleteBtn.hidden = false;
    this.fillAudience(a.audience || "public");
    this.renderChips();
    this.show(rect);
    this.autosize();
  }

  show(rect) {
    this.isOpen = true;
    this.el.hidden = false;
    this.view.root.dataset.toolbar = this.mode;
    this.view.place(this.el, rect, "below");
    this.view.reveal(this.el);
    this.input.focus({ preventScroll: true });
  }

  close(restore = false, saved = false) {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.el.hidden = true;
    delete this.view.root.dataset.toolbar;
    this.hideSuggest();
    this.view.clearPending();
    // Closed without saving: nothing is selected any more (reader.selection -> None).
    if (this.mode === "create" && !saved) void this.view.request("select", { start: null, end: null });
    if (restore) this.view.page.focus({ preventScroll: true });
  }

  autosize() {
    this.note.style.height = "auto";
    this.note.style.height = `${Math.min(this.note.scrollHeight + 2, 220)}px`;
  }

  renderChips() {
    const v = this.view;
    this.chipBox.replaceChildren(
      ...this.chosen.map((id) => {
        const t = v.tropeById.get(id);
        const label = t ? t.label : id;
        return h(
          "span",
          { className: `ann-chip${t ? ` t${t.index}` : " is-unknown"}` },
          h("span", { className: "ann-dot", attrs: { "aria-hidden": "true" } }),
          label,
          h("button", { className: "ann-chip-x", text: "×", attrs: { type: "button", "aria-label": `Remove ${label}` }, data: { trope: id } }),
        );
      }),
    );
    this.input.placeholder = this.chosen.length ? "Add another…" : "Add a trope…";
  }

  update() {
    if (!this.isOpen) return;
    this.results = this.view.searchTropes(this.input.value, this.chosen);
    this.active = this.input.value.trim() && this.results.length ? 0 : -1;
    this.renderSuggest();
  }

  renderSuggest() {
    const id = this.suggest.id;
    if (!this.results.length) {
      this.hideSuggest();
      return;
    }
    this.suggest.replaceChildren(
      ...this.results.map(({ trope, via }, i) =>
        h(
          "li",
          {
            className: `ann-option t${trope.index}${i === this.active ? " is-active" : ""}`,
            attrs: { role: "option", id: `${id}-${i}`, "aria-selected": i === this.active ? "true" : "false" },
            data: { trope: trope.id },
          },
          h("span", { className: "ann-dot", attrs: { "aria-hidden": "true" } }),
          h("span", { className: "ann-option-label", text: trope.label }),
          h("span", { className: "ann-option-sub", text: via ? `“${via}”` : trope.category_label }),
        ),
      ),
    );
    this.suggest.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.view.reveal(this.el);
    if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${id}-${this.active}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  hideSuggest() {
    this.suggest.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  pick(id) {
    if (!this.chosen.includes(id)) this.chosen.push(id);
    this.view.recentTropes = [id, ...this.view.recentTropes.filter((t) => t !== id)].slice(0, 5);
    this.input.value = "";
    this.renderChips();
    this.showError(null);
    this.update();
    this.input.focus({ preventScroll: true });
  }

  inputKey(e) {
    const open = !this.suggest.hidden && this.results.length;
    if (e.key === "ArrowDown" && open) {
      e.preventDefault();
      this.active = (this.active + 1) % this.results.length;
      this.renderSuggest();
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      this.active = (this.active - 1 + this.results.length) % this.results.length;
      this.renderSuggest();
    } else if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      if (this.input.value.trim() && open && this.active >= 0) this.pick(this.results[this.active].trope.id);
      else this.save();
    } else if (e.key === "Backspace" && !this.input.value && this.chosen.length) {
      this.chosen.pop();
      this.renderChips();
      this.update();
    } else if (e.key === "Escape" && open && this.input.value) {
      e.preventDefault();
      e.stopPropagation();
      this.hideSuggest();
    }
  }

  showError(text, suggestions) {
    if (!text) {
      this.error.hidden = true;
      this.error.replaceChildren();
      return;
    }
    const parts = [h("span", { text })];
    const known = (suggestions || []).map((id) => this.view.tropeById.get(id)).filter(Boolean);
    if (known.length) {
      parts.push(
        h(
          "span",
          { className: "ann-tb-fix" },
          ...known.map((t) =>
            h("button", {
              className: `ann-chip ann-chip-btn t${t.index}`,
              text: `Use “${t.label}”`,
              attrs: { type: "button" },
              on: {
                click: () => {
                  this.input.value = "";
                  this.chosen = this.chosen.filter((c) => this.view.tropeById.has(c));
                  this.pick(t.id);
                },
              },
            }),
          ),
        ),
      );
    }
    this.error.replaceChildren(...parts);
    this.error.hidden = false;
  }

  async save() {
    if (this.busy || !this.isOpen) return;
    const typed = this.input.value.trim();
    const tropes = typed ? [...this.chosen, typed] : this.chosen.slice();
    const note = this.note.value.trim();
    let colour = this.colour;
    const audience = this.audience.value || "public";
    this.busy = true;
    this.el.classList.add("is-busy");
    let ack;
    if (this.mode === "create") {
      if (!tropes.length && !note && !colour) colour = DEFAULT_HIGHLIGHT; // a plain highlight
      ack = await this.view.request("annotate", { ...this.span, tropes, note, colour, audience });
    } else {
      ack = await this.view.request("edit", { id: this.annotation.id, tropes, note, colour, audience });
    }
    this.busy = false;
    this.el.classList.remove("is-busy");
    if (!ack.ok) {
      this.showError(ack.error, ack.suggestions);
      if (typed && ack.suggestions && ack.suggestions.length) this.input.select();
      return;
    }
    const id = ack.result && ack.result.id;
    const created = this.mode === "create";
    if (created) this.view.lastAudience = audience; // the next one goes to the same readers
    window.getSelection()?.removeAllRanges();
    this.close(false, true);
    this.view.page.focus({ preventScroll: true });
    if (id) {
      for (const m of this.view.marksOf(id)) this.view.flashEl(m);
      this.view.notify(created ? "Saved." : "Changes saved.", "Undo", () => this.view.undo());
    }
  }

  async remove() {
    if (!this.annotation) return;
    const ack = await this.view.request("delete", { id: this.annotation.id });
    if (!ack.ok) {
      this.showError(ack.error);
      return;
    }
    this.close();
    this.view.notify("Annotation deleted.", "Undo", () => this.view.undo());
  }
}

export default {
  render({ model, el }) {
    const view = new ReaderView(model, el);
    return () => view.destroy();
  },
};
