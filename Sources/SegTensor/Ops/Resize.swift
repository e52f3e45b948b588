import Foundation

/// Interpolation for `resized` (PyTorch's F.interpolate modes).
public enum InterpolationMode: Sendable, Equatable {
    /// PyTorch's legacy "nearest": source index ⌊dst · in/out⌋.
    case nearest
    case bilinear(alignCorners: Bool)
    /// Cubic convolution with A = −0.75 (PyTorch), edges clamped.
    case bicubic(alignCorners: Bool)
}

extension Tensor {
    /// PyTorch's `area_pixel_compute_source_index`, in Float as PyTorch's CPU kernels.
    static func sourceIndex(_ dst: Int, inSize: Int, outSize: Int, alignCorners: Bool, cubic: Bool) -> Float {
        if alignCorners {
            let scale: Float = outSize > 1 ? Float(inSize - 1) / Float(outSize - 1) : 0
            return scale * Float(dst)
        }
        let scale = Float(inSize) / Float(outSize)
        let src = scale * (Float(dst) + 0.5) - 0.5
        return (!cubic && src < 0) ? 0 : src
    }

    static func resampleTaps(_ mode: InterpolationMode, inSize: Int, outSize: Int) -> PoolingLoops.Taps {
        switch mode {
        case .nearest:
            let scale = Float(inSize) / Float(outSize)
            let idx = (0..<outSize).map { o in
                outSize == inSize ? o : Swift.min(Int(Foundation.floor(Float(o) * scale)), inSize - 1)
            }
            return .init(index: idx, weight: [Float](repeating: 1, count: outSize), taps: 1)
        case .bilinear(let ac):
            var idx: [Int] = [], wt: [Float] = []
            for o in 0..<outSize {
                let src = sourceIndex(o, inSize: inSize, outSize: outSize, alignCorners: ac, cubic: false)
                let i0 = Swift.min(Int(src), inSize - 1)
                let i1 = i0 + (i0 < inSize - 1 ? 1 : 0)
                let l1 = src - Float(i0)
                idx += [i0, i1]; wt += [1 - l1, l1]
            }
            return .init(index: idx, weight: wt, taps: 2)
        case .bicubic(let ac):
            let a: Float = -0.75
            func cc1(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
            func cc2(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            var idx: [Int] = [], wt: [Float] = []
            for o in 0..<outSize {
                let src = sourceIndex(o, inSize: inSize, outSize: outSize, alignCorners: ac, cubic: true)
                let i = Int(Foundation.floor(src))
                let t = src - Float(i)
                wt += [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)]
                idx += (0..<4).map { Swift.min(Swift.max(i - 1 + $0, 0), inSize - 1) }
            }
            return .init(index: idx, weight: wt, taps: 4)
        }
    }

    /// Resamples the spatial axes of an NCHW tensor to `size` (PyTorch's F.interpolate with `size`).
    public func resized(to size: (Int, Int), mode: InterpolationMode = .bilinear(alignCorners: false)) -> Tensor {
        checkNCHW("resized")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = size
        precondition(oh >= 1 && ow >= 1 && h >= 1 && w >= 1, "resized: cannot resize \(shape) to \(size)")
        if oh == h && ow == w && mode == .nearest { return self }
        let ty = Tensor.resampleTaps(mode, inSize: h, outSize: oh), tx = Tensor.resampleTaps(mode, inSize: w, outSize: ow)
        let s = TensorStorage(count: n * c * oh * ow)
        PoolingLoops.resample(pointer, s.pointer, backward: false, planes: n * c, h: h, w: w, oh: oh, ow: ow, ty: ty, tx: tx)
        let inShape = shape
        return Tensor.record("resized", s, shape: [n, c, oh, ow], inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            PoolingLoops.resample(g.pointer, gs.pointer, backward: true, planes: n * c, h: h, w: w, oh: oh, ow: ow, ty: ty, tx: tx)
            return [Tensor(storage: gs, shape: inShape)]
        }
    }

    public func resized(to size: [Int], mode: InterpolationMode = .bilinear(alignCorners: false)) -> Tensor {
        precondition(size.count == 2, "resized: size \(size) is not [height, width]")
        return resized(to: (size[0], size[1]), mode: mode)
    }

    /// Resamples to the spatial size of `other` (decoders: "upsample to the image").
    public func resized(like other: Tensor, mode: InterpolationMode = .bilinear(alignCorners: false)) -> Tensor {
        precondition(other.rank == 4, "resized(like:): reference \(other.shape) is not NCHW")
        return resized(to: (other.shape[2], other.shape[3]), mode: mode)
    }

    /// Resamples by an integer-valued or fractional factor; size ⌊in·factor⌋, source scale in/out
    /// (PyTorch with `recompute_scale_factor=True`).
    public func upsampled(scaleFactor: Float, mode: InterpolationMode = .nearest) -> Tensor {
        checkNCHW("upsampled")
        return resized(to: (Int(Foundation.floor(Float(shape[2]) * scaleFactor)), Int(Foundation.floor(Float(shape[3]) * scaleFactor))), mode: mode)
    }

    /// PyTorch's name for `resized`.
    public func interpolate(size: (Int, Int), mode: InterpolationMode = .nearest) -> Tensor { resized(to: size, mode: mode) }
}
