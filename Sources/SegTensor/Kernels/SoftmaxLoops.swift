import Foundation

/// Softmax and log-softmax over the middle axis of an (outer, n, inner) layout. Rows (inner = 1)
/// are vectorised along the axis; otherwise blocks of the inner axis are vectorised, so memory is
/// read contiguously (class scores of an NCHW map).
enum SoftmaxKernel {
    static let block = 256

    static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, n: Int, inner: Int, log: Bool) {
        if n == 0 { return }
        if inner == 1 {
            Parallel.forChunks(outer, grain: Swift.max(1, 16384 / n)) { r in
                for o in r { row(x + o * n, y + o * n, n, log: log) }
            }
            return
        }
        let blocks = (inner + block - 1) / block
        Parallel.forChunks(outer * blocks, grain: Swift.max(1, 16384 / (n * block))) { r in
            let m = UnsafeMutablePointer<Float>.allocate(capacity: block), s = UnsafeMutablePointer<Float>.allocate(capacity: block)
            defer { m.deallocate(); s.deallocate() }
            for unit in r {
                let o = unit / blocks, i0 = (unit % blocks) * block
                let len = Swift.min(block, inner - i0)
                let base = o * n * inner + i0
                m.update(from: x + base, count: len)
                for k in 1..<n { vmax(m, x + base + k * inner, len) }
                s.update(repeating: 0, count: len)
                for k in 0..<n {
                    let xp = x + base + k * inner, yp = y + base + k * inner
                    var i = 0
                    while i + 16 <= len {
                        let e = vexp(loadVec(xp + i) - loadVec(m + i))
                        storeVec(loadVec(s + i) + e, s + i)
                        if !log { storeVec(e, yp + i) }
                        i += 16
                    }
                    while i < len {
                        let e = Foundation.exp(xp[i] - m[i])
                        s[i] += e
                        if !log { yp[i] = e }
                        i += 1
                    }
                }
                for i in 0..<len { s[i] = log ? m[i] + Foundation.log(s[i]) : 1 / s[i] }
                for k in 0..<n {
                    let xp = x + base + k * inner, yp = y + base + k * inner
                    var i = 0
                    while i + 16 <= len {
                        storeVec(log ? loadVec(xp + i) - loadVec(s + i) : loadVec(yp + i) * loadVec(s + i), yp + i)
                        i += 16
                    }
                    while i < len { yp[i] = log ? xp[i] - s[i] : yp[i] * s[i]; i += 1 }
                }
            }
        }
    }

    @inline(__always)
    static func vmax(_ m: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ len: Int) {
        var i = 0
        while i + 16 <= len {
            let a = loadVec(m + i), b = loadVec(x + i)
            storeVec(a.replacing(with: b, where: b .> a), m + i)
            i += 16
        }
        while i < len { if x[i] > m[i] { m[i] = x[i] }; i += 1 }
    }

    /// One contiguous row.
    @inline(__always)
    static func row(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
        var mv = Vec(repeating: -.infinity)
        var i = 0
        while i + 16 <= n { let v = loadVec(x + i); mv = mv.replacing(with: v, where: v .> mv); i += 16 }
        var m = mv.max()
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        if m == -.infinity { m = 0 }  // a fully masked row gives NaN below, as PyTorch
        let mvec = Vec(repeating: m)
        var sv = Vec(repeating: 0)
        var s: Float = 0
        i = 0
        while i + 16 <= n {
            let e = vexp(loadVec(x + i) - mvec)
            sv += e
            if !log { storeVec(e, y + i) }
            i += 16
        }
        while i < n { let e = Foundation.exp(x[i] - m); s += e; if !log { y[i] = e }; i += 1 }
        s += sv.sum()
        if log {
            let lse = Vec(repeating: m + Foundation.log(s))
            i = 0
            while i + 16 <= n { storeVec(loadVec(x + i) - lse, y + i); i += 16 }
            while i < n { y[i] = x[i] - lse[0]; i += 1 }
        } else {
            let inv = 1 / s
            i = 0
            while i + 16 <= n { storeVec(loadVec(y + i) * inv, y + i); i += 16 }
            while i < n { y[i] *= inv; i += 1 }
        }
    }

    static func backward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                         outer: Int, n: Int, inner: Int, log: Bool) {
        if n == 0 { return }
        let blockLen = inner == 1 ? 1 : block
        let blocks = (inner + blockLen - 1) / blockLen
        Parallel.forChunks(outer * blocks, grain: Swift.max(1, 16384 / (n * blockLen))) { r in
            let d = UnsafeMutablePointer<Float>.allocate(capacity: blockLen)
            defer { d.deallocate() }
            for unit in r {
                let o = unit / blocks, i0 = (unit % blocks) * blockLen
                let len = Swift.min(blockLen, inner - i0)
                let base = o * n * inner + i0
                // softmax: dx = y·(g − Σ g·y); log-softmax: dx = g − eʸ·Σ g.
                d.update(repeating: 0, count: len)
                for k in 0..<n {
                    let gp = g + base + k * inner, yp = y + base + k * inner
                    for i in 0..<len { d[i] += log ? gp[i] : gp[i] * yp[i] }
                }
                for k in 0..<n {
                    let gp = g + base + k * inner, yp = y + base + k * inner, op = dx + base + k * inner
                    for i in 0..<len { op[i] = log ? gp[i] - Foundation.exp(yp[i]) * d[i] : yp[i] * (gp[i] - d[i]) }
                }
            }
        }
    }
}
