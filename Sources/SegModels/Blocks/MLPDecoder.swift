import SegNN
import SegTensor

/// SegFormer's all-MLP decoder (HF `SegformerDecodeHead`): each stage's map projected to a common
/// width by a per-pixel linear layer, upsampled to stride 4, concatenated deepest first, fused by a
/// 1×1 conv + BN + ReLU, and classified. Output at stride 4.
public final class MLPDecoder: Module {
    @Child(key: "linear_projections") var projections: [StageProjection]
    @Child(key: "linear_fuse") var fuse: Conv2d
    @Child(key: "batch_norm") var bn: BatchNorm2d
    let relu = ReLU()
    let classifier: Conv2d

    public init(inChannels: [Int], width: Int, classes: Int) {
        classifier = Conv2d(width, classes, kernelSize: 1)
        super.init()
        _projections.wrappedValue = inChannels.map { StageProjection(inChannels: $0, width: width) }
        _fuse.wrappedValue = Conv2d(width * inChannels.count, width, kernelSize: 1, bias: false)
        _bn.wrappedValue = BatchNorm2d(width)
    }

    public func callAsFunction(_ pyramid: FeaturePyramid) -> Tensor {
        let finest = pyramid.stride(4)
        let unified = zip(pyramid.levels, projections).map { level, project in
            project(level.tensor).resized(like: finest)
        }
        return classifier(fuse(Tensor.concat(unified.reversed(), axis: 1), then: bn, relu))
    }
}

/// A linear layer applied at every pixel (HF `SegformerMLP`, key `proj`).
final class StageProjection: Module {
    let proj: Linear
    init(inChannels: Int, width: Int) { proj = Linear(inChannels, width) }
    func callAsFunction(_ image: Tensor) -> Tensor {
        tokensToImage(proj(imageToTokens(image)), grid: (image.shape[2], image.shape[3]))
    }
}
