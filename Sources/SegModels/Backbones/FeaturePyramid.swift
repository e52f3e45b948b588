import SegNN
import SegTensor

/// One stage's output: the tensor, its stride from the input, and the stage it came from.
public struct FeatureMap {
    /// The stage's name as the backbone's paper counts it: 0 for a stem, 1...5 for VGG's blocks,
    /// 1...4 for ResNet's `layer1`...`layer4`.
    public let stage: Int
    /// Input size over this map's size (a dilated stage keeps its predecessor's stride).
    public let stride: Int
    public let tensor: Tensor
    public var channels: Int { tensor.shape[1] }
}

/// What a backbone will return, known before any input: so a decoder can be built for it.
public struct FeatureInfo: Equatable, Sendable {
    public let stage: Int
    public let stride: Int
    public let channels: Int
    public init(stage: Int, stride: Int, channels: Int) {
        self.stage = stage
        self.stride = stride
        self.channels = channels
    }
}

/// A backbone's stage outputs, shallow to deep, asked for by what they are — "the stride-4
/// features", "the deepest", "stage 3" — never by position in a list.
public struct FeaturePyramid {
    public let levels: [FeatureMap]

    public init(_ levels: [FeatureMap]) {
        precondition(!levels.isEmpty, "FeaturePyramid: no levels")
        self.levels = levels
    }

    /// The last stage's output.
    public var deepest: Tensor { levels[levels.count - 1].tensor }

    /// The deepest map at this stride (with dilation, several stages share one stride).
    public func stride(_ s: Int) -> Tensor {
        guard let level = levels.last(where: { $0.stride == s }) else {
            preconditionFailure("FeaturePyramid: no stride-\(s) features; strides are \(levels.map(\.stride))")
        }
        return level.tensor
    }

    /// The output of stage `n` (ResNet's `layer3` is stage 3).
    public func stage(_ n: Int) -> Tensor {
        guard let level = levels.first(where: { $0.stage == n }) else {
            preconditionFailure("FeaturePyramid: no stage \(n); stages are \(levels.map(\.stage))")
        }
        return level.tensor
    }
}

/// A network that turns an image into a feature pyramid, and says ahead what it holds.
public protocol Backbone: Module {
    /// The levels `callAsFunction` returns, in order.
    var featureInfo: [FeatureInfo] { get }
    func callAsFunction(_ image: Tensor) -> FeaturePyramid
}

extension Backbone {
    /// The channels of the deepest map at stride `s`.
    public func channels(atStride s: Int) -> Int {
        guard let info = featureInfo.last(where: { $0.stride == s }) else {
            preconditionFailure("\(type(of: self)): no stride-\(s) features; strides are \(featureInfo.map(\.stride))")
        }
        return info.channels
    }

    /// The channels of stage `n`.
    public func channels(ofStage n: Int) -> Int {
        guard let info = featureInfo.first(where: { $0.stage == n }) else {
            preconditionFailure("\(type(of: self)): no stage \(n); stages are \(featureInfo.map(\.stage))")
        }
        return info.channels
    }

    /// The deepest map's channels.
    public var deepestChannels: Int { featureInfo[featureInfo.count - 1].channels }
}
