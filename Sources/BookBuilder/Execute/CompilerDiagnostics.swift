import Foundation

/// The compiler's errors that point into a chapter (`chapters/x.md:12:5: error: …`, through `#sourceLocation`).
enum CompilerDiagnostics {
    struct Problem: Equatable {
        var line: Int
        var column: Int
        var message: String
    }

    /// Errors (not warnings or notes) in `output` whose file is `file`, in order.
    static func parse(_ output: String, file: String) -> [Problem] {
        var problems: [Problem] = []
        let prefix = file + ":"
        for raw in output.split(separator: "\n") {
            var line = Substring(raw)
            // swiftc may print the path as given or made absolute.
            guard let range = line.range(of: prefix) else { continue }
            let before = line[..<range.lowerBound]
            guard before.isEmpty || before.hasSuffix("/") else { continue }
            line = line[range.upperBound...]
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, let number = Int(parts[0]), let column = Int(parts[1]),
                  parts[2].trimmingCharacters(in: .whitespaces) == "error" else { continue }
            problems.append(Problem(line: number, column: column, message: parts[3].trimmingCharacters(in: .whitespaces)))
        }
        return problems
    }
}
