import SegTensor
import Testing
@testable import SegLab

@Suite struct TensorConversionTests {
    @Test func samplesAndBatchesBecomeNCHWTensors() {
        let scenes = Scenes(.shapes, size: 8, seed: 0)
        let (a, b) = (scenes.sample(0), scenes.sample(1))
        #expect(a.imageTensor().shape == [1, 3, 8, 8] && a.imageTensor().scalars == a.image)
        #expect(a.labelTensor.shape == [1, 8, 8] && a.labelTensor.scalars == a.label.map(Float.init))
        let batch = SampleBatch([a, b])
        #expect(batch.imageTensor().shape == [2, 3, 8, 8] && batch.labelTensor.shape == [2, 8, 8])
        #expect(Array(batch.imageTensor().scalars[(3 * 64)...]) == b.image)
        // ImageNet normalisation: red channel value v becomes (v − 0.485) / 0.229.
        let normalised = a.imageTensor(normalization: .imageNet).scalars
        #expect(abs(normalised[0] - (a.image[0] - 0.485) / 0.229) < 1e-6)
        #expect(abs(normalised[64] - (a.image[64] - 0.456) / 0.224) < 1e-6)
    }

    @Test func scoresBecomeLabelMapsAndMetrics() {
        // Scores [1, 2, 1, 3]: class 1 wins at pixels 0 and 2.
        let scores = Tensor(shape: [1, 2, 1, 3], scalars: [0, 5, 0, 1, 2, 3])
        #expect(labelMaps(fromScores: scores) == [[1, 0, 1]])
        let sample = SegmentationSample(image: [Float](repeating: 0, count: 9), label: [1, 0, 255], height: 1, width: 3)
        var metrics = SegmentationMetrics(classes: 2)
        metrics.add(scores: scores, truth: SampleBatch([sample]))
        // Pixel 0 right (1), pixel 1 right (0), pixel 2 ignored: accuracy 2/2.
        #expect(metrics.confusion.pixelAccuracy == 1)
        #expect(DenseCRF().labels(logits: scores, image: sample).count == 3)
    }
}
