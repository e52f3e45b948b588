import Foundation
import Testing
@testable import SegTensor
@testable import SegNN

/// torchvision's ResNet BasicBlock, written as the architecture files will write it.
private final class BasicBlock: Module, Layer {
    let conv1: Conv2d
    let bn1: BatchNorm2d
    let relu = ReLU()
    let conv2: Conv2d
    let bn2: BatchNorm2d
    let downsample: Sequential?

    init(_ inPlanes: Int, _ planes: Int, stride: Int = 1) {
        conv1 = Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(planes)
        downsample = stride != 1 || inPlanes != planes
            ? Sequential(Conv2d(inPlanes, planes, kernelSize: 1, stride: stride, bias: false), BatchNorm2d(planes))
            : nil
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let out = bn2(conv2(relu(bn1(conv1(x)))))
        return relu(out + (downsample?(x) ?? x))
    }
}

/// A two-stage ResNet-style network: stem, `layer1`, `layer2`, classifier.
private final class MiniResNet: Module {
    let conv1 = Conv2d(3, 16, kernelSize: 7, stride: 2, padding: 3, bias: false)
    let bn1 = BatchNorm2d(16)
    let relu = ReLU()
    let maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    let layer1 = [BasicBlock(16, 16), BasicBlock(16, 16)]
    let layer2 = [BasicBlock(16, 32, stride: 2), BasicBlock(32, 32)]
    let avgpool = AdaptiveAvgPool2d(1)
    let fc = Linear(32, 10)

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = maxpool(relu(bn1(conv1(x))))
        for block in layer1 + layer2 { h = block(h) }
        return fc(avgpool(h).flattened(startAxis: 1))
    }
}

/// The fixture script's TinyNet, layer for layer.
private final class TinyNet: Module {
    let features = Sequential {
        Conv2d(3, 8, kernelSize: 3, padding: 1, bias: false)
        BatchNorm2d(8)
        ReLU()
        MaxPool2d(kernelSize: 2, ceilMode: true)
        Conv2d(8, 8, kernelSize: 3, padding: 2, dilation: 2, groups: 2)
        BatchNorm2d(8)
        ReLU()
    }
    let up = ConvTranspose2d(8, 4, kernelSize: 2, stride: 2)
    let pool = AdaptiveAvgPool2d(outputSize: (2, 3))
    let fc = Linear(4 * 2 * 3, 5)

    func callAsFunction(_ x: Tensor) -> Tensor {
        fc(pool(up(features(x))).flattened(startAxis: 1))
    }
}

@Suite struct LayerNames {
    @Test func basicBlockKeysAsTorchvision() {
        let block = BasicBlock(16, 32, stride: 2)
        let bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        let expected = ["conv1.weight"] + bn.map { "bn1.\($0)" } + ["conv2.weight"] + bn.map { "bn2.\($0)" }
            + ["downsample.0.weight"] + bn.map { "downsample.1.\($0)" }
        #expect(block.stateDict().map(\.0) == expected)
        #expect(BasicBlock(16, 16).stateDict().count == expected.count - 6)
    }

    @Test func nestedResNetKeysAndCounts() {
        let net = MiniResNet()
        let keys = net.stateDict().map(\.0)
        #expect(keys.first == "conv1.weight")
        #expect(keys.contains("layer1.1.bn2.running_var"))
        #expect(keys.contains("layer2.0.downsample.1.num_batches_tracked"))
        #expect(!keys.contains { $0.hasPrefix("layer2.1.downsample") })
        #expect(keys.suffix(2) == ["fc.weight", "fc.bias"])
        // Parameters by arithmetic: stem 3·16·49 + bn 2·16;
        // layer1: 2 blocks × (2 × (16·16·9 + 2·16));
        // layer2.0: 16·32·9 + 64 + 32·32·9 + 64 + downsample 16·32 + 64; layer2.1: 2 × (32·32·9 + 64);
        // fc: 32·10 + 10.
        let stem = 3 * 16 * 49 + 32
        let layer1 = 2 * 2 * (16 * 16 * 9 + 32)
        let layer2 = (16 * 32 * 9 + 64) + (32 * 32 * 9 + 64) + (16 * 32 + 64) + 2 * (32 * 32 * 9 + 64)
        #expect(net.totalParameterCount == stem + layer1 + layer2 + 330)
        #expect(net.parameterCount == net.totalParameterCount)
        // Buffers: 3 per batch norm (mean, var, count), 1 + 4 + 4 + 1 batch norms.
        #expect(net.namedBuffers().count == 3 * 10)
        net.layer1.forEach { $0.freeze() }
        #expect(net.parameterCount == stem + layer2 + 330)
        let y = net(Tensor.zeros([1, 3, 32, 32]))
        #expect(y.shape == [1, 10])
    }

