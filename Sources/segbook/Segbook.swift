import ArgumentParser
import Foundation

/// `segbook`: builds the executable review of semantic segmentation, and exposes its engine.
@main
struct Segbook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segbook",
        abstract: "Build and check the segbook review; inspect, train and time its models.",
        subcommands: [
            // Book (issue: runner, HTML review).
            BuildCommand.self, CheckCommand.self, FreezeCommand.self, CleanCommand.self, ServeCommand.self,
            // Models (issues: architectures, measurement, drawing, training, performance).
            BenchCommand.self,
            SummaryCommand.self,
            DrawCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            PresetsCommand.self,
            InferCommand.self,
            SegmentCommand.self,
        ]
    )

    /// As ArgumentParser's, except that bad usage exits 2 (not 64), as every segbook command does.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
