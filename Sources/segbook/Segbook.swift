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
        restartWithShortOpenMPSpins()
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

    /// oneDNN's OpenMP threads spin after each parallel region before they sleep (libgomp's
    /// default: 300,000 spins), and between oneDNN calls the engine's own loops run on Dispatch
    /// threads, one of which then waits for the core a spinning OpenMP thread holds. With
    /// GOMP_SPINCOUNT=10000 they yield sooner: training steps at 2 threads measured ~8 % shorter
    /// (FCN-ResNet50 1591/1552 -> 1453/1435 ms, DeepLab v3+ 756/669 -> 644/649), with no change in
    /// the results. libgomp reads it once, as it loads, so segbook restarts itself with it set,
    /// unless the caller set it or OMP_WAIT_POLICY (the chapters' programs inherit it).
    private static func restartWithShortOpenMPSpins() {
        guard getenv("GOMP_SPINCOUNT") == nil, getenv("OMP_WAIT_POLICY") == nil else { return }
        setenv("GOMP_SPINCOUNT", "10000", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Not restarted: go on with libgomp's defaults.
    }
}
