import Foundation
/// The fully connected CRF of Krähenbühl & Koltun ("Efficient Inference in Fully Connected CRFs
/// with Gaussian Edge Potentials", NIPS 2011), as DeepLab v1 (Chen et al., ICLR 2015) applied it to
/// a network's output: mean-field inference with Potts compatibility and two Gaussian kernels,
///
///   k(i, j) = w1 · exp(−|p_i − p_j|²/2θα² − |I_i − I_j|²/2θβ²)    (bilateral, "appearance")
///           + w2 · exp(−|p_i − p_j|²/2θγ²)                          (Gaussian, "smoothness")
///
/// where p are pixel positions and I colours on the 0–255 scale. Each mean-field step is
///
///   Q_i(l) ∝ exp( log P_i(l) + Σ_m w_m · n_i Σ_j k_m(i, j) n_j Q_j(l) ),
///
/// with unary −log P = −log softmax(logits), and n_i = (Σ_j k_m(i, j))^−½ the symmetric
/// normalisation of Krähenbühl's densecrf 2.2 (NORMALIZE_SYMMETRIC, also pydensecrf's default);
/// like that code, the sums include j = i. The Potts penalty Σ_{l'≠l} Q_j(l') is written, as there,
/// as a reward for agreement (they differ by a constant per pixel, which the softmax removes).
/// The sums over all j are computed with the permutohedral lattice, O(N) per step.
public struct DenseCRF: Sendable {
    /// The kernel parameters, named as in the paper (and in DeepLab's `run_densecrf.sh`).
    public struct Parameters: Sendable, Equatable {
        /// Mean-field iterations (DeepLab: 10).
        public var iterations: Int
        /// w1, `bi_w`.
        public var bilateralWeight: Float
        /// θα, `bi_xy_std` (pixels).
        public var bilateralSpatialStd: Float
        /// θβ, `bi_rgb_std` (0–255 colour levels).
        public var bilateralColorStd: Float
        /// w2, `pos_w`.
        public var gaussianWeight: Float
        /// θγ, `pos_xy_std` (pixels).
        public var gaussianSpatialStd: Float

        public init(iterations: Int = 10, bilateralWeight: Float, bilateralSpatialStd: Float, bilateralColorStd: Float,
                    gaussianWeight: Float, gaussianSpatialStd: Float) {
            self.iterations = iterations
            self.bilateralWeight = bilateralWeight
            self.bilateralSpatialStd = bilateralSpatialStd
            self.bilateralColorStd = bilateralColorStd
            self.gaussianWeight = gaussianWeight
            self.gaussianSpatialStd = gaussianSpatialStd
        }

        /// DeepLab-CRF-LargeFOV (DeepLab v1, ICLR 2015, cross-validated on VOC 2012 val):
        /// w1 = 4, θα = 121, θβ = 5, w2 = 3, θγ = 3, 10 iterations.
        public static let deepLabLargeFOV = Parameters(bilateralWeight: 4, bilateralSpatialStd: 121, bilateralColorStd: 5,
                                                       gaussianWeight: 3, gaussianSpatialStd: 3)

        /// DeepLab v2 with ResNet-101 (TPAMI 2017; its `run_densecrf.sh`):
        /// w1 = 4, θα = 67, θβ = 3, w2 = 3, θγ = 1, 10 iterations.
        public static let deepLabV2ResNet = Parameters(bilateralWeight: 4, bilateralSpatialStd: 67, bilateralColorStd: 3,
                                                       gaussianWeight: 3, gaussianSpatialStd: 1)
    }

    public var parameters: Parameters

    public init(_ parameters: Parameters = .deepLabLargeFOV) {
        self.parameters = parameters
    }

