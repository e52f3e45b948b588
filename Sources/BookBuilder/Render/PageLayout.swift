import Foundation

/// One entry of the book's table of contents.
struct TOCEntry: Sendable {
    var name: String
    var number: Int
    var title: String
    var summary: String?
    var failed: Bool
}

/// The frame around every page: top bar, sidebar with search and all chapters, the article, the
/// outline of its sections, previous/next links. Assets are referenced relative to the page.
struct PageLayout {
    var book: BookInfo
    var toc: [TOCEntry]
    /// Whether KaTeX's files are in `assets/katex/`.
    var katex: Bool

    /// A full page. `current` is the chapter's name (nil on the front page).
    func page(title: String, current: String?, article: String, outline: [OutlineEntry], usesMath: Bool) -> String {
        let pageTitle = current == nil ? book.title : "\(title) · \(book.title)"
        var html = head(title: pageTitle, usesMath: usesMath, styles: "<link rel=\"stylesheet\" href=\"assets/segbook.css\">")
        html += "<body>\n" + topBar(homeHref: "index.html")
        html += "<div class=\"layout\">\n"
        html += sidebar(current: current, href: { "\($0).html" }, homeHref: "index.html")
        html += "<main class=\"content\" id=\"content\">\n<article>\n\(article)</article>\n"
        html += pager(current: current)
        html += "</main>\n"
        html += outlineHTML(outline)
        html += "</div>\n"
        html += "<script src=\"assets/search-index.js\"></script>\n"
        if usesMath && katex { html += "<script src=\"assets/katex/katex.min.js\"></script>\n" }
        html += "<script src=\"assets/segbook.js\"></script>\n</body>\n</html>\n"
        return html
    }

    func head(title: String, usesMath: Bool, styles: String) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="segbook">
        <title>\(HTML.escape(title))</title>
        <script>\(Assets.themeBootstrap)</script>

        """
        html += styles + "\n"
        if usesMath && katex && !styles.contains("<style") { html += "<link rel=\"stylesheet\" href=\"assets/katex/katex.min.css\">\n" }
        return html + "</head>\n"
    }

    func topBar(homeHref: String) -> String {
        """
        <header class="topbar">
        <button class="menu-toggle" type="button" aria-label="Show chapters" aria-controls="sidebar" aria-expanded="false">☰</button>
        <a class="book-title" href="\(homeHref)">\(HTML.escape(book.title))</a>
        <button class="theme-toggle" type="button" aria-label="Switch between light and dark" title="Light / dark">◐</button>
        </header>

        """
    }

    func sidebar(current: String?, href: (String) -> String, homeHref: String) -> String {
        var html = "<nav class=\"sidebar\" id=\"sidebar\" aria-label=\"Chapters\">\n"
        html += "<div class=\"search\"><input type=\"search\" id=\"search-input\" placeholder=\"Search the book\" aria-label=\"Search the book\" autocomplete=\"off\">"
        html += "<ol id=\"search-results\" class=\"search-results\" hidden></ol></div>\n"
        html += "<ol class=\"toc\">\n"
        html += "<li\(current == nil ? " class=\"current\" aria-current=\"page\"" : "")><a href=\"\(homeHref)\"><span class=\"toc-num\"></span>Overview</a></li>\n"
        for entry in toc {
            let isCurrent = entry.name == current
            var attrs = ""
            if isCurrent { attrs += " class=\"current\" aria-current=\"page\"" }
            let mark = entry.failed ? " <span class=\"toc-failed\" title=\"A cell of this chapter failed\">!</span>" : ""
            html += "<li\(attrs)><a href=\"\(HTML.escape(href(entry.name)))\"><span class=\"toc-num\">\(entry.number)</span>\(HTML.escape(entry.title))\(mark)</a></li>\n"
        }
        return html + "</ol>\n</nav>\n"
    }

    func pager(current: String?) -> String {
        let index = current.flatMap { name in toc.firstIndex { $0.name == name } }
        let previous: (href: String, label: String)?
        let next: (href: String, label: String)?
        if let index {
            previous = index > 0 ? ("\(toc[index - 1].name).html", "\(toc[index - 1].number) \(toc[index - 1].title)") : ("index.html", "Overview")
            next = index + 1 < toc.count ? ("\(toc[index + 1].name).html", "\(toc[index + 1].number) \(toc[index + 1].title)") : nil
        } else {
            previous = nil
            next = toc.first.map { ("\($0.name).html", "\($0.number) \($0.title)") }
        }
        var html = "<nav class=\"pager\" aria-label=\"Previous and next chapters\">"
        if let previous {
            html += "<a class=\"pager-prev\" rel=\"prev\" href=\"\(HTML.escape(previous.href))\"><span class=\"pager-dir\">← Previous</span><span class=\"pager-title\">\(HTML.escape(previous.label))</span></a>"
        } else { html += "<span></span>" }
        if let next {
            html += "<a class=\"pager-next\" rel=\"next\" href=\"\(HTML.escape(next.href))\"><span class=\"pager-dir\">Next →</span><span class=\"pager-title\">\(HTML.escape(next.label))</span></a>"
        }
        return html + "</nav>\n"
    }

    func outlineHTML(_ outline: [OutlineEntry]) -> String {
        let entries = outline.filter { $0.level >= 2 && $0.level <= 3 }
        guard !entries.isEmpty else { return "<aside class=\"outline\" aria-label=\"On this page\"></aside>\n" }
        var html = "<aside class=\"outline\" aria-label=\"On this page\"><div class=\"outline-title\">On this page</div><ul>\n"
        for entry in entries {
            html += "<li class=\"outline-h\(entry.level)\"><a href=\"#\(HTML.escape(entry.id))\">\(HTML.escape(entry.title))</a></li>\n"
        }
        return html + "</ul></aside>\n"
    }
}
