/// Boundary F-score within a pixel tolerance (as DAVIS's F measure, Perazzi et al. 2016, and
/// Csurka et al. 2013's BF score, computed per class).
///
/// Convention:
/// - A class's boundary in a label map is the set of pixels of that class with a 4-neighbour of
///   another class; the image border and the edge of an ignore region are not boundaries.
/// - A boundary pixel is matched when a boundary pixel of the other map lies within Euclidean
///   distance `tolerance` (pixels).
/// - Pixels whose truth is ignore (255) count for nothing: boundary pixels there are dropped from
///   both maps.
/// - Counts are summed over all images, then per class: precision = matched predicted / predicted
///   boundary pixels, recall = matched true / true boundary pixels, F = 2PR / (P + R). A class with
///   no boundary pixels in either map but present gets F = 1; with boundary pixels in only one
///   map, F = 0; absent from both prediction and truth (no pixels at all), NaN, left out of the mean.
/// - `meanF` is the mean of the per-class F that are not NaN, like mIoU.
public struct BoundaryFScore: Sendable, Equatable {
    public let classes: Int
    public let tolerance: Int
    public let ignoreIndex: Int32
    /// Per class: predicted boundary pixels, those matched, true boundary pixels, those matched,
    /// and whether the class occurred (pixels in prediction or truth).
    public private(set) var predictedBoundary: [Int]
    public private(set) var predictedMatched: [Int]
    public private(set) var trueBoundary: [Int]
    public private(set) var trueMatched: [Int]
    public private(set) var present: [Bool]

    public init(classes: Int, tolerance: Int = 2, ignoreIndex: Int32 = SegmentationSample.ignoreIndex) {
        precondition(classes > 0 && tolerance >= 0, "BoundaryFScore: \(classes) classes, tolerance \(tolerance)")
        self.classes = classes
        self.tolerance = tolerance
        self.ignoreIndex = ignoreIndex
        predictedBoundary = Array(repeating: 0, count: classes)
        predictedMatched = predictedBoundary
        trueBoundary = predictedBoundary
        trueMatched = predictedBoundary
        present = Array(repeating: false, count: classes)
    }

    /// Adds one prediction/truth pair, [height, width] each.
    public mutating func add(prediction: [Int32], truth: [Int32], height: Int, width: Int) {
        precondition(prediction.count == height * width && truth.count == height * width,
                     "BoundaryFScore.add: \(prediction.count) and \(truth.count) pixels, expected \(height)×\(width)")
        // The prediction, with ignore copied from the truth, so no boundary is drawn along it for
        // the prediction either.
        let valid = truth.map { $0 != ignoreIndex }
        let offsets = Self.disc(radius: tolerance)
        for c in 0..<classes {
            let cid = Int32(c)
            let inPred = prediction.indices.map { valid[$0] && prediction[$0] == cid }
            let inTruth = truth.indices.map { truth[$0] == cid }
            guard inPred.contains(true) || inTruth.contains(true) else { continue }
            present[c] = true
            let bp = Self.boundary(inPred, valid: valid, height: height, width: width)
            let bt = Self.boundary(inTruth, valid: valid, height: height, width: width)
            let nearTruth = Self.dilate(bt, offsets: offsets, height: height, width: width)
            let nearPred = Self.dilate(bp, offsets: offsets, height: height, width: width)
            for i in bp.indices {
                if bp[i] { predictedBoundary[c] += 1; if nearTruth[i] { predictedMatched[c] += 1 } }
                if bt[i] { trueBoundary[c] += 1; if nearPred[i] { trueMatched[c] += 1 } }
            }
        }
    }

    public var perClassPrecision: [Double] {
        (0..<classes).map { predictedBoundary[$0] == 0 ? .nan : Double(predictedMatched[$0]) / Double(predictedBoundary[$0]) }
    }

    public var perClassRecall: [Double] {
        (0..<classes).map { trueBoundary[$0] == 0 ? .nan : Double(trueMatched[$0]) / Double(trueBoundary[$0]) }
    }

    public var perClassF: [Double] {
        let (p, r) = (perClassPrecision, perClassRecall)
        return (0..<classes).map { c in
            guard present[c] else { return .nan }
            let (np, nt) = (predictedBoundary[c], trueBoundary[c])
            if np == 0 && nt == 0 { return 1 }
            if np == 0 || nt == 0 { return 0 }
            return p[c] + r[c] == 0 ? 0 : 2 * p[c] * r[c] / (p[c] + r[c])
        }
    }

    /// Mean of the per-class F-scores that are not NaN.
    public var meanF: Double { nanMean(perClassF) }

    // MARK: - maps

    /// Pixels of the mask with a valid 4-neighbour outside it (neighbours outside the image or
    /// labelled ignore do not count, and ignore pixels are never boundary pixels themselves).
    static func boundary(_ mask: [Bool], valid: [Bool], height: Int, width: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: mask.count)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                guard mask[i], valid[i] else { continue }
                if (x > 0 && valid[i - 1] && !mask[i - 1]) || (x + 1 < width && valid[i + 1] && !mask[i + 1])
                    || (y > 0 && valid[i - width] && !mask[i - width])
                    || (y + 1 < height && valid[i + width] && !mask[i + width]) {
                    out[i] = true
                }
            }
        }
        return out
    }

    /// Offsets (dy, dx) within Euclidean distance `radius`.
    static func disc(radius: Int) -> [(Int, Int)] {
        var offsets: [(Int, Int)] = []
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius { offsets.append((dy, dx)) }
        }
        return offsets
    }

    static func dilate(_ mask: [Bool], offsets: [(Int, Int)], height: Int, width: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: mask.count)
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] {
                for (dy, dx) in offsets {
                    let yy = y + dy, xx = x + dx
                    if yy >= 0, yy < height, xx >= 0, xx < width { out[yy * width + xx] = true }
                }
            }
        }
        return out
    }
}
