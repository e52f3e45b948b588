import Foundation

/// Fused log-softmax + NLL over axis 1 of an (outer, classes, inner) layout, vectorised over
/// blocks of the contiguous inner axis (pixels), as the softmax loops.
enum CrossEntropyLoops {
    static let block = 256

    static func forward(_ x: UnsafePointer<Float>, _ labels: UnsafePointer<Float>, _ weight: UnsafePointer<Float>?,
                        outer: Int, classes c: Int, inner: Int, ignoreIndex: Int,
                        lse: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>) {
        let blocks = (inner + block - 1) / block
        Parallel.forChunks(outer * blocks, grain: Swift.max(1, 16384 / Swift.max(1, c * block))) { r in
            let s = UnsafeMutablePointer<Float>.allocate(capacity: block)
            defer { s.deallocate() }
            for unit in r {
                let o = unit / blocks, i0 = (unit % blocks) * block
                let len = Swift.min(block, inner - i0)
                let base = o * c * inner + i0, px = o * inner + i0
                let m = lse + px  // the running max, then the log-sum-exp, in place
                m.update(from: x + base, count: len)
                for k in 1..<Swift.max(c, 1) { SoftmaxKernel.vmax(m, x + base + k * inner, len) }
                s.update(repeating: 0, count: len)
                for k in 0..<c {
                    let xp = x + base + k * inner
                    var i = 0
                    while i + 16 <= len { storeVec(loadVec(s + i) + vexp(loadVec(xp + i) - loadVec(m + i)), s + i); i += 16 }
                    while i < len { s[i] += Foundation.exp(xp[i] - m[i]); i += 1 }
                }
                for i in 0..<len {
                    m[i] += Foundation.log(s[i])
                    let label = Int(labels[px + i])
                    if label == ignoreIndex {
                        losses[px + i] = 0; weights[px + i] = 0
                        continue
                    }
                    precondition(label >= 0 && label < c, "crossEntropy: label \(label) out of range for \(c) classes (ignoreIndex \(ignoreIndex))")
                    let w = weight?[label] ?? 1
                    weights[px + i] = w
                    losses[px + i] = w * (m[i] - x[base + label * inner + i])
                }
            }
        }
    }

    /// dx = coef·(softmax − onehot(label)); coef is 0 for ignored pixels.
    static func backward(_ x: UnsafePointer<Float>, _ labels: UnsafePointer<Float>, _ lse: UnsafePointer<Float>,
                         _ coef: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, outer: Int, classes c: Int, inner: Int) {
        let blocks = (inner + block - 1) / block
        Parallel.forChunks(outer * blocks, grain: Swift.max(1, 16384 / Swift.max(1, c * block))) { r in
            for unit in r {
                let o = unit / blocks, i0 = (unit % blocks) * block
                let len = Swift.min(block, inner - i0)
                let base = o * c * inner + i0, px = o * inner + i0
                for k in 0..<c {
                    let xp = x + base + k * inner, dp = dx + base + k * inner
                    var i = 0
                    while i + 16 <= len {
                        storeVec(loadVec(coef + px + i) * vexp(loadVec(xp + i) - loadVec(lse + px + i)), dp + i)
                        i += 16
                    }
                    while i < len { dp[i] = coef[px + i] * Foundation.exp(xp[i] - lse[px + i]); i += 1 }
                }
                for i in 0..<len where coef[px + i] != 0 {
                    dx[base + Int(labels[px + i]) * inner + i] -= coef[px + i]
                }
            }
        }
    }
}
