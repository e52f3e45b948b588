import ArgumentParser
import BookBuilder
import Foundation
import Synchronization

/// `segbook serve`: a live preview. Builds the book, serves `output/` on 127.0.0.1, watches the
/// chapters (and the engine's build products), rebuilds on save and reloads open pages.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Build the book, serve it on 127.0.0.1, and rebuild and reload pages when a chapter changes.")

    @Option(name: .long, help: "The port to listen on (127.0.0.1 only).")
    var port: UInt16 = 8000

    @Option(name: .long, help: "The folder of chapters to build and watch.")
    var chapters: String = "chapters"

    @Option(name: .long, help: "The folder the book is written to and served from.")
    var output: String = "output"

    @Flag(name: .long, help: "Use the quick budgets (as CI does).")
    var quick = false

    @Option(name: .long, help: "Also watch this folder (e.g. the engine's build products); repeatable.")
    var watch: [String] = [".build/release/libBookRuntime.so"]

    func validate() throws {
        guard FileManager.default.fileExists(atPath: chapters) else {
            throw ValidationError("\(chapters): no such folder of chapters")
        }
    }

    func run() async throws {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var arguments = ["build", "--chapters", chapters, "--output", output]
        if quick { arguments.append("--quick") }
        let preview = LivePreview(
            output: URL(fileURLWithPath: output),
            watched: [URL(fileURLWithPath: chapters)] + watch.map { URL(fileURLWithPath: $0) },
            port: port,
            log: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) },  // unbuffered: seen at once, even in a pipe
            rebuild: { [arguments] in await Self.build(executable: executable, arguments: arguments) })
        do { try await preview.run() } catch let error as LivePreview.CannotListen {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Runs `segbook build` in a child process, so that whatever a build does (even crash) the server
    /// keeps running. Exit 0 or 1 (a cell failed: the page shows it) wrote the pages; anything else
    /// kept them from being written, and its messages go to the open pages' banner.
    /// The build running now, terminated (it then kills its chapters) if the server is stopped.
    private static let current = Mutex<Process?>(nil)

    static func build(executable: URL, arguments: [String]) async -> [String] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                let errors = Pipe()
                process.standardError = errors
                LiveGroups.killOnInterrupt { current.withLock { $0?.terminate() } }
                do { try process.run() } catch {
                    continuation.resume(returning: ["cannot run \(executable.path): \(error)"])
                    return
                }
                current.withLock { $0 = process }
                defer { current.withLock { $0 = nil } }
                // Read to the end before waiting, so a chatty build never blocks on a full pipe.
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                FileHandle.standardError.write(Data(text.utf8))
                let status = process.terminationStatus
                if status == 0 || status == 1 {
                    continuation.resume(returning: [])
                } else {
                    let lines = text.split(separator: "\n").map(String.init)
                    continuation.resume(returning: lines.isEmpty ? ["segbook build exited with status \(status)"] : lines)
                }
            }
        }
    }
}
