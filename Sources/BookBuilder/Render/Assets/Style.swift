extension Assets {
    /// `assets/segbook.css`: light and dark themes (the system's choice unless the reader toggled),
    /// a three-column layout that folds to one on a phone, and a print style sheet.
    static let css = #"""
:root {
  --bg: #fdfdfc; --fg: #1f2328; --muted: #5b6470; --accent: #0a62b8; --accent-soft: #e7f0fa;
  --border: #e2e5e9; --sidebar-bg: #f6f6f3; --code-bg: #f5f6f8; --output-bg: #fbfbfa;
  --error: #b42318; --error-bg: #fdf0ee; --expected: #8a5a00; --expected-bg: #fdf6e7;
  --note-bg: #f1f2f4; --figure-bg: #ffffff;
  --hl-keyword: #9b2393; --hl-type: #0b4f79; --hl-string: #c41a16; --hl-number: #1c00cf;
  --hl-comment: #5d6c79; --hl-function: #326d74; --hl-attribute: #815f03; --hl-label: #57606a;
  --hl-directive: #643820;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  --mono: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  --topbar: 3rem;
  color-scheme: light;
}
:root[data-theme="dark"] {
  --bg: #15171c; --fg: #e3e5e8; --muted: #9aa3ae; --accent: #74b3ff; --accent-soft: #1d2a3a;
  --border: #2c313a; --sidebar-bg: #1a1d23; --code-bg: #1d2027; --output-bg: #191c21;
  --error: #ff8a80; --error-bg: #3a1d1d; --expected: #f0c36a; --expected-bg: #332a17;
  --note-bg: #22262d; --figure-bg: #f4f4f2;
  --hl-keyword: #fc5fa3; --hl-type: #5dd8ff; --hl-string: #fc8b7d; --hl-number: #d9c97c;
  --hl-comment: #8b97a3; --hl-function: #67b7a4; --hl-attribute: #fd8f3f; --hl-label: #a8b1bb;
  --hl-directive: #fd8f3f;
  color-scheme: dark;
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme="light"]) {
    --bg: #15171c; --fg: #e3e5e8; --muted: #9aa3ae; --accent: #74b3ff; --accent-soft: #1d2a3a;
    --border: #2c313a; --sidebar-bg: #1a1d23; --code-bg: #1d2027; --output-bg: #191c21;
    --error: #ff8a80; --error-bg: #3a1d1d; --expected: #f0c36a; --expected-bg: #332a17;
    --note-bg: #22262d; --figure-bg: #f4f4f2;
    --hl-keyword: #fc5fa3; --hl-type: #5dd8ff; --hl-string: #fc8b7d; --hl-number: #d9c97c;
    --hl-comment: #8b97a3; --hl-function: #67b7a4; --hl-attribute: #fd8f3f; --hl-label: #a8b1bb;
    --hl-directive: #fd8f3f;
    color-scheme: dark;
  }
}

* { box-sizing: border-box; }
html { scroll-padding-top: calc(var(--topbar) + 1rem); -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16.5px/1.65 var(--font); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }

/* Top bar */
.topbar { position: sticky; top: 0; z-index: 20; height: var(--topbar); display: flex; align-items: center;
  gap: .75rem; padding: 0 1rem; background: var(--bg); border-bottom: 1px solid var(--border); }
.book-title { font-weight: 650; color: var(--fg); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; flex: 1; }
.topbar button { font: inherit; background: none; border: 1px solid var(--border); color: var(--fg);
  border-radius: 6px; width: 2.2rem; height: 2.2rem; cursor: pointer; }
.topbar button:hover { background: var(--accent-soft); }
.menu-toggle { display: none; }

/* Three columns: chapters, article, outline */
.layout { display: grid; grid-template-columns: 17rem minmax(0, 1fr) 14rem; min-height: calc(100vh - var(--topbar)); }
.sidebar { position: sticky; top: var(--topbar); height: calc(100vh - var(--topbar)); overflow-y: auto;
  background: var(--sidebar-bg); border-right: 1px solid var(--border); padding: 1rem .75rem 2rem; font-size: .93rem; }
