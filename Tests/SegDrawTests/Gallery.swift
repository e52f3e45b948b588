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
        full.depth = 0
        try Data(full.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-deeplabv3-depth0.png"))
    }
}