    @Test func vggStyleSequentialIndices() {
        // torchvision VGG: features.0 conv, .1 ReLU, .2 conv, .3 ReLU, .4 MaxPool, .5 conv.
        let features = Sequential {
            Conv2d(3, 8, kernelSize: 3, padding: 1); ReLU()
            Conv2d(8, 8, kernelSize: 3, padding: 1); ReLU()
            MaxPool2d(kernelSize: 2, stride: 2)
            Conv2d(8, 16, kernelSize: 3, padding: 1)
        }
        #expect(features.stateDict().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"])
        #expect(features.totalParameterCount == (3 * 8 * 9 + 8) + (8 * 8 * 9 + 8) + (8 * 16 * 9 + 16))
    }

    @Test func layerParameterShapes() {
        #expect(Conv2d(8, 12, kernelSize: (3, 5), groups: 4).weight.shape == [12, 2, 3, 5])
        #expect(ConvTranspose2d(8, 12, kernelSize: 4, stride: 2, groups: 2).weight.shape == [8, 6, 4, 4])
        #expect(LayerNorm(32).stateDict().map(\.0) == ["weight", "bias"])
        #expect(LayerNorm(32, bias: false).stateDict().map(\.0) == ["weight"])
        #expect(GroupNorm(4, 32).weight?.shape == [32])
        #expect(BatchNorm2d(4, affine: false, trackRunningStats: false).stateDict().isEmpty)
        #expect(BatchNorm2d(4, affine: false).stateDict().map(\.0) == ["running_mean", "running_var", "num_batches_tracked"])
    }
}

