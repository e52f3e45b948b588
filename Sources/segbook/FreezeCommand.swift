import ArgumentParser
import BookBuilder
import Foundation

/// `segbook freeze`: records the current results in `chapters/_freeze/NAME.json` for `check`.
struct FreezeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freeze",
        abstract: "Record the chapters' current text results in chapters/_freeze/NAME.json (per profile).",
        discussion: "A chapter with a failing cell is not recorded. Exit status: 0 ok, 1 a cell failed, 2 bad usage or input.")

    @OptionGroup var book: BookArguments

    mutating func run() async throws {
        let loaded = try LoadedBook(book)
        let run = loaded.run(useCache: !book.force, verb: "run")
        run.failures.forEach { Console.error($0.description) }
        let selected = Set(loaded.selected.map(\.name))
        let profile = loaded.options.profile
        for (chapter, result) in zip(run.chapters, run.results) where selected.contains(chapter.name) && !result.failed {
            let path = FreezeRecord.path(for: chapter, chaptersDirectory: loaded.options.chaptersDirectory)
            var record = (try? FreezeRecord.load(path)) ?? FreezeRecord(chapter: chapter.name)
            record.profiles[profile.rawValue] = FreezeRecord.profileRecord(chapter, result)
            do {
                try record.write(to: path)
                Console.out("segbook: recorded \(path) (\(profile.rawValue))")
            } catch {
                Console.error("\(path): cannot write the freeze record: \(error)")
                throw ExitCode(2)
            }
        }
        if run.failed > 0 { throw ExitCode(1) }
    }
}
