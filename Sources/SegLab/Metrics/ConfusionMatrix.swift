/// A confusion matrix over `classes` classes, accumulated over any number of label maps:
/// `counts[truth * classes + prediction]` pixels. Pixels whose truth is `ignoreIndex` are not
/// counted; neither are ids outside 0..<classes (as mmsegmentation's histograms drop them).
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    public let ignoreIndex: Int32
    public private(set) var counts: [Int]

    public init(classes: Int, ignoreIndex: Int32 = SegmentationSample.ignoreIndex) {
        precondition(classes > 0, "ConfusionMatrix: \(classes) classes")
        self.classes = classes
        self.ignoreIndex = ignoreIndex
        counts = [Int](repeating: 0, count: classes * classes)
    }

    /// Adds one prediction/truth pair of the same size.
    public mutating func add(prediction: [Int32], truth: [Int32]) {
        precondition(prediction.count == truth.count,
                     "ConfusionMatrix.add: prediction has \(prediction.count) pixels, truth \(truth.count)")
        let c = Int32(classes)
        counts.withUnsafeMutableBufferPointer { m in
            for i in truth.indices {
                let t = truth[i], p = prediction[i]
                guard t != ignoreIndex, t >= 0, t < c, p >= 0, p < c else { continue }
                m[Int(t) * classes + Int(p)] += 1
            }
        }
    }

    /// Adds another matrix (e.g. from another thread).
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classes == classes, "ConfusionMatrix.merge: \(other.classes) classes, expected \(classes)")
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    public subscript(truth: Int, prediction: Int) -> Int { counts[truth * classes + prediction] }

    /// Pixels of class c predicted as c (mmsegmentation's `area_intersect`).
    public var intersection: [Int] { (0..<classes).map { self[$0, $0] } }
    /// Pixels predicted as each class (`area_pred_label`).
    public var predicted: [Int] { (0..<classes).map { p in (0..<classes).reduce(0) { $0 + self[$1, p] } } }
    /// Pixels labelled as each class (`area_label`).
    public var labelled: [Int] { (0..<classes).map { t in (0..<classes).reduce(0) { $0 + self[t, $1] } } }
    /// Pixels of each class in prediction or truth (`area_union`).
    public var union: [Int] {
        let (i, p, l) = (intersection, predicted, labelled)
        return (0..<classes).map { p[$0] + l[$0] - i[$0] }
    }
    /// All counted pixels.
    public var total: Int { counts.reduce(0, +) }

    /// IoU per class: intersection / union; NaN for a class absent from both prediction and truth.
    public var perClassIoU: [Double] {
        let (i, u) = (intersection, union)
        return (0..<classes).map { u[$0] == 0 ? .nan : Double(i[$0]) / Double(u[$0]) }
    }

    /// Mean IoU over the classes whose IoU is not NaN (mmsegmentation's `nanmean`).
    public var meanIoU: Double { nanMean(perClassIoU) }

    /// Correct pixels / counted pixels (mmsegmentation's `aAcc`); NaN when nothing was counted.
    public var pixelAccuracy: Double {
        total == 0 ? .nan : Double(intersection.reduce(0, +)) / Double(total)
    }

    /// Accuracy (recall) per class: intersection / labelled; NaN for a class absent from the truth.
    public var perClassAccuracy: [Double] {
        let (i, l) = (intersection, labelled)
        return (0..<classes).map { l[$0] == 0 ? .nan : Double(i[$0]) / Double(l[$0]) }
    }

    /// Mean of the per-class accuracies that are not NaN (mmsegmentation's `mAcc`).
    public var meanAccuracy: Double { nanMean(perClassAccuracy) }

    /// Frequency-weighted IoU (Long et al. 2015): Σ_c (labelled_c / total) · IoU_c, over the
    /// classes present in the truth.
    public var frequencyWeightedIoU: Double {
        guard total > 0 else { return .nan }
        let (l, iou) = (labelled, perClassIoU)
        var sum = 0.0
        for c in 0..<classes where l[c] > 0 { sum += Double(l[c]) / Double(total) * iou[c] }
        return sum
    }
}

/// Mean of the values that are not NaN; NaN if there are none.
func nanMean(_ values: [Double]) -> Double {
    let kept = values.filter { !$0.isNaN }
    return kept.isEmpty ? .nan : kept.reduce(0, +) / Double(kept.count)
}
