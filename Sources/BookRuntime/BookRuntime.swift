// BookRuntime: what chapter programs import. It re-exports the engine, and gives chapters `show`,
// `Table`, `Book.budget(full:quick:)` and the `BookDisplayable` protocol; the generated program calls
// the `_segbook…` hooks (cell markers, last-expression display, inline values). See DESIGN.md's
// runner contract.
@_exported import SegTensor
@_exported import SegNN
@_exported import SegModels
@_exported import SegLab
@_exported import SegDraw
import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// One rich output of a cell, as the book shows it under the cell.
public enum BookOutput: Sendable, Equatable {
    case text(String)
    case table(columns: [String], rows: [[String]])
    /// SVG markup.
    case svg(String)
    /// PNG file bytes.
    case png([UInt8])
    /// HTML shown as given.
    case html(String)
}

/// A value that knows how the book shows it: `extension Diagram: BookDisplayable { var bookDisplay: [BookOutput] { [.svg(svg())] } }`.
/// A cell's last expression and `show(_:)` use it when the value conforms, else `String(describing:)`.
public protocol BookDisplayable {
    var bookDisplay: [BookOutput] { get }
}

extension BookOutput: BookDisplayable {
    public var bookDisplay: [BookOutput] { [self] }
}

/// A table for the book: column titles and rows of values (each shown with `String(describing:)`,
/// or `Table.format` for floating-point numbers).
public struct Table: BookDisplayable, Sendable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]]) {
        self.columns = columns; self.rows = rows
    }

    public init(columns: [String], rows: [[Any]]) {
        self.columns = columns
        self.rows = rows.map { $0.map(Table.format) }
    }

    /// Floating-point numbers with 4 significant digits; everything else with `String(describing:)`.
    public static func format(_ value: Any) -> String {
        switch value {
        case let x as Double: return x.formatted(.number.precision(.significantDigits(1...4)))
        case let x as Float: return Double(x).formatted(.number.precision(.significantDigits(1...4)))
        default: return String(describing: value)
        }
    }

    public var bookDisplay: [BookOutput] { [.table(columns: columns, rows: rows)] }
}

/// Shows `value` under the current cell: its `bookDisplay` when it is `BookDisplayable`, else its text.
public func show<T>(_ value: T) {
    BookSession.shared.show(value)
}

/// The build's profile and budgets.
public enum Book {
    public enum Profile: String, Sendable { case quick, full }

    /// `quick` under `segbook build --quick` (CI), else `full`.
    public static var profile: Profile {
        ProcessInfo.processInfo.environment["SEGBOOK_PROFILE"] == "quick" ? .quick : .full
    }

    /// The quick value when the book is built with `--quick`, else the full one: `Book.budget(full: 50, quick: 2)` epochs.
    public static func budget<T>(full: T, quick: T) -> T {
        profile == .quick ? quick : full
    }
}

// MARK: - Hooks called by the generated program (not for chapters' own use)

/// Starts cell `index`: flushes what the previous cell wrote and tells the runner where the next bytes belong.
public func _segbookCell(_ index: Int) {
    BookSession.shared.beginCell(index)
}

/// Shows the value of a cell's last expression (nothing for `Void`).
public func _segbookDisplay<T>(_ value: T) {
    if T.self == Void.self { return }
    BookSession.shared.show(value)
}

/// Records an error thrown by a cell marked `error: true` (its code runs inside `do { } catch { }`).
public func _segbookCaught(_ error: any Error) {
    BookSession.shared.record(["cell": BookSession.shared.cell, "kind": "error", "message": "\(error)"])
}

/// Starts the inline-expression phase (after every cell).
public func _segbookInlines() {
    BookSession.shared.marker("inline")
}

/// Evaluates inline expression `id` and records its text.
public func _segbookInline<T>(_ id: Int, _ body: () throws -> T) {
    do {
        let value = try body()
        let text: String
        if let displayable = value as? BookDisplayable,
           case .text(let t)? = displayable.bookDisplay.first { text = t } else { text = String(describing: value) }
        BookSession.shared.record(["inline": id, "value": text])
    } catch {
        BookSession.shared.record(["inline": id, "error": "\(error)"])
    }
}

