import ArgumentParser
import Foundation
import SegDraw
import SegLab
import SegModels

/// `segbook draw PRESET -o FILE.svg|FILE.png`: a preset's architecture diagram, traced from the engine.
struct DrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draw",
        abstract: "Draw a preset's architecture diagram (traced from one forward pass) to SVG or PNG.")

    @Argument(help: "A preset name (see `segbook presets`).")
    var preset: String

    @Option(help: "Input shape NxCxHxW (default: the preset's channels and example size).")
    var input: String?

    @Option(help: "How far stages are expanded: 0 draws top-level stages as single blocks; omit to expand all.")
    var depth: Int?

    @Option(name: .shortAndLong, help: "Output file, .svg or .png.")
    var output: String

    func run() throws {
        let ext = (output as NSString).pathExtension.lowercased()
        guard ext == "svg" || ext == "png" else { ModelArguments.fail("\(output): the output must end in .svg or .png") }
        if let depth, depth < 0 { ModelArguments.fail("--depth \(depth) must be 0 or more") }
        let (preset, shape) = try ModelArguments.resolve(preset: preset, input: input)
        let model = preset.make()
        let diagram = model.diagram(input: shape, depth: depth, title: "\(preset.architecture) (\(preset.name)), input \(shape.map(String.init).joined(separator: "×"))")
        do {
            try diagram.write(to: output)
        } catch {
            ModelArguments.fail("\(error)")
        }
    }
}
