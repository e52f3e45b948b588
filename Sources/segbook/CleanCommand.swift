import ArgumentParser
import Foundation

/// `segbook clean`: removes the cache and the built book.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove the cache and the built book.")

    @Option(help: "The folder the HTML book is written to.")
    var output = "output"

    @Option(help: ArgumentHelp("The folder for cached results and chapter programs.", visibility: .hidden))
    var cacheDir = ".segbook-cache"

    mutating func run() async throws {
        let files = FileManager.default
        try? files.removeItem(atPath: cacheDir)
        for name in (try? files.contentsOfDirectory(atPath: output)) ?? [] where name != ".gitkeep" {
            try? files.removeItem(atPath: output + "/" + name)
        }
        Console.out("segbook: removed \(cacheDir) and the contents of \(output)")
    }
}
