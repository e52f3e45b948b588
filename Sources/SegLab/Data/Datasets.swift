import Foundation

/// Labelled images on disk, loaded one sample at a time.
public protocol SegmentationDataset: Sendable {
    var classNames: [String] { get }
    var palette: [RGB8] { get }
    var count: Int { get }
    /// Sample `index`; throws `DatasetError` for a bad file.
    func sample(_ index: Int) throws -> SegmentationSample
}

extension SegmentationDataset {
    public var classCount: Int { classNames.count }

    /// Every sample, in order.
    public func loadAll() throws -> [SegmentationSample] { try (0..<count).map { try sample($0) } }
}

/// Reads an image and its label PNG, checks that they have the same size, and maps raw label ids
/// to class ids: `mapping(raw)` is the class id, 255 for ignore, or nil when the raw id is invalid.
func loadPair(image imagePath: String, label labelPath: String, classes: Int,
              mapping: (UInt8) -> UInt8? = { $0 }) throws -> SegmentationSample {
    let image = try PNGFile.readRGB(imagePath)
    let label = try PNGFile.readLabel(labelPath)
    guard label.width == image.width, label.height == image.height else {
        throw DatasetError.sizeMismatch(labelPath: labelPath, labelWidth: label.width, labelHeight: label.height,
                                        imageWidth: image.width, imageHeight: image.height)
    }
    var table = [Int32](repeating: -1, count: 256)
    for raw in 0..<256 {
        if let id = mapping(UInt8(raw)), id == 255 || Int(id) < classes { table[raw] = Int32(id) }
    }
    var ids = [Int32](repeating: 0, count: label.ids.count)
    for (p, raw) in label.ids.enumerated() {
        let id = table[Int(raw)]
        guard id >= 0 else { throw DatasetError.labelOutOfRange(path: labelPath, id: Int(raw), classes: classes) }
        ids[p] = id
    }
    return SegmentationSample(imageBytes: image.pixels, label: ids, height: image.height, width: image.width)
}

func requireFolder(_ path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw DatasetError.missingFolder(path: path)
    }
}

func join(_ parts: String...) -> String { parts.joined(separator: "/") }

/// Pascal VOC 2012's segmentation layout:
/// `ImageSets/Segmentation/<split>.txt` lists image ids; `JPEGImages/<id>.png` is the image and
/// `SegmentationClass/<id>.png` a palette PNG whose indices are the 21 class ids (255 = ignore, the
/// "void" outline). The real dataset's images are JPEG, which segbook does not read: convert them
/// to PNG (same stem) first; a `.jpg` found instead is refused with that message.
public struct VOCDataset: SegmentationDataset {
    public static let classNames = [
        "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ]

    /// VOC's colour map (bits of the index spread over R, G, B), for the 21 classes.
    public static let palette: [RGB8] = (0..<21).map(vocColour)

    /// Entry `index` of VOC's 256-colour map (255, ignore, is (224, 224, 192)).
    public static func vocColour(_ index: Int) -> RGB8 {
        var (r, g, b, c) = (0, 0, 0, index)
        for j in 0..<8 {
            r |= (c & 1) << (7 - j); g |= ((c >> 1) & 1) << (7 - j); b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        }
        return RGB8(UInt8(r), UInt8(g), UInt8(b))
    }

    public let root: String
    public let split: String
    /// Image ids of the split, in the list's order.
    public let ids: [String]

    public var classNames: [String] { Self.classNames }
    public var palette: [RGB8] { Self.palette }
    public var count: Int { ids.count }

    public init(root: String, split: String = "train") throws {
        try requireFolder(root)
        for folder in ["JPEGImages", "SegmentationClass"] { try requireFolder(join(root, folder)) }
        let list = join(root, "ImageSets", "Segmentation", split + ".txt")
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
            throw DatasetError.missingFile(path: list)
        }
        self.root = root
        self.split = split
        ids = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func imagePath(_ id: String) -> String {
        let png = join(root, "JPEGImages", id + ".png"), jpg = join(root, "JPEGImages", id + ".jpg")
        if !FileManager.default.fileExists(atPath: png) && FileManager.default.fileExists(atPath: jpg) { return jpg }
        return png
    }

    public func labelPath(_ id: String) -> String { join(root, "SegmentationClass", id + ".png") }

    public func sample(_ index: Int) throws -> SegmentationSample {
        let id = ids[index]
        return try loadPair(image: imagePath(id), label: labelPath(id), classes: Self.classNames.count)
    }
}

/// Cityscapes' fine annotations: `leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png` with
/// `gtFine/<split>/<city>/<stem>_gtFine_labelIds.png`, a grey PNG of the 34 label ids, mapped to
/// the 19 train ids with the official table (cityscapesScripts' `labels.py`); every other id
/// (void, ground, guard rail, …) becomes 255.
public struct CityscapesDataset: SegmentationDataset {
    public static let classNames = [
        "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign", "vegetation",
        "terrain", "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
    ]

