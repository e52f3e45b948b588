import ArgumentParser
import BookBuilder
import Foundation

/// The options `build`, `check` and `freeze` share.
struct BookArguments: ParsableArguments {
    @Option(help: "The folder with the chapters (*.md).")
    var chapters = "chapters"

    @Option(help: "The folder the HTML book is written to.")
    var output = "output"

    @Option(help: ArgumentHelp("The folder for cached results and chapter programs.", visibility: .hidden))
    var cacheDir = ".segbook-cache"

    @Flag(help: "Small budgets (`Book.budget(full:quick:)` returns the quick value), as CI runs them.")
    var quick = false

    @Option(name: [.customShort("j"), .long], help: "Chapters run at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Run every chapter, ignoring cached results.")
    var force = false

    @Argument(help: "Chapters to run (names like 04-unet, or paths); all when none is given.")
    var selection: [String] = []

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    var options: BookOptions {
        var options = BookOptions()
        options.chaptersDirectory = chapters
        options.outputDirectory = output
        options.cacheDirectory = cacheDir
        options.profile = quick ? .quick : .full
        options.jobs = jobs
        options.force = force
        options.selection = selection
        return options
    }
}

/// What `build`, `check` and `freeze` do first: find the chapters, parse them, find the engine.
/// A user's mistake prints one `FILE:LINE: message` line per problem and exits 2.
struct LoadedBook {
    var options: BookOptions
    var chapters: [Chapter]
    var selected: [Chapter]
    var engine: Engine

    init(_ arguments: BookArguments) throws {
        options = arguments.options
        do {
            let paths = try BookPipeline.discover(options)
            let (parsed, problems) = BookPipeline.parse(paths)
            guard problems.isEmpty else {
                problems.forEach { Console.error($0.description) }
                throw ExitCode(2)
            }
            chapters = parsed
            selected = try BookPipeline.select(parsed, options.selection, chaptersDirectory: options.chaptersDirectory)
            engine = try Engine.locate(nextTo: Console.executablePath)
        } catch let diagnostic as Diagnostic {
            Console.error(diagnostic.description)
            throw ExitCode(2)
        }
    }

    /// Runs the selected chapters with progress lines, and prints the summary.
    func run(useCache: Bool, verb: String = "built") -> BookRun {
        LiveGroups.killOnInterrupt()
        let progress = Progress()
        let run = BookPipeline.run(chapters, only: selected, options: options, engine: engine, useCache: useCache) {
            progress.report($0)
        }
        var parts = ["\(run.ran) run", "\(run.fromCache) from cache"]
        if run.failed > 0 { parts.append("\(run.failed) failed") }
        let count = selected.count
        Console.out("segbook: \(count) chapter\(count == 1 ? "" : "s") \(verb): \(parts.joined(separator: ", ")) in \(Progress.seconds(run.seconds))")
        return run
    }
}

/// One line per chapter as it starts and ends; failures as `FILE:LINE: message` on stderr.
final class Progress: @unchecked Sendable {
    private let lock = NSLock()

    func report(_ event: BookEvent) {
        lock.lock(); defer { lock.unlock() }
        switch event {
        case .started(let chapter):
            Console.out("▶ \(chapter.name)")
        case .fromCache(let chapter, let result):
            Console.out("= \(chapter.name): \(cells(result)), from cache")
        case .finished(let chapter, let result):
            let failed = result.cells.filter { if case .failed = $0.status { true } else { false } }.count
            let mark = result.failed ? "✗" : "✓"
            var summary = cells(result)
            if failed > 0 { summary += ", \(failed) failed" }
            if !result.inlineErrors.isEmpty { summary += ", \(result.inlineErrors.count) inline failed" }
            Console.out("\(mark) \(chapter.name): \(summary), \(Progress.seconds(result.seconds))")
        case .warning(let diagnostic):
            Console.error(diagnostic.description)
        }
    }

    private func cells(_ result: ChapterResult) -> String {
        "\(result.cells.count) cell\(result.cells.count == 1 ? "" : "s")"
    }

    static func seconds(_ s: Double) -> String { String(format: "%.2f s", s) }
}

enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// This executable's path (the engine's build products are next to it).
    static var executablePath: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}
