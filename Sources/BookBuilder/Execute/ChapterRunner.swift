import Foundation

/// The profile a book is built with: `quick` (CI: small budgets) or `full`.
public enum Profile: String, Codable, Sendable, CaseIterable {
    case quick, full
}

/// How to run chapters: which engine, which profile, where to work, and the limits.
public struct RunSettings: Sendable {
    public var engine: Engine
    public var profile: Profile
    /// Scratch folder for generated programs, binaries and display files (one subfolder per chapter).
    public var workDirectory: String
    /// Bytes of output kept per cell; the rest is dropped and the cell marked `truncated`.
    public var outputLimit: Int = 1 << 20
    /// Seconds a cell may run when neither the cell nor the chapter sets `timeout`.
    public var defaultTimeout: Double
    /// `-Xcc` flags for the engine's C modules (computed once per build).
    public var clangFlags: [String]
    /// OMP_NUM_THREADS for each chapter program (nil: inherited). Chapters running side by side
    /// share the cores: two OpenMP pools of two spinning threads on two cores ran several times
    /// slower than one thread each.
    public var threadsPerChapter: Int?

    public init(engine: Engine, profile: Profile, workDirectory: String, defaultTimeout: Double? = nil, clangFlags: [String]? = nil,
                threadsPerChapter: Int? = nil) {
        self.engine = engine; self.profile = profile; self.workDirectory = workDirectory
        self.threadsPerChapter = threadsPerChapter
        self.defaultTimeout = defaultTimeout ?? (profile == .quick ? 600 : 7200)
        self.clangFlags = clangFlags ?? engine.clangFlags()
    }
}

/// generate → compile → execute → collect, for one chapter: a `Chapter` in, a `ChapterResult` out.
///
/// A compile error in cell k marks cell k failed with the compiler's message (its line is the chapter's,
/// through `#sourceLocation`), and the program is compiled again without cells k…: earlier cells still
/// run, later ones are not run. A cell marked `error: true` that fails is left out and the rest goes on.
/// A trap, crash or timeout in cell k fails cell k; the cells after it are not run.
public enum ChapterRunner {
    public static func run(_ chapter: Chapter, settings: RunSettings) -> ChapterResult {
        let started = Date()
        let work = settings.workDirectory + "/" + chapter.name
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        var decided: [Int: CellResult] = [:]
        for cell in chapter.cells where !cell.options.eval {
            decided[cell.index] = CellResult(index: cell.index, status: .skipped)
        }
        if decided.count == chapter.cells.count && chapter.inlineExpressions.isEmpty {
            // Nothing to evaluate: no program to compile.
            return ChapterResult(name: chapter.name, cells: chapter.cells.map { decided[$0.index]! },
                                 seconds: Date().timeIntervalSince(started))
        }
        var excludedInlines: Set<Int> = []
        var inlineErrors: [Int: String] = [:]
        var inlines = true
        var execution: Execution?

        attempts: for _ in 0...(chapter.cells.count + chapter.inlineExpressions.count + 1) {
            // Compile, leaving out what failed to compile, until it compiles or nothing is left.
            let excluded = Set(decided.keys)
            let source = ProgramGenerator.generate(chapter, excluded: excluded, excludedInlines: excludedInlines, inlines: inlines)
            let compiled = compile(source, in: work, settings: settings)
            if !compiled.ok {
                let problems = CompilerDiagnostics.parse(compiled.output, file: chapter.path)
                if let (k, errors) = firstFailingCell(chapter, problems: problems, excluded: excluded) {
                    let cell = chapter.cells[k]
                    let first = errors[0]
                    let message = "error: \(first.message)"
                    let output = errors.map { "\(chapter.path):\($0.line):\($0.column): error: \($0.message)" }.joined(separator: "\n")
                    if cell.options.error {
                        decided[k] = CellResult(index: k, status: .expectedFailure(message: message, line: first.line), output: output)
                    } else {
                        decided[k] = CellResult(index: k, status: .failed(message: message, line: first.line), output: output)
                        for later in chapter.cells where later.index > k && decided[later.index] == nil {
                            decided[later.index] = CellResult(index: later.index, status: .notRun)
                        }
                        inlines = false
                    }
                    continue attempts
                }
                let failingInlines = problems.compactMap { p in
                    ProgramGenerator.inline(at: p.line, column: p.column, in: chapter).map { ($0, p.message) }
                }.filter { !excludedInlines.contains($0.0.id) }
                if inlines, !failingInlines.isEmpty {
                    for (inline, message) in failingInlines where inlineErrors[inline.id] == nil {
                        excludedInlines.insert(inline.id)
                        inlineErrors[inline.id] = "error: \(message)"
                    }
                    continue attempts
                }
                // Not attributable to a cell (a linker error, a broken engine build): the first cell left carries it.
                let remaining = chapter.cells.filter { decided[$0.index] == nil }
                if let first = remaining.first {
                    let message = compiled.output.split(separator: "\n").first(where: { $0.contains("error") }).map(String.init)
                        ?? "the chapter program did not compile"
                    decided[first.index] = CellResult(index: first.index, status: .failed(message: message, line: first.line), output: compiled.output)
                    for later in remaining.dropFirst() { decided[later.index] = CellResult(index: later.index, status: .notRun) }
                } else if inlines {
                    for inline in chapter.inlineExpressions where !excludedInlines.contains(inline.id) {
                        inlineErrors[inline.id] = "the inline expressions did not compile"
                    }
                }
                break attempts
            }

            let run = execute(chapter, binary: compiled.binary, in: work, settings: settings)
            // An expected failure that ended the process: run again without it, so the cells after it run.
            if let k = run.died, chapter.cells[k].options.error {
                let report = run.cells[k] ?? CellReport()
                decided[k] = CellResult(index: k, status: .expectedFailure(message: report.message ?? "failed", line: report.line),
                                        output: report.output, truncated: report.truncated, displays: report.displays,
                                        seconds: report.seconds)
                continue attempts
            }
            execution = run
            break attempts
        }

        var results: [CellResult] = []
        for cell in chapter.cells {
            if let result = decided[cell.index] { results.append(result); continue }
            guard let run = execution, let report = run.cells[cell.index] else {
                results.append(CellResult(index: cell.index, status: .notRun))
                continue
            }
            let status: CellStatus
            if let message = report.message {
                status = cell.options.error ? .expectedFailure(message: message, line: report.line) : .failed(message: message, line: report.line)
            } else if !report.finished {
                status = .notRun
            } else {
                status = .ok
            }
            results.append(CellResult(index: cell.index, status: status, output: report.output, truncated: report.truncated,
                                      displays: report.displays, seconds: report.seconds))
        }
        var values: [Int: String] = [:]
        if let run = execution {
            values = run.inlineValues
            for (id, error) in run.inlineErrors { inlineErrors[id] = error }
        }
        return ChapterResult(name: chapter.name, cells: results, inlineValues: values, inlineErrors: inlineErrors,
                             seconds: Date().timeIntervalSince(started), fromCache: false)
    }