    /// Mean-field marginals Q, [C, H, W], from `logits` [C, H, W] and `image` [3, H, W] (RGB on the
    /// 0–255 scale).
    public func marginals(logits: [Float], classes: Int, height: Int, width: Int, image: [Float]) -> [Float] {
        let n = height * width
        precondition(classes > 0 && logits.count == classes * n,
                     "DenseCRF: logits have \(logits.count) values, expected [\(classes), \(height), \(width)]")
        precondition(image.count == 3 * n, "DenseCRF: image has \(image.count) values, expected [3, \(height), \(width)]")
        let p = parameters
        // Channels padded to a multiple of 8, so the per-vertex loops vectorise without a tail.
        let ch = (classes + 7) / 8 * 8

        var gaussianFeatures = [Float](repeating: 0, count: n * 2)
        var bilateralFeatures = [Float](repeating: 0, count: n * 5)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                gaussianFeatures[2 * i] = Float(x) / p.gaussianSpatialStd
                gaussianFeatures[2 * i + 1] = Float(y) / p.gaussianSpatialStd
                bilateralFeatures[5 * i] = Float(x) / p.bilateralSpatialStd
                bilateralFeatures[5 * i + 1] = Float(y) / p.bilateralSpatialStd
                for c in 0..<3 { bilateralFeatures[5 * i + 2 + c] = image[c * n + i] / p.bilateralColorStd }
            }
        }
        var kernels: [(weight: Float, lattice: PermutohedralLattice, norm: [Float])] = []
        for (weight, features, d) in [(p.bilateralWeight, bilateralFeatures, 5), (p.gaussianWeight, gaussianFeatures, 2)]
        where weight != 0 {
            let lattice = PermutohedralLattice(features: features, dimensions: d)
            let norm = lattice.filter([Float](repeating: 1, count: n), channels: 1).map { 1 / ($0 + 1e-20).squareRoot() }
            kernels.append((weight, lattice, norm))
        }

        // log P, point-major [N, ch]; padding channels stay out of every softmax.
        var logP = [Float](repeating: 0, count: n * ch)
        for i in 0..<n {
            var m = -Float.infinity
            for c in 0..<classes { m = max(m, logits[c * n + i]) }
            var sum: Float = 0
            for c in 0..<classes { sum += exp(logits[c * n + i] - m) }
            let lse = m + log(sum)
            for c in 0..<classes { logP[i * ch + c] = logits[c * n + i] - lse }
        }
        var q = [Float](repeating: 0, count: n * ch)
        softmax(logP, into: &q, points: n, channels: ch, classes: classes)
        var energy = logP
        var scratch = kernels.map { _ in PermutohedralLattice.FilterScratch() }
        let outputScales = kernels.map { kernel in kernel.norm.map { kernel.weight * $0 } }
        for _ in 0..<p.iterations {
            energy.withUnsafeMutableBufferPointer { e in
                logP.withUnsafeBufferPointer { l in e.baseAddress!.update(from: l.baseAddress!, count: l.count) }
            }
            for (k, kernel) in kernels.enumerated() {
                // energy_i += w · n_i Σ_j k(i, j) n_j Q_j
                kernel.lattice.filter(q, channels: ch, inputScale: kernel.norm, into: &energy,
                                      outputScale: outputScales[k], accumulate: true, scratch: &scratch[k])
            }
            softmax(energy, into: &q, points: n, channels: ch, classes: classes)
        }
        // Back to [C, H, W].
        var out = [Float](repeating: 0, count: classes * n)
        for i in 0..<n {
            for c in 0..<classes { out[c * n + i] = q[i * ch + c] }
        }
        return out
    }

    /// The CRF's label map, [H, W]: the argmax of `marginals`.
    public func labels(logits: [Float], classes: Int, height: Int, width: Int, image: [Float]) -> [Int32] {
        argmaxLabels(marginals(logits: logits, classes: classes, height: height, width: width, image: image),
                     classes: classes)
    }

    /// Softmax over the first `classes` of `channels` values per point; padding set to 0.
    private func softmax(_ energy: [Float], into q: inout [Float], points n: Int, channels ch: Int, classes: Int) {
        q.withUnsafeMutableBufferPointer { qb in
            energy.withUnsafeBufferPointer { eb in
                let out = SharedBuffer(base: qb.baseAddress!)
                let e = SharedBuffer(base: UnsafeMutablePointer(mutating: eb.baseAddress!))
                parallelChunks(n, minimumChunk: 2048) { range in
                    for i in range {
                        var m = -Float.infinity
                        for c in 0..<classes { m = max(m, e[i * ch + c]) }
                        var sum: Float = 0
                        for c in 0..<classes {
                            let v = exp(e[i * ch + c] - m)
                            out[i * ch + c] = v
                            sum += v
                        }
                        let inv = 1 / sum
                        for c in 0..<classes { out[i * ch + c] *= inv }
                    }
                }
            }
        }
    }
}
