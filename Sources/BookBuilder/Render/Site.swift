import Foundation

/// The multi-page site in memory: pages and assets by path relative to the output folder.
struct Site {
    var pages: [String: String] = [:]
    var assets: [String: Data] = [:]
    /// KaTeX's folder, copied to `assets/katex/` when some page has math.
    var katexSource: URL?
    var diagnostics: [Diagnostic] = []

    /// Writes every file atomically; removes pages an earlier build wrote for chapters no longer in the book.
    func write(to output: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: output, withIntermediateDirectories: true)
        for (path, data) in assets.sorted(by: { $0.key < $1.key }) {
            try Self.writeAtomically(data, to: output.appendingPathComponent(path))
        }
        if let katex = katexSource { try KaTeX.copy(from: katex, to: output.appendingPathComponent("assets/katex")) }
        for (path, html) in pages.sorted(by: { $0.key < $1.key }) {
            try Self.writeAtomically(Data(html.utf8), to: output.appendingPathComponent(path))
        }
        for stale in (try? fm.contentsOfDirectory(atPath: output.path)) ?? [] where stale.hasSuffix(".html") && pages[stale] == nil {
            let url = output.appendingPathComponent(stale)
            if let head = try? FileHandle(forReadingFrom: url).readData(ofLength: 1024),
               String(decoding: head, as: UTF8.self).contains("<meta name=\"generator\" content=\"segbook\">") {
                try? fm.removeItem(at: url)
            }
        }
    }

    /// Writes through a temporary file in the same folder and a rename, so a reader (or a killed
    /// build) never sees half a file. Leaves a file whose contents are unchanged untouched.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let existing = fm.contents(atPath: url.path), existing == data { return }
        try data.write(to: url, options: .atomic)
    }
}

/// KaTeX from Debian's libjs-katex and fonts-katex, for pages that work with no network.
enum KaTeX {
    static let files = ["katex.min.js", "katex.min.css"]

    /// Copies the script, the style sheet and the fonts it names into `destination`.
    static func copy(from source: URL, to destination: URL) throws {
        let fm = FileManager.default
        for file in files {
            guard let data = fm.contents(atPath: source.appendingPathComponent(file).path) else { continue }
            try Site.writeAtomically(data, to: destination.appendingPathComponent(file))
        }
        let fonts = source.appendingPathComponent("fonts")
        for font in (try? fm.contentsOfDirectory(atPath: fonts.path)) ?? [] where font.hasPrefix("KaTeX_") {
            guard let data = fm.contents(atPath: fonts.appendingPathComponent(font).path) else { continue }
            try Site.writeAtomically(data, to: destination.appendingPathComponent("fonts/\(font)"))
        }
    }

    /// KaTeX's style sheet with its fonts inlined as woff2 data (the other formats dropped), for the single file.
    static func inlinedCSS(from source: URL) -> String? {
        guard var css = try? String(contentsOf: source.appendingPathComponent("katex.min.css"), encoding: .utf8) else { return nil }
        css = css.replacingOccurrences(of: ",url\\(fonts/[^)]+\\.(woff|ttf)\\) format\\('(woff|truetype)'\\)", with: "", options: .regularExpression)
        let pattern = try! NSRegularExpression(pattern: "url\\(fonts/([^)]+\\.woff2)\\)")
        let ns = css as NSString
        var out = ""
        var last = 0
        for match in pattern.matches(in: css, range: NSRange(location: 0, length: ns.length)) {
            out += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            let name = ns.substring(with: match.range(at: 1))
            if let data = FileManager.default.contents(atPath: source.appendingPathComponent("fonts/\(name)").path) {
                out += "url(data:font/woff2;base64,\(data.base64EncodedString()))"
            } else {
                out += "local('\(name)')"
            }
            last = match.range.location + match.range.length
        }
        return out + ns.substring(from: last)
    }
}

/// The client-side search index: one entry per section (page title, heading, href, text), written as
/// a script (`window.segbookSearch = [...]`) so it loads from `file://` too, where `fetch` is refused.
enum SearchIndex {
    struct Entry: Encodable {
        var page: String
        var heading: String
        var href: String
        var text: String
    }

    static func entries(pages: [RenderedPage]) -> [Entry] {
        pages.flatMap { page in
            page.state.sections.map { Entry(page: page.title, heading: $0.heading, href: $0.href, text: $0.text) }
        }
    }

    static func script(pages: [RenderedPage]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(entries(pages: pages))).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        // JSONEncoder writes "/" as "\/", so the text can never close an inline <script>.
        return "window.segbookSearch = \(json);\n"
    }
}
