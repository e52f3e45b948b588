import Foundation

// The values the book pipeline's stages hand to each other:
// parse → Chapter, plan → ChapterPlan, execute → ChapterResult, render → pages.
// A stage never reaches back into an earlier one.

/// A chapter parsed from `chapters/NAME.md`.
public struct Chapter: Sendable, Equatable {
    /// Path as given to the builder (used in every diagnostic: `chapters/04-unet.md:37: ...`).
    public var path: String
    /// File name without extension, e.g. `04-unet`; names the page, cache entry and freeze record.
    public var name: String
    public var frontMatter: FrontMatter
    /// Prose and cells in document order.
    public var blocks: [Block]

    public init(path: String, name: String, frontMatter: FrontMatter, blocks: [Block]) {
        self.path = path; self.name = name; self.frontMatter = frontMatter; self.blocks = blocks
    }

    public var cells: [Cell] { blocks.compactMap { if case .cell(let c) = $0 { c } else { nil } } }
    public var inlineExpressions: [InlineExpression] {
        blocks.flatMap { block -> [InlineExpression] in if case .prose(let p) = block { p.inlines } else { [] } }
    }
}

/// YAML front matter. Unknown keys are kept in `extra` for the renderer.
public struct FrontMatter: Sendable, Equatable {
    public var title: String?
    /// One line for the table of contents.
    public var summary: String?
    /// Default timeout for this chapter's cells, in seconds.
    public var timeout: Double?
    public var extra: [String: String]

    public init(title: String? = nil, summary: String? = nil, timeout: Double? = nil, extra: [String: String] = [:]) {
        self.title = title; self.summary = summary; self.timeout = timeout; self.extra = extra
    }
}

public enum Block: Sendable, Equatable {
    case prose(Prose)
    case cell(Cell)
}

/// A run of Markdown between cells (other fenced blocks included, shown and not run).
public struct Prose: Sendable, Equatable {
    public var markdown: String
    /// 1-based line of the first line of `markdown` in the chapter file.
    public var line: Int
    /// `` `{swift} EXPR` `` occurrences in this prose, in order.
    public var inlines: [InlineExpression]

    public init(markdown: String, line: Int, inlines: [InlineExpression]) {
        self.markdown = markdown; self.line = line; self.inlines = inlines
    }
}

/// An inline `` `{swift} EXPR` ``; `id` is its index among the chapter's inline expressions.
public struct InlineExpression: Sendable, Equatable {
    public var id: Int
    public var expression: String
    public var line: Int

    public init(id: Int, expression: String, line: Int) {
        self.id = id; self.expression = expression; self.line = line
    }
}

/// A ```` ```swift ```` block.
public struct Cell: Sendable, Equatable {
    /// 0-based index among the chapter's cells.
    public var index: Int
    /// The code without its `//|` option lines.
    public var code: String
    /// 1-based line in the chapter file of the first line of `code`.
    public var line: Int
    /// 1-based line of the opening fence (for messages about the cell as a whole).
    public var fenceLine: Int
    public var options: CellOptions

    public init(index: Int, code: String, line: Int, fenceLine: Int, options: CellOptions) {
        self.index = index; self.code = code; self.line = line; self.fenceLine = fenceLine; self.options = options
    }
}

/// Cell options, Quarto's names where one exists.
public struct CellOptions: Sendable, Equatable, Codable {
    public var echo = true
    public var eval = true
    public var output = true
    /// The cell is expected to fail: its error is shown and is not a build failure.
    public var error = false
    public var label: String?
    public var figCap: String?
    public var tblCap: String?
    public var timeout: Double?
    /// Output differs run to run (timings): not compared by `check`.
    public var volatile = false
    /// Relative tolerance for numbers when `check` compares with the freeze record.
    public var tolerance: Double?
    /// Files the cell reads; their contents join the cache key.
    public var inputs: [String] = []

    public init() {}
}

/// A rich output written by a cell through BookRuntime's display protocol.
public enum Display: Sendable, Equatable, Codable {
    case text(String)
    case table(Table)
    /// SVG markup.
    case svg(String)
    /// PNG bytes.
    case png(Data)
    /// HTML given as is (trusted: produced by the runtime, not by printed text).
    case html(String)
}

public struct Table: Sendable, Equatable, Codable {
    public var columns: [String]
    public var rows: [[String]]
    public init(columns: [String], rows: [[String]]) { self.columns = columns; self.rows = rows }
}

public enum CellStatus: Sendable, Equatable, Codable {
    case ok
    /// Failed with a message; `line` is the chapter line it points at, when known.
    case failed(message: String, line: Int?)
    /// Failed as its `error: true` option said it would.
    case expectedFailure(message: String, line: Int?)
    /// A cell before it failed, or the process died before reaching it.
    case notRun
    /// `eval: false`.
    case skipped
}

public struct CellResult: Sendable, Equatable, Codable {
    public var index: Int
    public var status: CellStatus
    /// Everything written to stdout and stderr during the cell (file-descriptor level).
    public var output: String
    /// True when `output` was cut at the per-cell limit.
    public var truncated: Bool
    /// The last expression's value and explicit `show(...)` calls, in order.
    public var displays: [Display]
    public var seconds: Double

    public init(index: Int, status: CellStatus, output: String = "", truncated: Bool = false,
                displays: [Display] = [], seconds: Double = 0) {
        self.index = index; self.status = status; self.output = output; self.truncated = truncated
        self.displays = displays; self.seconds = seconds
    }
}

public struct ChapterResult: Sendable, Equatable, Codable {
    public var name: String
    public var cells: [CellResult]
    /// Inline `{swift}` values by `InlineExpression.id` (absent when not evaluated).
    public var inlineValues: [Int: String]
    /// Inline expressions that failed (did not compile, threw, or crashed), by id, with the message.
    public var inlineErrors: [Int: String]
    public var seconds: Double
    public var fromCache: Bool

    public init(name: String, cells: [CellResult], inlineValues: [Int: String] = [:], inlineErrors: [Int: String] = [:],
                seconds: Double = 0, fromCache: Bool = false) {
        self.name = name; self.cells = cells; self.inlineValues = inlineValues; self.inlineErrors = inlineErrors
        self.seconds = seconds; self.fromCache = fromCache
    }

    /// A cell failed unexpectedly, or an inline expression failed.
    public var failed: Bool {
        !inlineErrors.isEmpty || cells.contains { if case .failed = $0.status { true } else { false } }
    }
}

/// A problem found while building, printed as `FILE:LINE: message`.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    public enum Severity: String, Sendable { case error, warning }
    public var file: String
    public var line: Int?
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int?, message: String, severity: Severity = .error) {
        self.file = file; self.line = line; self.message = message; self.severity = severity
    }

    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        if let line { return "\(file):\(line): \(prefix)\(message)" }
        return "\(file): \(prefix)\(message)"
    }
}