    /// The first cell (in chapter order) with a compile error, and its errors.
    private static func firstFailingCell(_ chapter: Chapter, problems: [CompilerDiagnostics.Problem],
                                         excluded: Set<Int>) -> (Int, [CompilerDiagnostics.Problem])? {
        for cell in chapter.cells where !excluded.contains(cell.index) {
            let lastLine = cell.line + max(0, cell.code.split(separator: "\n", omittingEmptySubsequences: false).count - 1)
            let errors = problems.filter { $0.line >= cell.fenceLine && $0.line <= lastLine }
            if !errors.isEmpty { return (cell.index, errors) }
        }
        return nil
    }

    // MARK: compile

    struct Compiled {
        var ok: Bool
        var output: String
        var binary: String
    }

    static func compile(_ source: String, in work: String, settings: RunSettings) -> Compiled {
        let sourcePath = work + "/main.swift"
        let binary = work + "/chapter"
        try? FileManager.default.removeItem(atPath: binary)
        _ = FileManager.default.createFile(atPath: sourcePath, contents: Data(source.utf8))
        let arguments = settings.engine.compileArguments(source: sourcePath, binary: binary, clangFlags: settings.clangFlags)
        let result = ChildProcess.capture(settings.engine.swiftc, arguments, timeout: 900)
        return Compiled(ok: result.status == .exited(0) && FileManager.default.fileExists(atPath: binary),
                        output: result.output, binary: binary)
    }

    // MARK: execute and collect

    /// What one run of a chapter program left, per cell.
    struct CellReport {
        var finished = false
        var message: String?
        var line: Int?
        var output = ""
        var truncated = false
        var displays: [Display] = []
        var seconds = 0.0
    }

    struct Execution {
        var cells: [Int: CellReport] = [:]
        /// The cell the process died in, if it did.
        var died: Int?
        var inlineValues: [Int: String] = [:]
        var inlineErrors: [Int: String] = [:]
    }

