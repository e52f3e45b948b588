import SegModels
import SegTensor

extension Tensor {
    /// Soft multi-class Dice loss (Milletari et al. 2016, V-Net), as segmentation_models_pytorch's
    /// `DiceLoss(mode="multiclass", from_logits=True)`: with p = softmax over classes and y the
    /// one-hot truth, both zeroed at ignored pixels, per class
    ///
    ///     dice_c = (2·Σ p·y + smooth) / max(Σ (p + y) + smooth, eps),   loss_c = 1 − dice_c
    ///
    /// summed over the batch and pixels; a class absent from the truth counts 0, and the loss is
    /// the mean over all classes. `self` is logits [N, C, H, W], `labels` [N, H, W] class ids as Float.
    public func diceLoss(labels: Tensor, ignoreIndex: Int = Int(SegmentationSample.ignoreIndex),
                         smooth: Float = 0, eps: Float = 1e-7) -> Tensor {
        precondition(rank == 4, "diceLoss: logits \(shape), expected [N, C, H, W]")
        precondition(labels.shape == [shape[0], shape[2], shape[3]],
                     "diceLoss: labels \(labels.shape), logits \(shape) expect [\(shape[0]), \(shape[2]), \(shape[3])]")
        let classes = shape[1]
        let valid = labels.ne(Float(ignoreIndex)).unsqueezed(axis: 1)               // [N, 1, H, W]
        let truth = Tensor.oneHot(labels, classes: classes, axis: 1)                 // zero at ignore
        let probabilities = softmax(axis: 1) * valid
        let intersection = (probabilities * truth).sum(axes: [0, 2, 3])              // [C]
        let cardinality = (probabilities + truth).sum(axes: [0, 2, 3])
        let dice = (2 * intersection + smooth) / (cardinality + smooth).clamp(min: eps)
        let present = truth.sum(axes: [0, 2, 3]).gt(0)
        return ((1 - dice) * present).mean()
    }
}

/// The training objective of a segmentation model: cross-entropy (ignore index 255, optional class
/// weights), optionally plus a Dice term, and the auxiliary head's cross-entropy at `auxWeight`
/// (0.4, as torchvision's reference training script and PSPNet's paper) where the model has one.
public struct SegmentationLoss: Sendable {
    public var classWeights: [Float]?
    public var ignoreIndex: Int
    /// Weight of the Dice term added to the cross-entropy (0: none).
    public var diceWeight: Float
    /// Weight of the auxiliary head's cross-entropy.
    public var auxWeight: Float

    public init(classWeights: [Float]? = nil, ignoreIndex: Int = Int(SegmentationSample.ignoreIndex),
                diceWeight: Float = 0, auxWeight: Float = 0.4) {
        self.classWeights = classWeights
        self.ignoreIndex = ignoreIndex
        self.diceWeight = diceWeight
        self.auxWeight = auxWeight
    }

    /// The loss of one head's logits [N, C, H, W] against labels [N, H, W].
    public func headLoss(_ logits: Tensor, labels: Tensor) -> Tensor {
        let weight = classWeights.map { Tensor(shape: [$0.count], scalars: $0) }
        var loss = logits.crossEntropy(labels: labels, weight: weight, ignoreIndex: ignoreIndex)
        if diceWeight != 0 { loss = loss + diceWeight * logits.diceLoss(labels: labels, ignoreIndex: ignoreIndex) }
        return loss
    }

    /// The total loss of a model's outputs: main head, plus `auxWeight` × the aux head's.
    public func callAsFunction(_ output: SegmentationOutput, labels: Tensor) -> Tensor {
        let main = headLoss(output.main, labels: labels)
        guard let aux = output.aux, auxWeight != 0 else { return main }
        return main + auxWeight * aux.crossEntropy(labels: labels, weight: classWeights.map { Tensor(shape: [$0.count], scalars: $0) },
                                                   ignoreIndex: ignoreIndex)
    }
}
