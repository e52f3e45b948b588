import Foundation
import SegModels
import SegNN
import SegTensor
import Testing
@testable import SegLab

/// A tiny segmentation net for fast debug-build tests: conv-BN-ReLU, dropout (so the in-step
/// generator matters), pool, conv, upsample, classifier.
final class TinySegNet: Module, SegmentationModel {
    let classes: Int
    let encoder: Sequential
    let dropout = Dropout(p: 0.2)
    let classifier: Conv2d

    init(classes: Int) {
        self.classes = classes
        encoder = Sequential {
            Conv2d(3, 8, kernelSize: 3, padding: 1, bias: false)
            BatchNorm2d(8)
            ReLU()
            MaxPool2d(kernelSize: 2)
            Conv2d(8, 8, kernelSize: 3, padding: 1)
            ReLU()
        }
        classifier = Conv2d(8, classes, kernelSize: 1)
    }

    func callAsFunction(_ image: Tensor) -> Tensor {
        classifier(dropout(encoder(image))).resized(like: image, mode: .bilinear(alignCorners: false))
    }
}

func tinyTrainer(steps: Int, seed: UInt64 = 3, directory: URL? = nil, checkpointEvery: Int? = nil,
                 learningRate: Float = 0.05) throws -> Trainer {
    let data = try DataSource.scenes(.shapes).load(size: 16, seed: seed, sceneTrainCount: 24, heldOutCount: 4)
    let model = DefaultGenerator.seeded(seed) { TinySegNet(classes: data.classCount) }
    var recipe = TrainingRecipe.sgdPoly
    recipe.learningRate = learningRate
    recipe.clipNorm = 5
    let options = TrainingOptions(steps: steps, batchSize: 4, seed: seed, recipe: recipe, evalCount: 4,
                                  checkpointEvery: checkpointEvery, checkpointDirectory: directory)
    return try Trainer(model: model, data: data, options: options, preset: "tiny")
}

@Suite(.serialized) struct TrainTests {
    @Test func fixedSeedGivesIdenticalLosses() throws {
        let a = try tinyTrainer(steps: 4).run(), b = try tinyTrainer(steps: 4).run()
        #expect(a.losses == b.losses)
        #expect(a.losses.count == 4)
        let other = try tinyTrainer(steps: 4, seed: 4).run()
        #expect(other.losses != a.losses)
    }

    @Test func shortRunOnShapesLowersTheLoss() throws {
        let run = try tinyTrainer(steps: 40).run()
        #expect(run.finalLoss < 0.8 * run.initialLoss, "loss \(run.initialLoss) → \(run.finalLoss)")
        #expect(run.evalHistory.last?.step == 40)
        #expect(run.metrics.perClassIoU.count == 6)
        #expect(run.summary.steps == 40)
    }

    @Test func progressLineText() {
        #expect(ProgressLine.text(step: 7, total: 600, loss: 0.43214, learningRate: 0.0081, imagesPerSecond: 23.46,
                                  secondsLeft: 92) == "step   7/600  loss 0.4321  lr 0.0081  23.5 img/s  ETA 1m32s")
        #expect(ProgressLine.duration(3725) == "1h02m")
    }
}
