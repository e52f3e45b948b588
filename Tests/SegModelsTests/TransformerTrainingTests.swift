import SegModels
import SegNN
import SegTensor
import Testing

/// Every architecture's book size learns: on one fixed batch of 32×32 scenes, AdamW halves the
/// cross-entropy within 300 steps (CNNs and transformers alike; DeepLab v1, without batch norm and
/// with dropout, is the slowest).
@Suite(.serialized) struct TransformerTrainingTests {
    /// Two 32×32 images of 4 classes: class k fills a quadrant (rotated per image), and each pixel's
    /// colour is its class's colour plus noise.
    static func batch() -> (images: Tensor, labels: Tensor) {
        let colours: [[Float]] = [[0.9, 0.1, 0.1], [0.1, 0.9, 0.1], [0.1, 0.1, 0.9], [0.8, 0.8, 0.2]]
        var pixels = [Float](repeating: 0, count: 2 * 3 * 32 * 32)
        var labels = [Float](repeating: 0, count: 2 * 32 * 32)
        var g = SeededGenerator(seed: 7)
        let noise = Tensor.randn([2 * 3 * 32 * 32], std: 0.1, generator: &g).scalars
        for n in 0..<2 {
            for y in 0..<32 {
                for x in 0..<32 {
                    let k = ((y / 16) * 2 + x / 16 + n) % 4
                    labels[(n * 32 + y) * 32 + x] = Float(k)
                    for c in 0..<3 {
                        let i = ((n * 3 + c) * 32 + y) * 32 + x
                        pixels[i] = colours[k][c] + noise[i]
                    }
                }
            }
        }
        return (Tensor(shape: [2, 3, 32, 32], scalars: pixels), Tensor(shape: [2, 32, 32], scalars: labels))
    }

    @Test(arguments: ["vit-book", "setr-book", "swin-book", "segformer-book", "segmenter-book",
                      "fcn32s-book", "fcn16s-book", "fcn8s-book", "unet-book", "segnet-book", "deeplabv1-book",
                      "deeplabv2-book", "deeplabv3-book", "deeplabv3plus-book", "pspnet-book"])
    func bookSizeHalvesItsLossOnAFixedBatch(preset: String) throws {
        // Weights and dropout from a generator of this test's own: other suites running in parallel
        // draw from the shared one, which made the run depend on what ran beside it.
        let definition = try #require(Presets.named(preset))
        try DefaultGenerator.seeded(7) { try halveLoss(definition, preset) }
    }

    private func halveLoss(_ definition: Preset, _ preset: String) throws {
        let model = definition.make(classes: 4)
        model.train()
        let (images, labels) = Self.batch()
        let optimizer = AdamW(model.trainableParameters(), learningRate: 3e-3, weightDecay: 0)
        var first: Float?
        var last: Float = .infinity
        for step in 0..<300 {
            optimizer.zeroGrad()
            let loss = model(images).crossEntropy(labels: labels)
            loss.backward()
            optimizer.step()
            last = loss.item()
            if first == nil { first = last }
            if last < first! / 2 {
                print("\(preset): loss \(first!) → \(last) in \(step + 1) steps")
                break
            }
        }
        #expect(last < first! / 2, "\(preset): loss \(first!) → \(last)")
    }
}
