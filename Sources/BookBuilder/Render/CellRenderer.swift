import Foundation

/// A code cell and what it produced, as HTML: highlighted code with a copy button (unless
/// `echo: false`), then its output (unless `output: false`), its figure or table caption, and its
/// error or status. Everything the cell printed is escaped.
struct CellRenderer {
    var prose: ProseRenderer
    var numbering: Numbering
    var chapterName: String
    /// Text outputs longer than this many lines show their first `previewLines` and a "show all".
    var collapseAfterLines = 30
    var previewLines = 20

    func render(_ cell: Cell, result: CellResult?, state: PageState) -> String {
        let options = cell.options
        let status = result?.status ?? (options.eval ? .notRun : .skipped)
        var classes = ["cell"]
        switch status {
        case .ok: break
        case .failed: classes.append("cell-failed")
        case .expectedFailure: classes.append("cell-expected-error")
        case .notRun: classes.append("cell-not-run")
        case .skipped: classes.append("cell-skipped")
        }
        let cellAnchor = state.uniqueAnchor("cell-\(cell.index + 1)")
        var html = "<div class=\"\(classes.joined(separator: " "))\" id=\"\(HTML.escape(state.links.id(cellAnchor)))\" data-line=\"\(cell.line)\">\n"

        if options.echo {
            html += "<div class=\"code\"><button class=\"copy-button\" type=\"button\" title=\"Copy code\" aria-label=\"Copy code\">Copy</button>"
            html += "<pre class=\"code-swift\"><code>\(SwiftHighlighter.html(cell.code))</code></pre></div>\n"
        }

        var body = ""
        if options.output, let result {
            if !result.output.isEmpty { body += textBlock(result.output, classes: "output-stream") }
            if result.truncated {
                body += "<div class=\"cell-note\">Output cut at the per-cell limit.</div>\n"
            }
            for (k, display) in result.displays.enumerated() {
                body += displayHTML(display, idPrefix: state.links.id("\(cellAnchor)-d\(k + 1)"))
            }
        }
        html += captioned(body, cell: cell, state: state)

        switch status {
        case .failed(let message, let line):
            html += errorBlock(title: "Error", message: message, line: line ?? cell.fenceLine, state: state, expected: false)
        case .expectedFailure(let message, let line):
            html += errorBlock(title: "Expected error", message: message, line: line ?? cell.fenceLine, state: state, expected: true)
        case .notRun:
            html += "<div class=\"cell-status not-run\">Not run: an earlier cell of this chapter failed.</div>\n"
        case .skipped, .ok:
            break
        }
        html += "</div>\n"
        return html
    }

    /// Wraps outputs in a numbered `<figure>` when the cell has a `fig-`/`tbl-` label or a caption.
    private func captioned(_ body: String, cell: Cell, state: PageState) -> String {
        let options = cell.options
        let numbered = options.label.flatMap { numbering.labelsByChapter[chapterName]?[$0] }
        let caption = numbered?.kind == .table ? (options.tblCap ?? options.figCap) : (options.figCap ?? options.tblCap)
        guard numbered != nil || caption != nil else {
            return body.isEmpty ? "" : "<div class=\"cell-output\">\n\(body)</div>\n"
        }
        let kind = numbered?.kind ?? (options.tblCap != nil ? .table : .figure)
        var captionHTML = ""
        if let numbered { captionHTML += "<span class=\"caption-number\">\(numbered.text)</span>" }
        if let caption {
            if !captionHTML.isEmpty { captionHTML += ": " }
            captionHTML += prose.inline(caption, line: cell.fenceLine, state: state)
        }
        state.addText(HTML.plainText(captionHTML))
        let id = numbered.map { " id=\"\(HTML.escape(state.links.id($0.label)))\"" } ?? ""
        let className = kind == .table ? "cell-output table-figure" : "cell-output figure"
        let figcaption = "<figcaption>\(captionHTML)</figcaption>\n"
        // Tables take their caption above (as in papers); figures below.
        return "<figure class=\"\(className)\"\(id)>\n"
            + (kind == .table ? figcaption + body : body + figcaption)
            + "</figure>\n"
    }

    /// Monospace text; long text shows its beginning and a "show all" that reveals the rest.
    func textBlock(_ text: String, classes: String) -> String {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard lines.count > collapseAfterLines else {
            return "<pre class=\"output \(classes)\">\(HTML.escape(lines.joined(separator: "\n")))</pre>\n"
        }
        let head = lines[..<previewLines].joined(separator: "\n")
        let rest = lines[previewLines...].joined(separator: "\n")
        return "<div class=\"output-collapsible\"><pre class=\"output \(classes) output-head\">\(HTML.escape(head))</pre>"
            + "<details class=\"output-more\"><summary>Show all \(lines.count) lines</summary>"
            + "<pre class=\"output \(classes) output-rest\">\(HTML.escape(rest))</pre></details></div>\n"
    }

