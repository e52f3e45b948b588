import Foundation
import Testing
@testable import SegLab

/// Not a timed test: prints the dense CRF's time on a 512×512 image with 21 classes (VOC's size),
/// 10 iterations, with both DeepLab parameter sets. Run it in release mode:
///   SEGBOOK_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter denseCRFBenchmark
@Test(.enabled(if: ProcessInfo.processInfo.environment["SEGBOOK_BENCH"] != nil))
func denseCRFBenchmark() {
    let (h, w, classes) = (512, 512, 21)
    let scene = Scenes(.shapes, size: 512, seed: 1).sample(0)
    var rng = SplitMix64(seed: 1)
    // Stride-8 scores of the true labels, plus noise: a realistic mix of confident and unsure pixels.
    let logits = strideBlurredLogits(scene.label, classes: classes, height: h, width: w, factor: 8, gain: 6)
        .map { $0 + 0.5 * rng.gaussian() }
    for (name, parameters) in [("DeepLab-LargeFOV", DenseCRF.Parameters.deepLabLargeFOV),
                               ("DeepLab v2 ResNet", .deepLabV2ResNet)] {
        let crf = DenseCRF(parameters)
        for _ in 0..<3 {
            let start = Date()
            _ = crf.marginals(logits: logits, classes: classes, height: h, width: w, image: scene.image255)
            print("dense CRF 512×512, 21 classes, 10 iterations, \(name): \(Date().timeIntervalSince(start)) s")
        }
    }
}
