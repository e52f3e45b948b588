import Testing
import SegTensor
@testable import SegNN

/// A small segmentation-shaped conv net: conv-bn-relu, pool, conv, upsample back, 1×1 classifier.
private final class SmallSegNet: Module {
    let encoder = Sequential {
        Conv2d(3, 8, kernelSize: 3, padding: 1, bias: false)
        BatchNorm2d(8)
        ReLU()
        MaxPool2d(kernelSize: 2)
        Conv2d(8, 8, kernelSize: 3, padding: 1)
        ReLU()
    }
    let upsample = Upsample(scaleFactor: 2, mode: .bilinear(alignCorners: false))
    let classifier = Conv2d(8, 2, kernelSize: 1)

    func callAsFunction(_ x: Tensor) -> Tensor { classifier(upsample(encoder(x))) }
}

@Suite struct Training {
    /// The whole stack together: layers, autodiff through them, SGD, mode. The loss (mean squared
    /// error to a fixed target, as no loss function lives here) must halve, and peak memory must stay
    /// flat from step 10 to step 100 (the tape is freed after every backward).
    @Test func lossFallsAndMemoryStaysFlat() {
        TensorMemory.withScope { scope in
            let (net, x, target) = DefaultGenerator.seeded(7) { () -> (SmallSegNet, Tensor, Tensor) in
                var g = SeededGenerator(seed: 3)
                let x = Tensor.randn([4, 3, 16, 16], generator: &g)
                // Target: channel 0 is "x's first channel is positive", channel 1 its complement.
                let positive = x.sliced(axis: 1, range: 0..<1).gt(0)
                return (SmallSegNet(), x, Tensor.concat([positive, 1 - positive], axis: 1))
            }
            let optimizer = SGD(net.trainableParameters(), learningRate: 0.05, momentum: 0.9)
            func step() -> Float {
                optimizer.zeroGrad()
                let loss = (net(x) - target).square().mean()
                loss.backward()
                optimizer.step()
                return loss.item()
            }
            let first = step()
            for _ in 1..<10 { _ = step() }
            let liveAfter10 = scope.liveBytes
            let peakUpTo10 = scope.peakBytes
            scope.resetPeak()
            var last = first
            for _ in 10..<100 { last = step() }
            #expect(last < first / 2, "loss \(first) → \(last)")
            #expect(scope.peakBytes <= peakUpTo10, "peak grew from \(peakUpTo10) to \(scope.peakBytes) bytes")
            #expect(scope.liveBytes == liveAfter10, "live bytes \(liveAfter10) → \(scope.liveBytes)")
        }
    }

    @Test func evalModeMakesForwardDeterministic() {
        let net = DefaultGenerator.seeded(1) { SmallSegNet() }
        let x = Tensor.ones([2, 3, 8, 8])
        net.eval()
        let a = noGrad { net(x) }.scalars
        let b = noGrad { net(x) }.scalars
        #expect(a == b)
        #expect(net.encoder[1].mode == .eval)
    }
}

@Suite struct ModuleDescription {
    @Test func printsLikePyTorch() {
        let net = Sequential {
            Conv2d(3, 8, kernelSize: 3, padding: 1, bias: false)
            BatchNorm2d(8)
            ReLU()
        }
        #expect(net.description == """
            Sequential(
              (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
              (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
              (2): ReLU()
            )
            """)
        #expect(Linear(4, 2).description == "Linear(in_features=4, out_features=2, bias=True)")
    }

    @Test func modulesOfTypeAndStateLookup() {
        let net = Sequential(Conv2d(3, 4, kernelSize: 1), BatchNorm2d(4), Sequential(BatchNorm2d(4)))
        #expect(net.modules(ofType: BatchNorm2d.self).map(\.0) == ["1", "2.0"])
        for (_, bn) in net.modules(ofType: BatchNorm2d.self) { bn.freeze() }
        #expect(net.parameterCount == 3 * 4 + 4)
        #expect(net.state("2.0.running_var")?.scalars == [1, 1, 1, 1])
        #expect(net.state("nope") == nil)
    }
}

@Suite struct Checkpoints {
    /// 6 steps straight equal 3 steps, a checkpoint, a fresh model and optimizer, 3 more steps:
    /// bit for bit, with AdamW's moments and a warmup schedule.
    @Test func resumeIsExact() throws {
        var g = SeededGenerator(seed: 5)
        let x = Tensor.randn([2, 3, 8, 8], generator: &g), target = Tensor.randn([2, 2, 8, 8], generator: &g)
        let schedule = LinearWarmup(steps: 2, ratio: 0.1, then: PolySchedule(base: 0.01, maxSteps: 6))
        func train(_ net: SmallSegNet, _ opt: AdamW, steps: Range<Int>) {
            for s in steps {
                opt.learningRate = schedule(s)
                opt.zeroGrad()
                (net(x) - target).square().mean().backward()
                opt.step()
            }
        }
        let straight = DefaultGenerator.seeded(9) { SmallSegNet() }
        train(straight, AdamW(straight.trainableParameters()), steps: 0..<6)

        let first = DefaultGenerator.seeded(9) { SmallSegNet() }
        let firstOpt = AdamW(first.trainableParameters())
        train(first, firstOpt, steps: 0..<3)
        let url = temporaryURL("ckpt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model: first, optimizer: firstOpt, step: 3, to: url)

        let resumed = DefaultGenerator.seeded(10) { SmallSegNet() }  // different initial weights
        let resumedOpt = AdamW(resumed.trainableParameters())
        let step = try Checkpoint.load(model: resumed, optimizer: resumedOpt, from: url)
        #expect(step == 3)
        train(resumed, resumedOpt, steps: step..<6)
        for ((k, a), (_, b)) in zip(straight.stateDict(), resumed.stateDict()) {
            #expect(a.scalars == b.scalars, "\(k) differs after resuming")
        }
    }
}

import Foundation
