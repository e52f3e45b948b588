import Foundation

/// Where training and held-out samples come from: `scenes:thin`, `voc:DIR`, `cityscapes:DIR`.
public enum DataSource: Sendable, Equatable, CustomStringConvertible {
    case scenes(Scenes.Variant)
    case voc(String)
    case cityscapes(String)

    /// Parses the command line's SOURCE; throws a one-line `TrainingSetupError`.
    public init(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw TrainingSetupError.badSource(text)
        }
        let kind = text[..<colon], rest = String(text[text.index(after: colon)...])
        switch kind {
        case "scenes":
            guard let variant = Scenes.Variant(rawValue: rest) else { throw TrainingSetupError.badSource(text) }
            self = .scenes(variant)
        case "voc" where !rest.isEmpty: self = .voc(rest)
        case "cityscapes" where !rest.isEmpty: self = .cityscapes(rest)
        default: throw TrainingSetupError.badSource(text)
        }
    }

    public var description: String {
        switch self {
        case .scenes(let v): return "scenes:\(v.rawValue)"
        case .voc(let dir): return "voc:\(dir)"
        case .cityscapes(let dir): return "cityscapes:\(dir)"
        }
    }

    /// The training and held-out splits. Scenes are rendered at `size`×`size` from `seed` (train:
    /// `sceneTrainCount` scenes; held out: `heldOutCount` scenes of the validation seed); VOC and
    /// Cityscapes read their `train` and `val` splits and are cropped to `size` in training.
    public func load(size: Int, seed: UInt64 = 0, sceneTrainCount: Int = 2048, heldOutCount: Int = 64) throws -> TrainingData {
        switch self {
        case .scenes(let variant):
            let scenes = Scenes(variant, size: size, seed: seed)
            return TrainingData(train: SceneSplit(scenes: scenes, count: sceneTrainCount),
                                heldOut: SceneSplit(scenes: scenes.validation, count: heldOutCount),
                                augmentation: Augmentation(scaleRange: nil, flipProbability: 0.5))
        case .voc(let root):
            return TrainingData(train: try VOCDataset(root: root, split: "train"), heldOut: try VOCDataset(root: root, split: "val"),
                                augmentation: Augmentation(scaleRange: 0.5...2.0, crop: (size, size), padWithMean: false,
                                                           flipProbability: 0.5, brightness: 0.125, contrast: 0.5, saturation: 0.5))
        case .cityscapes(let root):
            return TrainingData(train: try CityscapesDataset(root: root, split: "train"),
                                heldOut: try CityscapesDataset(root: root, split: "val"),
                                augmentation: Augmentation(scaleRange: 0.5...2.0, crop: (size, size), flipProbability: 0.5,
                                                           brightness: 0.125, contrast: 0.5, saturation: 0.5))
        }
    }
}

/// A training split, a held-out split and the training-time augmentation.
public struct TrainingData: Sendable {
    public var train: any SegmentationDataset
    public var heldOut: any SegmentationDataset
    public var augmentation: Augmentation

    public init(train: any SegmentationDataset, heldOut: any SegmentationDataset, augmentation: Augmentation = .none) {
        precondition(train.classNames == heldOut.classNames, "TrainingData: train and held-out splits have different classes")
        self.train = train
        self.heldOut = heldOut
        self.augmentation = augmentation
    }

    public var classNames: [String] { train.classNames }
    public var classCount: Int { train.classNames.count }
}

/// The first `count` scenes of a `Scenes` stream, as a dataset.
public struct SceneSplit: SegmentationDataset {
    public let scenes: Scenes
    public let count: Int

    public init(scenes: Scenes, count: Int) {
        precondition(count > 0, "SceneSplit: \(count) scenes")
        self.scenes = scenes
        self.count = count
    }

    public var classNames: [String] { scenes.classNames }
    public var palette: [RGB8] { scenes.palette }
    public func sample(_ index: Int) throws -> SegmentationSample { scenes.sample(index) }
}

/// A bad preset name or data source on the command line: one line, exit 2.
public enum TrainingSetupError: Error, Equatable, CustomStringConvertible, Sendable {
    case unknownPreset(String)
    case badSource(String)
    case emptyDataset(String)
    case checkpointMismatch(path: String, reason: String)

    public var exitCode: Int32 { 2 }

    public var description: String {
        switch self {
        case .unknownPreset(let name): return "unknown preset '\(name)' (see `segbook presets`)"
        case .badSource(let text):
            return "bad data source '\(text)': expected scenes:shapes|thin|context|scales, voc:DIR or cityscapes:DIR"
        case .emptyDataset(let what): return "\(what): no samples"
        case .checkpointMismatch(let path, let reason): return "\(path): \(reason)"
        }
    }
}
