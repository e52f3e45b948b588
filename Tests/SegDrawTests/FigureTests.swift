import Foundation
import Testing
@testable import SegDraw

/// Golden files live next to this file; `SEGDRAW_UPDATE_GOLDEN=1 swift test --filter SegDrawTests` rewrites them.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
let updatingGolden = ProcessInfo.processInfo.environment["SEGDRAW_UPDATE_GOLDEN"] != nil

/// Counts of each SVG element name, e.g. "path=12 use=40": Cairo writes shapes as paths, glyphs as uses.
func svgStructure(_ svg: String) -> String {
    var counts: [String: Int] = [:]
    var i = svg.startIndex
    while let r = svg.range(of: "<", range: i..<svg.endIndex) {
        var j = r.upperBound, name = ""
        while j < svg.endIndex, svg[j].isLetter { name.append(svg[j]); j = svg.index(after: j) }
        if !name.isEmpty { counts[name, default: 0] += 1 }
        i = j
    }
    return counts.keys.sorted().map { "\($0)=\(counts[$0]!)" }.joined(separator: " ")
}

@Suite(.serialized) struct FigureTests {
    @Test func everyFigureRendersToSVGAndPNG() throws {
        for (name, f) in Examples.figures {
            let svg = f.svg()
            #expect(svg.hasPrefix("<?xml") && svg.contains("<svg"), "\(name): not an SVG document")
            let png = f.png(scale: 2)
            let img = try #require(RasterImage(png: png), "\(name): PNG does not decode")
            #expect(img.width == Int((f.size.width * 2).rounded(.up)) && img.height == Int((f.size.height * 2).rounded(.up)), "\(name)")
        }
    }