@Suite struct LayerParity {
    @Test func tinyNetKeysMatchPyTorch() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("tinynet.safetensors"))
        let keysJSON = try #require(file.metadata["keys"])
        let keys = try JSONDecoder().decode([String].self, from: Data(keysJSON.utf8))
        #expect(TinyNet().stateDict().map(\.0) == keys)
    }

    @Test func tinyNetForwardMatchesPyTorch() throws {
        let net = TinyNet()
        try net.load(contentsOf: fixtureURL("tinynet.safetensors"), strict: true)
        #expect(net.features[1].stateDict().last?.1.scalars == [7])  // I64 num_batches_tracked read as Float
        net.eval()
        let io = try fixture("tinynet_io.safetensors")
        let y = noGrad { net(io["input"]!) }
        #expect(y.shape == [2, 5])
        #expect(relativeError(y, io["output"]!) < 1e-5, "max-abs/max-abs \(relativeError(y, io["output"]!))")
    }

    @Test func batchNormUpdatesRunningStatsInTrainMode() throws {
        let net = TinyNet()
        try net.load(contentsOf: fixtureURL("tinynet.safetensors"))
        net.train()
        let f = try fixture("tinynet_train.safetensors")
        _ = net(f["input"]!)
        let state = Dictionary(uniqueKeysWithValues: net.stateDict())
        for key in ["features.1.running_mean", "features.1.running_var", "features.5.running_mean", "features.5.running_var"] {
            #expect(relativeError(state[key]!, f[key]!) < 1e-5, "\(key) off by \(relativeError(state[key]!, f[key]!))")
        }
        #expect(state["features.1.num_batches_tracked"]!.item() == 8)
        // Eval mode leaves them alone.
        let before = state["features.1.running_mean"]!.scalars
        net.eval()
        _ = net(f["input"]!)
        #expect(net.stateDict().first { $0.0 == "features.1.running_mean" }!.1.scalars == before)
        #expect(net.stateDict().first { $0.0 == "features.1.num_batches_tracked" }!.1.item() == 8)
    }

    @Test func cumulativeAverageWhenMomentumIsNil() {
        let bn = BatchNorm2d(1, momentum: nil)
        _ = bn(Tensor(shape: [2, 1, 1, 1], scalars: [1, 3]))   // batch mean 2
        _ = bn(Tensor(shape: [2, 1, 1, 1], scalars: [5, 7]))   // batch mean 6
        // factor 1/1 then 1/2: mean of the batch means, 4.
        #expect(bn.runningMean!.scalars == [4])
    }

    @Test func dropoutOnlyInTrainMode() {
        let drop = Dropout(p: 0.5)
        let x = Tensor.ones([1000])
        let y = drop(x).scalars
        #expect(Set(y).isSubset(of: [0, 2]))
        #expect(y.filter { $0 == 0 }.count > 400 && y.filter { $0 == 0 }.count < 600)
        drop.eval()
        #expect(drop(x).scalars == x.scalars)
    }

    @Test func maxPoolIndicesUnpool() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 2, 0, 3, 4, 8, 9])
        let pool = MaxPool2d(kernelSize: 2, returnIndices: true)
        let (y, idx) = pool.withIndices(x)
        #expect(y.scalars == [5, 9])
        #expect(idx.scalars == [1, 7])
        let back = MaxUnpool2d(kernelSize: 2)(y, indices: idx)
        #expect(back.scalars == [0, 5, 0, 0, 0, 0, 0, 9])
    }

    /// In inference the layer pools a convolution's output in oneDNN's layout (a ResNet stem's
    /// pooling read 4 MB back to row-major for indices nobody used: 3.5 ms of 0.3), with the
    /// indexed path's values; a diagram's trace still sees the indices.
    @Test func maxPoolLayerKeepsAConvolutionsLayoutInInference() {
        var gen = SeededGenerator(seed: 12)
        let conv = Conv2d(3, 16, kernelSize: 3, padding: 1), pool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        let x = Tensor.randn([1, 3, 20, 18], generator: &gen)
        let inference = noGrad { pool(conv(x)) }
        #expect(inference.storage.layout != nil, "the pooled map should stay in oneDNN's layout")
        #expect(inference.scalars == pool.withIndices(conv(x)).output.scalars)
        let traced = noGrad { Trace.recording { pool(conv(x)) } }.recorder.events
        #expect(traced.contains { $0.module === pool && $0.outputs.count == 2 })
    }

    @Test func upsampleAndPools() {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        #expect(Upsample(scaleFactor: 2)(x).scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // align_corners=True: corners kept, 1/2 steps between: row 0 is 1, 1.5, 2.
        let up = Upsample(size: (3, 3), mode: .bilinear(alignCorners: true))(x)
        #expect(up.scalars == [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4])
        #expect(AvgPool2d(kernelSize: 2)(x).scalars == [2.5])
        #expect(AdaptiveAvgPool2d(1)(x).scalars == [2.5])
        #expect(Flatten()(x).shape == [1, 4])
        #expect(Identity()(x).scalars == x.scalars)
    }
}

