import SegModels
import SegNN
import SegTensor
import Testing

/// Which input sizes a model takes, and `logitsAtAnySize` for the ones it does not.
@Suite struct InputSizeTests {
    @Test func uNetNeedsEvenSizesAtEveryPooling() {
        let original = UNet.original()
        #expect(original.inputSideProblem(572) == nil)                      // the paper's 572 → 388
        #expect(original.inputSideProblem(570)?.contains("odd size (279)") == true)
        #expect(original.inputSideProblem(60) != nil)                        // too small for four levels
        let book = UNet.book(classes: 4)
        #expect(book.inputSideProblem(64) == nil && book.inputSideProblem(72) == nil)
        #expect(book.inputSideProblem(65) != nil && book.inputSideProblem(68) != nil)
        #expect(book.fittingSide(atLeast: 65) == 72)
    }

    @Test func deepLabV3PlusNeedsMultiplesOfItsOutputStride() {
        let model = DeepLabV3Plus.book(classes: 4)
        #expect(model.inputSideProblem(48) == nil)
        #expect(model.inputSizeProblem(height: 48, width: 40) == "width 40: DeepLab v3+ needs a multiple of its output stride 16")
        #expect(FCN.book(.fcn8s, classes: 4).inputSizeProblem(height: 37, width: 41) == nil)   // crops: any size
    }

    @Test func logitsAtAnySizePadsRunsAndCropsBack() {
        let model = DefaultGenerator.seeded(1) { DeepLabV3Plus.book(classes: 4) }
        _ = model.eval()
        var generator = SeededGenerator(seed: 2)
        let image = Tensor.uniform([1, 3, 40, 50], low: -1, high: 1, generator: &generator)
        let logits = noGrad { model.logitsAtAnySize(image) }
        #expect(logits.shape == [1, 4, 40, 50])
        // The same as running the zero-padded 48×64 image and cropping its top-left corner.
        let padded = noGrad { model(image.padded([(0, 8), (0, 14)])) }
        #expect(logits.maxAbsDifference(padded.sliced(axis: 2, range: 0..<40).sliced(axis: 3, range: 0..<50)) < 1e-6)
        let fitting = Tensor.uniform([1, 3, 48, 64], low: -1, high: 1, generator: &generator)
        #expect(noGrad { model.logitsAtAnySize(fitting).maxAbsDifference(model(fitting)) } == 0)
    }
}
