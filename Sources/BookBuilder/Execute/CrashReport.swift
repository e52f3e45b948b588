import Foundation

/// Why a chapter program stopped inside a cell, from its exit and what the cell wrote
/// (Swift's `Fatal error: …` line and the backtrace's frame in the chapter: `chapters/x.md:LINE`).
struct CrashReport {
    var message: String
    /// The chapter line the backtrace names, when it names one.
    var line: Int?
    /// The cell's output without the backtrace (which follows the fatal error line).
    var output: String

    init(output raw: String, termination: Termination, timedOut: Bool, timeout: Double, chapterPath: String) {
        let (kept, backtrace) = CrashReport.splitBacktrace(raw)
        output = kept
        line = CrashReport.chapterLine(in: kept, path: chapterPath) ?? CrashReport.chapterLine(in: backtrace, path: chapterPath)
        if timedOut {
            message = "timed out after \(CrashReport.seconds(timeout))"
            return
        }
        switch termination {
        case .signaled(let signal):
            let name = ChildProcess.signalName(signal)
            if let fatal = CrashReport.fatalError(in: kept) {
                message = fatal
            } else if signal == SIGKILL {
                message = "killed by SIGKILL (out of memory?)"
            } else {
                message = "crashed with \(name)"
            }
        case .exited(let status):
            if let fatal = CrashReport.fatalError(in: kept) {
                message = fatal
            } else {
                message = "the program exited with status \(status) before the end of the chapter"
            }
        }
    }

    /// `1 s`, `2.5 s`.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// The text from `Fatal error:` to the end of its line.
    static func fatalError(in text: String) -> String? {
        for line in text.split(separator: "\n").reversed() {
            if let range = line.range(of: "Fatal error:") {
                return String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// The first `PATH:LINE` naming the chapter.
    static func chapterLine(in text: String, path: String) -> Int? {
        var search = text[...]
        while let range = search.range(of: path + ":") {
            let before = search[..<range.lowerBound].last
            let digits = search[range.upperBound...].prefix(while: { $0.isNumber })
            if before == nil || before == "/" || before == " " || before == "\n" || before == "(" || before == "\t",
               let n = Int(digits) {
                return n
            }
            search = search[range.upperBound...]
        }
        return nil
    }

    /// The output up to the runtime's crash report, and the report.
    static func splitBacktrace(_ text: String) -> (String, String) {
        for marker in ["💣 Program crashed", "*** Program crashed", "Current stack trace:", "Stack dump:"] {
            if let range = text.range(of: marker) {
                let start = text[..<range.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
                return (String(text[..<start]).trimmingTrailingNewlines, String(text[start...]))
            }
        }
        return (text, "")
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
