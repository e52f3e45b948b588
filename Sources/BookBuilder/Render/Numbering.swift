import Foundation

/// What a `label` names: a figure (`fig-`) or a table (`tbl-`), numbered per chapter as Quarto does.
public enum LabelKind: String, Sendable {
    case figure = "Figure"
    case table = "Table"

    init?(label: String) {
        if label.hasPrefix("fig-") { self = .figure } else if label.hasPrefix("tbl-") { self = .table } else { return nil }
    }
}

/// A numbered figure or table: "Figure 4.2", on page `page` at anchor `label`.
public struct NumberedLabel: Sendable, Equatable {
    public var kind: LabelKind
    /// "4.2"
    public var number: String
    /// The chapter's name (`04-unet`): the page that holds it.
    public var chapter: String
    public var label: String
    /// "Figure 4.2"
    public var text: String { "\(kind.rawValue) \(number)" }
}

/// Chapter numbers and every figure and table label of the book, computed before any page is written,
/// so that a reference may point forward or into another chapter.
struct Numbering {
    /// Chapter number by chapter name.
    var chapterNumbers: [String: Int] = [:]
    /// Labels by name; where two chapters use one label, the first keeps it book-wide (and each
    /// chapter still resolves its own first).
    var labels: [String: NumberedLabel] = [:]
    var labelsByChapter: [String: [String: NumberedLabel]] = [:]
    var diagnostics: [Diagnostic] = []

    /// The number of a chapter: the digits its file name starts with (`04-unet` → 4), otherwise its
    /// position in the book (1-based).
    static func chapterNumber(name: String, position: Int) -> Int {
        let digits = name.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty, let n = Int(digits) { return n }
        return position
    }

    init(chapters: [Chapter], strict: Bool) {
        for (position, chapter) in chapters.enumerated() {
            let n = Self.chapterNumber(name: chapter.name, position: position + 1)
            chapterNumbers[chapter.name] = n
            var counts: [LabelKind: Int] = [:]
            var own: [String: NumberedLabel] = [:]
            for cell in chapter.cells {
                guard let label = cell.options.label, let kind = LabelKind(label: label) else { continue }
                if own[label] != nil {
                    diagnostics.append(Diagnostic(file: chapter.path, line: cell.fenceLine,
                                                  message: "label '\(label)' is used twice in this chapter",
                                                  severity: strict ? .error : .warning))
                    continue
                }
                counts[kind, default: 0] += 1
                let numbered = NumberedLabel(kind: kind, number: "\(n).\(counts[kind]!)", chapter: chapter.name, label: label)
                own[label] = numbered
                if labels[label] == nil { labels[label] = numbered }
            }
            labelsByChapter[chapter.name] = own
        }
    }

    /// The label a reference in `chapter` means: the chapter's own, else the book's.
    func resolve(_ label: String, in chapter: String) -> NumberedLabel? {
        labelsByChapter[chapter]?[label] ?? labels[label]
    }
}
