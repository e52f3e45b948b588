import ArgumentParser
import BookBuilder
import Foundation

/// `segbook build`: runs the chapters (cached results where nothing changed) and writes the HTML book.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run the chapters' cells and write the HTML book.",
        discussion: "Exit status: 0 when every cell ran as expected, 1 when a cell failed, 2 for bad usage or input.")

    @OptionGroup var book: BookArguments

    @Flag(help: "Also write the whole book as one self-contained HTML file, output/book.html.")
    var singleFile = false

    mutating func run() async throws {
        let loaded = try LoadedBook(book)
        let run = loaded.run(useCache: !book.force)
        run.failures.forEach { Console.error($0.description) }
        do {
            let problems = try BookPipeline.render(run, options: loaded.options, to: loaded.options.outputDirectory,
                                                   singleFile: singleFile)
            problems.forEach { Console.error($0.description) }
        } catch let diagnostic as Diagnostic {
            Console.error(diagnostic.description)
            throw ExitCode(2)
        } catch {
            Console.error("\(loaded.options.outputDirectory): cannot write the book: \(error)")
            throw ExitCode(2)
        }
        Console.out("segbook: the book is at \(loaded.options.outputDirectory)/index.html")
        if run.failed > 0 { throw ExitCode(1) }
    }
}
