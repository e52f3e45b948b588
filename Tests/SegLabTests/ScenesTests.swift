import Foundation
import Testing
@testable import SegLab

@Suite struct ScenesTests {
    @Test(arguments: Scenes.Variant.allCases)
    func sameSeedSameBytes(variant: Scenes.Variant) {
        let a = Scenes(variant, size: 48, seed: 7)
        let b = Scenes(variant, size: 48, seed: 7)
        #expect(a.sample(3) == b.sample(3))
        // Order and threads do not matter: the parallel batch equals samples made one by one.
        let batch = a.samples(0..<6)
        #expect(batch == (0..<6).map { b.sample($0) })
        // Another seed, another scene.
        #expect(Scenes(variant, size: 48, seed: 8).sample(3) != a.sample(3))
    }

    @Test(arguments: Scenes.Variant.allCases)
    func labelsAreClassIdsAndEveryClassOccurs(variant: Scenes.Variant) {
        let scenes = Scenes(variant, height: 64, width: 80, seed: 1)
        #expect(scenes.palette.count == scenes.classNames.count)
        var seen = Set<Int32>()
        for s in scenes.samples(0..<40) {
            #expect(s.height == 64 && s.width == 80)
            #expect(s.image.allSatisfy { $0 >= 0 && $0 <= 1 })
            seen.formUnion(s.label)
        }
        #expect(seen == Set((0..<Int32(scenes.classCount))))
    }

    @Test func imageIsAntiAliasedLabelIsExact() {
        // A lone disc on black, drawn with and without antialiasing: the label takes the class of
        // the pixel centre, the image blends along the edge.
        let canvas = SceneCanvas(width: 16, height: 16)
        let disc = SceneObject(shape: .disc(cx: 8, cy: 8, r: 5), paint: .solid(Colour(r: 1, g: 1, b: 1)), classId: 3)
        let label = canvas.renderLabel([disc])
        let image = canvas.renderImage([disc])
        #expect(Set(label) == [0, 3])
        for y in 0..<16 {
            for x in 0..<16 {
                let dx = Double(x) + 0.5 - 8, dy = Double(y) + 0.5 - 8
                let d = (dx * dx + dy * dy).squareRoot()
                if d < 4.5 { #expect(label[y * 16 + x] == 3) }
                if d > 5.5 { #expect(label[y * 16 + x] == 0) }
            }
        }
        let grey = stride(from: 0, to: image.count, by: 3).map { image[$0] }
        #expect(grey.contains { $0 > 10 && $0 < 245 })  // partial coverage along the edge
    }

    @Test func contextTokensLookTheSameInBothContexts() {
        // Boats and cars are the same drawing: on average, their pixels have the same colour.
        let scenes = Scenes(.context, size: 96, seed: 2)
        var sums: [Int32: (Double, Int)] = [3: (0, 0), 4: (0, 0)]
        for s in scenes.samples(0..<40) {
            for (p, id) in s.label.enumerated() where id == 3 || id == 4 {
                sums[id]!.0 += Double(s.image[p]); sums[id]!.1 += 1
            }
        }
        let boat = sums[3]!.0 / Double(sums[3]!.1), car = sums[4]!.0 / Double(sums[4]!.1)
        #expect(sums[3]!.1 > 100 && sums[4]!.1 > 100)
        #expect(abs(boat - car) < 0.05)
    }

    @Test func writesPNGsThatReadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segbook-scenes-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scenes = Scenes(.shapes, size: 32, seed: 5)
        let paths = try scenes.writePNGs(0..<2, to: dir)
        #expect(paths.count == 4)
        let s = scenes.sample(1)
        let image = try PNGFile.readRGB(dir + "/00001_image.png")
        #expect(image.pixels == s.imageBytes)
        let label = try PNGFile.readLabel(dir + "/00001_label.png")
        #expect(label.ids.map(Int32.init) == s.label)
        #expect(Array(label.palette!.prefix(6)) == scenes.palette)
    }
}