    private func displayHTML(_ display: Display, idPrefix: String) -> String {
        switch display {
        case .text(let text):
            return textBlock(text, classes: "output-value")
        case .table(let table):
            return tableHTML(table)
        case .svg(let svg):
            return "<div class=\"output-image output-svg\">\(SVG.inlined(svg, idPrefix: idPrefix))</div>\n"
        case .png(let data):
            return "<div class=\"output-image output-png\"><img alt=\"\" src=\"data:image/png;base64,\(data.base64EncodedString())\"></div>\n"
        case .html(let html):
            return "<div class=\"output-html\">\(html)</div>\n"
        }
    }

    private func tableHTML(_ table: Table) -> String {
        let columns = table.columns.count
        let numeric = (0..<columns).map { c in
            let values = table.rows.compactMap { c < $0.count ? $0[c] : nil }.filter { !$0.isEmpty }
            return !values.isEmpty && values.allSatisfy(Self.looksNumeric)
        }
        var html = "<div class=\"table-wrap\"><table class=\"data-table\">\n<thead><tr>"
        for (c, column) in table.columns.enumerated() {
            html += "<th\(numeric[c] ? " class=\"num\"" : "")>\(HTML.escape(column))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>"
            for c in 0..<max(columns, row.count) {
                let value = c < row.count ? row[c] : ""
                html += "<td\(c < columns && numeric[c] ? " class=\"num\"" : "")>\(HTML.escape(value))</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table></div>\n"
    }

    static func looksNumeric(_ s: String) -> Bool {
        var t = s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        for suffix in ["%", "×", "x", " M", " G", " K", "M", "G", "K", " ms", " s", "ms", "s"] where t.hasSuffix(suffix) {
            t = String(t.dropLast(suffix.count)); break
        }
        return Double(t.replacingOccurrences(of: "−", with: "-")) != nil
    }

    private func errorBlock(title: String, message: String, line: Int, state: PageState, expected: Bool) -> String {
        let location = "\(state.sourcePath):\(line)"
        return "<div class=\"cell-error\(expected ? " expected" : "")\" role=\"\(expected ? "note" : "alert")\">"
            + "<div class=\"error-title\">\(title) <span class=\"error-location\">\(HTML.escape(location))</span></div>"
            + "<pre class=\"error-message\">\(HTML.escape(message))</pre></div>\n"
    }
}

/// SVG from a cell, made fit to sit inline beside others on one page.
enum SVG {
    /// Drops the XML prolog and prefixes every `id` (and each `#id` reference) with `idPrefix`: Cairo
    /// names glyphs `glyph-0-1` in every file, and two inline SVGs would otherwise borrow each other's glyphs.
    /// One pass over the bytes (Foundation's regular expressions took most of a cached rebuild: the
    /// full book's SVGs are megabytes).
    static func inlined(_ svg: String, idPrefix: String) -> String {
        let bytes = Array(svg.utf8), n = bytes.count
        let prefix = Array((idPrefix + "-").utf8)
        let prolog = Array("<?xml".utf8), doctype = Array("<!doctype".utf8)
        // (token, must follow a non-word byte): `id="` but not `grid="`.
        let tokens: [([UInt8], Bool)] = [(Array("id=\"".utf8), true), (Array("href=\"#".utf8), false), (Array("url(#".utf8), false)]
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
        func matches(_ w: [UInt8], at i: Int, caseInsensitive: Bool = false) -> Bool {
            guard i + w.count <= n else { return false }
            for k in 0..<w.count where (caseInsensitive ? lower(bytes[i + k]) : bytes[i + k]) != w[k] { return false }
            return true
        }
        func isWord(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        var out: [UInt8] = []
        out.reserveCapacity(n + n / 16)
        var i = 0
        scan: while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "<"), matches(prolog, at: i, caseInsensitive: true) || matches(doctype, at: i, caseInsensitive: true) {
                // The XML prolog and doctype: dropped, through their closing '>'.
                while i < n && bytes[i] != UInt8(ascii: ">") { i += 1 }
                i += 1
                continue
            }
            if b == UInt8(ascii: "i") || b == UInt8(ascii: "h") || b == UInt8(ascii: "u") {
                for (token, needsBoundary) in tokens
                where token[0] == b && matches(token, at: i) && (!needsBoundary || i == 0 || !isWord(bytes[i - 1])) {
                    out.append(contentsOf: token)
                    out.append(contentsOf: prefix)
                    i += token.count
                    continue scan
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