.toc { list-style: none; margin: 1rem 0 0; padding: 0; }
.toc li a { display: flex; gap: .5rem; padding: .3rem .6rem; border-radius: 6px; color: var(--fg); }
.toc li a:hover { background: var(--accent-soft); text-decoration: none; }
.toc li.current a { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.toc-num { color: var(--muted); min-width: 1.4em; text-align: right; font-variant-numeric: tabular-nums; }
.toc-failed { color: var(--error); font-weight: 700; }
.content { min-width: 0; padding: 2rem 3rem 4rem; }
.content > article, .content > .pager, .content > .book-part { max-width: 48rem; margin: 0 auto; }
.outline { position: sticky; top: var(--topbar); align-self: start; max-height: calc(100vh - var(--topbar));
  overflow-y: auto; padding: 2rem 1rem; font-size: .85rem; }
.outline ul { list-style: none; margin: 0; padding: 0; border-left: 1px solid var(--border); }
.outline li a { display: block; padding: .2rem .75rem; color: var(--muted); margin-left: -1px; border-left: 2px solid transparent; }
.outline li.outline-h3 a { padding-left: 1.5rem; }
.outline li a:hover { color: var(--fg); text-decoration: none; }
.outline li a.active { color: var(--accent); border-left-color: var(--accent); }
.outline-title { font-weight: 600; text-transform: uppercase; letter-spacing: .05em; font-size: .75rem; color: var(--muted); margin-bottom: .5rem; }

/* Search */
.search input { width: 100%; font: inherit; padding: .45rem .7rem; border: 1px solid var(--border); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
.search input:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
.search-results { list-style: none; margin: .5rem 0 0; padding: 0; border-bottom: 1px solid var(--border); }
.search-results li a { display: block; padding: .4rem .6rem; border-radius: 6px; color: var(--fg); }
.search-results li a:hover, .search-results li a:focus { background: var(--accent-soft); text-decoration: none; }
.search-results .result-where { display: block; font-size: .78rem; color: var(--muted); }
.search-results .result-text { display: block; font-size: .82rem; color: var(--muted); }
.search-results mark { background: #ffe98a; color: #1f2328; border-radius: 2px; }
.search-empty { color: var(--muted); padding: .4rem .6rem; }

/* Article */
article h1, article h2, article h3, article h4 { line-height: 1.25; margin: 2.2rem 0 .8rem; font-weight: 650; }
article h1 { font-size: 2.1rem; margin-top: .5rem; }
article h2 { font-size: 1.55rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
article h3 { font-size: 1.25rem; }
.anchor { margin-left: .4rem; color: var(--muted); opacity: 0; font-weight: 400; }
h1:hover .anchor, h2:hover .anchor, h3:hover .anchor, h4:hover .anchor, .anchor:focus { opacity: 1; text-decoration: none; }
.chapter-number { color: var(--accent); margin-right: .35rem; }
.chapter-summary, .book-subtitle { font-size: 1.2rem; color: var(--muted); margin-top: -.3rem; }
.book-name { font-size: 2.6rem; }
.book-author { color: var(--muted); }
.chapter-list { list-style: none; padding: 0; }
.chapter-list li { padding: .8rem 0; border-bottom: 1px solid var(--border); }
.chapter-list li > a { display: flex; gap: .6rem; font-size: 1.15rem; font-weight: 600; }
.chapter-list-summary { margin: .2rem 0 0 2rem; color: var(--muted); }
p code, li code, td code, th code, figcaption code { font-family: var(--mono); font-size: .88em; background: var(--code-bg);
  padding: .1em .35em; border-radius: 4px; }
pre { font-family: var(--mono); font-size: .85rem; line-height: 1.5; overflow-x: auto; }
article > pre, article pre:not(.output):not(.code-swift):not(.error-message) { background: var(--code-bg); padding: .8rem 1rem; border-radius: 8px; }
blockquote { margin: 1rem 0; padding: .2rem 1rem; border-left: 3px solid var(--border); color: var(--muted); }
article table:not(.data-table) { border-collapse: collapse; margin: 1rem 0; }
article table:not(.data-table) th, article table:not(.data-table) td { border: 1px solid var(--border); padding: .35rem .7rem; }
img { max-width: 100%; }
.inline-value { font-variant-numeric: tabular-nums; background: var(--accent-soft); border-radius: 4px; padding: 0 .25em; }
.inline-missing, .xref-missing { color: var(--error); background: var(--error-bg); border: 1px dashed var(--error); border-radius: 4px; padding: 0 .25em; }
.math.display { display: block; overflow-x: auto; text-align: center; margin: 1rem 0; }
.math:not(.rendered) { font-family: var(--mono); font-size: .9em; }

/* Cells */
.cell { margin: 1.3rem 0; }
.cell .code { position: relative; }
.code-swift { margin: 0; background: var(--code-bg); border: 1px solid var(--border); border-left: 3px solid var(--accent);
  border-radius: 8px; padding: .8rem 1rem; }
.cell-failed .code-swift { border-left-color: var(--error); }
.cell-expected-error .code-swift { border-left-color: var(--expected); }
.cell-not-run .code-swift, .cell-skipped .code-swift { border-left-color: var(--muted); }
.copy-button { position: absolute; top: .45rem; right: .45rem; font: 600 .72rem var(--font); padding: .25rem .55rem;
  border: 1px solid var(--border); border-radius: 5px; background: var(--bg); color: var(--muted); cursor: pointer; opacity: 0; transition: opacity .15s; }
.cell .code:hover .copy-button, .copy-button:focus { opacity: 1; }
.copy-button.copied { color: var(--accent); opacity: 1; }
.hl-keyword { color: var(--hl-keyword); font-weight: 600; }
.hl-type { color: var(--hl-type); }
.hl-string { color: var(--hl-string); }
.hl-number { color: var(--hl-number); }
.hl-comment, .hl-doc-comment { color: var(--hl-comment); font-style: italic; }
.hl-function { color: var(--hl-function); }
.hl-attribute { color: var(--hl-attribute); }
.hl-label { color: var(--hl-label); }
.hl-directive { color: var(--hl-directive); }
.cell-output { margin: .4rem 0 0; }
pre.output { margin: .4rem 0 0; padding: .6rem 1rem; background: var(--output-bg); border: 1px solid var(--border);
  border-radius: 8px; white-space: pre-wrap; word-break: break-word; }
.output-collapsible pre.output-head { border-bottom-left-radius: 0; border-bottom-right-radius: 0; }
.output-more summary { cursor: pointer; font-size: .85rem; color: var(--accent); padding: .3rem 1rem; border: 1px solid var(--border);
  border-top: 0; border-radius: 0 0 8px 8px; background: var(--output-bg); }
.output-more[open] summary { border-radius: 0; }
.output-more pre.output-rest { margin: 0; border-top: 0; border-top-left-radius: 0; border-top-right-radius: 0; }
.output-image { margin: .6rem 0 0; text-align: center; }
.output-image svg, .output-image img { max-width: 100%; height: auto; background: var(--figure-bg); border-radius: 6px; }
.output-html { margin: .6rem 0 0; overflow-x: auto; }
figure { margin: 1rem 0 0; }
figcaption { font-size: .92rem; color: var(--muted); text-align: center; margin: .5rem auto 0; max-width: 40rem; }
.table-figure figcaption { margin: 0 auto .4rem; }
.caption-number { font-weight: 650; color: var(--fg); }
.table-wrap { overflow-x: auto; margin: .5rem 0 0; }
.data-table { border-collapse: collapse; margin: 0 auto; font-size: .9rem; font-variant-numeric: tabular-nums; }
.data-table th { text-align: left; border-bottom: 2px solid var(--fg); padding: .35rem .8rem; }
.data-table td { border-bottom: 1px solid var(--border); padding: .3rem .8rem; }
.data-table .num { text-align: right; }
.data-table tbody tr:hover { background: var(--accent-soft); }
.cell-error { margin: .5rem 0 0; border: 1px solid var(--error); background: var(--error-bg); border-radius: 8px; padding: .5rem 1rem; }
.cell-error .error-title { font-weight: 650; color: var(--error); font-size: .9rem; }
.error-location { font-family: var(--mono); font-weight: 400; font-size: .85rem; margin-left: .4rem; }
.cell-error .error-message { margin: .3rem 0 0; white-space: pre-wrap; word-break: break-word; color: var(--fg); }
.cell-error.expected { border-color: var(--expected); background: var(--expected-bg); border-style: dashed; }
.cell-error.expected .error-title { color: var(--expected); }
.cell-status, .cell-note { margin: .4rem 0 0; font-size: .85rem; color: var(--muted); background: var(--note-bg);
  border-radius: 6px; padding: .3rem .8rem; }
.cell-not-run .code-swift { opacity: .7; }

/* Previous / next */
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 3rem !important; padding-top: 1.2rem; border-top: 1px solid var(--border); }
.pager a { display: flex; flex-direction: column; padding: .6rem 1rem; border: 1px solid var(--border); border-radius: 8px; max-width: 48%; }
.pager a:hover { border-color: var(--accent); text-decoration: none; }
.pager-next { text-align: right; margin-left: auto; }
.pager-dir { font-size: .8rem; color: var(--muted); }
.pager-title { font-weight: 600; }
.book-part + .book-part { border-top: 2px solid var(--border); margin-top: 3rem !important; padding-top: 1rem; }

/* Narrower screens: no outline; phones: chapters behind the menu button */
@media (max-width: 1200px) {
  .layout { grid-template-columns: 16rem minmax(0, 1fr); }
  .outline { display: none; }
}
@media (max-width: 860px) {
  .layout { display: block; }
  .menu-toggle { display: inline-block; }
  .sidebar { position: fixed; left: 0; top: var(--topbar); bottom: 0; width: min(20rem, 85vw); height: auto; z-index: 15;
    transform: translateX(-105%); transition: transform .2s ease; box-shadow: 0 0 24px rgba(0,0,0,.2); }
  body.sidebar-open .sidebar { transform: none; }
  .content { padding: 1.2rem 1rem 3rem; }
  body { font-size: 16px; }
  article h1 { font-size: 1.7rem; }
  .book-name { font-size: 2rem; }
  .copy-button { opacity: 1; }
  .code-swift { padding-right: 4.2rem; }
  .pager { flex-direction: column; }
  .pager a { max-width: 100%; }
}

/* Paper */
@media print {
  :root, :root[data-theme="dark"] {
    --bg: #fff; --fg: #000; --muted: #444; --accent: #000; --code-bg: #f6f6f6; --output-bg: #fff; --border: #ccc;
    --figure-bg: #fff; color-scheme: light;
  }
  .topbar, .sidebar, .outline, .pager, .copy-button, .anchor, .output-more summary { display: none !important; }
  .layout { display: block; }
  .content { padding: 0; }
  body { font-size: 11pt; }
  a { color: inherit; }
  pre { white-space: pre-wrap; word-break: break-word; }
  .cell, figure, .data-table tr { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  .book-part { break-before: page; }
}
"""#
}
