import Foundation
import Testing
import SegDraw

/// Renders every figure type to PNG (and SVG) under $SEGDRAW_GALLERY, for looking at: 
/// `SEGDRAW_GALLERY=/tmp/gallery swift test --filter SegDrawTests.Gallery`.
@Suite(.serialized) struct Gallery {
    static var directory: String? { ProcessInfo.processInfo.environment["SEGDRAW_GALLERY"] }

    static func save(_ name: String, _ figure: some Figure) throws {
        guard let dir = directory else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(figure.png(scale: 1)).write(to: URL(fileURLWithPath: "\(dir)/\(name).png"))
        try Data(figure.svg().utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name).svg"))
    }

    @Test func diagrams() throws {
        try Gallery.save("diagram-unet", ExampleDiagrams.unet())
        try Gallery.save("diagram-segnet", ExampleDiagrams.segnet())
        var dl = ExampleDiagrams.deeplabv3(); dl.depth = 1
        try Gallery.save("diagram-deeplabv3-depth1", dl)
        dl.depth = 0
        try Gallery.save("diagram-deeplabv3-depth0", dl)
        dl.depth = nil
        try Gallery.save("diagram-deeplabv3-full", dl)
        var vit = ExampleDiagrams.vit(); vit.depth = 0
        try Gallery.save("diagram-vit", vit)
        vit.depth = nil
        try Gallery.save("diagram-vit-expanded", vit)
    }
}