    public static let palette: [RGB8] = [
        RGB8(128, 64, 128), RGB8(244, 35, 232), RGB8(70, 70, 70), RGB8(102, 102, 156), RGB8(190, 153, 153),
        RGB8(153, 153, 153), RGB8(250, 170, 30), RGB8(220, 220, 0), RGB8(107, 142, 35), RGB8(152, 251, 152),
        RGB8(70, 130, 180), RGB8(220, 20, 60), RGB8(255, 0, 0), RGB8(0, 0, 142), RGB8(0, 0, 70),
        RGB8(0, 60, 100), RGB8(0, 80, 100), RGB8(0, 0, 230), RGB8(119, 11, 32),
    ]

    /// Label id → train id, for the 19 evaluated classes (all other ids 0–33 → 255).
    public static let trainIds: [UInt8: UInt8] = [
        7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10,
        24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
    ]

    /// The train id of a raw label id: its class, 255 for an id that is not evaluated (or 255
    /// itself), nil for a value that is no Cityscapes label id.
    public static func trainId(_ labelId: UInt8) -> UInt8? {
        if let t = trainIds[labelId] { return t }
        return labelId <= 33 || labelId == 255 ? 255 : nil
    }

    public let root: String
    public let split: String
    /// (image, label) paths, sorted by city then file name.
    public let pairs: [(image: String, label: String)]

    public var classNames: [String] { Self.classNames }
    public var palette: [RGB8] { Self.palette }
    public var count: Int { pairs.count }

    public init(root: String, split: String = "train") throws {
        try requireFolder(root)
        let images = join(root, "leftImg8bit", split), labels = join(root, "gtFine", split)
        try requireFolder(images)
        try requireFolder(labels)
        let fm = FileManager.default
        var pairs: [(String, String)] = []
        for city in try fm.contentsOfDirectory(atPath: images).sorted() {
            let cityImages = join(images, city)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: cityImages, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for file in try fm.contentsOfDirectory(atPath: cityImages).sorted() where file.hasSuffix("_leftImg8bit.png") {
                let stem = String(file.dropLast("_leftImg8bit.png".count))
                pairs.append((join(cityImages, file), join(labels, city, stem + "_gtFine_labelIds.png")))
            }
        }
        self.root = root
        self.split = split
        self.pairs = pairs
    }

    public func sample(_ index: Int) throws -> SegmentationSample {
        try loadPair(image: pairs[index].image, label: pairs[index].label, classes: 19, mapping: Self.trainId)
    }
}

/// A plain folder pair: `images/<name>.png` and `labels/<name>.png` (palette or grey PNG of class
/// ids, 255 = ignore), matched by name, sorted.
public struct FolderDataset: SegmentationDataset {
    public let classNames: [String]
    public let palette: [RGB8]
    public let pairs: [(image: String, label: String)]
    public var count: Int { pairs.count }

    public init(images: String, labels: String, classNames: [String], palette: [RGB8]? = nil) throws {
        try requireFolder(images)
        try requireFolder(labels)
        self.classNames = classNames
        self.palette = palette ?? (0..<classNames.count).map(VOCDataset.vocColour)
        pairs = try FileManager.default.contentsOfDirectory(atPath: images).sorted()
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") || $0.hasSuffix(".jpeg") }
            .map { file in
                let stem = (file as NSString).deletingPathExtension
                return (join(images, file), join(labels, stem + ".png"))
            }
    }

    public func sample(_ index: Int) throws -> SegmentationSample {
        try loadPair(image: pairs[index].image, label: pairs[index].label, classes: classNames.count)
    }
}
