import Foundation
import Yams

/// The book as a whole: its title and introduction (Markdown), from `chapters/_book.yml`:
/// ```yaml
/// title: Semantic Segmentation, Executed
/// subtitle: A review you can rerun          # optional
/// author: The segbook authors               # optional
/// introduction: |
///   Markdown shown on the front page, above the table of contents.
/// ```
public struct BookInfo: Sendable, Equatable {
    public var title: String
    public var subtitle: String?
    public var author: String?
    /// Markdown for the front page.
    public var introduction: String

    public init(title: String, subtitle: String? = nil, author: String? = nil, introduction: String = "") {
        self.title = title; self.subtitle = subtitle; self.author = author; self.introduction = introduction
    }

    /// The file name of the book's metadata inside the chapters folder.
    public static let fileName = "_book.yml"

    /// Reads `DIR/_book.yml`; a book without one is titled "segbook". A malformed file throws a
    /// `Diagnostic` naming it.
    public static func load(chaptersDirectory: URL) throws -> BookInfo {
        let url = chaptersDirectory.appendingPathComponent(fileName)
        let path = url.relativePath
        guard FileManager.default.fileExists(atPath: url.path) else { return BookInfo(title: "segbook") }
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(file: path, line: nil, message: "cannot read the book's metadata (not UTF-8?)")
        }
        return try parse(text, path: path)
    }

    /// Parses the YAML text of `_book.yml` (`path` names it in errors).
    public static func parse(_ text: String, path: String) throws -> BookInfo {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch let error as YamlError {
            throw Diagnostic(file: path, line: Self.line(of: error), message: "malformed YAML: \(Self.summary(of: error))")
        }
        if node == nil { return BookInfo(title: "segbook") }
        guard let map = node as? [String: Any] else {
            throw Diagnostic(file: path, line: 1, message: "expected keys (title, introduction, ...), found \(type(of: node!))")
        }
        let known: Set<String> = ["title", "subtitle", "author", "introduction"]
        if let unknown = map.keys.sorted().first(where: { !known.contains($0) }) {
            throw Diagnostic(file: path, line: lineOfKey(unknown, in: text), message: "unknown key '\(unknown)' (known: author, introduction, subtitle, title)")
        }
        func string(_ key: String) throws -> String? {
            guard let value = map[key] else { return nil }
            if let s = value as? String { return s }
            if value is [Any] || value is [String: Any] {
                throw Diagnostic(file: path, line: lineOfKey(key, in: text), message: "'\(key)' must be text")
            }
            return "\(value)"
        }
        return BookInfo(title: try string("title") ?? "segbook", subtitle: try string("subtitle"),
                        author: try string("author"), introduction: try string("introduction") ?? "")
    }

    private static func lineOfKey(_ key: String, in text: String) -> Int? {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasPrefix("\(key):") { return i + 1 }
        return nil
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}
