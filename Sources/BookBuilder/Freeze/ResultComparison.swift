import Foundation

/// check: a fresh `ChapterResult` against the chapter's freeze record → problems as `FILE:LINE: message`.
public enum ResultComparison {
    public static let defaultTolerance = 1e-3

    public static func compare(_ chapter: Chapter, _ result: ChapterResult,
                               recorded: FreezeRecord.ProfileRecord, profile: Profile) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let rerun = "run `segbook freeze\(profile == .quick ? " --quick" : "")` if the change is intended"
        if recorded.cells.count != result.cells.count {
            problems.append(Diagnostic(file: chapter.path, line: nil,
                message: "the chapter has \(result.cells.count) cells, its freeze record \(recorded.cells.count); \(rerun)"))
            return problems
        }
        for (cell, (now, before)) in zip(chapter.cells, zip(result.cells, recorded.cells)) {
            guard !cell.options.volatile else { continue }
            switch now.status {
            case .failed, .notRun, .skipped: continue  // reported as failures, or not run
            case .ok, .expectedFailure: break
            }
            let text = FreezeRecord.recordedText(now)
            if let diff = difference(recorded: before.text, now: text, tolerance: cell.options.tolerance ?? defaultTolerance) {
                problems.append(Diagnostic(file: chapter.path, line: cell.line,
                                           message: "output differs from the freeze record; \(rerun)\n\(diff)"))
            }
        }
        for inline in chapter.inlineExpressions {
            guard let before = recorded.inline[String(inline.id)], let now = result.inlineValues[inline.id] else { continue }
            if difference(recorded: before, now: now, tolerance: defaultTolerance) != nil {
                problems.append(Diagnostic(file: chapter.path, line: inline.line,
                    message: "inline value of `\(inline.expression)` differs from the freeze record: was '\(before)', now '\(now)'; \(rerun)"))
            }
        }
        return problems
    }

    /// nil when `now` equals `recorded` after normalising whitespace, with numbers equal within the
    /// relative `tolerance`; else a short diff (`- recorded` / `+ now` lines).
    public static func difference(recorded: String, now: String, tolerance: Double) -> String? {
        if equivalent(recorded, now, tolerance: tolerance) { return nil }
        let a = lines(recorded), b = lines(now)
        var out: [String] = []
        var shown = 0
        for i in 0..<max(a.count, b.count) where shown < 3 {
            let x = i < a.count ? a[i] : nil, y = i < b.count ? b[i] : nil
            if let x, let y, equivalent(x, y, tolerance: tolerance) { continue }
            if let x { out.append("  - \(x)") }
            if let y { out.append("  + \(y)") }
            shown += 1
        }
        if out.isEmpty { out = ["  - \(recorded.prefix(200))", "  + \(now.prefix(200))"] }
        return out.joined(separator: "\n")
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }.filter { !$0.isEmpty }
    }

    enum Token: Equatable {
        case word(String)
        case number(Double, String)
    }

    public static func equivalent(_ a: String, _ b: String, tolerance: Double) -> Bool {
        let x = tokens(a), y = tokens(b)
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) {
            switch (p, q) {
            case (.word(let u), .word(let v)): if u != v { return false }
            case (.number(let u, let s), .number(let v, let t)):
                if s == t { continue }
                let scale = max(abs(u), abs(v))
                if !(abs(u - v) <= tolerance * scale || (u.isNaN && v.isNaN)) { return false }
            default: return false
            }
        }
        return true
    }

    /// Numbers (`-1.5e-3`, `42`, `.5`) and the runs of other characters between them, whitespace collapsed.
    static func tokens(_ text: String) -> [Token] {
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var word = ""
        func flushWord() {
            let collapsed = word.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !collapsed.isEmpty { tokens.append(.word(collapsed)) }
            word = ""
        }
        func isDigit(_ i: Int) -> Bool { i < chars.count && chars[i].properties.numericType == .decimal && chars[i].isASCII }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let signed = (c == "-" || c == "+") && (isDigit(i + 1) || (i + 2 < chars.count && chars[i + 1] == "." && isDigit(i + 2)))
                && (i == 0 || !(chars[i - 1].properties.isAlphabetic || isDigit(i - 1)))
            let starts = isDigit(i) || (c == "." && isDigit(i + 1)) || signed
            let afterLetter = i > 0 && (chars[i - 1].properties.isAlphabetic || chars[i - 1] == "_")
            guard starts && !afterLetter else { word.unicodeScalars.append(c); i += 1; continue }
            var j = i
            if signed { j += 1 }
            while isDigit(j) { j += 1 }
            if j < chars.count, chars[j] == ".", isDigit(j + 1) || j > i { j += 1; while isDigit(j) { j += 1 } }
            if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                var k = j + 1
                if k < chars.count, chars[k] == "-" || chars[k] == "+" { k += 1 }
                if isDigit(k) { j = k; while isDigit(j) { j += 1 } }
            }
            let literal = String(String.UnicodeScalarView(chars[i..<j]))
            if let value = Double(literal) {
                flushWord()
                tokens.append(.number(value, literal))
            } else {
                word += literal
            }
            i = j
        }
        flushWord()
        return tokens
    }
}
