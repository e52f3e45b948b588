import Foundation

/// How pages link to each other: one file per chapter, or the whole book in one file (where every
/// id is prefixed with its chapter's name, so two chapters may both have a section "Results").
struct Links: Sendable {
    var singleFile: Bool
    /// The page being written (a chapter's name, or "index").
    var page: String

    /// The `id` attribute for an anchor on the current page.
    func id(_ anchor: String) -> String { singleFile ? "\(page)--\(anchor)" : anchor }

    /// The href of `anchor` on the current page as seen from any page of the site (for the search index).
    func siteHref(_ anchor: String? = nil) -> String {
        if singleFile { return anchor.map { "#\(page)--\($0)" } ?? "#\(page)" }
        return anchor.map { "\(page).html#\($0)" } ?? "\(page).html"
    }

    /// The `href` of `anchor` on `page` (the page itself when `anchor` is nil).
    func href(page target: String, anchor: String? = nil) -> String {
        if singleFile {
            guard let anchor else { return "#\(target)" }
            return "#\(target)--\(anchor)"
        }
        guard let anchor else { return "\(target).html" }
        return target == page ? "#\(anchor)" : "\(target).html#\(anchor)"
    }
}

/// An entry of a page's outline ("On this page").
struct OutlineEntry: Sendable, Equatable {
    var level: Int
    var id: String
    var title: String
}

/// A stretch of a page under one heading, for the search index.
struct SearchSection: Sendable, Equatable {
    var heading: String
    /// The anchor's href from the site's root.
    var href: String
    var text: String
}

/// What rendering one page accumulates: ids in use, the outline, search sections, diagnostics.
final class PageState {
    let links: Links
    let pageTitle: String
    let sourcePath: String
    var usedIDs: Set<String> = []
    var outline: [OutlineEntry] = []
    var sections: [SearchSection] = []
    var diagnostics: [Diagnostic] = []
    var usesMath = false

    init(links: Links, pageTitle: String, sourcePath: String) {
        self.links = links; self.pageTitle = pageTitle; self.sourcePath = sourcePath
        sections = [SearchSection(heading: pageTitle, href: links.siteHref(), text: "")]
    }

    /// A fresh anchor based on `base` (`results`, `results-2`, ...).
    func uniqueAnchor(_ base: String) -> String {
        var candidate = base
        var n = 2
        while usedIDs.contains(candidate) { candidate = "\(base)-\(n)"; n += 1 }
        usedIDs.insert(candidate)
        return candidate
    }

    func addText(_ text: String) {
        let cleaned = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard !cleaned.isEmpty else { return }
        sections[sections.count - 1].text += (sections[sections.count - 1].text.isEmpty ? "" : " ") + cleaned
    }
}
