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