    static func execute(_ chapter: Chapter, binary: String, in work: String, settings: RunSettings) -> Execution {
        let outputs = work + "/outputs"
        try? FileManager.default.removeItem(atPath: outputs)
        try? FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        let token = SHA256.hex("\(chapter.path) \(Date().timeIntervalSince1970) \(UInt64.random(in: 0...UInt64.max))").prefix(16)
        let splitter = OutputSplitter(token: String(token), limit: settings.outputLimit)

        let chapterTimeout = chapter.frontMatter.timeout ?? settings.defaultTimeout
        func timeout(_ section: OutputSplitter.Section) -> Double {
            if case .cell(let k) = section, k < chapter.cells.count { return chapter.cells[k].options.timeout ?? chapterTimeout }
            return chapterTimeout
        }
        var starts: [OutputSplitter.Section: Double] = [.prelude: Date().timeIntervalSince1970]
        var deadline = starts[.prelude]! + timeout(.prelude)
        splitter.onSection = { section in
            let now = Date().timeIntervalSince1970
            starts[section] = now
            deadline = now + timeout(section)
        }
        var environment = [
            "SEGBOOK_OUTPUT_DIR": outputs,
            "SEGBOOK_MARKER": String(token),
            "SEGBOOK_PROFILE": settings.profile.rawValue,
            "SWIFT_BACKTRACE": "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,limit=24",
        ]
        if let threads = settings.threadsPerChapter { environment["OMP_NUM_THREADS"] = String(threads) }
        let (termination, timedOut) = ChildProcess.run(binary, [], environment: environment,
                                                       onOutput: { splitter.feed($0) }, deadline: { deadline })
        splitter.finish()
        let ended = Date().timeIntervalSince1970

        var execution = Execution()
        let order = splitter.order
        for (position, section) in order.enumerated() {
            guard case .cell(let k) = section else { continue }
            var report = CellReport()
            let captured = splitter.captured[section] ?? .init()
            report.output = String(decoding: captured.bytes, as: UTF8.self)
            report.truncated = captured.dropped > 0
            let start = starts[section] ?? ended
            let next = position + 1 < order.count ? (starts[order[position + 1]] ?? ended) : ended
            report.seconds = max(0, next - start)
            report.finished = position + 1 < order.count
            execution.cells[k] = report
        }

        // Displays, caught errors and inline values from the manifest.
        let manifest = (try? String(contentsOfFile: outputs + "/manifest.jsonl", encoding: .utf8)) ?? ""
        for line in manifest.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            if let id = object["inline"] as? Int {
                if let value = object["value"] as? String { execution.inlineValues[id] = value }
                if let error = object["error"] as? String { execution.inlineErrors[id] = error }
                continue
            }
            guard let k = object["cell"] as? Int, let kind = object["kind"] as? String else { continue }
            if kind == "error" {
                execution.cells[k, default: CellReport()].message = "error: " + ((object["message"] as? String) ?? "")
                continue
            }
            guard let file = object["file"] as? String,
                  let data = FileManager.default.contents(atPath: outputs + "/" + file) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            let display: Display?
            switch kind {
            case "text": display = .text(text)
            case "svg": display = .svg(text)
            case "html": display = .html(text)
            case "png": display = .png(data)
            case "table":
                let table = try? JSONDecoder().decode(Table.self, from: data)
                display = table.map { .table($0) }
            default: display = nil
            }
            if let display { execution.cells[k, default: CellReport()].displays.append(display) }
        }

        // How it ended.
        let last = order.last ?? .prelude
        guard last != .end else { return execution }
        let captured = splitter.captured[last].map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        let crash = CrashReport(output: captured, termination: termination, timedOut: timedOut,
                                timeout: timeout(last), chapterPath: chapter.path)
        switch last {
        case .cell(let k):
            execution.died = k
            var report = execution.cells[k] ?? CellReport()
            report.message = crash.message
            report.line = crash.line ?? chapter.cells[k].line
            report.output = crash.output
            report.finished = false
            execution.cells[k] = report
        case .prelude:
            // Died before the first cell (the engine library did not load, say): the first cell carries it.
            if let first = chapter.cells.first(where: { $0.options.eval }) {
                execution.died = first.index
                execution.cells[first.index] = CellReport(message: crash.message, line: first.line, output: crash.output)
            }
        case .inline:
            let pending = chapter.inlineExpressions.first { execution.inlineValues[$0.id] == nil && execution.inlineErrors[$0.id] == nil }
            if let pending { execution.inlineErrors[pending.id] = crash.message }
        case .end:
            break
        }
        return execution
    }
}
