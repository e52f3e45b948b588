import SegNN
import SegTensor

/// A model's outputs for training: the main logits at input resolution, and the auxiliary
/// head's (also at input resolution) where the architecture has one, for an aux loss.
public struct SegmentationOutput {
    public let main: Tensor
    public let aux: Tensor?
    public init(main: Tensor, aux: Tensor? = nil) {
        self.main = main
        self.aux = aux
    }
}

/// An image-to-logits network: `model(image)` gives [N, classes, H, W] logits at the input's
/// resolution, as the reference implementations return them.
public protocol SegmentationModel: Module {
    var classes: Int { get }
    /// The main logits.
    func callAsFunction(_ image: Tensor) -> Tensor
    /// The main logits and, where the model has one, the auxiliary head's.
    func outputs(_ image: Tensor) -> SegmentationOutput
    /// Why an input side (height or width) of `side` pixels does not fit the model, or nil when it
    /// does. Most models take any size; U-Net's poolings need even sizes, DeepLab v3+'s concat a
    /// multiple of the output stride.
    func inputSideProblem(_ side: Int) -> String?
}

extension SegmentationModel {
    public func outputs(_ image: Tensor) -> SegmentationOutput { SegmentationOutput(main: self(image)) }
    public func inputSideProblem(_ side: Int) -> String? { nil }

    /// The first problem with an [N, C, H, W] input's height or width, or nil.
    public func inputSizeProblem(height: Int, width: Int) -> String? {
        inputSideProblem(height).map { "height \(height): \($0)" } ?? inputSideProblem(width).map { "width \(width): \($0)" }
    }

    /// The smallest side ≥ `side` the model takes (nil if none within 256 more pixels).
    public func fittingSide(atLeast side: Int) -> Int? {
        (side...(side + 256)).first { inputSideProblem($0) == nil }
    }

    /// The main logits [N, classes, H, W] of an image of any size: zero-padded at the bottom and
    /// right to the nearest size the model takes (mmsegmentation's `size_divisor` padding), then
    /// cropped back, and resized to H×W where the model's output is smaller (valid convolutions,
    /// SegFormer's 1/4). A backbone preset's tokens (vit-b16: [N, 1 + h·w, D]) come back as they are.
    public func logitsAtAnySize(_ image: Tensor) -> Tensor {
        let (h, w) = (image.shape[2], image.shape[3])
        let (fh, fw) = (fittingSide(atLeast: h) ?? h, fittingSide(atLeast: w) ?? w)
        let input = fh == h && fw == w ? image : image.padded([(0, 0), (0, 0), (0, fh - h), (0, fw - w)])
        var scores = self(input)
        guard scores.rank == 4 else { return scores }
        if scores.shape[2] == fh && scores.shape[3] == fw && (fh, fw) != (h, w) {
            scores = cropped(scores, top: 0, left: 0, height: h, width: w)
        }
        return scores.shape[2] == h && scores.shape[3] == w ? scores : scores.resized(to: (h, w))
    }
}

/// Center crop of an NCHW map to `height`×`width` at (`top`, `left`): the "crop" of FCN's and
/// U-Net's skip connections, which line up maps whose sizes differ after valid convolutions.
func cropped(_ x: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
    precondition(top >= 0 && left >= 0 && top + height <= x.shape[2] && left + width <= x.shape[3],
                 "crop: \(height)×\(width) at (\(top), \(left)) does not fit in \(x.shape)")
    return x.sliced(axis: 2, range: top..<(top + height)).sliced(axis: 3, range: left..<(left + width))
}
