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
}

extension SegmentationModel {
    public func outputs(_ image: Tensor) -> SegmentationOutput { SegmentationOutput(main: self(image)) }
}

/// Center crop of an NCHW map to `height`×`width` at (`top`, `left`): the "crop" of FCN's and
/// U-Net's skip connections, which line up maps whose sizes differ after valid convolutions.
func cropped(_ x: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
    precondition(top >= 0 && left >= 0 && top + height <= x.shape[2] && left + width <= x.shape[3],
                 "crop: \(height)×\(width) at (\(top), \(left)) does not fit in \(x.shape)")
    return x.sliced(axis: 2, range: top..<(top + height)).sliced(axis: 3, range: left..<(left + width))
}
