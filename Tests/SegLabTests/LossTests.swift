import Foundation
import SegModels
import SegTensor
import Testing
@testable import SegLab

@Suite struct LossTests {
    /// Logits [1, 2, 1, 2] with class-0 probability 3/4 at both pixels: logit ln 3 for class 0, 0
    /// for class 1, so softmax = (3/4, 1/4).
    static let logits = Tensor(shape: [1, 2, 1, 2], scalars: [Float(log(3.0)), Float(log(3.0)), 0, 0])

    @Test func diceMatchesHandComputedValue() {
        // Truth [0, 1]. Class 0: p = (3/4, 3/4), y = (1, 0): 2·Σpy = 2·3/4 = 1.5, Σ(p+y) = 1.5 + 1 = 2.5,
        // dice 0.6. Class 1: p = (1/4, 1/4), y = (0, 1): 2·1/4 = 0.5, Σ(p+y) = 0.5 + 1 = 1.5, dice 1/3.
        // Loss = mean(1 − 0.6, 1 − 1/3) = (0.4 + 0.6667) / 2 = 0.53333.
        let loss = Self.logits.diceLoss(labels: Tensor(shape: [1, 1, 2], scalars: [0, 1])).item()
        #expect(abs(loss - (0.4 + 2.0 / 3) / 2) < 1e-6, "\(loss)")
    }

    @Test func diceSkipsIgnoredPixelsAndAbsentClasses() {
        // Truth [0, 255]: the second pixel is masked out of p and y. Class 0: p = (3/4, 0), y = (1, 0):
        // 2·3/4 = 1.5, Σ(p+y) = 3/4 + 1 = 1.75, dice 6/7. Class 1 is absent from the truth: 0.
        // Loss = (1 − 6/7 + 0) / 2 = 1/14 = 0.0714286.
        let loss = Self.logits.diceLoss(labels: Tensor(shape: [1, 1, 2], scalars: [0, 255])).item()
        #expect(abs(loss - 1.0 / 14) < 1e-6, "\(loss)")
    }

    @Test func diceGradientMatchesFiniteDifferences() {
        let x = Tensor(shape: [1, 3, 2, 2], scalars: [0.3, -0.2, 1.1, 0.5, -0.7, 0.9, 0.1, 0.0, 0.4, -1.2, 0.6, 0.2]).requiringGrad()
        let labels = Tensor(shape: [1, 2, 2], scalars: [0, 2, 255, 1])
        x.diceLoss(labels: labels).backward()
        let analytic = x.grad!.scalars
        let h: Float = 1e-3
        for i in 0..<x.count {
            var plus = x.scalars, minus = x.scalars
            plus[i] += h; minus[i] -= h
            let numeric = (Tensor(shape: x.shape, scalars: plus).diceLoss(labels: labels).item()
                - Tensor(shape: x.shape, scalars: minus).diceLoss(labels: labels).item()) / (2 * h)
            #expect(abs(numeric - analytic[i]) < 2e-3, "element \(i): numeric \(numeric), analytic \(analytic[i])")
        }
    }

    @Test func auxiliaryHeadAddsFourTenthsOfItsCrossEntropy() {
        // Main logits (ln 3, 0) with truth 0: −log(3/4) = 0.287682. Aux logits (0, 0): −log(1/2) = 0.693147.
        // Total = 0.287682 + 0.4 · 0.693147 = 0.564941.
        let main = Tensor(shape: [1, 2, 1, 1], scalars: [Float(log(3.0)), 0])
        let aux = Tensor(shape: [1, 2, 1, 1], scalars: [0, 0])
        let labels = Tensor(shape: [1, 1, 1], scalars: [0])
        let loss = SegmentationLoss()(SegmentationOutput(main: main, aux: aux), labels: labels).item()
        #expect(abs(loss - Float(-log(0.75) + 0.4 * log(2.0))) < 1e-6, "\(loss)")
        let withDice = SegmentationLoss(diceWeight: 1, auxWeight: 0)(SegmentationOutput(main: main, aux: aux), labels: labels).item()
        // Dice of class 0: 2·3/4 / (3/4 + 1) = 6/7, class 1 absent: loss (1/7 + 0)/2 = 1/14.
        #expect(abs(withDice - Float(-log(0.75) + 1.0 / 14)) < 1e-6, "\(withDice)")
    }

    @Test func recipesFollowThePapers() {
        #expect(TrainingRecipe.forArchitecture("PSPNet") == .sgdPoly)
        #expect(TrainingRecipe.forArchitecture("U-Net") == .sgdPoly)
        #expect(TrainingRecipe.forArchitecture("SegFormer-B0") == .adamWWarmupPoly)
        #expect(TrainingRecipe.forPreset(Presets.named("pspnet-resnet50")!) == .sgdPoly)
        #expect(TrainingRecipe.forPreset(Presets.named("pspnet-book")!).learningRate == TrainingRecipe.bookSGDRate)
        #expect(TrainingRecipe.forPreset(Presets.named("segformer-book")!) == .adamWWarmupPoly)
        // Poly 0.9 over 100 steps at step 50: 0.01 · 0.5^0.9 = 0.0053589.
        #expect(abs(TrainingRecipe.sgdPoly.makeSchedule(steps: 100).learningRate(at: 50) - 0.0053589) < 1e-6)
        // Warmup over round(1000 · 1500/160000) = 9 steps: at step 0 the rate is 6e-4 · 1e-6 · poly(0) ≈ 0.
        let warm = TrainingRecipe.adamWWarmupPoly.makeSchedule(steps: 1000)
        #expect(warm.learningRate(at: 0) < 1e-9)
        // At step 9 warmup is over: 6e-4 · (1 − 9/1000) = 5.946e-4.
        #expect(abs(warm.learningRate(at: 9) - 5.946e-4) < 1e-9)
    }

    @Test func dataSourcesParse() throws {
        #expect(try DataSource(parsing: "scenes:thin") == .scenes(.thin))
        #expect(try DataSource(parsing: "voc:/data/VOC2012") == .voc("/data/VOC2012"))
        #expect(throws: TrainingSetupError.badSource("scenes:dots")) { try DataSource(parsing: "scenes:dots") }
        #expect(throws: TrainingSetupError.badSource("imagenet")) { try DataSource(parsing: "imagenet") }
    }
}