/// The program reached its end.
public func _segbookEnd() {
    BookSession.shared.marker("end")
}

/// The conversation with the runner: markers in the output stream, display files and a manifest.
final class BookSession: @unchecked Sendable {
    static let shared = BookSession()

    private let lock = NSLock()
    private let directory: String?
    private let token: String
    private(set) var cell = -1
    private var counter = 0

    private init() {
        let env = ProcessInfo.processInfo.environment
        directory = env["SEGBOOK_OUTPUT_DIR"]
        token = env["SEGBOOK_MARKER"] ?? "segbook"
        // Unbuffered: a trap must not lose what a cell printed.
        for stream in BookSession.standardStreams() { setvbuf(stream, nil, _IONBF, 0) }
    }

    /// C's `stdout` and `stderr`, looked up by symbol (Swift 6 forbids touching those C globals directly).
    static func standardStreams() -> [UnsafeMutablePointer<FILE>] {
        #if os(Linux)
        let (names, everywhere) = (["stdout", "stderr"], UnsafeMutableRawPointer(bitPattern: 0))  // RTLD_DEFAULT
        #else
        let (names, everywhere) = (["__stdoutp", "__stderrp"], UnsafeMutableRawPointer(bitPattern: -2))
        #endif
        return names.compactMap { name in
            dlsym(everywhere, name).flatMap {
                $0.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee
            }
        }
    }

    func beginCell(_ index: Int) {
        lock.lock(); cell = index; lock.unlock()
        marker("cell \(index)")
    }

    /// Writes `\u{1}SEGBOOK <token> <what>\n` to fd 1 (stdout and stderr share the runner's pipe).
    func marker(_ what: String) {
        fflush(nil)
        let bytes = Array("\u{1}SEGBOOK \(token) \(what)\n".utf8)
        bytes.withUnsafeBytes { writeAll(1, $0) }
    }

    func show<T>(_ value: T) {
        let outputs: [BookOutput]
        if let displayable = value as? BookDisplayable { outputs = displayable.bookDisplay }
        else if let figure = value as? any Figure { outputs = [.svg(figure.svg())] }  // every SegDraw figure
        else { outputs = [.text(String(describing: value))] }
        for output in outputs { write(output) }
    }

    private func write(_ output: BookOutput) {
        lock.lock()
        let n = counter
        counter += 1
        let cell = self.cell
        lock.unlock()
        let stem = "cell\(cell)-\(n)"
        switch output {
        case .text(let s): save(Array(s.utf8), "\(stem).txt", kind: "text")
        case .svg(let s): save(Array(s.utf8), "\(stem).svg", kind: "svg")
        case .html(let s): save(Array(s.utf8), "\(stem).html", kind: "html")
        case .png(let bytes): save(bytes, "\(stem).png", kind: "png")
        case .table(let columns, let rows):
            let data = (try? JSONSerialization.data(withJSONObject: ["columns": columns, "rows": rows])) ?? Data()
            save([UInt8](data), "\(stem).json", kind: "table")
        }
    }

    private func save(_ bytes: [UInt8], _ file: String, kind: String) {
        guard let directory else {
            // Run outside the book: print text, describe the rest.
            if kind == "text" { print(String(decoding: bytes, as: UTF8.self)) } else { print("[\(kind): \(bytes.count) bytes]") }
            return
        }
        FileManager.default.createFile(atPath: directory + "/" + file, contents: Data(bytes))
        record(["cell": cell, "kind": kind, "file": file])
    }

    /// Appends one JSON line to the manifest with a single `write` (a crash never leaves half a record).
    func record(_ entry: [String: Any]) {
        guard let directory,
              var data = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) else { return }
        data.append(0x0A)
        lock.lock(); defer { lock.unlock() }
        let fd = open(directory + "/manifest.jsonl", O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        data.withUnsafeBytes { writeAll(fd, $0) }
        close(fd)
    }
}

private func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
    var offset = 0
    while offset < buffer.count {
        let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n < 0 { if errno == EINTR { continue }; return }
        offset += n
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif
