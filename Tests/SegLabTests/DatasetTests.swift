import Foundation
import Testing
@testable import SegLab

/// A fresh temporary folder, removed by `cleanUp`.
func temporaryFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("segbook-\(name)-\(UInt64.random(in: 0...UInt64.max))").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func cleanUp(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

func makeFolders(_ root: String, _ folders: [String]) {
    for f in folders { try! FileManager.default.createDirectory(atPath: root + "/" + f, withIntermediateDirectories: true) }
}

/// A w×h RGB image whose pixel (x, y) is (10x, 20y, 7).
func gradientPixels(width: Int, height: Int) -> [UInt8] {
    (0..<(width * height)).flatMap { p in [UInt8(10 * (p % width)), UInt8(20 * (p / width)), 7] }
}

@Suite struct PNGFileTests {
    @Test func paletteIndicesSurviveAPaletteWhoseOrderIsNotSorted() throws {
        let dir = temporaryFolder("png"); defer { cleanUp(dir) }
        // Palette entries in an order unrelated to their colours; indices must come back as written.
        let palette = [RGB8(250, 0, 0), RGB8(0, 0, 0), RGB8(9, 9, 9), RGB8(0, 200, 0)]
        let indices: [UInt8] = [3, 2, 1, 0, 0, 1, 2, 3, 3, 3]
        try PNGFile.writePalette(dir + "/p.png", width: 5, height: 2, indices: indices, palette: palette)
        let read = try PNGFile.readLabel(dir + "/p.png")
        #expect(read.ids == indices && read.width == 5 && read.height == 2)
        #expect(read.palette == palette)
        // The same file read as an image gives the palette's colours.
        let rgb = try PNGFile.readRGB(dir + "/p.png")
        #expect(Array(rgb.pixels[0..<6]) == [0, 200, 0, 9, 9, 9])
    }

    @Test func greyAndRGBRoundTrip() throws {
        let dir = temporaryFolder("png"); defer { cleanUp(dir) }
        let grey: [UInt8] = [0, 7, 26, 33, 255, 128]
        try PNGFile.writeGrey(dir + "/g.png", width: 3, height: 2, pixels: grey)
        #expect(try PNGFile.readLabel(dir + "/g.png").ids == grey)
        let rgb = gradientPixels(width: 4, height: 3)
        try PNGFile.writeRGB(dir + "/c.png", width: 4, height: 3, pixels: rgb)
        #expect(try PNGFile.readRGB(dir + "/c.png").pixels == rgb)
        // An RGB PNG is not a label map.
        #expect(throws: DatasetError.self) { try PNGFile.readLabel(dir + "/c.png") }
    }

    @Test func corruptTruncatedAndJPEGFilesAreOneLineErrors() throws {
        let dir = temporaryFolder("png"); defer { cleanUp(dir) }
        try PNGFile.writeRGB(dir + "/ok.png", width: 8, height: 8, pixels: gradientPixels(width: 8, height: 8))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/ok.png"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir + "/truncated.png"))
        try Data("not a png at all".utf8).write(to: URL(fileURLWithPath: dir + "/text.png"))
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46]).write(to: URL(fileURLWithPath: dir + "/photo.jpg"))
        for name in ["truncated.png", "text.png"] {
            do { _ = try PNGFile.readRGB(dir + "/" + name); Issue.record("\(name) read") } catch let e as DatasetError {
                guard case .corruptPNG(let path, _) = e else { Issue.record("\(e)"); continue }
                #expect(path == dir + "/" + name)
                #expect(e.description.hasPrefix(dir + "/" + name + ": not a readable PNG"))
                #expect(!e.description.contains("\n") && e.exitCode == 2)
            }
        }
        do { _ = try PNGFile.readRGB(dir + "/photo.jpg"); Issue.record("JPEG read") } catch let e as DatasetError {
            #expect(e.description == dir + "/photo.jpg: JPEG is not supported (segbook reads PNG only): convert the images to PNG")
        }
        #expect(throws: DatasetError.missingFile(path: dir + "/absent.png")) { try PNGFile.readRGB(dir + "/absent.png") }
    }
}

@Suite struct DatasetTests {
    /// A two-image VOC layout: image "a" 4×3 with labels 0, 15 (person) and 255; image "b" 2×2.
    func makeVOC(_ root: String) throws {
        makeFolders(root, ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"])
        try "a\nb\n".write(toFile: root + "/ImageSets/Segmentation/train.txt", atomically: true, encoding: .utf8)
        try "b\n".write(toFile: root + "/ImageSets/Segmentation/val.txt", atomically: true, encoding: .utf8)
        try PNGFile.writeRGB(root + "/JPEGImages/a.png", width: 4, height: 3, pixels: gradientPixels(width: 4, height: 3))
        try PNGFile.writeLabel(root + "/SegmentationClass/a.png", width: 4, height: 3,
                               label: [0, 0, 15, 15, 0, 255, 15, 15, 0, 0, 0, 255], palette: VOCDataset.palette)
        try PNGFile.writeRGB(root + "/JPEGImages/b.png", width: 2, height: 2, pixels: gradientPixels(width: 2, height: 2))
        try PNGFile.writeLabel(root + "/SegmentationClass/b.png", width: 2, height: 2, label: [20, 20, 1, 1],
                               palette: VOCDataset.palette)
    }

    @Test func vocPaletteIsTheStandardOne() {
        // VOC's map: 1 aeroplane (128, 0, 0), 15 person (192, 128, 128), 255 (224, 224, 192).
        #expect(VOCDataset.palette[1] == RGB8(128, 0, 0))
        #expect(VOCDataset.palette[15] == RGB8(192, 128, 128))
        #expect(VOCDataset.vocColour(255) == RGB8(224, 224, 192))
    }

    @Test func readsVOCLayout() throws {
        let root = temporaryFolder("voc"); defer { cleanUp(root) }
        try makeVOC(root)
        let train = try VOCDataset(root: root, split: "train")
        #expect(train.ids == ["a", "b"] && train.count == 2)
        let a = try train.sample(0)
        #expect(a.height == 3 && a.width == 4)
        #expect(a.label == [0, 0, 15, 15, 0, 255, 15, 15, 0, 0, 0, 255])
        #expect(a.imageBytes == gradientPixels(width: 4, height: 3))
        #expect(try VOCDataset(root: root, split: "val").loadAll().map(\.label) == [[20, 20, 1, 1]])
    }

    @Test func vocErrorsNameTheFile() throws {
        let root = temporaryFolder("voc"); defer { cleanUp(root) }
        #expect(throws: DatasetError.missingFolder(path: root + "/nope")) { try VOCDataset(root: root + "/nope") }
        try makeVOC(root)
        #expect(throws: DatasetError.missingFile(path: root + "/ImageSets/Segmentation/test.txt")) {
            try VOCDataset(root: root, split: "test")
        }
        // A label whose size differs from its image.
        try PNGFile.writeLabel(root + "/SegmentationClass/b.png", width: 3, height: 2, label: [0, 0, 0, 0, 0, 0],
                               palette: VOCDataset.palette)
        let ds = try VOCDataset(root: root)
        do { _ = try ds.sample(1); Issue.record("size mismatch read") } catch let e as DatasetError {
            #expect(e == .sizeMismatch(labelPath: root + "/SegmentationClass/b.png", labelWidth: 3, labelHeight: 2,
                                       imageWidth: 2, imageHeight: 2))
            #expect(e.description == root + "/SegmentationClass/b.png: label is 3×2 but its image is 2×2")
        }
        // A label id that is no class (21) and not 255.
        try PNGFile.writeLabel(root + "/SegmentationClass/b.png", width: 2, height: 2, label: [0, 21, 0, 0],
                               palette: VOCDataset.palette)
        #expect(throws: DatasetError.labelOutOfRange(path: root + "/SegmentationClass/b.png", id: 21, classes: 21)) {
            try ds.sample(1)
        }
        // The real dataset's JPEG images: a clear refusal.
        try FileManager.default.removeItem(atPath: root + "/JPEGImages/a.png")
        try Data([0xFF, 0xD8, 0xFF, 0xE0]).write(to: URL(fileURLWithPath: root + "/JPEGImages/a.jpg"))
        do { _ = try ds.sample(0); Issue.record("JPEG read") } catch let e as DatasetError {
            #expect(e.path == root + "/JPEGImages/a.jpg" && e.description.contains("JPEG is not supported"))
        }
    }

    @Test func readsCityscapesAndMapsToTrainIds() throws {
        let root = temporaryFolder("cityscapes"); defer { cleanUp(root) }
        makeFolders(root, ["leftImg8bit/val/aachen", "leftImg8bit/val/bonn", "gtFine/val/aachen", "gtFine/val/bonn"])
        for (city, stem) in [("bonn", "bonn_000000_000019"), ("aachen", "aachen_000000_000019")] {
            try PNGFile.writeRGB(root + "/leftImg8bit/val/\(city)/\(stem)_leftImg8bit.png", width: 3, height: 2,
                                 pixels: gradientPixels(width: 3, height: 2))
            // Label ids: 7 road → 0, 26 car → 13, 33 bicycle → 18, 0 unlabeled → 255, 4 static → 255,
            // 24 person → 11.
            try PNGFile.writeGrey(root + "/gtFine/val/\(city)/\(stem)_gtFine_labelIds.png", width: 3, height: 2,
                                  pixels: [7, 26, 33, 0, 4, 24])
        }
        let ds = try CityscapesDataset(root: root, split: "val")
        #expect(ds.count == 2)
        #expect(ds.pairs[0].image.hasSuffix("aachen/aachen_000000_000019_leftImg8bit.png"))
        #expect(try ds.sample(0).label == [0, 13, 18, 255, 255, 11])
        #expect(CityscapesDataset.trainIds.count == 19 && Set(CityscapesDataset.trainIds.values) == Set(0..<19))
        // 40 is no Cityscapes label id.
        let bad = root + "/gtFine/val/bonn/bonn_000000_000019_gtFine_labelIds.png"
        try PNGFile.writeGrey(bad, width: 3, height: 2, pixels: [7, 7, 40, 7, 7, 7])
        #expect(throws: DatasetError.labelOutOfRange(path: bad, id: 40, classes: 19)) { try ds.sample(1) }
        #expect(throws: DatasetError.missingFolder(path: root + "/leftImg8bit/test")) {
            try CityscapesDataset(root: root, split: "test")
        }
    }

    @Test func folderDatasetPairsByName() throws {
        let root = temporaryFolder("folder"); defer { cleanUp(root) }
        makeFolders(root, ["images", "labels"])
        try PNGFile.writeRGB(root + "/images/x.png", width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        try PNGFile.writeGrey(root + "/labels/x.png", width: 2, height: 1, pixels: [1, 255])
        let ds = try FolderDataset(images: root + "/images", labels: root + "/labels", classNames: ["a", "b"])
        #expect(try ds.sample(0).label == [1, 255])
        #expect(try ds.sample(0).imageBytes == [1, 2, 3, 4, 5, 6])
    }
}