@Suite struct LayerInitialisation {
    /// PyTorch's default init gives these standard deviations: U(−b, b) has std b/√3.
    @Test func statisticsMatchPyTorch() throws {
        let stats = try fixture("init_stats.safetensors")
        let (conv, linear, deconv) = DefaultGenerator.seeded(1) {
            (Conv2d(64, 128, kernelSize: 3), Linear(512, 256), ConvTranspose2d(64, 32, kernelSize: 4, stride: 2))
        }
        func std(_ t: Tensor) -> Float {
            let v = t.scalars.map(Double.init)
            let mean = v.reduce(0, +) / Double(v.count)
            return Float((v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
        }
        // conv: b = 1/√(64·9) = 1/24, std = 1/(24√3) = 0.02406
        #expect(abs(std(conv.weight) - 1 / (24 * Float(3).squareRoot())) < 0.0005)
        #expect(abs(std(conv.weight) - stats["conv.weight.std"]!.item()) < 0.0005)
        #expect(conv.bias!.scalars.allSatisfy { abs($0) <= 1 / 24 })
        #expect(abs(std(linear.weight) - stats["linear.weight.std"]!.item()) < 0.0005)
        // ConvTranspose2d: PyTorch's fan-in is weight.size(1)·k² = 32·16, b = 1/√512.
        #expect(abs(std(deconv.weight) - stats["deconv.weight.std"]!.item()) < 0.0005)
        #expect(abs(std(deconv.weight) - 1 / (512 * Float(3)).squareRoot()) < 0.0005)
    }

    /// Other tests build layers concurrently from the shared generator: a seeded block is immune.
    @Test func seededBlockIsReproducible() {
        let a = DefaultGenerator.seeded(42) { Conv2d(3, 4, kernelSize: 3).weight.scalars }
        let b = DefaultGenerator.seeded(42) { Conv2d(3, 4, kernelSize: 3).weight.scalars }
        let c = DefaultGenerator.seeded(43) { Conv2d(3, 4, kernelSize: 3).weight.scalars }
        #expect(a == b)
        #expect(a != c)
    }
}

/// The fixture script's MixNet: the transformer-side layers.
private final class MixNet: Module {
    let proj = Linear(6, 8)
    let norm = LayerNorm(8, eps: 1e-6)
    let act = GELU()
    let drop = Dropout(p: 0.1)
    let gn = GroupNorm(2, 8)
    let pool = AvgPool2d(kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false)
    let up = Upsample(scaleFactor: 2, mode: .bilinear(alignCorners: false))
    let act2 = GELU(approximate: "tanh")
    let head = Conv2d(8, 3, kernelSize: 1)

    func callAsFunction(_ tokens: Tensor, height: Int, width: Int) -> Tensor {
        let t = drop(act(norm(proj(tokens))))
        let image = t.transposed(1, 2).reshaped([tokens.shape[0], 8, height, width])
        return head(act2(up(pool(gn(image)))))
    }
}

@Suite struct TransformerLayerParity {
    @Test func mixNetMatchesPyTorch() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("mixnet.safetensors"))
        let keys = try JSONDecoder().decode([String].self, from: Data(file.metadata["keys"]!.utf8))
        let net = MixNet()
        #expect(net.stateDict().map(\.0) == keys)
        let all = file.tensors()
        let weights = Dictionary(uniqueKeysWithValues: all.filter { $0.key.hasPrefix("weights.") }
            .map { (String($0.key.dropFirst("weights.".count)), $0.value) })
        try net.load(weights)
        net.eval()
        let y = noGrad { net(all["input"]!, height: 5, width: 7) }
        #expect(y.shape == [2, 3, 6, 8])
        #expect(relativeError(y, all["output"]!) < 1e-5, "max-abs/max-abs \(relativeError(y, all["output"]!))")
    }
}

@Suite struct StochasticDepth {
    @Test func dropsWholeSamplesInTrainModeOnly() {
        let drop = DefaultGenerator.seeded(3) { DropPath(p: 0.5) }
        let x = Tensor.ones([64, 2, 3])
        let y = DefaultGenerator.seeded(4) { drop(x) }
        // Every sample is all zeros or all 1/(1 − 0.5) = 2.
        var dropped = 0
        for n in 0..<64 {
            let sample = Set(y.sliced(axis: 0, range: n..<(n + 1)).scalars)
            #expect(sample == [0] || sample == [2])
            if sample == [0] { dropped += 1 }
        }
        #expect(dropped > 16 && dropped < 48)
        drop.eval()
        #expect(drop(x).scalars == x.scalars)
    }
}
