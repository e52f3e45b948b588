import Foundation
import Testing
import SegDraw

/// Renders every figure type to PNG and SVG under $SEGDRAW_GALLERY, for looking at:
/// `SEGDRAW_GALLERY=/tmp/gallery swift test --filter SegDrawTests.Gallery`.
@Suite(.serialized) struct Gallery {
    @Test func renderEveryFigure() throws {
        guard let dir = ProcessInfo.processInfo.environment["SEGDRAW_GALLERY"] else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, figure) in Examples.figures {
            try Data(figure.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/\(name).png"))
            try Data(figure.svg().utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name).svg"))
        }
        var full = ExampleDiagrams.deeplabv3(); full.depth = nil
        try Data(full.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-deeplabv3-expanded.png"))
        try Data(ExampleDiagrams.fcn8s().png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-fcn8s.png"))
        var fcn = ExampleDiagrams.fcn8s(); fcn.depth = 1; fcn.layout = .chain
        try Data(fcn.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-fcn8s-chain.png"))
        try Data(ExampleDiagrams.deeplabv3plus().png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-deeplabv3plus.png"))
        var segformer = ExampleDiagrams.segformer(); segformer.layout = .chain
        try Data(segformer.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-segformer.png"))
        segformer.depth = 0
        try Data(segformer.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-segformer-depth0.png"))
        full.depth = 0
        try Data(full.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-deeplabv3-depth0.png"))
    }
}
