extension Tensor {
    /// 2-D convolution (cross-correlation, as PyTorch) of an NCHW input with a
    /// [out, in/groups, kh, kw] weight; groups == in == out is depthwise.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                       dilation: Int = 1, groups: Int = 1) -> Tensor {
        conv2d(weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
               dilation: (dilation, dilation), groups: groups)
    }

    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int), padding: (Int, Int),
                       dilation: (Int, Int), groups: Int = 1) -> Tensor {
        // Without a tape (inference), the output may stay in oneDNN's layout for the next
        // convolution; a trace on this thread still records the op.
        if !isGradEnabled && Trace.current == nil {
            return conv2dInference(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let g = conv2dGeometry(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        if Trace.allowsFusionHere, Conv2dKernel.backend == .oneDNN, g.batch > 0,
           case let dnnl = ConvolutionGeometry(g, hasBias: bias != nil), DNNLPhasedConvolution.suits(dnnl),
           DNNLConvolution.cached(dnnl.phases).usesWinograd || DNNLSlicedConvolution.cached(dnnl.phases) != nil {
            return phasedConv2d(weight: weight, bias: bias, dilation: dilation.0)
        }
        let s = TensorStorage(count: g.outputCount)
        Conv2dKernel.forward(g, input: pointer, weight: weight.pointer, weightsVersion: weight.storage.versionForDerivedCopy(), bias: bias.map { UnsafePointer($0.pointer) }, output: s.pointer)
        let (x, w) = (self, weight)
        let inputs = bias.map { [x, w, $0] } ?? [x, w]
        return Tensor.record("conv2d", s, shape: [g.batch, g.outChannels, g.outHeight, g.outWidth], inputs: inputs) { dy, _ in
            let weightsNeeded = w.requiresGrad || (bias?.requiresGrad ?? false)
            let sx = x.requiresGrad ? TensorStorage(count: g.inputCount) : nil
            let sw = weightsNeeded ? TensorStorage(count: g.weightCount) : nil
            let sb = weightsNeeded && bias != nil ? TensorStorage(count: g.outChannels) : nil
            Conv2dKernel.backward(g, input: x.pointer, gradOutput: dy.pointer, weight: w.pointer,
                                  weightsVersion: w.storage.versionForDerivedCopy(), gradInput: sx?.pointer,
                                  gradWeight: sw?.pointer, gradBias: sb?.pointer)
            let gx = sx.map { Tensor(storage: $0, shape: x.shape) }
            let gw = w.requiresGrad ? sw.map { Tensor(storage: $0, shape: w.shape) } : nil
            let gb = bias?.requiresGrad ?? false ? sb.map { Tensor(storage: $0, shape: [g.outChannels]) } : nil
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }

    /// A dilated 3×3 convolution (dilation and padding d) as one undilated convolution over its d²
    /// phases, so that training runs Winograd's algorithm on it too: phase (p, q) of the output,
    /// pixels (d·a + p, d·b + q), is the padding-1 convolution of the same phase of the input (see
    /// `DNNLPhasedConvolution`). The phases become the batch by a permute, whose backward is the
    /// inverse permute, so the gradients follow from the ops'. A diagram's trace (no fusion) sees
    /// the dilated convolution as written.
    private func phasedConv2d(weight: Tensor, bias: Tensor?, dilation d: Int) -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2] / d, shape[3] / d)
        let phases = reshaped([n, c, h, d, w, d]).permuted([3, 5, 0, 1, 2, 4]).reshaped([d * d * n, c, h, w])
        let y = phases.conv2d(weight: weight, bias: bias, stride: (1, 1), padding: (1, 1), dilation: (1, 1))
        let o = weight.shape[0]
        return y.reshaped([d, d, n, o, h, w]).permuted([2, 3, 4, 0, 5, 1]).reshaped([n, o, h * d, w * d])
    }

    /// Inference convolution with what follows it fused into the same oneDNN pass (issue 11):
    /// `relu?(conv2d(...) + residual)`. It records no gradient, so it runs only where none is
    /// recorded (`noGrad`); there it equals the separate ops to rounding.
    public func conv2dInference(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int), padding: (Int, Int),
                                dilation: (Int, Int), groups: Int = 1, adding residual: Tensor? = nil, relu: Bool = false) -> Tensor {
        precondition(!isGradEnabled, "conv2dInference: records no gradient; call it inside noGrad { }")
        let g = conv2dGeometry(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let shape = [g.batch, g.outChannels, g.outHeight, g.outWidth]
        if let residual { precondition(residual.shape == shape, "conv2dInference: residual \(residual.shape), output \(shape)") }
        let s = TensorStorage(count: g.outputCount)
        Conv2dKernel.forwardInference(g, input: storage, weight: weight.storage, bias: bias?.storage, residual: residual?.storage,
                                      relu: relu, output: s)
        return Tensor(storage: s, shape: shape)
    }

    /// The checked geometry of `conv2d(weight:...)` on this input.
    private func conv2dGeometry(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int),
                                dilation: (Int, Int), groups: Int) -> Conv2dGeometry {
        precondition(rank == 4, "conv2d: input \(shape) is not NCHW")
        precondition(weight.rank == 4, "conv2d: weight \(weight.shape) is not [out, in/groups, kh, kw]")
        precondition(groups >= 1 && shape[1] % groups == 0 && weight.shape[0] % groups == 0,
                     "conv2d: groups \(groups) must divide input channels \(shape[1]) and output channels \(weight.shape[0])")
        precondition(shape[1] / groups == weight.shape[1],
                     "conv2d: input has \(shape[1]) channels, weight \(weight.shape) expects \(weight.shape[1] * groups)")
        precondition(stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1 && padding.0 >= 0 && padding.1 >= 0,
                     "conv2d: stride \(stride), padding \(padding), dilation \(dilation) out of range")
        if let bias { precondition(bias.shape == [weight.shape[0]], "conv2d: bias \(bias.shape), weight \(weight.shape) expects [\(weight.shape[0])]") }
        let g = Conv2dGeometry(batch: shape[0], inChannels: shape[1], inHeight: shape[2], inWidth: shape[3],
                               outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                               strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                               dilationH: dilation.0, dilationW: dilation.1, groups: groups)
        precondition(g.outHeight >= 1 && g.outWidth >= 1,
                     "conv2d: input \(shape) too small for kernel \(weight.shape) with padding \(padding), dilation \(dilation)")
        return g
    }

    /// Transposed convolution (PyTorch's conv_transpose2d): weight [in, out/groups, kh, kw];
    /// output size (H−1)·s − 2p + d·(k−1) + outputPadding + 1.
    public func convTranspose2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1) -> Tensor {
        convTranspose2d(weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
                        outputPadding: (outputPadding, outputPadding), groups: groups, dilation: (dilation, dilation))
    }

    public func convTranspose2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int), padding: (Int, Int),
                                outputPadding: (Int, Int), groups: Int = 1, dilation: (Int, Int)) -> Tensor {
        precondition(rank == 4, "convTranspose2d: input \(shape) is not NCHW")
        precondition(weight.rank == 4, "convTranspose2d: weight \(weight.shape) is not [in, out/groups, kh, kw]")
        precondition(shape[1] == weight.shape[0],
                     "convTranspose2d: input has \(shape[1]) channels, weight \(weight.shape) expects \(weight.shape[0])")
        precondition(groups >= 1 && shape[1] % groups == 0, "convTranspose2d: groups \(groups) must divide input channels \(shape[1])")
        precondition(outputPadding.0 < Swift.max(stride.0, dilation.0) && outputPadding.1 < Swift.max(stride.1, dilation.1),
                     "convTranspose2d: outputPadding \(outputPadding) must be smaller than stride \(stride) or dilation \(dilation)")
        let outC = weight.shape[1] * groups
        if let bias { precondition(bias.shape == [outC], "convTranspose2d: bias \(bias.shape), weight \(weight.shape) expects [\(outC)]") }
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let oh = (shape[2] - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let ow = (shape[3] - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        precondition(oh >= 1 && ow >= 1, "convTranspose2d: output size [\(oh), \(ow)] for input \(shape) is empty")
        // Inference: oneDNN's transposed convolution, bias included, in the layouts convolutions keep.
        if !isGradEnabled, Trace.allowsFusionHere, groups == 1, padding.0 >= outputPadding.0, padding.1 >= outputPadding.1,
           Conv2dKernel.backend == .oneDNN {
            let g = DNNLDeconvolution.Geometry(input: shape, output: [shape[0], outC, oh, ow], kernel: [kh, kw],
                                               stride: [stride.0, stride.1], dilation: [dilation.0, dilation.1],
                                               paddingLeft: [padding.0, padding.1],
                                               paddingRight: [padding.0 - outputPadding.0, padding.1 - outputPadding.1],
                                               hasBias: bias != nil)
            let s = TensorStorage(count: g.output.product)
            DNNLDeconvolution.forward(g, input: storage, weight: weight.storage, bias: bias?.storage, output: s)
            return Tensor.record("convTranspose2d", s, shape: g.output, inputs: bias.map { [self, weight, $0] } ?? [self, weight]) { _, _ in
                preconditionFailure("convTranspose2d: the inference path records no gradient")
            }
        }
        // The adjoint of a convolution from the output ([N, outC, oh, ow]) to the input.
        let g = Conv2dGeometry(batch: shape[0], inChannels: outC, inHeight: oh, inWidth: ow,
                               outChannels: shape[1], kernelHeight: kh, kernelWidth: kw,
                               strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                               dilationH: dilation.0, dilationW: dilation.1, groups: groups)
        precondition(g.outHeight == shape[2] && g.outWidth == shape[3], "convTranspose2d: inconsistent geometry for input \(shape)")
        let s = TensorStorage(count: g.inputCount)
        Conv2dKernel.backwardData(g, gradOutput: pointer, weight: weight.pointer, weightsVersion: weight.storage.versionForDerivedCopy(),
                                  keepWeights: true, gradInput: s.pointer)
        if let bias {
            let plane = oh * ow
            for n in 0..<g.batch {
                for c in 0..<outC {
                    let p = s.pointer + (n * outC + c) * plane
                    let b = bias.pointer[c]
                    for i in 0..<plane { p[i] += b }
                }
            }
        }
        let (x, w) = (self, weight)
        let inputs = bias.map { [x, w, $0] } ?? [x, w]
        return Tensor.record("convTranspose2d", s, shape: [g.batch, outC, oh, ow], inputs: inputs) { dy, _ in
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if x.requiresGrad {
                let st = TensorStorage(count: g.outputCount)
                Conv2dKernel.forward(g, input: dy.pointer, weight: w.pointer, weightsVersion: w.storage.versionForDerivedCopy(),
                                     bias: nil, output: st.pointer)
                gx = Tensor(storage: st, shape: x.shape)
            }
            if w.requiresGrad {
                let sw = TensorStorage(count: g.weightCount)
                Conv2dKernel.backwardWeight(g, input: dy.pointer, gradOutput: x.pointer, gradWeight: sw.pointer, gradBias: nil)
                gw = Tensor(storage: sw, shape: w.shape)
            }
            if bias?.requiresGrad ?? false { gb = dy.sum(axes: [0, 2, 3]) }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        }
    }
}
