import Foundation

/// How `renderBook` writes the book.
public struct RenderOptions: Sendable {
    /// Also write the whole book as one self-contained HTML file, `singleFileName`, into the output folder.
    public var singleFile: Bool
    public var singleFileName: String
    /// `check` mode: an unknown `@fig-`/`@tbl-` reference or a repeated label is an error, not a warning.
    public var strictReferences: Bool
    /// Where KaTeX lives (Debian's libjs-katex); when absent, math shows as its TeX source.
    public var katexDirectory: URL?

    public init(singleFile: Bool = false, singleFileName: String = "book.html", strictReferences: Bool = false,
                katexDirectory: URL? = URL(fileURLWithPath: "/usr/share/javascript/katex")) {
        self.singleFile = singleFile; self.singleFileName = singleFileName
        self.strictReferences = strictReferences; self.katexDirectory = katexDirectory
    }
}

/// Renders the book into `output`: `index.html`, one `NAME.html` per chapter, `assets/` (style,
/// script, search index, KaTeX), and with `options.singleFile` the whole book as one file. Pages are
/// written atomically; pages of chapters no longer in the book are removed. Returns the problems
/// found (unknown references, repeated labels), as errors under `strictReferences`, else warnings.
public func renderBook(_ book: BookInfo, chapters: [(Chapter, ChapterResult)], to output: URL,
                       options: RenderOptions = RenderOptions()) throws -> [Diagnostic] {
    let renderer = BookRenderer(book: book, chapters: chapters, options: options)
    let site = renderer.site()
    try site.write(to: output)
    var diagnostics = site.diagnostics
    if options.singleFile {
        let single = renderer.singleFile()
        try Site.writeAtomically(Data(single.html.utf8), to: output.appendingPathComponent(options.singleFileName))
        diagnostics = single.diagnostics  // the same problems, found once more: report them once
    }
    return diagnostics
}

/// The whole book as one self-contained HTML page (styles, scripts, search index, KaTeX and its fonts
/// inlined; images embedded), and the problems found rendering it.
public func renderSingleFile(_ book: BookInfo, chapters: [(Chapter, ChapterResult)],
                             options: RenderOptions = RenderOptions()) -> (html: String, diagnostics: [Diagnostic]) {
    BookRenderer(book: book, chapters: chapters, options: options).singleFile()
}

/// A rendered page's article and what was learnt rendering it.
struct RenderedPage {
    var name: String
    var title: String
    var article: String
    var state: PageState
}

/// Renders pages from the pipeline's values; writes nothing itself.
struct BookRenderer {
    var book: BookInfo
    var chapters: [(Chapter, ChapterResult)]
    var options: RenderOptions
    var numbering: Numbering
    var toc: [TOCEntry]
    var katexAvailable: Bool