    @Test func svgStructureMatchesGolden() throws {
        let url = fixtures.appendingPathComponent("svg-structure.txt")
        let current = Examples.figures.map { "\($0.0): \(svgStructure($0.1.svg()))" }.joined(separator: "\n") + "\n"
        if updatingGolden { try current.write(to: url, atomically: true, encoding: .utf8); return }
        let golden = try String(contentsOf: url, encoding: .utf8)
        let g = golden.split(separator: "\n"), c = current.split(separator: "\n")
        #expect(g.count == c.count)
        for (a, b) in zip(g, c) { #expect(a == b, "SVG structure changed") }
    }

    @Test func pixelsMatchGoldenWithinTolerance() throws {
        let names = ["atrous", "pooling-indices", "diagram-unet", "heatmap-erf"]
        for (name, figure) in Examples.figures where names.contains(name) {
            let url = fixtures.appendingPathComponent("\(name).png")
            let png = figure.png(scale: 1)
            if updatingGolden { try Data(png).write(to: url); continue }
            let golden = try #require(RasterImage(png: [UInt8](try Data(contentsOf: url))))
            let now = try #require(RasterImage(png: png))
            #expect(golden.width == now.width && golden.height == now.height)
            guard golden.rgba.count == now.rgba.count else { continue }
            var sum = 0, far = 0
            for (a, b) in zip(golden.rgba, now.rgba) { let d = abs(Int(a) - Int(b)); sum += d; if d > 48 { far += 1 } }
            let mean = Double(sum) / Double(now.rgba.count)
            #expect(mean < 1.0, "\(name): mean channel difference \(mean)")
            #expect(Double(far) / Double(now.rgba.count) < 0.003, "\(name): \(far) channel values differ by more than 48")
        }
    }

    @Test func labelsAreDrawn() {
        func texts(_ name: String) -> [String] { Examples.figures.first { $0.0 == name }!.1.placedTexts().map(\.text) }
        #expect(texts("diagram-unet").contains("conv 3×3 ×2\n64×568×568"))
        #expect(texts("diagram-unet").contains("skip connection"))
        #expect(texts("diagram-segnet").contains("pooling indices"))
        #expect(texts("diagram-deeplabv3").contains("stage 3 ×6\n1024×32×32"))
        #expect(texts("atrous").contains("9 samples, field 9×9"))       // (3 − 1)·4 + 1
        #expect(texts("bar").contains("very long class name"))
        #expect(texts("scatter").contains("SegFormer-B0"))
        #expect(texts("pyramid-pooling").contains("2×2 cells per bin"))   // 12 / 6
        #expect(texts("sequence-reduction").contains("attention: 64×16 vs 64×64"))
    }

    @Test func scatterLabelsDoNotOverlap() {
        let boxes = Examples.scatter().placedTexts().filter { t in Examples.scatter().items.contains { $0.label == t.text } }.map(\.box)
        #expect(boxes.count == 12)
        for i in boxes.indices { for j in boxes.indices where j > i { #expect(!boxes[i].intersects(boxes[j])) } }
    }

    @Test func poolingIndicesPutMaximaBack() {
        let t = Examples.figures.first { $0.0 == "pooling-indices" }!.1.placedTexts().map(\.text)
        // Input [[1,5,2,0],[3,2,8,4],[7,1,3,3],[0,6,9,2]]: window maxima 5, 8, 7, 9 at (0,1), (1,0), (0,0), (1,0).
        for idx in ["0,1", "1,0", "0,0"] { #expect(t.contains(idx)) }
        #expect(t.filter { $0 == "0" }.count == 2 + 12)   // two zeros in the input; unpooled: 16 cells, 4 maxima
    }

    @Test func labelMapPNGHasVOCColours() throws {
        let img = RasterImage(labels: [0, 15, 7, 255] as [Int32], width: 2, height: 2)
        let back = try #require(RasterImage(png: img.png(scale: 1)))
        // VOC: background (0,0,0), person 15 = (192,128,128), car 7 = (128,128,128).
        #expect(Array(back.rgba[0..<3]) == [0, 0, 0])
        #expect(Array(back.rgba[4..<7]) == [192, 128, 128])
        #expect(Array(back.rgba[8..<11]) == [128, 128, 128])
    }

    @Test func floatImagesAcceptBothLayouts() {
        let hwc: [Float] = [1, 0, 0, 0, 1, 0]               // two pixels: red, green
        let chw: [Float] = [1, 0, 0, 1, 0, 0]
        let a = RasterImage(float: hwc, width: 2, height: 1, layout: .hwc), b = RasterImage(float: chw, width: 2, height: 1, layout: .chw)
        #expect(a == b)
        #expect(Array(a.rgba[0..<4]) == [255, 0, 0, 255])
        let normalised = RasterImage(float: [0, 0, 0], width: 1, height: 1, mean: [0.5, 0.25, 1], std: [1, 1, 1])
        #expect(Array(normalised.rgba[0..<3]) == [128, 64, 255])
    }

    @Test func niceTicks() {
        #expect(Ticks.linear(0, 1).values == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0])
        #expect(Ticks.linear(0, 7.3).step == 2)
        #expect(Ticks.log(1, 1000) == [1, 10, 100, 1000])
        #expect(Ticks.log(1, 100) == [1, 2, 5, 10, 20, 50, 100])
        #expect(Ticks.format(100000, powersFrom: 1e4) == "10⁵")
        #expect(Ticks.format(0.4, step: 0.2) == "0.4")
    }

    @Test func measuredTextMatchesDrawnText() {
        let m = TextMeasurer()
        let s = m.measure("receptive field", font: .body)
        let c = Canvas(size: Size(200, 50), format: .svg)
        let box = c.text("receptive field", at: Point(100, 25))
        #expect(abs(box.width - s.width) < 0.01 && abs(box.height - s.height) < 0.01)
        let wrapped = m.measure("receptive field", font: .body, maxWidth: 60)
        #expect(wrapped.width <= 60 && wrapped.height > s.height * 1.5)
    }
}

@Suite struct SVGTests {
    @Test func idsAreUniquePerFigureAndStable() {
        let a = AtrousSamplingFigure().svg(), b = PyramidPoolingFigure().svg()
        func ids(_ s: String) -> Set<String> {
            Set(s.components(separatedBy: "id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) })
        }
        #expect(!ids(a).isEmpty && ids(a).isDisjoint(with: ids(b)))
        #expect(a == AtrousSamplingFigure().svg())
        // Every reference points at an id of the same document.
        let refs = a.components(separatedBy: "href=\"#").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(!refs.isEmpty && refs.allSatisfy { ids(a).contains($0) })
    }
}
