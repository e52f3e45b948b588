import ArgumentParser
import BookBuilder
import Foundation

/// `segbook check`: re-executes every cell (no cache) and compares the results with the freeze records.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Re-run every cell and compare with chapters/_freeze; fail on any error or changed result.",
        discussion: "Text is compared after normalising whitespace, numbers within a relative tolerance (1e-3, or the cell's `tolerance:`); `volatile` cells are skipped. Exit status: 0 ok, 1 a failure or a difference, 2 bad usage or input.")

    @OptionGroup var book: BookArguments

    mutating func run() async throws {
        let loaded = try LoadedBook(book)
        let run = loaded.run(useCache: false, verb: "checked")
        var problems = run.failures
        let selected = Set(loaded.selected.map(\.name))
        let profile = loaded.options.profile
        for (chapter, result) in zip(run.chapters, run.results) where selected.contains(chapter.name) {
            for cell in chapter.cells where cell.options.error {
                if cell.index < result.cells.count, case .ok = result.cells[cell.index].status {
                    problems.append(Diagnostic(file: chapter.path, line: cell.line,
                                               message: "the cell is marked 'error: true' but ran without an error"))
                }
            }
            let path = FreezeRecord.path(for: chapter, chaptersDirectory: loaded.options.chaptersDirectory)
            do {
                guard let record = try FreezeRecord.load(path)?.profiles[profile.rawValue] else {
                    problems.append(Diagnostic(file: chapter.path, line: nil,
                        message: "no recorded result for the \(profile.rawValue) profile; run `segbook freeze\(profile == .quick ? " --quick" : "")`"))
                    continue
                }
                problems += ResultComparison.compare(chapter, result, recorded: record, profile: profile)
            } catch {
                problems.append(error)
            }
        }
        // Render into a scratch folder to find unknown references and repeated labels (errors here).
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-check-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            problems += try BookPipeline.render(run, options: loaded.options, to: scratch, strict: true)
        } catch let diagnostic as Diagnostic {
            problems.append(diagnostic)
        }
        let unique = problems.reduce(into: [Diagnostic]()) { if !$0.contains($1) { $0.append($1) } }
        unique.forEach { Console.error($0.description) }
        if unique.isEmpty {
            Console.out("segbook: check passed")
        } else {
            Console.out("segbook: check failed: \(unique.count) problem\(unique.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}