    init(book: BookInfo, chapters: [(Chapter, ChapterResult)], options: RenderOptions) {
        self.book = book; self.chapters = chapters; self.options = options
        let numbering = Numbering(chapters: chapters.map(\.0), strict: options.strictReferences)
        self.numbering = numbering
        toc = chapters.map { chapter, result in
            TOCEntry(name: chapter.name, number: numbering.chapterNumbers[chapter.name] ?? 0,
                     title: BookRenderer.title(of: chapter), summary: chapter.frontMatter.summary, failed: result.failed)
        }
        katexAvailable = options.katexDirectory.map {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("katex.min.js").path)
        } ?? false
    }

    static func title(of chapter: Chapter) -> String {
        if let title = chapter.frontMatter.title, !title.isEmpty { return title }
        return chapter.name
    }

    var layout: PageLayout { PageLayout(book: book, toc: toc, katex: katexAvailable) }

    func renderChapter(_ chapter: Chapter, _ result: ChapterResult, singleFile: Bool) -> RenderedPage {
        let title = Self.title(of: chapter)
        let number = numbering.chapterNumbers[chapter.name] ?? 0
        let state = PageState(links: Links(singleFile: singleFile, page: chapter.name), pageTitle: "\(number) \(title)", sourcePath: chapter.path)
        let prose = ProseRenderer(numbering: numbering, chapterName: chapter.name, inlineValues: result.inlineValues,
                                  strictReferences: options.strictReferences)
        let cells = CellRenderer(prose: prose, numbering: numbering, chapterName: chapter.name)
        // Figure and table labels keep their names as anchors; headings and cells take others.
        if let own = numbering.labelsByChapter[chapter.name] { state.usedIDs.formUnion(own.keys) }
        let titleID = singleFile ? chapter.name : state.uniqueAnchor("top")
        var html = "<header class=\"chapter-header\"><h1 class=\"chapter-title\" id=\"\(HTML.escape(titleID))\">"
        html += "<span class=\"chapter-number\">\(number)</span> \(HTML.escape(title))</h1>"
        if let summary = chapter.frontMatter.summary { html += "<p class=\"chapter-summary\">\(HTML.escape(summary))</p>" }
        html += "</header>\n"
        let resultsByIndex = Dictionary(result.cells.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        for block in chapter.blocks {
            switch block {
            case .prose(let p):
                html += prose.block(p.markdown, line: p.line, inlines: p.inlines, state: state)
            case .cell(let cell):
                html += cells.render(cell, result: resultsByIndex[cell.index], state: state)
            }
        }
        if let summary = chapter.frontMatter.summary { state.sections[0].text = summary + " " + state.sections[0].text }
        return RenderedPage(name: chapter.name, title: "\(number) \(title)", article: html, state: state)
    }

    func renderIndex(singleFile: Bool) -> RenderedPage {
        let state = PageState(links: Links(singleFile: singleFile, page: "index"), pageTitle: book.title, sourcePath: "chapters/\(BookInfo.fileName)")
        let prose = ProseRenderer(numbering: numbering, chapterName: "", inlineValues: [:], strictReferences: options.strictReferences)
        var html = "<header class=\"book-header\"><h1 class=\"book-name\" id=\"\(singleFile ? "index" : "top")\">\(HTML.escape(book.title))</h1>"
        if let subtitle = book.subtitle { html += "<p class=\"book-subtitle\">\(HTML.escape(subtitle))</p>" }
        if let author = book.author { html += "<p class=\"book-author\">\(HTML.escape(author))</p>" }
        html += "</header>\n"
        if !book.introduction.isEmpty {
            html += "<section class=\"introduction\">\n" + prose.block(book.introduction, line: 1, inlines: [], state: state) + "</section>\n"
        }
        html += "<section class=\"contents\"><h2 id=\"\(state.links.id("contents"))\">Contents</h2>\n<ol class=\"chapter-list\">\n"
        for entry in toc {
            let href = state.links.href(page: entry.name)
            html += "<li><a href=\"\(HTML.escape(href))\"><span class=\"toc-num\">\(entry.number)</span><span class=\"chapter-list-title\">\(HTML.escape(entry.title))</span></a>"
            if let summary = entry.summary { html += "<p class=\"chapter-list-summary\">\(HTML.escape(summary))</p>" }
            html += "</li>\n"
        }
        html += "</ol></section>\n"
        return RenderedPage(name: "index", title: book.title, article: html, state: state)
    }

    /// Every page and asset of the multi-page site.
    func site() -> Site {
        var site = Site()
        let index = renderIndex(singleFile: false)
        let pages = chapters.map { renderChapter($0.0, $0.1, singleFile: false) }
        let usesMath = ([index] + pages).contains { $0.state.usesMath }
        site.pages["index.html"] = layout.page(title: index.title, current: nil, article: index.article,
                                               outline: [], usesMath: index.state.usesMath)
        for page in pages {
            site.pages["\(page.name).html"] = layout.page(title: page.title, current: page.name, article: page.article,
                                                          outline: page.state.outline, usesMath: page.state.usesMath)
        }
        site.assets["assets/segbook.css"] = Data(Assets.css.utf8)
        site.assets["assets/segbook.js"] = Data(Assets.script.utf8)
        site.assets["assets/search-index.js"] = Data(SearchIndex.script(pages: [index] + pages).utf8)
        if usesMath, katexAvailable, let dir = options.katexDirectory { site.katexSource = dir }
        site.diagnostics = numbering.diagnostics + ([index] + pages).flatMap(\.state.diagnostics)
        return site
    }

    /// The book as one page.
    func singleFile() -> (html: String, diagnostics: [Diagnostic]) {
        let index = renderIndex(singleFile: true)
        let pages = chapters.map { renderChapter($0.0, $0.1, singleFile: true) }
        let all = [index] + pages
        let usesMath = all.contains { $0.state.usesMath } && katexAvailable
        var styles = "<style>\n\(Assets.css)\n</style>"
        if usesMath, let dir = options.katexDirectory, let css = KaTeX.inlinedCSS(from: dir) {
            styles += "\n<style>\n\(css)\n</style>"
        }
        var html = layout.head(title: book.title, usesMath: false, styles: styles)
        html += "<body class=\"single-file\">\n" + layout.topBar(homeHref: "#index")
        html += "<div class=\"layout\">\n"
        html += layout.sidebar(current: "", href: { "#\($0)" }, homeHref: "#index")  // one page: no entry is "current"
        html += "<main class=\"content\" id=\"content\">\n"
        for page in all {
            html += "<article class=\"book-part\" id=\"part-\(HTML.escape(page.name))\">\n\(page.article)</article>\n"
        }
        html += "</main>\n<aside class=\"outline\"></aside>\n</div>\n"
        html += "<script>\n\(SearchIndex.script(pages: all))\n</script>\n"
        if usesMath, let dir = options.katexDirectory,
           let js = try? String(contentsOf: dir.appendingPathComponent("katex.min.js"), encoding: .utf8) {
            html += "<script>\n\(js.replacingOccurrences(of: "</script", with: "<\\/script"))\n</script>\n"
        }
        html += "<script>\n\(Assets.script)\n</script>\n</body>\n</html>\n"
        return (html, numbering.diagnostics + all.flatMap(\.state.diagnostics))
    }
}
