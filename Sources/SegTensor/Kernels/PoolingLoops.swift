/// Pooling and resampling loops over NCHW planes (parallel over planes).
enum PoolingLoops {
    /// PyTorch's `pooling_output_shape`.
    static func outputSize(_ input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool) -> Int {
        let num = input + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)
        var out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1
        if ceilMode && (out - 1) * stride >= input + padding { out -= 1 }
        return out
    }

    struct Window: Sendable {
        var kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int
    }

    static func maxForward(_ x: UnsafePointer<Float>, planes: Int, h: Int, w: Int, oh: Int, ow: Int, _ k: Window,
                           _ y: UnsafeMutablePointer<Float>, _ idx: UnsafeMutablePointer<Float>) {
        Parallel.forChunks(planes, grain: Swift.max(1, 16384 / Swift.max(1, oh * ow * k.kh * k.kw))) { r in
            for p in r {
                let xp = x + p * h * w, yp = y + p * oh * ow, ip = idx + p * oh * ow
                for oy in 0..<oh {
                    var hs = oy * k.sh - k.ph
                    let he = Swift.min(hs + (k.kh - 1) * k.dh + 1, h)
                    while hs < 0 { hs += k.dh }
                    for ox in 0..<ow {
                        var ws = ox * k.sw - k.pw
                        let we = Swift.min(ws + (k.kw - 1) * k.dw + 1, w)
                        while ws < 0 { ws += k.dw }
                        var best = -Float.infinity, bi = hs * w + ws
                        var iy = hs
                        while iy < he {
                            var ix = ws
                            while ix < we {
                                // Branch-free (random data mispredicts): take v if larger or NaN.
                                let v = xp[iy * w + ix]
                                let take = v > best || v != v
                                best = take ? v : best
                                bi = take ? iy * w + ix : bi
                                ix += k.dw
                            }
                            iy += k.dh
                        }
                        yp[oy * ow + ox] = best
                        ip[oy * ow + ox] = Float(bi)
                    }
                }
            }
        }
    }

    /// dx[plane][idx] += dy (also max_unpool's forward, and its backward's adjoint).
    static func scatter(_ dy: UnsafePointer<Float>, _ idx: UnsafePointer<Float>, planes: Int, inPlane: Int, outPlane: Int,
                        _ dx: UnsafeMutablePointer<Float>) {
        Parallel.forChunks(planes, grain: Swift.max(1, 16384 / Swift.max(1, inPlane))) { r in
            for p in r {
                for i in 0..<inPlane {
                    let j = Int(idx[p * inPlane + i])
                    precondition(j >= 0 && j < outPlane, "max pool/unpool: index \(j) out of range for a plane of \(outPlane)")
                    dx[p * outPlane + j] += dy[p * inPlane + i]
                }
            }
        }
    }

    /// y[plane][i] = x[plane][idx[i]].
    static func gather(_ x: UnsafePointer<Float>, _ idx: UnsafePointer<Float>, planes: Int, xPlane: Int, yPlane: Int,
                       _ y: UnsafeMutablePointer<Float>) {
        for p in 0..<planes {
            for i in 0..<yPlane { y[p * yPlane + i] = x[p * xPlane + Int(idx[p * yPlane + i])] }
        }
    }

    /// Average pooling window bounds and divisor (PyTorch's avg_pool2d).
    @inline(__always)
    static func avgBounds(_ o: Int, stride: Int, pad: Int, kernel: Int, size: Int) -> (Int, Int, Int) {
        let s = o * stride - pad
        let e = Swift.min(s + kernel, size + pad)
        return (Swift.max(s, 0), Swift.min(e, size), e - s)
    }

    /// Forward (backward = false) or its adjoint for average pooling.
    static func avg(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, backward: Bool,
                    planes: Int, h: Int, w: Int, oh: Int, ow: Int, _ k: Window, countIncludePad: Bool, divisorOverride: Int?) {
        Parallel.forChunks(planes, grain: Swift.max(1, 16384 / Swift.max(1, oh * ow * k.kh * k.kw))) { r in
            for p in r {
                for oy in 0..<oh {
                    let (hs, he, hpool) = avgBounds(oy, stride: k.sh, pad: k.ph, kernel: k.kh, size: h)
                    for ox in 0..<ow {
                        let (ws, we, wpool) = avgBounds(ox, stride: k.sw, pad: k.pw, kernel: k.kw, size: w)
                        let div = Float(divisorOverride ?? (countIncludePad ? hpool * wpool : (he - hs) * (we - ws)))
                        if backward {
                            let g = src[(p * oh + oy) * ow + ox] / div
                            for iy in hs..<Swift.max(hs, he) { for ix in ws..<Swift.max(ws, we) { dst[(p * h + iy) * w + ix] += g } }
                        } else {
                            var s: Float = 0
                            for iy in hs..<Swift.max(hs, he) { for ix in ws..<Swift.max(ws, we) { s += src[(p * h + iy) * w + ix] } }
                            dst[(p * oh + oy) * ow + ox] = s / div
                        }
                    }
                }
            }
        }
    }

    /// Adaptive average pooling bins: start = ⌊i·in/out⌋, end = ⌈(i+1)·in/out⌉.
    static func adaptiveBin(_ i: Int, _ input: Int, _ output: Int) -> Range<Int> {
        (i * input / output)..<(((i + 1) * input + output - 1) / output)
    }

    static func adaptiveAvg(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, backward: Bool,
                            planes: Int, h: Int, w: Int, oh: Int, ow: Int) {
        Parallel.forChunks(planes, grain: Swift.max(1, 16384 / Swift.max(1, h * w))) { r in
            for p in r {
                for oy in 0..<oh {
                    let ry = adaptiveBin(oy, h, oh)
                    for ox in 0..<ow {
                        let rx = adaptiveBin(ox, w, ow)
                        let div = Float(ry.count * rx.count)
                        if backward {
                            let g = src[(p * oh + oy) * ow + ox] / div
                            for iy in ry { for ix in rx { dst[(p * h + iy) * w + ix] += g } }
                        } else {
                            var s: Float = 0
                            for iy in ry { for ix in rx { s += src[(p * h + iy) * w + ix] } }
                            dst[(p * oh + oy) * ow + ox] = s / div
                        }
                    }
                }
            }
        }
    }

    /// Separable resampling: out[oy, ox] = Σ wy·wx·in[iy, ix] over each output's taps, or its adjoint.
    struct Taps {
        var index: [Int]    // out × taps
        var weight: [Float]
        var taps: Int
    }

    /// Separable: a horizontal pass into a [h, ow] buffer, then a vertical pass vectorised
    /// along the output row; the backward runs the adjoint passes in reverse order.
    static func resample(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, backward: Bool,
                         planes: Int, h: Int, w: Int, oh: Int, ow: Int, ty: Taps, tx: Taps) {
        ty.index.withUnsafeBufferPointer { yi in ty.weight.withUnsafeBufferPointer { yw in
        tx.index.withUnsafeBufferPointer { xi in tx.weight.withUnsafeBufferPointer { xw in
        let (yi, yw, xi, xw) = (yi.baseAddress!, yw.baseAddress!, xi.baseAddress!, xw.baseAddress!)
        let (ta, tb) = (ty.taps, tx.taps)
        Parallel.forChunks(planes, grain: Swift.max(1, 8192 / Swift.max(1, oh * ow))) { r in
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: h * ow)
            defer { tmp.deallocate() }
            for p in r {
                if !backward {
                    let x = src + p * h * w, y = dst + p * oh * ow
                    for iy in 0..<h {
                        let row = x + iy * w, t = tmp + iy * ow
                        for ox in 0..<ow {
                            var acc: Float = 0
                            for b in 0..<tb { acc += xw[ox * tb + b] * row[xi[ox * tb + b]] }
                            t[ox] = acc
                        }
                    }
                    for oy in 0..<oh {
                        let out = y + oy * ow
                        if ta == 2 {   // bilinear: each output row written once
                            let (w0, w1) = (yw[oy * 2], yw[oy * 2 + 1])
                            let (r0, r1) = (tmp + yi[oy * 2] * ow, tmp + yi[oy * 2 + 1] * ow)
                            for i in 0..<ow { out[i] = w0 * r0[i] + w1 * r1[i] }
                        } else {
                            out.update(repeating: 0, count: ow)
                            for a in 0..<ta { axpy(yw[oy * ta + a], tmp + yi[oy * ta + a] * ow, out, ow) }
                        }
                    }
                } else {
                    let g = src + p * oh * ow, gx = dst + p * h * w
                    tmp.update(repeating: 0, count: h * ow)
                    for oy in 0..<oh {
                        for a in 0..<ta { axpy(yw[oy * ta + a], g + oy * ow, tmp + yi[oy * ta + a] * ow, ow) }
                    }
                    for iy in 0..<h {
                        let row = gx + iy * w, t = tmp + iy * ow
                        for ox in 0..<ow {
                            let v = t[ox]
                            for b in 0..<tb { row[xi[ox * tb + b]] += xw[ox * tb + b] * v }
                        }
                    }
                }
            }
        }
        } } } }
    }

    /// y += a·x over n floats.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let av = Vec(repeating: a)
        var i = 0
        while i + 16 <= n { storeVec(loadVec(y + i).addingProduct(av, loadVec(x + i)), y + i); i += 16 }
        while i < n { y[i] += a * x[i]; i += 1 }
    }
}
