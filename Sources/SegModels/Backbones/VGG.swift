import SegNN
import SegTensor

/// VGG-16 (Simonyan & Zisserman, ICLR 2015): five blocks of 3×3 convs, each closed by a max pool,
/// with torchvision's flat `features.N` names (conv, [BN,] ReLU, ..., pool), so ImageNet
/// checkpoints load by name. The pools and dilations are configurable, for the segmentation
/// networks built on it: FCN's Caffe pools round up and conv1_1 pads by 100; DeepLab v1 keeps
/// pool4/pool5 at stride 1 and dilates conv5.
public final class VGG: Module, Backbone {
    /// A block's closing max pool.
    public struct Pool: Sendable, Equatable {
        public var kernel: Int, stride: Int, padding: Int, ceilMode: Bool
        public init(kernel: Int, stride: Int, padding: Int = 0, ceilMode: Bool = false) {
            (self.kernel, self.stride, self.padding, self.ceilMode) = (kernel, stride, padding, ceilMode)
        }
        /// torchvision: 2×2, stride 2.
        public static let standard = Pool(kernel: 2, stride: 2)
        /// Caffe rounds pooled sizes up (FCN's official models).
        public static let caffe = Pool(kernel: 2, stride: 2, ceilMode: true)
        /// DeepLab v1: 3×3, stride 2, pad 1 (Caffe, ceil).
        public static let overlapping = Pool(kernel: 3, stride: 2, padding: 1, ceilMode: true)
        /// DeepLab v1's pool4 and pool5: 3×3, stride 1, pad 1: the resolution is kept.
        public static let keepResolution = Pool(kernel: 3, stride: 1, padding: 1, ceilMode: true)
    }

    public struct Config: Sendable {
        /// Output channels of each block's convs.
        public var widths = [64, 128, 256, 512, 512]
        /// Convs per block (VGG-16: 2, 2, 3, 3, 3).
        public var depths = [2, 2, 3, 3, 3]
        public var batchNorm = false
        public var inputChannels = 3
        /// conv1_1's padding (FCN pads by 100 so that any input survives the 7×7 fc6).
        public var firstPadding = 1
        public var pools = [Pool](repeating: .standard, count: 5)
        /// Each block's conv dilation (DeepLab v1: conv5 at 2).
        public var dilations = [1, 1, 1, 1, 1]

        public init(batchNorm: Bool = false, inputChannels: Int = 3) {
            self.batchNorm = batchNorm
            self.inputChannels = inputChannels
        }

        public static let vgg16 = Config()
        public static let vgg16BN = Config(batchNorm: true)

        /// Every width divided by `divisor` (the book sizes).
        public func narrowed(by divisor: Int) -> Config {
            var c = self
            c.widths = widths.map { Swift.max(1, $0 / divisor) }
            return c
        }

        /// The first `blocks` blocks only (`blocks` poolings).
        public func truncated(toBlocks blocks: Int) -> Config {
            precondition((1...widths.count).contains(blocks), "VGG: \(blocks) blocks of \(widths.count)")
            var c = self
            (c.widths, c.depths) = (Array(widths.prefix(blocks)), Array(depths.prefix(blocks)))
            (c.pools, c.dilations) = (Array(pools.prefix(blocks)), Array(dilations.prefix(blocks)))
            return c
        }
    }

    public let config: Config
    public let featureInfo: [FeatureInfo]
    /// conv, [BN,] ReLU per conv and a MaxPool2d per block, flat, as torchvision's `features`.
    let features: Sequential
    /// Index in `features` of each block's pool.
    @Constant var poolPositions: [Int]

    public init(_ config: Config) {
        self.config = config
        var layers: [any Layer] = []
        var positions: [Int] = []
        var info: [FeatureInfo] = []
        var inChannels = config.inputChannels
        var stride = 1
        for (block, (width, depth)) in zip(config.widths, config.depths).enumerated() {
            let dilation = config.dilations[block]
            for i in 0..<depth {
                let padding = block == 0 && i == 0 ? config.firstPadding : dilation
                layers.append(Conv2d(inChannels, width, kernelSize: 3, padding: padding, dilation: dilation))
                if config.batchNorm { layers.append(BatchNorm2d(width)) }
                layers.append(ReLU())
                inChannels = width
            }
            let pool = config.pools[block]
            positions.append(layers.count)
            layers.append(MaxPool2d(kernelSize: pool.kernel, stride: pool.stride, padding: pool.padding, ceilMode: pool.ceilMode))
            stride *= pool.stride
            info.append(FeatureInfo(stage: block + 1, stride: stride, channels: width))
        }
        features = Sequential(layers)
        poolPositions = positions
        featureInfo = info
        super.init()
        initializeConvolutionsForReLU(mode: .fanOut)   // torchvision's VGG._initialize_weights
    }

    public static func vgg16(inputChannels: Int = 3) -> VGG { VGG(Config(batchNorm: false, inputChannels: inputChannels)) }
    public static func vgg16BN(inputChannels: Int = 3) -> VGG { VGG(Config(batchNorm: true, inputChannels: inputChannels)) }

    /// The output of each block's pool (pool1 ... pool5).
    public func callAsFunction(_ image: Tensor) -> FeaturePyramid {
        var x = image
        var levels: [FeatureMap] = []
        for (i, entry) in features.layers.enumerated() {
            x = entry(x)
            if let block = poolPositions.firstIndex(of: i) {
                levels.append(FeatureMap(stage: block + 1, stride: featureInfo[block].stride, tensor: x))
            }
        }
        return FeaturePyramid(levels)
    }

    /// Each block's output with its max-pool indices and pre-pool size, for SegNet's decoder.
    public func encodeWithPoolIndices(_ image: Tensor) -> [(pooled: Tensor, indices: Tensor, size: (Int, Int))] {
        var x = image
        var result: [(pooled: Tensor, indices: Tensor, size: (Int, Int))] = []
        for entry in features.layers {
            if let pool = entry as? MaxPool2d {
                let size = (x.shape[2], x.shape[3])
                let (pooled, indices) = pool.withIndices(x)
                x = pooled
                result.append((pooled, indices, size))
            } else {
                x = entry(x)
            }
        }
        return result
    }
}
