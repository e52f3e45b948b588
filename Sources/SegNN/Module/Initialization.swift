import SegTensor

extension Module {
    /// He et al.'s initialisation for every `Conv2d` inside: weights kaiming-normal with ReLU's gain,
    /// biases zero — torchvision's VGG and ResNet (`mode: .fanOut`), the U-Net paper's
    /// N(0, √(2/N)) (`mode: .fanIn`). PyTorch's layer default, U(±1/√fanIn), has a third of that
    /// variance, so activations shrink about 2.4× per conv + ReLU: a plain 15-conv VGG (FCN,
    /// DeepLab v1) trained from scratch then starts with vanishing signals and stays at chance.
    public func initializeConvolutionsForReLU(mode: FanMode = .fanOut) {
        for (_, conv) in modules(ofType: Conv2d.self) {
            conv.weight = DefaultGenerator.with { g in
                Tensor.kaimingNormal(conv.weight.shape, mode: mode, generator: &g).requiringGrad()
            }
            if let bias = conv.bias { conv.bias = Tensor.zeros(bias.shape).requiringGrad() }
        }
    }
}

extension Conv2d {
    /// Zero weights and bias: a scoring layer that starts at chance (FCN's `score_*` layers).
    public func zeroInitialize() {
        weight = Tensor.zeros(weight.shape).requiringGrad()
        if let bias { self.bias = Tensor.zeros(bias.shape).requiringGrad() }
    }
}

extension ConvTranspose2d {
    /// Bilinear interpolation as a transposed convolution (FCN's upsampling initialisation): each
    /// channel maps to itself through the separable triangle kernel of its size, other pairs zero.
    /// Needs as many input as output channels and no groups.
    public func initializeBilinear() {
        let (c, k) = (inChannels, kernelSize.0)
        precondition(outChannels == c && groups == 1 && kernelSize.1 == k,
                     "initializeBilinear: needs a square kernel and in = out channels, got \(c)→\(outChannels), kernel \(kernelSize)")
        let factor = (k + 1) / 2
        let center = k % 2 == 1 ? Float(factor - 1) : Float(factor) - 0.5
        let tap = (0..<k).map { 1 - abs(Float($0) - center) / Float(factor) }
        var scalars = [Float](repeating: 0, count: c * c * k * k)
        for channel in 0..<c {
            let base = (channel * c + channel) * k * k
            for y in 0..<k { for x in 0..<k { scalars[base + y * k + x] = tap[y] * tap[x] } }
        }
        weight = Tensor(shape: weight.shape, scalars: scalars).requiringGrad()
        if let bias { self.bias = Tensor.zeros(bias.shape).requiringGrad() }
    }
}
