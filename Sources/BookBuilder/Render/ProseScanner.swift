import Foundation

/// Finds what the book adds to Markdown before cmark sees it — math (`$...$`, `$$...$$`), inline
/// `` `{swift} EXPR` `` values and `@fig-x` / `@tbl-x` references — and replaces each with a
/// placeholder that Markdown leaves alone, so `$a_1 * b_2$` is never read as emphasis. Code spans
/// and fenced code blocks are copied untouched.
struct ProseScanner {
    enum Token: Equatable {
        case inlineMath(String)
        case displayMath(String)
        /// The n-th `{swift}` span of this prose (0-based), with its expression.
        case inlineValue(ordinal: Int, expression: String)
        case reference(label: String)
    }

    /// The Markdown with placeholders, and the tokens they stand for with their 1-based line in the text.
    struct Result {
        var markdown: String
        var tokens: [(token: Token, line: Int)]
    }

    /// The placeholder for token `i`: private-use characters around the index (cmark passes them through).
    static func placeholder(_ i: Int) -> String { "\u{E000}\(i)\u{E001}" }

    static func scan(_ markdown: String) -> Result {
        var out = ""
        var tokens: [(Token, Int)] = []
        var ordinal = 0
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Group lines into fenced code blocks (copied as is) and text chunks (scanned), keeping line numbers.
        var i = 0
        var chunk: [String] = []
        var chunkLine = 1
        func flushChunk() {
            guard !chunk.isEmpty else { return }
            let text = chunk.joined(separator: "\n")
            out += scanText(Array(text), firstLine: chunkLine, tokens: &tokens, ordinal: &ordinal)
            out += "\n"
            chunk = []
        }
        while i < lines.count {
            let line = lines[i]
            if let fence = openingFence(line) {
                flushChunk()
                out += line + "\n"
                i += 1
                while i < lines.count {
                    out += lines[i] + "\n"
                    defer { i += 1 }
                    if closesFence(lines[i], fence) { break }
                }
                chunkLine = i + 1
                continue
            }
            if chunk.isEmpty { chunkLine = i + 1 }
            chunk.append(line)
            i += 1
        }
        flushChunk()
        if !markdown.hasSuffix("\n"), out.hasSuffix("\n") { out.removeLast() }
        return Result(markdown: out, tokens: tokens.map { (token: $0.0, line: $0.1) })
    }

    /// The fence characters (e.g. "```") when `line` opens a fenced code block.
    private static func openingFence(_ line: String) -> String? {
        let trimmed = line.drop(while: { $0 == " " })
        guard line.count - trimmed.count <= 3, let c = trimmed.first, c == "`" || c == "~" else { return nil }
        let run = trimmed.prefix(while: { $0 == c })
        guard run.count >= 3 else { return nil }
        if c == "`", trimmed.dropFirst(run.count).contains("`") { return nil }
        return String(run)
    }

    private static func closesFence(_ line: String, _ fence: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let c = fence.first, trimmed.first == c else { return false }
        return trimmed.allSatisfy { $0 == c } && trimmed.count >= fence.count
    }

