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
        var fcnU = ExampleDiagrams.fcn8s(); fcnU.layout = .encoderDecoder
        try Data(fcnU.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-fcn8s-u.png"))
        var fcn = ExampleDiagrams.fcn8s(); fcn.depth = 1; fcn.layout = .chain
        try Data(fcn.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-fcn8s-chain.png"))
        try Data(ExampleDiagrams.deeplabv3plus().png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-deeplabv3plus.png"))
        var segformer = ExampleDiagrams.segformer(); segformer.layout = .chain
        try Data(segformer.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-segformer.png"))
        segformer.depth = 0
        try Data(segformer.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-segformer-depth0.png"))
        try Data(LargeDiagramTests.expandedUNet().png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-unet-every-layer.png"))
        let input = (0..<8).map { r in (0..<8).map { Double((r * 8 + $0) * 37 % 19) } }
        try PoolingIndicesFigure(input: input).write(to: "\(dir)/pooling-indices-8x8.png", scale: 1)
        try AtrousSamplingFigure(rates: [1, 2, 4, 8]).write(to: "\(dir)/atrous-1248.png", scale: 1)
        try Data(ExampleDiagrams.pspnet().png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-pspnet.png"))
        full.depth = 0
        try Data(full.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/diagram-deeplabv3-depth0.png"))
        // A page to look at them all at the book's width (800 px).
        let pngs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".png") }.sorted()
        let figures = pngs.map { "<figure><img src=\"\($0)\" style=\"max-width:800px\"><figcaption>\($0)</figcaption></figure>" }
        let page = "<!doctype html><meta charset=utf-8><title>SegDraw gallery</title><body style=\"width:800px;margin:auto\">\n"
            + figures.joined(separator: "\n") + "\n</body>\n"
        try Data(page.utf8).write(to: URL(fileURLWithPath: "\(dir)/index.html"))
    }
}
