import Foundation

/// Prose to HTML: Markdown through cmark-gfm, with math, inline values and cross-references put back
/// in place of the scanner's placeholders, and an anchor on every heading.
struct ProseRenderer {
    var numbering: Numbering
    var chapterName: String
    /// Inline values by `InlineExpression.id`.
    var inlineValues: [Int: String]
    var strictReferences: Bool

    /// A block of prose. `inlines` are the chapter parser's inline expressions of this prose, in order.
    func block(_ markdown: String, line: Int, inlines: [InlineExpression], state: PageState) -> String {
        var html = markdownWithTokens(markdown, line: line, inlines: inlines, state: state)
        html = anchorHeadings(html, state: state)
        return html
    }

    /// A caption or other one-paragraph text: the same treatment without the enclosing `<p>`.
    func inline(_ markdown: String, line: Int, state: PageState) -> String {
        var html = markdownWithTokens(markdown, line: line, inlines: [], state: state)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if html.hasPrefix("<p>"), html.hasSuffix("</p>"), html.components(separatedBy: "<p>").count == 2 {
            html = String(html.dropFirst(3).dropLast(4))
        }
        return html
    }

    private func markdownWithTokens(_ markdown: String, line: Int, inlines: [InlineExpression], state: PageState) -> String {
        let scanned = ProseScanner.scan(markdown)
        var html = Markdown.html(scanned.markdown)
        for (i, entry) in scanned.tokens.enumerated().reversed() {
            let replacement = tokenHTML(entry.token, line: line + entry.line - 1, inlines: inlines, state: state)
            html = html.replacingOccurrences(of: ProseScanner.placeholder(i), with: replacement)
        }
        return html
    }

    private func tokenHTML(_ token: ProseScanner.Token, line: Int, inlines: [InlineExpression], state: PageState) -> String {
        switch token {
        case .inlineMath(let tex):
            state.usesMath = true
            return "<span class=\"math inline\">\\(\(HTML.escape(tex))\\)</span>"
        case .displayMath(let tex):
            state.usesMath = true
            return "<span class=\"math display\">\\[\(HTML.escape(tex))\\]</span>"
        case .inlineValue(let ordinal, let expression):
            let match = ordinal < inlines.count && inlines[ordinal].expression.trimmingCharacters(in: .whitespaces) == expression
                ? inlines[ordinal]
                : inlines.first { $0.expression.trimmingCharacters(in: .whitespaces) == expression }
            if let match, let value = inlineValues[match.id] {
                return "<span class=\"inline-value\" title=\"\(HTML.escape(expression))\">\(HTML.escape(value))</span>"
            }
            return "<code class=\"inline-missing\" title=\"This value was not computed\">{swift} \(HTML.escape(expression))</code>"
        case .reference(let label):
            if let target = numbering.resolve(label, in: chapterName) {
                let href = state.links.href(page: target.chapter, anchor: target.label)
                return "<a class=\"xref\" href=\"\(HTML.escape(href))\">\(target.text)</a>"
            }
            state.diagnostics.append(Diagnostic(file: state.sourcePath, line: line,
                                                message: "unknown reference '@\(label)'",
                                                severity: strictReferences ? .error : .warning))
            return "<span class=\"xref-missing\" title=\"No figure or table has this label\">@\(HTML.escape(label))?</span>"
        }
    }

    private static let headingPattern = try! NSRegularExpression(pattern: "<h([1-6])>(.*?)</h\\1>", options: [.dotMatchesLineSeparators])

    /// Gives each `<hN>` an id and a visible anchor link; records the outline and starts a search section.
    private func anchorHeadings(_ html: String, state: PageState) -> String {
        let ns = html as NSString
        var out = ""
        var last = 0
        for match in Self.headingPattern.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            state.addText(HTML.plainText(ns.substring(with: NSRange(location: last, length: match.range.location - last))))
            out += ns.substring(with: NSRange(location: last, length: match.range.location - last))
            let level = Int(ns.substring(with: match.range(at: 1)))!
            let inner = ns.substring(with: match.range(at: 2))
            let title = HTML.plainText(inner).trimmingCharacters(in: .whitespacesAndNewlines)
            let anchor = state.uniqueAnchor(HTML.slug(title))
            let id = state.links.id(anchor)
            out += "<h\(level) id=\"\(HTML.escape(id))\">\(inner)<a class=\"anchor\" href=\"#\(HTML.escape(id))\" aria-label=\"Link to this section\">#</a></h\(level)>"
            state.outline.append(OutlineEntry(level: level, id: id, title: title))
            state.sections.append(SearchSection(heading: title, href: state.links.siteHref(anchor), text: ""))
            last = match.range.location + match.range.length
        }
        let rest = ns.substring(from: last)
        state.addText(HTML.plainText(rest))
        out += rest
        return out
    }
}
