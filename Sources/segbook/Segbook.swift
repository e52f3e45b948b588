import ArgumentParser

/// `segbook`: builds the executable review of semantic segmentation, and exposes its engine.
@main
struct Segbook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segbook",
        abstract: "Build and check the segbook review; inspect, train and time its models.",
        subcommands: [
            // Book (issue: runner, HTML review).
            ServeCommand.self,
            // Models (issues: architectures, measurement, drawing, training, performance).
            BenchCommand.self,
            TrainCommand.self,
            EvalCommand.self,
        ]
    )
}
