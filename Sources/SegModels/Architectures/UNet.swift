import SegNN
import SegTensor

/// U-Net (Ronneberger, Fischer & Brox, MICCAI 2015, Fig. 1): a contracting path of two 3×3 convs
/// and a 2×2 max pool per level, doubling the channels (64 ... 1024), and an expansive path that
/// upsamples with 2×2 up-convolutions halving them, concatenates the cropped contracting map
/// (the skip) and applies two 3×3 convs; a 1×1 conv maps 64 channels to the classes. The
/// paper's convs are unpadded ("valid"): a 572×572 tile gives a 388×388 map. `.same` pads them,
/// as most later implementations do: output size = input size, same parameters.
public final class UNet: Module, SegmentationModel {
    public enum Padding: Sendable { case valid, same }

    public struct Config: Sendable {
        public var classes = 2
        public var inputChannels = 1
        /// Channels of the first level (64), doubled at each level down.
        public var width = 64
        /// Number of 2×2 poolings (4 in the paper: five levels).
        public var depth = 4
        public var padding = Padding.valid
        public init(classes: Int = 2, inputChannels: Int = 1, width: Int = 64, depth: Int = 4, padding: Padding = .valid) {
            (self.classes, self.inputChannels, self.width, self.depth, self.padding) = (classes, inputChannels, width, depth, padding)
        }
    }

    public let config: Config
    public var classes: Int { config.classes }

    /// The contracting path: `encoder.0` at full resolution ... `encoder.4` at the bottom.
    let encoder: [DoubleConv]
    /// The expansive path, bottom up: up-convolution, crop-and-concat, two convs.
    let decoder: [UpBlock]
    /// 1×1 conv to the classes.
    let classifier: Conv2d

    public init(_ config: Config) {
        self.config = config
        let pad = config.padding == .same ? 1 : 0
        let widths = (0...config.depth).map { config.width << $0 }
        encoder = widths.indices.map { i in
            DoubleConv(i == 0 ? config.inputChannels : widths[i - 1], widths[i], padding: pad)
        }
        decoder = widths.indices.dropFirst().reversed().map { i in UpBlock(widths[i], widths[i - 1], padding: pad) }
        classifier = Conv2d(config.width, config.classes, kernelSize: 1)
        super.init()
        initializeConvolutionsForReLU(mode: .fanIn)   // the paper: N(0, √(2/N)), N = fan-in
    }

    /// The paper's network: 1 input channel, 2 classes, valid convs (572 → 388).
    public static func original(classes: Int = 2, inputChannels: Int = 1) -> UNet {
        UNet(Config(classes: classes, inputChannels: inputChannels))
    }

    /// Padded convs: output size = input size (inputs divisible by 16).
    public static func padded(classes: Int = 2, inputChannels: Int = 1) -> UNet {
        UNet(Config(classes: classes, inputChannels: inputChannels, padding: .same))
    }

    /// The book size: 8 channels at the top, three poolings, padded.
    public static func book(classes: Int, inputChannels: Int = 3) -> UNet {
        UNet(Config(classes: classes, inputChannels: inputChannels, width: 8, depth: 3, padding: .same))
    }

    /// The paper: every 2×2 max pooling must see an even size (after the valid convolutions' loss
    /// of 4 pixels per level), so the up-convolutions land exactly on the skips.
    public func inputSideProblem(_ side: Int) -> String? {
        let shrink = config.padding == .valid ? 4 : 0
        var s = side
        for pool in 1...config.depth {
            s -= shrink
            if s <= 0 || s % 2 != 0 { return "U-Net's max pool \(pool) would see an \(s <= 0 ? "empty" : "odd") size (\(s))" }
            s /= 2
        }
        return s - shrink > 0 ? nil : "too small for U-Net's \(config.depth) poolings"
    }

    public func callAsFunction(_ image: Tensor) -> Tensor { stages(image).last! }

    /// Every level's output, top to bottom and back: encoder levels, then decoder levels, then
    /// the logits (the shapes of the paper's Fig. 1).
    public func stages(_ image: Tensor) -> [Tensor] {
        var skips: [Tensor] = []
        var x = image
        for (i, level) in encoder.enumerated() {
            if i > 0 { x = x.maxPool2d(kernelSize: 2, stride: 2) }
            x = level(x)
            skips.append(x)
        }
        var outputs = skips
        for (up, skip) in zip(decoder, skips.dropLast().reversed()) {
            x = up(x, skip: skip)
            outputs.append(x)
        }
        outputs.append(classifier(x))
        return outputs
    }
}

/// Two 3×3 convs, each followed by a ReLU (keys `conv1`, `conv2`).
public final class DoubleConv: Module, Layer {
    let conv1: Conv2d
    let conv2: Conv2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int, padding: Int) {
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: padding)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: padding)
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv2(conv1(x, relu), relu) }
}

/// One expansive step: a 2×2 up-convolution halving the channels, the contracting path's map
/// center-cropped to its size and concatenated, and two 3×3 convs.
public final class UpBlock: Module {
    let up: ConvTranspose2d
    let conv: DoubleConv

    public init(_ inChannels: Int, _ outChannels: Int, padding: Int) {
        up = ConvTranspose2d(inChannels, outChannels, kernelSize: 2, stride: 2)
        conv = DoubleConv(2 * outChannels, outChannels, padding: padding)
        super.init()
    }

    public func callAsFunction(_ x: Tensor, skip: Tensor) -> Tensor {
        let upsampled = up(x)
        let (h, w) = (upsampled.shape[2], upsampled.shape[3])
        let top = (skip.shape[2] - h) / 2, left = (skip.shape[3] - w) / 2
        let cropSkip = cropped(skip, top: top, left: left, height: h, width: w)
        return conv(Tensor.concat([cropSkip, upsampled], axis: 1))
    }
}
