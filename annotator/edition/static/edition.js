// The annotated edition's script, inlined into the page.
//
// Everything is readable without it; it adds: filters by trope and by reader
// (the legend becomes buttons), pop-up notes on small screens, hovering a
// highlight lights up its note and back, and the paragraph number copies a
// link to its paragraph. It builds no markup from strings: notes shown in a
// pop-up are clones of the notes already in the page.
//
// The page is static HTML; the contract with it is:
//   [data-a="N"]          every element of annotation N (marks, its note, its
//                          note marker, its timeline tick, its index lines), each
//                          with classes tI (trope I) and rJ (reader J) for filtering
//   a.lg[data-f="tI"]     legend entry of trope I; span.rd[data-f="rJ"]: reader J
//   #nN                    the margin note of annotation N; a.nr its marker
//   a.pn                   paragraph number: copy a link to its paragraph
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  root.classList.add("js");

  var narrow = window.matchMedia("(max-width: 52rem)");
  var status = doc.querySelector(".status");
  var toast = doc.querySelector(".toast");
  var active = { t: [], r: [] };
  var labels = {};

  // -- filters ---------------------------------------------------------------
  function upgrade(el) {
    var button = doc.createElement("button");
    button.type = "button";
    button.className = el.className;
    button.setAttribute("data-f", el.getAttribute("data-f"));
    button.setAttribute("aria-pressed", "false");
    while (el.firstChild) button.appendChild(el.firstChild);
    el.parentNode.replaceChild(button, el);
    labels[button.getAttribute("data-f")] = el.getAttribute("data-label") || button.textContent;
    return button;
  }
  var filters = Array.prototype.map.call(doc.querySelectorAll(".side .lg, .side .rd"), upgrade);

  function matches(el) {
    var c = el.classList;
    var ok = function (list) {
      if (!list.length) return true;
      for (var i = 0; i < list.length; i++) if (c.contains(list[i])) return true;
      return false;
    };
    return ok(active.t) && ok(active.r);
  }

  function apply() {
    var on = active.t.length || active.r.length;
    var shown = {};
    var total = {};
    var items = doc.querySelectorAll("[data-a]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var a = el.getAttribute("data-a");
      var show = !on || matches(el);
      el.classList.toggle("off", !show);
      total[a] = 1;
      if (show) shown[a] = 1;
    }
    filters.forEach(function (b) {
      var f = b.getAttribute("data-f");
      b.setAttribute("aria-pressed", active.t.indexOf(f) >= 0 || active.r.indexOf(f) >= 0 ? "true" : "false");
    });
    if (!status) return;
    while (status.firstChild) status.removeChild(status.firstChild);
    if (!on) return;
    var names = active.t.concat(active.r).map(function (f) { return labels[f]; });
    status.appendChild(doc.createTextNode(
      "Showing " + Object.keys(shown).length + " of " + Object.keys(total).length + " annotations: " + names.join(", ") + "."
    ));
    var reset = doc.createElement("button");
    reset.type = "button";
    reset.className = "reset";
    reset.textContent = "Show all";
    reset.addEventListener("click", function () { active = { t: [], r: [] }; apply(); });
    status.appendChild(reset);
  }

  filters.forEach(function (b) {
    b.addEventListener("click", function () {
      var f = b.getAttribute("data-f");
      var list = f.charAt(0) === "t" ? active.t : active.r;
      var at = list.indexOf(f);
      if (at >= 0) list.splice(at, 1); else list.push(f);
      apply();
    });
  });

  // -- toast -------------------------------------------------------------------
  var toastTimer = 0;
  function say(message) {
    if (!toast) return;
    toast.textContent = message;
    toast.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.classList.remove("show"); }, 3200);
  }

  // -- copy a link to a paragraph -----------------------------------------------
  function copyText(text) {
    function fallback() {
      var area = doc.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      doc.body.removeChild(area);
      return Promise.resolve(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, fallback);
    }
    return fallback();
  }

  function copyLink(link) {
    var id = link.getAttribute("href").slice(1);
    var url = location.href.split("#")[0] + "#" + id;
    try { history.replaceState(null, "", "#" + id); } catch (e) { /* file:// in some browsers */ }
    var target = doc.getElementById(id);
    if (target) flash(target);
    copyText(url).then(function (ok) {
      var number = link.textContent.replace(/\D/g, "");
      say(ok ? "Link to paragraph " + number + " copied: " + url : "Copy this link: " + url);
      root.setAttribute("data-copied", url);
    });
  }

  function flash(el) {
    el.classList.remove("flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("flash");
  }

  // -- notes: light up, pop up ------------------------------------------------------
  var pop = null;
  var popOpener = null;
  var popNumbers = [];

  function closePop() {
    if (!pop || pop.hidden) return;
    pop.hidden = true;
    popNumbers.forEach(function (n) { hot(n, false); });
    popNumbers = [];
    if (popOpener) popOpener.focus();
    popOpener = null;
  }

  function openPop(numbers, opener) {
    if (!pop) {
      pop = doc.createElement("div");
      pop.className = "pop";
      pop.setAttribute("role", "dialog");
      pop.setAttribute("aria-label", "Notes");
      pop.tabIndex = -1;
      doc.body.appendChild(pop);
    }
    while (pop.firstChild) pop.removeChild(pop.firstChild);
    var close = doc.createElement("button");
    close.type = "button";
    close.className = "pop-close";
    close.setAttribute("aria-label", "Close");
    close.textContent = "×";
    close.addEventListener("click", closePop);
    pop.appendChild(close);
    numbers.forEach(function (n) {
      var note = doc.getElementById("n" + n);
      if (!note) return;
      var copy = note.cloneNode(true);
      copy.removeAttribute("id");
      copy.removeAttribute("tabindex");
      Array.prototype.forEach.call(copy.querySelectorAll("[id]"), function (el) { el.removeAttribute("id"); });
      pop.appendChild(copy);
    });
    popNumbers.forEach(function (n) { hot(n, false); });
    popNumbers = numbers;
    numbers.forEach(function (n) { hot(n, true); });
    popOpener = opener;
    pop.hidden = false;
    pop.focus();
  }

  function showNote(n, opener) {
    if (narrow.matches) { openPop([n], opener); return; }
    var note = doc.getElementById("n" + n);
    if (!note) return;
    var box = note.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) note.scrollIntoView({ block: "center" });
    note.focus({ preventScroll: true });
    hot(n, true);
    setTimeout(function () { hot(n, false); }, 1600);
  }

  function hot(n, on) {
    var els = doc.querySelectorAll('[data-a="' + n + '"]');
    for (var i = 0; i < els.length; i++) els[i].classList.toggle("hot", on);
  }

  doc.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("a, mark[data-a]") : null;
    if (!el) {
      if (pop && !pop.hidden && !pop.contains(event.target)) closePop();
      return;
    }
    if (el.classList.contains("pn")) {
      event.preventDefault();
      copyLink(el);
    } else if (el.classList.contains("nr")) {
      event.preventDefault();
      showNote(el.getAttribute("data-a"), el);
    } else if (el.tagName === "MARK" && !(pop && pop.contains(el))) {
      if (window.getSelection && String(window.getSelection()).length) return; // selecting text
      var numbers = [];
      for (var m = el; m && m.tagName === "MARK"; m = m.parentElement) {
        if (!m.classList.contains("off")) numbers.unshift(m.getAttribute("data-a"));
      }
      if (!numbers.length) return;
      if (narrow.matches) openPop(numbers, null); else showNote(numbers[numbers.length - 1], null);
    } else if (pop && !pop.hidden && !pop.contains(el)) {
      closePop();
    }
  });

  doc.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePop();
  });

  function hover(event, on) {
    var el = event.target.closest ? event.target.closest("mark[data-a], .mn .ne") : null;
    if (el) hot(el.getAttribute("data-a"), on);
  }
  doc.addEventListener("mouseover", function (e) { hover(e, true); });
  doc.addEventListener("mouseout", function (e) { hover(e, false); });

  // Small screens start with the legend folded, so the story comes first.
  if (narrow.matches) {
    Array.prototype.forEach.call(doc.querySelectorAll(".side details"), function (d) { d.open = false; });
  }
})();
