import ArgumentParser
import Foundation
import SegLab
import SegModels

/// `segbook summary PRESET`: a per-layer table (or JSON) of a preset traced on one input.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per-layer shapes, parameters, FLOPs and receptive fields of a preset, with memory totals.")

    @Argument(help: "A preset name (see `segbook presets`).")
    var preset: String

    @Option(help: "Input shape NxCxHxW (default: the preset's channels and example size).")
    var input: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Skip measuring peak memory (one more forward and a training step).")
    var noMemory = false

    func run() throws {
        let (preset, shape) = try ModelArguments.resolve(preset: preset, input: input)
        let model = preset.make()
        let summary = model.summary(input: shape, memory: !noMemory)
        print(json ? summary.jsonString : summary.table)
    }
}

/// Parsing shared by `summary` and `draw`; errors print one line and exit with status 2.
enum ModelArguments {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func resolve(preset name: String, input: String?) throws -> (Preset, [Int]) {
        guard let preset = Presets.named(name) else {
            fail("unknown preset '\(name)' (known: \(Presets.names.joined(separator: ", ")))")
        }
        guard let input else {
            return (preset, [1, preset.defaultInputChannels, preset.exampleInputSize, preset.exampleInputSize])
        }
        let parts = input.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 4, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            fail("--input '\(input)' is not NxCxHxW with positive sizes (e.g. 1x3x512x512)")
        }
        let shape = parts.map { $0! }
        guard shape[1] == preset.defaultInputChannels else {
            fail("--input '\(input)': \(preset.name) takes \(preset.defaultInputChannels) input channels, not \(shape[1])")
        }
        return (preset, shape)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("segbook: \(message)\n".utf8))
        exit(2)
    }
}
