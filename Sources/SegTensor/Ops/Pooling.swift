extension Tensor {
    func checkNCHW(_ op: String) {
        precondition(rank == 4, "\(op): input \(shape) is not NCHW")
    }

    /// Max pooling that also returns, for each output, the flat index (y·W + x) of its maximum in
    /// the input plane, as PyTorch's `return_indices=True` (indices as Float values).
    public func maxPool2dWithIndices(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                     dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> (output: Tensor, indices: Tensor) {
        checkNCHW("maxPool2d")
        let st = stride ?? kernelSize
        precondition(padding.0 <= kernelSize.0 / 2 && padding.1 <= kernelSize.1 / 2,
                     "maxPool2d: padding \(padding) must be at most half the kernel \(kernelSize)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = PoolingLoops.outputSize(h, kernel: kernelSize.0, stride: st.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode)
        let ow = PoolingLoops.outputSize(w, kernel: kernelSize.1, stride: st.1, padding: padding.1, dilation: dilation.1, ceilMode: ceilMode)
        precondition(oh >= 1 && ow >= 1, "maxPool2d: input \(shape) too small for kernel \(kernelSize)")
        let win = PoolingLoops.Window(kh: kernelSize.0, kw: kernelSize.1, sh: st.0, sw: st.1, ph: padding.0, pw: padding.1,
                                      dh: dilation.0, dw: dilation.1)
        let s = TensorStorage(count: n * c * oh * ow), idx = TensorStorage(count: n * c * oh * ow)
        PoolingLoops.maxForward(pointer, planes: n * c, h: h, w: w, oh: oh, ow: ow, win, s.pointer, idx.pointer)
        let indices = Tensor(storage: idx, shape: [n, c, oh, ow])
        let inShape = shape
        let out = Tensor.record("maxPool2d", s, shape: [n, c, oh, ow], inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            PoolingLoops.scatter(g.pointer, indices.pointer, planes: n * c, inPlane: oh * ow, outPlane: h * w, gs.pointer)
            return [Tensor(storage: gs, shape: inShape)]
        }
        if Trace.isActive { Trace.annotate(out, attributes: ["kernel": [kernelSize.0, kernelSize.1], "stride": [st.0, st.1], "padding": [padding.0, padding.1], "dilation": [dilation.0, dilation.1]], extraOutputs: [indices]) }
        return (out, indices)
    }

    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) -> Tensor {
        if dilation == 1, let pooled = maxPool2dInHeldLayout(kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding,
                                                              ceilMode: ceilMode) {
            return pooled
        }
        return maxPool2dWithIndices(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                             dilation: (dilation, dilation), ceilMode: ceilMode).output
    }

    /// Inference max pooling of an input a convolution left in oneDNN's layout, staying in it
    /// (`DNNLMaxPooling`); nil where that does not apply: a gradient or a diagram's trace recorded,
    /// a row-major input, a result that would not keep the layout.
    private func maxPool2dInHeldLayout(kernelSize k: Int, stride st: Int, padding p: Int, ceilMode: Bool) -> Tensor? {
        guard !isGradEnabled, Trace.allowsFusionHere, rank == 4, storage.layout != nil,
              p <= k / 2 else { return nil }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = PoolingLoops.outputSize(h, kernel: k, stride: st, padding: p, dilation: 1, ceilMode: ceilMode)
        let ow = PoolingLoops.outputSize(w, kernel: k, stride: st, padding: p, dilation: 1, ceilMode: ceilMode)
        guard oh >= 1, ow >= 1 else { return nil }
        // oneDNN floors (size + padding − kernel) / stride + 1: the right padding that gives `oh`.
        let right = [Swift.max(0, (oh - 1) * st + k - h - p), Swift.max(0, (ow - 1) * st + k - w - p)]
        guard (h + p + right[0] - k) / st + 1 == oh, (w + p + right[1] - k) / st + 1 == ow else { return nil }
        let g = DNNLMaxPooling.Geometry(input: shape, output: [n, c, oh, ow], kernel: [k, k], stride: [st, st],
                                        paddingLeft: [p, p], paddingRight: right)
        let s = TensorStorage(count: n * c * oh * ow)
        guard DNNLMaxPooling.forward(g, input: storage, output: s) else { return nil }
        return Tensor.record("maxPool2d", s, shape: g.output, inputs: [self]) { _, _ in
            preconditionFailure("maxPool2d: the inference pooling records no gradient")
        }
    }

    public func maxPool2dWithIndices(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                                     ceilMode: Bool = false) -> (output: Tensor, indices: Tensor) {
        maxPool2dWithIndices(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                             dilation: (dilation, dilation), ceilMode: ceilMode)
    }

    /// Places each value at its pooling index in a zero plane of `outputSize` (SegNet's decoder).
    /// Default size: (H−1)·stride − 2·padding + kernel.
    public func maxUnpool2d(indices: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, outputSize: (Int, Int)? = nil) -> Tensor {
        checkNCHW("maxUnpool2d")
        precondition(indices.shape == shape, "maxUnpool2d: indices \(indices.shape) do not match input \(shape)")
        let st = stride ?? kernelSize
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = outputSize ?? ((h - 1) * st - 2 * padding + kernelSize, (w - 1) * st - 2 * padding + kernelSize)
        let s = TensorStorage(repeating: 0, count: n * c * oh * ow)
        // PyTorch assigns (last write wins for duplicate indices); values here are added.
        PoolingLoops.scatter(pointer, indices.pointer, planes: n * c, inPlane: h * w, outPlane: oh * ow, s.pointer)
        let inShape = shape
        let out = Tensor.record("maxUnpool2d", s, shape: [n, c, oh, ow], inputs: [self]) { g, _ in
            let gs = TensorStorage(count: inShape.product)
            PoolingLoops.gather(g.pointer, indices.pointer, planes: n * c, xPlane: oh * ow, yPlane: h * w, gs.pointer)
            return [Tensor(storage: gs, shape: inShape)]
        }
        if Trace.isActive { Trace.annotate(out, attributes: ["kernel": [kernelSize, kernelSize], "stride": [st, st], "padding": [padding, padding]], extraInputs: [indices]) }
        return out
    }

    /// Average pooling (PyTorch's avg_pool2d: `countIncludePad` counts padding in the divisor).
    public func avgPool2d(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), ceilMode: Bool = false,
                          countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
        checkNCHW("avgPool2d")
        let st = stride ?? kernelSize
        precondition(padding.0 <= kernelSize.0 / 2 && padding.1 <= kernelSize.1 / 2,
                     "avgPool2d: padding \(padding) must be at most half the kernel \(kernelSize)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = PoolingLoops.outputSize(h, kernel: kernelSize.0, stride: st.0, padding: padding.0, dilation: 1, ceilMode: ceilMode)
        let ow = PoolingLoops.outputSize(w, kernel: kernelSize.1, stride: st.1, padding: padding.1, dilation: 1, ceilMode: ceilMode)
        precondition(oh >= 1 && ow >= 1, "avgPool2d: input \(shape) too small for kernel \(kernelSize)")
        let win = PoolingLoops.Window(kh: kernelSize.0, kw: kernelSize.1, sh: st.0, sw: st.1, ph: padding.0, pw: padding.1, dh: 1, dw: 1)
        let s = TensorStorage(count: n * c * oh * ow)
        PoolingLoops.avg(pointer, s.pointer, backward: false, planes: n * c, h: h, w: w, oh: oh, ow: ow, win,
                         countIncludePad: countIncludePad, divisorOverride: divisorOverride)
        let inShape = shape
        return Tensor.record("avgPool2d", s, shape: [n, c, oh, ow], inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            PoolingLoops.avg(g.pointer, gs.pointer, backward: true, planes: n * c, h: h, w: w, oh: oh, ow: ow, win,
                             countIncludePad: countIncludePad, divisorOverride: divisorOverride)
            return [Tensor(storage: gs, shape: inShape)]
        }
    }

    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                          countIncludePad: Bool = true) -> Tensor {
        avgPool2d(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    /// Adaptive average pooling to `outputSize` with PyTorch's bins (overlapping when not divisible).
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        checkNCHW("adaptiveAvgPool2d")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = outputSize
        precondition(oh >= 1 && ow >= 1, "adaptiveAvgPool2d: output size \(outputSize) must be positive")
        let s = TensorStorage(count: n * c * oh * ow)
        PoolingLoops.adaptiveAvg(pointer, s.pointer, backward: false, planes: n * c, h: h, w: w, oh: oh, ow: ow)
        let inShape = shape
        return Tensor.record("adaptiveAvgPool2d", s, shape: [n, c, oh, ow], inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            PoolingLoops.adaptiveAvg(g.pointer, gs.pointer, backward: true, planes: n * c, h: h, w: w, oh: oh, ow: ow)
            return [Tensor(storage: gs, shape: inShape)]
        }
    }

    public func adaptiveAvgPool2d(outputSize: Int) -> Tensor { adaptiveAvgPool2d(outputSize: (outputSize, outputSize)) }
}
