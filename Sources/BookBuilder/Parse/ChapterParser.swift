import CCmark
import Foundation
import Yams

/// parse: a chapter file's bytes → `Chapter` (front matter, prose, cells with options, inline expressions).
///
/// Cells are the top-level ```` ```swift ```` fenced blocks as cmark-gfm finds them (a fence nested in a
/// list or a quote is shown, not run); inline expressions are the code spans `` `{swift} EXPR` ``.
/// Every problem is a `Diagnostic` naming the file and line.
public enum ChapterParser {
    /// Reads and parses `path`; `name` defaults to the file name without its extension.
    public static func load(path: String) throws(Diagnostic) -> Chapter {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Diagnostic(file: path, line: nil, message: "cannot read the file")
        }
        return try parse(path: path, data: data)
    }

    public static func parse(path: String, data: Data) throws(Diagnostic) -> Chapter {
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(file: path, line: firstInvalidUTF8Line(data), message: "the file is not valid UTF-8 text")
        }
        return try parse(path: path, text: text)
    }

    public static func parse(path: String, text rawText: String) throws(Diagnostic) -> Chapter {
        // cmark ends a line at \n, \r\n or a lone \r: split lines the same way, or its line numbers
        // and ours disagree (the fuzzer found this).
        var text = rawText.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        var frontMatter = FrontMatter()
        var bodyStart = 0  // 0-based index of the first body line
        if let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" {
            guard let close = lines.indices.dropFirst().first(where: {
                let t = lines[$0].trimmingCharacters(in: .whitespaces)
                return t == "---" || t == "..."
            }) else {
                throw Diagnostic(file: path, line: 1, message: "front matter is not closed: expected a line '---'")
            }
            frontMatter = try FrontMatterParser.parse(lines[1..<close].joined(separator: "\n"), path: path, firstLine: 2)
            bodyStart = close + 1
        }
        let body = Array(lines[bodyStart...])
        let blocks = try parseBody(body, lineOffset: bodyStart, path: path)
        return Chapter(path: path, name: name, frontMatter: frontMatter, blocks: blocks)
    }

    /// A fenced code block found by cmark, with 1-based lines in the body.
    private struct Fence {
        var startLine: Int
        var endLine: Int
        var literal: String
    }

    private static func parseBody(_ lines: [String], lineOffset: Int, path: String) throws(Diagnostic) -> [Block] {
        let (fences, spans) = scanMarkdown(lines.joined(separator: "\n"))

        var blocks: [Block] = []
        var inlineID = 0
        var cellIndex = 0
        var spanIndex = 0

        func addProse(from: Int, to: Int) throws(Diagnostic) {  // 1-based body lines, inclusive
            guard from <= to else { return }
            let markdown = lines[(from - 1)...(to - 1)].joined(separator: "\n")
            var inlines: [InlineExpression] = []
            while spanIndex < spans.count, spans[spanIndex].line <= to {
                let span = spans[spanIndex]
                spanIndex += 1
                guard span.line >= from else { continue }
                let line = span.line + lineOffset
                guard !span.expression.isEmpty else {
                    throw Diagnostic(file: path, line: line, message: "empty inline expression `{swift}`")
                }
                inlines.append(InlineExpression(id: inlineID, expression: span.expression, line: line))
                inlineID += 1
            }
            if markdown.contains(where: { !$0.isWhitespace }) {
                blocks.append(.prose(Prose(markdown: markdown, line: from + lineOffset, inlines: inlines)))
            }
        }

        var next = 1
        for fence in fences {
            try addProse(from: next, to: fence.startLine - 1)
            let fenceLine = fence.startLine + lineOffset
            let (options, code, optionLineCount) = try CellOptionParser.split(fence.literal, path: path, firstLine: fenceLine + 1)
            blocks.append(.cell(Cell(index: cellIndex, code: code, line: fenceLine + 1 + optionLineCount,
                                     fenceLine: fenceLine, options: options)))
            cellIndex += 1
            next = fence.endLine + 1
        }
        try addProse(from: next, to: lines.count)
        return blocks
    }

    /// The top-level ```swift fences and every `{swift}` code span (1-based body lines), in order.
    private static func scanMarkdown(_ markdown: String) -> (fences: [Fence], spans: [(line: Int, expression: String)]) {
        cmark_gfm_core_extensions_ensure_registered()
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else { return ([], []) }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink"] {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        markdown.withCString { cmark_parser_feed(parser, $0, strlen($0)) }
        guard let document = cmark_parser_finish(parser) else { return ([], []) }
        defer { cmark_node_free(document) }

        var fences: [Fence] = []
        var child = cmark_node_first_child(document)
        var fenceLength: Int32 = 0, fenceOffset: Int32 = 0
        var fenceCharacter: CChar = 0
        while let node = child {
            if cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK,
               cmark_node_get_fenced(node, &fenceLength, &fenceOffset, &fenceCharacter) != 0,
               let info = cmark_node_get_fence_info(node),
               String(cString: info).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "{" }).first == "swift" {
                let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
                fences.append(Fence(startLine: Int(cmark_node_get_start_line(node)),
                                    endLine: Int(cmark_node_get_end_line(node)), literal: literal))
            }
            child = cmark_node_next(node)
        }

        var spans: [(Int, String)] = []
        guard let iterator = cmark_iter_new(document) else { return (fences, []) }
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator),
                  cmark_node_get_type(node) == CMARK_NODE_CODE,
                  let literal = cmark_node_get_literal(node) else { continue }
            let code = String(cString: literal).trimmingCharacters(in: .whitespaces)
            guard code.hasPrefix("{swift}") else { continue }
            let expression = code.dropFirst("{swift}".count).trimmingCharacters(in: .whitespaces)
            spans.append((Int(cmark_node_get_start_line(node)), expression))
        }
        return (fences, spans)
    }

    /// The 1-based line holding the first byte that is not valid UTF-8.
    static func firstInvalidUTF8Line(_ data: Data) -> Int {
        let bytes = [UInt8](data)
        var line = 1
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return line
            }
            if i + length > bytes.count { return line }
            for j in 1..<length where bytes[i + j] & 0xC0 != 0x80 { return line }
            if let s = String(bytes: bytes[i..<(i + length)], encoding: .utf8), s.isEmpty == false {} else { return line }
            if b == 0x0A { line += 1 }
            i += length
        }
        return line
    }
}
