import CDNNL

/// Depthwise convolution (one filter per channel) on row-major NCHW, for inference where oneDNN
/// has no direct kernel: with dilation it falls back to im2col + GEMM per channel
/// (`x64:gemm:jit`), 1.5–2.5 ms for each of DeepLab v3+'s 2048-channel ASPP branches at 16×16,
/// where these loops take a tenth of that. Each output plane starts at the bias and adds each tap's
/// weight times the input rows it reaches, a vector loop over the columns.
enum DepthwiseLoops {
    /// Whether `g` is a depthwise convolution these loops should run (dilated; oneDNN's own
    /// depthwise kernels serve the undilated ones).
    static func suits(_ g: Conv2dGeometry) -> Bool {
        g.groups == g.inChannels && g.outChannels == g.inChannels && (g.dilationH > 1 || g.dilationW > 1)
    }

    static func forward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let (h, w, oh, ow) = (g.inHeight, g.inWidth, g.outHeight, g.outWidth)
        let (kh, kw) = (g.kernelHeight, g.kernelWidth)
        Parallel.forChunks(g.batch * g.inChannels, grain: max(1, 8192 / max(1, oh * ow))) { planes in
            for plane in planes {
                let c = plane % g.inChannels
                let src = input + plane * h * w, dst = output + plane * oh * ow
                dst.update(repeating: bias?[c] ?? 0, count: oh * ow)
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let tap = weight[(c * kh + ky) * kw + kx]
                        // Output columns whose input column ox·s − p + kx·d lies inside the row.
                        let shift = kx * g.dilationW - g.padW
                        let first = max(0, (-shift + g.strideW - 1) / g.strideW)
                        let last = min(ow, (w - 1 - shift) / g.strideW + 1)   // exclusive
                        guard first < last, w - 1 - shift >= 0 else { continue }
                        for oy in 0..<oh {
                            let iy = oy * g.strideH - g.padH + ky * g.dilationH
                            guard iy >= 0 && iy < h else { continue }
                            let row = src + iy * w + shift, out = dst + oy * ow
                            if g.strideW == 1 {
                                for ox in first..<last { out[ox] += tap * row[ox] }
                            } else {
                                for ox in first..<last { out[ox] += tap * row[ox * g.strideW] }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension DepthwiseLoops {
    /// The same convolution on an input an inference convolution left in a channel-blocked
    /// oneDNN layout (nChw16c, or channels-last), 16 channels to a vector, its result left in
    /// that layout for the pointwise convolution after it. DeepLab v3+'s ASPP branches converted
    /// their 2048×16×16 input to row-major (0.3 ms) and ran the row loops above 16 columns at a
    /// time (0.3–0.55 ms); here 0.23–0.34 ms, and the pointwise convolution reads the result
    /// 0.2 ms faster. The taps add in the same order as the row loops: the same values. False
    /// where it does not apply (a row-major input, another layout, a stride or a size change,
    /// channels not whole 16-blocks).
    static func forward(_ g: Conv2dGeometry, heldInput input: TensorStorage, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output: TensorStorage) -> Bool {
        let (c, h, w) = (g.inChannels, g.inHeight, g.inWidth)
        guard let held = input.layout, c % 16 == 0, g.strideH == 1, g.strideW == 1,
              g.outHeight == h, g.outWidth == w else { return false }
        let shape = [g.batch, c, h, w]
        let blocked = dnnlEqual(held.desc, dnnlDesc(shape, dnnl_aBcd16b))
        guard blocked || dnnlEqual(held.desc, dnnlDesc(shape, dnnl_acdb)) else { return false }
        let groups = c / 16, (kh, kw) = (g.kernelHeight, g.kernelWidth)
        // Tap t's weights for channel group j at [t · groups + j].
        var taps = [SIMD16<Float>](repeating: .zero, count: kh * kw * groups)
        var biases = [SIMD16<Float>](repeating: .zero, count: groups)
        for channel in 0..<c {
            for t in 0..<kh * kw { taps[t * groups + channel / 16][channel % 16] = weight[channel * kh * kw + t] }
            biases[channel / 16][channel % 16] = bias?[channel] ?? 0
        }
        let src = UnsafeRawPointer(input.base), dst = UnsafeMutableRawPointer(output.base)
        /// Whether input pixel (iy, ix) lies inside the map (else it is padding).
        func inside(_ iy: Int, _ ix: Int) -> Bool { iy >= 0 && iy < h && ix >= 0 && ix < w }
        taps.withUnsafeBufferPointer { taps in
            biases.withUnsafeBufferPointer { biases in
                if blocked {
                    // Each 16-channel group is an H×W plane of 16-float pixels: one group at a time.
                    Parallel.forChunks(g.batch * groups, grain: max(1, 8192 / (h * w))) { items in
                        for item in items {
                            let group = item % groups, plane = item * h * w * 64
                            for oy in 0..<h {
                                for ox in 0..<w {
                                    var sum = biases[group]
                                    for ky in 0..<kh {
                                        for kx in 0..<kw {
                                            let iy = oy - g.padH + ky * g.dilationH, ix = ox - g.padW + kx * g.dilationW
                                            guard inside(iy, ix) else { continue }
                                            let v = (src + plane + (iy * w + ix) * 64).loadUnaligned(as: SIMD16<Float>.self)
                                            sum += taps[(ky * kw + kx) * groups + group] * v
                                        }
                                    }
                                    (dst + plane + (oy * w + ox) * 64).storeBytes(of: sum, as: SIMD16<Float>.self)
                                }
                            }
                        }
                    }
                } else {
                    // Channels-last: a pixel's C channels are contiguous; each output pixel adds
                    // its taps over all groups (a pixel is 8 KB at 2048 channels: one group at a
                    // time strode through memory at that step).
                    Parallel.forChunks(g.batch * h, grain: max(1, 2048 / (w * groups))) { rows in
                        for row in rows {
                            let (n, oy) = row.quotientAndRemainder(dividingBy: h)
                            for ox in 0..<w {
                                let out = dst + ((n * h + oy) * w + ox) * c * 4
                                for j in 0..<groups { (out + j * 64).storeBytes(of: biases[j], as: SIMD16<Float>.self) }
                                for ky in 0..<kh {
                                    for kx in 0..<kw {
                                        let iy = oy - g.padH + ky * g.dilationH, ix = ox - g.padW + kx * g.dilationW
                                        guard inside(iy, ix) else { continue }
                                        let pixel = src + ((n * h + iy) * w + ix) * c * 4
                                        let filter = taps.baseAddress! + (ky * kw + kx) * groups
                                        for j in 0..<groups {
                                            let sum = (out + j * 64).loadUnaligned(as: SIMD16<Float>.self)
                                                + filter[j] * (pixel + j * 64).loadUnaligned(as: SIMD16<Float>.self)
                                            (out + j * 64).storeBytes(of: sum, as: SIMD16<Float>.self)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        output.layout = held
        return true
    }
}
