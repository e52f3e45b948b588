import SegModels
import SegNN
import SegTensor

/// How an architecture is trained, as its paper (or the reference configs) did it: the optimizer,
/// the learning-rate schedule's shape, and clipping. Book models train from scratch for a few
/// hundred steps, so the base rates are the book's; the shapes are the papers'.
public struct TrainingRecipe: Sendable, Equatable {
    public enum OptimizerKind: Sendable, Equatable {
        /// SGD with momentum and L2 weight decay (FCN, DeepLab, PSPNet, U-Net, SegNet).
        case sgd(momentum: Float, weightDecay: Float)
        /// AdamW with decoupled weight decay (SegFormer, Swin/UperNet, other transformers).
        case adamW(beta1: Double, beta2: Double, weightDecay: Float)
    }

    public enum ScheduleKind: Sendable, Equatable {
        /// `(1 − step/steps)^power`, DeepLab's "poly" (power 0.9).
        case poly(power: Double)
        /// A linear warmup over `warmupFraction` of the steps (from 1e-6 × the rate), then poly:
        /// SegFormer's 1500 of 160k iterations, power 1.
        case warmupPoly(warmupFraction: Double, power: Double)
    }

    public var optimizer: OptimizerKind
    public var schedule: ScheduleKind
    public var learningRate: Float
    /// Clip the global gradient norm to this (nil: no clipping, as the SGD papers).
    public var clipNorm: Float?

    public init(optimizer: OptimizerKind, schedule: ScheduleKind, learningRate: Float, clipNorm: Float? = nil) {
        self.optimizer = optimizer
        self.schedule = schedule
        self.learningRate = learningRate
        self.clipNorm = clipNorm
    }

    /// SGD, momentum 0.9, weight decay 5e-4, poly 0.9 (mmsegmentation's FCN/PSPNet/DeepLab configs;
    /// the book's base rate 0.01 is theirs too).
    public static let sgdPoly = TrainingRecipe(optimizer: .sgd(momentum: 0.9, weightDecay: 5e-4),
                                               schedule: .poly(power: 0.9), learningRate: 0.01)

    /// AdamW (β 0.9, 0.999; weight decay 0.01), linear warmup over the first 1500/160000 of the
    /// steps, then poly with power 1 (SegFormer's mmsegmentation config); clipped at norm 1.
    public static let adamWWarmupPoly = TrainingRecipe(optimizer: .adamW(beta1: 0.9, beta2: 0.999, weightDecay: 0.01),
                                                       schedule: .warmupPoly(warmupFraction: 1500.0 / 160_000, power: 1),
                                                       learningRate: 6e-4, clipNorm: 1)

    /// The recipe of an architecture (a preset's `architecture`): AdamW + warmup + poly for the
    /// transformers, SGD + momentum + poly for the convolutional networks.
    public static func forArchitecture(_ architecture: String) -> TrainingRecipe {
        let transformers = ["segformer", "swin", "upernet", "setr", "segmenter", "vit", "mask2former", "maskformer", "dpt"]
        let name = architecture.lowercased()
        return transformers.contains(where: { name.contains($0) }) ? .adamWWarmupPoly : .sgdPoly
    }

    /// The recipe a preset trains with: its architecture's, except that the convolutional book
    /// sizes start SGD at 0.05. The papers' 0.01 fine-tunes ImageNet-pretrained backbones for
    /// tens of thousands of steps; from scratch in 300 it leaves every book CNN but U-Net
    /// predicting background on `thin` (measured; 0.1 overshoots DeepLab v1's plain VGG).
    public static func forPreset(_ preset: Preset) -> TrainingRecipe {
        var recipe = forArchitecture(preset.architecture)
        if preset.isBookSize, case .sgd = recipe.optimizer { recipe.learningRate = bookSGDRate }
        return recipe
    }

    /// The book sizes' SGD base rate (see `forPreset`).
    public static let bookSGDRate: Float = 0.05

    /// The optimizer over `parameters`.
    public func makeOptimizer(_ parameters: [(String, Tensor)]) -> any Optimizer {
        switch optimizer {
        case .sgd(let momentum, let weightDecay):
            return SGD(parameters, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
        case .adamW(let beta1, let beta2, let weightDecay):
            return AdamW(parameters, learningRate: learningRate, betas: (beta1, beta2), weightDecay: weightDecay)
        }
    }

    /// The learning rate at each step of a run of `steps` steps.
    public func makeSchedule(steps: Int) -> any LearningRateSchedule {
        switch schedule {
        case .poly(let power):
            return PolySchedule(base: learningRate, maxSteps: max(steps, 1), power: power)
        case .warmupPoly(let fraction, let power):
            let warmup = max(1, Int((Double(steps) * fraction).rounded()))
            return LinearWarmup(steps: warmup, ratio: 1e-6,
                                then: PolySchedule(base: learningRate, maxSteps: max(steps, 1), power: power))
        }
    }

    /// One line for logs: `SGD (momentum 0.9, wd 0.0005) + poly 0.9, lr 0.01`.
    public var summary: String {
        let opt: String
        switch optimizer {
        case .sgd(let m, let wd): opt = "SGD (momentum \(m), wd \(wd))"
        case .adamW(let b1, let b2, let wd): opt = "AdamW (β \(b1), \(b2); wd \(wd))"
        }
        let sched: String
        switch schedule {
        case .poly(let p): sched = "poly \(p)"
        case .warmupPoly(let f, let p): sched = "linear warmup (\(String(format: "%.2f", f * 100))% of steps) + poly \(p)"
        }
        return "\(opt) + \(sched), lr \(learningRate)" + (clipNorm.map { ", clip \($0)" } ?? "")
    }
}
