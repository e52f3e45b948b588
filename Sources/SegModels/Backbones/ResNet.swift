import SegNN
import SegTensor

/// ResNet (He et al., CVPR 2016) with torchvision's structure and `state_dict` names (`conv1`,
/// `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`...), so ImageNet checkpoints load by name.
/// For segmentation, later stages can trade their stride for dilation (Yu & Koltun 2016;
/// DeepLab): output stride 16 dilates `layer4`, 8 dilates `layer3` and `layer4`.
public final class ResNet: Module, Backbone {
    /// Which residual unit, how many per stage, how wide, and how the stride ends.
    public struct Config: Sendable {
        public enum Block: Sendable { case basic, bottleneck }
        /// Where a dilated stage's first block gets its dilation.
        public enum DilationStyle: Sendable {
            /// torchvision's `replace_stride_with_dilation`: the first block keeps the previous
            /// stage's dilation, the others use the new one.
            case torchvision
            /// smp's `make_dilated`: every 3×3 conv of the stage uses the new dilation.
            case uniform
        }

        public var block: Block
        public var depths: [Int]
        /// Channels of the stem and `layer1`'s planes; stage i has width·2^(i−1) planes.
        public var width = 64
        public var inputChannels = 3
        /// 32, 16 or 8.
        public var outputStride = 32
        public var dilationStyle = DilationStyle.torchvision
        /// DeepLab v3's multi-grid: `layer4`'s blocks use its dilation times these unit rates.
        public var multiGrid: [Int]? = nil

        public init(block: Block, depths: [Int], width: Int = 64, inputChannels: Int = 3,
                    outputStride: Int = 32, dilationStyle: DilationStyle = .torchvision, multiGrid: [Int]? = nil) {
            precondition(depths.count == 4, "ResNet.Config: four stages, got depths \(depths)")
            precondition([8, 16, 32].contains(outputStride), "ResNet.Config: output stride 8, 16 or 32, got \(outputStride)")
            self.block = block
            self.depths = depths
            self.width = width
            self.inputChannels = inputChannels
            self.outputStride = outputStride
            self.dilationStyle = dilationStyle
            self.multiGrid = multiGrid
        }

        public static let resnet18 = Config(block: .basic, depths: [2, 2, 2, 2])
        public static let resnet34 = Config(block: .basic, depths: [3, 4, 6, 3])
        public static let resnet50 = Config(block: .bottleneck, depths: [3, 4, 6, 3])
        public static let resnet101 = Config(block: .bottleneck, depths: [3, 4, 23, 3])

        /// The same network with another output stride (and input channels).
        public func dilated(outputStride: Int, style: DilationStyle = .torchvision, multiGrid: [Int]? = nil,
                            inputChannels: Int? = nil) -> Config {
            var c = self
            c.outputStride = outputStride
            c.dilationStyle = style
            c.multiGrid = multiGrid
            if let inputChannels { c.inputChannels = inputChannels }
            return c
        }

        var expansion: Int { block == .basic ? 1 : 4 }
    }

    public let config: Config
    public let featureInfo: [FeatureInfo]

    // The stem: 7×7 conv, stride 2, then 3×3 max pool, stride 2.
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let relu = ReLU()
    let maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    // Four stages of residual blocks at strides 4, 8, 16, 32 (or dilated).
    let layer1: Sequential
    let layer2: Sequential
    let layer3: Sequential
    let layer4: Sequential

    public init(_ config: Config) {
        self.config = config
        let w = config.width
        conv1 = Conv2d(config.inputChannels, w, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm2d(w)

        // Strides and dilations per stage, as torchvision's _make_layer computes them.
        var stages: [Sequential] = []
        var info = [FeatureInfo(stage: 0, stride: 2, channels: w)]
        var inChannels = w
        var stride = 4, dilation = 1
        for (i, depth) in config.depths.enumerated() {
            let planes = w << i
            var blockStride = i == 0 ? 1 : 2
            let previousDilation = dilation
            if blockStride == 2 && stride >= config.outputStride {
                dilation *= 2
                blockStride = 1
            }
            stride *= blockStride
            var dilations = [Int](repeating: dilation, count: depth)
            if config.dilationStyle == .torchvision { dilations[0] = previousDilation }
            if i == 3, let grid = config.multiGrid {
                dilations = (0..<depth).map { dilation * grid[$0 % grid.count] }
            }
            var blocks: [any Layer] = []
            for b in 0..<depth {
                let s = b == 0 ? blockStride : 1
                let needsProjection = b == 0 && (s != 1 || inChannels != planes * config.expansion)
                switch config.block {
                case .basic:
                    blocks.append(BasicBlock(inChannels, planes, stride: s, dilation: dilations[b], projects: needsProjection))
                case .bottleneck:
                    blocks.append(Bottleneck(inChannels, planes, stride: s, dilation: dilations[b], projects: needsProjection))
                }
                inChannels = planes * config.expansion
            }
            stages.append(Sequential(blocks))
            info.append(FeatureInfo(stage: i + 1, stride: stride, channels: inChannels))
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3])
        featureInfo = info
        super.init()
        initializeConvolutionsForReLU(mode: .fanOut)   // torchvision's ResNet.__init__
    }

