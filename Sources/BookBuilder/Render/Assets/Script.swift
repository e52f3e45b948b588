extension Assets {
    /// `assets/segbook.js`: theme toggle, chapter menu on phones, copy buttons, math (when KaTeX is
    /// loaded), search over `window.segbookSearch`, the outline's current section, and printing with
    /// every collapsed output opened. Nothing here touches the network.
    static let script = #"""
(function () {
  "use strict";
  var root = document.documentElement;

  // Theme: follows the system until the reader picks one; the choice is remembered.
  function systemDark() { return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches; }
  function currentTheme() { return root.dataset.theme || (systemDark() ? "dark" : "light"); }
  var themeButton = document.querySelector(".theme-toggle");
  if (themeButton) themeButton.addEventListener("click", function () {
    var next = currentTheme() === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    try { localStorage.setItem("segbook-theme", next); } catch (e) {}
  });

  // Chapters menu on small screens.
  var menuButton = document.querySelector(".menu-toggle");
  if (menuButton) menuButton.addEventListener("click", function () {
    var open = document.body.classList.toggle("sidebar-open");
    menuButton.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("click", function (event) {
    if (!document.body.classList.contains("sidebar-open")) return;
    var sidebar = document.getElementById("sidebar");
    if (sidebar && !sidebar.contains(event.target) && event.target !== menuButton) document.body.classList.remove("sidebar-open");
  });

  // Copy buttons.
  document.querySelectorAll(".copy-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var code = button.parentElement.querySelector("code");
      var text = code ? code.textContent : "";
      function done() { button.textContent = "Copied"; button.classList.add("copied");
        setTimeout(function () { button.textContent = "Copy"; button.classList.remove("copied"); }, 1500); }
      function fallback() {
        var area = document.createElement("textarea");
        area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
        document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); done(); } catch (e) {}
        document.body.removeChild(area);
      }
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    });
  });

  // Math: the page holds \( ... \) and \[ ... \]; KaTeX, when present, typesets it in place.
  if (window.katex) {
    document.querySelectorAll(".math").forEach(function (el) {
      var tex = el.textContent.slice(2, -2);
      try {
        window.katex.render(tex, el, { displayMode: el.classList.contains("display"), throwOnError: false });
        el.classList.add("rendered");
      } catch (e) { el.title = String(e); }
    });
  }

  // Search.
  var input = document.getElementById("search-input");
  var results = document.getElementById("search-results");
  var index = window.segbookSearch || [];
  function escapeHTML(s) {
    return s.replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  }
  function highlight(text, terms) {
    var html = escapeHTML(text);
    terms.forEach(function (t) {
      var re = new RegExp("(" + escapeHTML(t).replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ")", "gi");
      html = html.replace(re, "<mark>$1</mark>");
    });
    return html;
  }
  function snippet(text, term) {
    var i = text.toLowerCase().indexOf(term);
    if (i < 0) return text.slice(0, 120);
    var start = Math.max(0, i - 50);
    return (start > 0 ? "…" : "") + text.slice(start, start + 140) + (start + 140 < text.length ? "…" : "");
  }
  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
    if (terms.length === 0) return [];
    var found = [];
    index.forEach(function (entry) {
      var head = (entry.page + " " + entry.heading).toLowerCase();
      var body = entry.text.toLowerCase();
      var score = 0;
      for (var k = 0; k < terms.length; k++) {
        var inHead = head.indexOf(terms[k]) >= 0, inBody = body.indexOf(terms[k]) >= 0;
        if (!inHead && !inBody) return;
        score += (inHead ? 10 : 0) + (inBody ? 1 : 0);
      }
      found.push({ entry: entry, score: score });
    });
    found.sort(function (a, b) { return b.score - a.score; });
    return found.slice(0, 20).map(function (f) { return { e: f.entry, terms: terms }; });
  }
  function showResults() {
    var query = input.value.trim();
    if (!query) { results.hidden = true; results.innerHTML = ""; return; }
    var hits = search(query);
    results.hidden = false;
    if (hits.length === 0) { results.innerHTML = '<li class="search-empty">No match</li>'; return; }
    results.textContent = "";
    hits.forEach(function (h) {
      var item = document.createElement("li"), link = document.createElement("a");
      link.setAttribute("href", h.e.href);
      var where = document.createElement("span"), text = document.createElement("span");
      where.className = "result-where";
      where.innerHTML = highlight(h.e.heading === h.e.page ? h.e.page : h.e.page + " › " + h.e.heading, h.terms);
      text.className = "result-text";
      text.innerHTML = highlight(snippet(h.e.text, h.terms[0]), h.terms);
      link.appendChild(where); link.appendChild(text); item.appendChild(link); results.appendChild(item);
    });
  }
  if (input && results) {
    input.addEventListener("input", showResults);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { var first = results.querySelector("a"); if (first) first.click(); }
      if (event.key === "Escape") { input.value = ""; showResults(); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "/" && document.activeElement !== input && !/INPUT|TEXTAREA/.test(document.activeElement.tagName)) {
        event.preventDefault(); input.focus();
      }
    });
  }

  // Outline: mark the section being read.
  var outlineLinks = Array.prototype.slice.call(document.querySelectorAll(".outline a"));
  if (outlineLinks.length && "IntersectionObserver" in window) {
    var byId = {};
    outlineLinks.forEach(function (a) { byId[decodeURIComponent(a.getAttribute("href").slice(1))] = a; });
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && byId[entry.target.id]) {
          outlineLinks.forEach(function (a) { a.classList.remove("active"); });
          byId[entry.target.id].classList.add("active");
        }
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    Object.keys(byId).forEach(function (id) { var h = document.getElementById(id); if (h) observer.observe(h); });
  }

  // Printing shows every output in full.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.output-more").forEach(function (d) { d.open = true; });
  });
})();
"""#
}
