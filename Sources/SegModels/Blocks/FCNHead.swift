import SegNN
import SegTensor

/// 3×3 conv → BN → ReLU → dropout → 1×1 classifier: torchvision's `FCNHead` (keys `0`, `1`, `4`),
/// used as the FCN-ResNet head (in/4 channels), as every torchvision aux head, and as PSPNet's
/// final block and aux head (Zhao et al. 2017, 512 and 256 channels, dropout 0.1).
public final class FCNHead: Module, Layer {
    @Child(key: "0") var conv: Conv2d
    @Child(key: "1") var bn: BatchNorm2d
    let relu = ReLU()
    @Child(key: "3") var dropout: Dropout
    @Child(key: "4") var classifier: Conv2d

    /// torchvision's `FCNHead(in, classes)`: the hidden width is a quarter of the input's.
    public convenience init(_ inChannels: Int, classes: Int) {
        self.init(inChannels, hidden: inChannels / 4, classes: classes, dropout: 0.1)
    }

    public init(_ inChannels: Int, hidden: Int, classes: Int, dropout: Float = 0.1) {
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, hidden, kernelSize: 3, padding: 1, bias: false)
        _bn.wrappedValue = BatchNorm2d(hidden)
        _dropout.wrappedValue = Dropout(p: dropout)
        _classifier.wrappedValue = Conv2d(hidden, classes, kernelSize: 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        classifier(dropout(conv(x, then: bn, relu)))
    }
}
