import Foundation

/// A cell's leading `//| key: value` lines → `CellOptions` (Quarto's names where one exists).
enum CellOptionParser {
    static let knownKeys = ["echo", "eval", "output", "error", "label", "fig-cap", "tbl-cap", "timeout",
                            "volatile", "tolerance", "inputs"]

    /// Splits a cell's text into its options and its code; `firstLine` is the chapter line of the
    /// cell's first line. Returns the number of option lines too (the code starts after them).
    static func split(_ literal: String, path: String, firstLine: Int) throws(Diagnostic) -> (CellOptions, String, Int) {
        var lines = literal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }  // cmark ends the literal with a newline
        var options = CellOptions()
        var seen = Set<String>()
        var count = 0
        for line in lines {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard trimmed.hasPrefix("//|") else { break }
            try apply(String(trimmed.dropFirst(3)), to: &options, seen: &seen, path: path, line: firstLine + count)
            count += 1
        }
        return (options, lines.dropFirst(count).joined(separator: "\n"), count)
    }

    private static func apply(_ optionText: String, to options: inout CellOptions, seen: inout Set<String>,
                              path: String, line: Int) throws(Diagnostic) {
        func fail(_ message: String) -> Diagnostic { Diagnostic(file: path, line: line, message: message) }
        guard let colon = optionText.firstIndex(of: ":") else {
            throw fail("malformed cell option '\(optionText.trimmingCharacters(in: .whitespaces))': expected '//| key: value'")
        }
        let key = optionText[..<colon].trimmingCharacters(in: .whitespaces)
        var value = optionText[optionText.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
            value = String(value.dropFirst().dropLast())
        }
        guard knownKeys.contains(key) else { throw fail("unknown cell option '\(key)'") }
        guard seen.insert(key).inserted else { throw fail("cell option '\(key)' is given twice") }

        func bool() throws(Diagnostic) -> Bool {
            switch value {
            case "true": return true
            case "false": return false
            default: throw fail("cell option '\(key)' must be true or false, not '\(value)'")
            }
        }
        func number(allowZero: Bool) throws(Diagnostic) -> Double {
            guard let n = Double(value), n.isFinite, n > 0 || (allowZero && n == 0) else {
                throw fail("cell option '\(key)' must be a \(allowZero ? "non-negative" : "positive") number, not '\(value)'")
            }
            return n
        }
        func text() throws(Diagnostic) -> String {
            guard !value.isEmpty else { throw fail("cell option '\(key)' needs a value") }
            return value
        }

        switch key {
        case "echo": options.echo = try bool()
        case "eval": options.eval = try bool()
        case "output": options.output = try bool()
        case "error": options.error = try bool()
        case "volatile": options.volatile = try bool()
        case "label":
            let label = try text()
            let allowed: (Character) -> Bool = { c in c.isLetter || c.isNumber || c == "-" || c == "_" }
            guard label.allSatisfy(allowed) else {
                throw fail("cell option 'label' must be letters, digits, '-' or '_', not '\(label)'")
            }
            options.label = label
        case "fig-cap": options.figCap = try text()
        case "tbl-cap": options.tblCap = try text()
        case "timeout": options.timeout = try number(allowZero: false)
        case "tolerance": options.tolerance = try number(allowZero: true)
        case "inputs":
            var list = value
            if list.hasPrefix("["), list.hasSuffix("]") { list = String(list.dropFirst().dropLast()) }
            options.inputs = list.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
            guard !options.inputs.isEmpty else { throw fail("cell option 'inputs' needs at least one path") }
        default: break
        }
    }
}