    private static func scanText(_ s: [Character], firstLine: Int, tokens: inout [(Token, Int)], ordinal: inout Int) -> String {
        var out = ""
        var line = firstLine
        var i = 0
        func add(_ token: Token, at tokenLine: Int) {
            out += placeholder(tokens.count)
            tokens.append((token, tokenLine))
        }
        func newlines(_ from: Int, _ to: Int) -> Int { s[from..<to].reduce(0) { $0 + ($1 == "\n" ? 1 : 0) } }
        while i < s.count {
            let c = s[i]
            if c == "\n" { line += 1; out.append(c); i += 1; continue }
            if c == "\\", i + 1 < s.count {
                // An escaped character stays escaped for cmark (`\$` shows a dollar, `` \` `` a backtick).
                out.append(c); out.append(s[i + 1])
                if s[i + 1] == "\n" { line += 1 }
                i += 2; continue
            }
            if c == "`" {
                var n = 0
                while i + n < s.count, s[i + n] == "`" { n += 1 }
                if let close = closingBackticks(s, from: i + n, count: n) {
                    let content = String(s[(i + n)..<close])
                    let trimmed = content.trimmingCharacters(in: .whitespaces)
                    if trimmed.hasPrefix("{swift}") {
                        let expression = trimmed.dropFirst("{swift}".count).trimmingCharacters(in: .whitespaces)
                        add(.inlineValue(ordinal: ordinal, expression: expression), at: line)
                        ordinal += 1
                    } else {
                        out += String(s[i..<(close + n)])
                    }
                    line += newlines(i, close + n)
                    i = close + n
                } else {
                    out += String(repeating: "`", count: n)
                    i += n
                }
                continue
            }
            if c == "$" {
                if i + 1 < s.count, s[i + 1] == "$" {
                    if let close = find(s, "$$", from: i + 2) {
                        let tex = String(s[(i + 2)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
                        add(.displayMath(tex), at: line)
                        line += newlines(i, close + 2)
                        i = close + 2
                        continue
                    }
                } else if let close = closingDollar(s, from: i + 1) {
                    add(.inlineMath(String(s[(i + 1)..<close])), at: line)
                    line += newlines(i, close + 1)
                    i = close + 1
                    continue
                }
                out.append(c); i += 1; continue
            }
            if c == "@", i == 0 || !(s[i - 1].isLetter || s[i - 1].isNumber || s[i - 1] == "_" || s[i - 1] == "."),
               let (label, end) = reference(s, at: i + 1) {
                add(.reference(label: label), at: line)
                i = end
                continue
            }
            out.append(c); i += 1
        }
        return out
    }

    /// The index of a closing run of exactly `count` backticks at or after `from`, not crossing a blank line.
    private static func closingBackticks(_ s: [Character], from: Int, count: Int) -> Int? {
        var j = from
        while j < s.count {
            if s[j] == "\n", j + 1 < s.count, s[j + 1] == "\n" { return nil }
            if s[j] == "`" {
                var n = 0
                while j + n < s.count, s[j + n] == "`" { n += 1 }
                if n == count { return j }
                j += n; continue
            }
            j += 1
        }
        return nil
    }

    private static func find(_ s: [Character], _ needle: String, from: Int) -> Int? {
        let n = Array(needle)
        var j = from
        while j + n.count <= s.count {
            if s[j] == "\\" { j += 2; continue }
            if Array(s[j..<(j + n.count)]) == n { return j }
            j += 1
        }
        return nil
    }

    /// Pandoc's rule for inline math: `$` followed by a non-space, closed by a `$` that follows a
    /// non-space and is not followed by a digit, within one paragraph ("$5 and $10" is not math).
    private static func closingDollar(_ s: [Character], from: Int) -> Int? {
        guard from < s.count, !s[from].isWhitespace else { return nil }
        var j = from
        while j < s.count {
            let c = s[j]
            if c == "\\" { j += 2; continue }
            if c == "\n", j + 1 < s.count, s[j + 1] == "\n" { return nil }
            if c == "$" {
                if s[j - 1].isWhitespace || j == from { return nil }
                if j + 1 < s.count, s[j + 1].isNumber { return nil }
                return j
            }
            j += 1
        }
        return nil
    }

    /// `fig-name` / `tbl-name` at `at` (after the `@`), and the index after it. A trailing `.` or `-` is
    /// punctuation, not part of the label.
    private static func reference(_ s: [Character], at: Int) -> (String, Int)? {
        var j = at
        while j < s.count, s[j].isLetter || s[j].isNumber || s[j] == "-" || s[j] == "_" || s[j] == "." { j += 1 }
        var label = String(s[at..<j])
        while label.hasSuffix(".") || label.hasSuffix("-") { label.removeLast() }
        guard label.hasPrefix("fig-") || label.hasPrefix("tbl-"), label.count > 4 else { return nil }
        return (label, at + label.count)
    }
}