    public static func resnet18(inputChannels: Int = 3) -> ResNet { ResNet(Config.resnet18.dilated(outputStride: 32, inputChannels: inputChannels)) }
    public static func resnet34(inputChannels: Int = 3) -> ResNet { ResNet(Config.resnet34.dilated(outputStride: 32, inputChannels: inputChannels)) }
    public static func resnet50(inputChannels: Int = 3) -> ResNet { ResNet(Config.resnet50.dilated(outputStride: 32, inputChannels: inputChannels)) }
    public static func resnet101(inputChannels: Int = 3) -> ResNet { ResNet(Config.resnet101.dilated(outputStride: 32, inputChannels: inputChannels)) }

    public func callAsFunction(_ image: Tensor) -> FeaturePyramid {
        let stem = conv1(image, then: bn1, relu)
        let c1 = layer1(maxpool(stem))
        let c2 = layer2(c1)
        let c3 = layer3(c2)
        let c4 = layer4(c3)
        return FeaturePyramid(zip(featureInfo, [stem, c1, c2, c3, c4]).map {
            FeatureMap(stage: $0.stage, stride: $0.stride, tensor: $1)
        })
    }
}

/// Two 3×3 convs and an identity (or projected) shortcut: ResNet-18/34's unit.
public final class BasicBlock: Module, Layer {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let relu = ReLU()
    let conv2: Conv2d
    let bn2: BatchNorm2d
    /// 1×1 conv + BN when the shape changes (torchvision's `downsample.0`, `downsample.1`).
    let downsample: Sequential?

    public init(_ inChannels: Int, _ planes: Int, stride: Int = 1, dilation: Int = 1, projects: Bool = false) {
        conv1 = Conv2d(inChannels, planes, kernelSize: 3, stride: stride, padding: dilation, dilation: dilation, bias: false)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, padding: dilation, dilation: dilation, bias: false)
        bn2 = BatchNorm2d(planes)
        downsample = projects
            ? Sequential(Conv2d(inChannels, planes, kernelSize: 1, stride: stride, bias: false), BatchNorm2d(planes))
            : nil
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let hidden = conv1(x, then: bn1, relu)
        return conv2(hidden, then: bn2, adding: downsample?(x) ?? x, relu)
    }
}

/// 1×1 reduce, 3×3 (strided or dilated), 1×1 expand ×4, and a shortcut: ResNet-50/101's unit,
/// with the stride on the 3×3 conv as torchvision (ResNet v1.5).
public final class Bottleneck: Module, Layer {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let conv2: Conv2d
    let bn2: BatchNorm2d
    let conv3: Conv2d
    let bn3: BatchNorm2d
    let relu = ReLU()
    let downsample: Sequential?

    public init(_ inChannels: Int, _ planes: Int, stride: Int = 1, dilation: Int = 1, projects: Bool = false) {
        conv1 = Conv2d(inChannels, planes, kernelSize: 1, bias: false)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, stride: stride, padding: dilation, dilation: dilation, bias: false)
        bn2 = BatchNorm2d(planes)
        conv3 = Conv2d(planes, planes * 4, kernelSize: 1, bias: false)
        bn3 = BatchNorm2d(planes * 4)
        downsample = projects
            ? Sequential(Conv2d(inChannels, planes * 4, kernelSize: 1, stride: stride, bias: false), BatchNorm2d(planes * 4))
            : nil
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let reduced = conv1(x, then: bn1, relu)
        let spatial = conv2(reduced, then: bn2, relu)
        return conv3(spatial, then: bn3, adding: downsample?(x) ?? x, relu)
    }
}
