import Foundation
import Testing
@testable import SegTensor

/// Cases written by tools/reference/make_op_fixtures.py with PyTorch.
struct FixtureTensor: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(shape: shape, scalars: data) }
}

struct FixtureCase: Decodable, CustomTestStringConvertible {
    let name: String
    let op: String
    let params: [String: [Double]]
    let inputs: [String: FixtureTensor]
    let outputs: [String: FixtureTensor]
    let upstream: FixtureTensor
    let grads: [String: FixtureTensor]

    var testDescription: String { "\(op): \(name)" }
    func int(_ key: String, _ i: Int = 0) -> Int { Int(params[key]![i]) }
    func pair(_ key: String) -> (Int, Int) { (int(key, 0), int(key, 1)) }
    func flag(_ key: String) -> Bool { params[key]![0] != 0 }
    func float(_ key: String) -> Float { Float(params[key]![0]) }
}

struct FixtureFile: Decodable {
    let cases: [FixtureCase]
}

func loadFixtures(_ name: String) -> [FixtureCase] {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
          let data = try? Data(contentsOf: url),
          let file = try? JSONDecoder().decode(FixtureFile.self, from: data) else {
        Issue.record("fixture \(name).json missing or unreadable")
        return []
    }
    return file.cases
}

/// Max |a − b| ≤ atol + rtol·|b| elementwise; returns the worst excess for the message.
func expectClose(_ actual: Tensor, _ expected: FixtureTensor, _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.shape == expected.shape else {
        Issue.record("\(what): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    var worst: Float = 0, worstIndex = -1
    for (i, (a, e)) in zip(actual.scalars, expected.data).enumerated() {
        let err = Swift.abs(a - e) - (atol + rtol * Swift.abs(e))
        if err > worst || (a.isNaN != e.isNaN) { worst = Swift.max(err, worst); worstIndex = i }
    }
    if worstIndex >= 0 {
        Issue.record("\(what): element \(worstIndex) is \(actual.scalars[worstIndex]), PyTorch \(expected.data[worstIndex])",
                     sourceLocation: sourceLocation)
    }
}

/// Runs a fixture case: forward, then backward with the stored upstream gradient.
func runCase(_ c: FixtureCase) {
    var leaves: [String: Tensor] = [:]
    for (k, v) in c.inputs {
        let t = v.tensor
        if c.grads[k] != nil { t.requiresGrad = true }
        leaves[k] = t
    }
    let x = leaves["x"] ?? Tensor(0)
    var extra: [String: Tensor] = [:]
    let out: Tensor
    switch c.op {
    case "conv2d":
        out = x.conv2d(weight: leaves["weight"]!, bias: leaves["bias"], stride: c.pair("stride"), padding: c.pair("padding"),
                       dilation: c.pair("dilation"), groups: c.int("groups"))
    case "conv_transpose2d":
        out = x.convTranspose2d(weight: leaves["weight"]!, bias: leaves["bias"], stride: c.pair("stride"), padding: c.pair("padding"),
                                outputPadding: c.pair("output_padding"), groups: c.int("groups"), dilation: c.pair("dilation"))
    case "max_pool2d":
        let (v, i) = x.maxPool2dWithIndices(kernelSize: c.pair("kernel"), stride: c.pair("stride"), padding: c.pair("padding"),
                                            dilation: c.pair("dilation"), ceilMode: c.flag("ceil_mode"))
        out = v
        extra["out1"] = i
    case "max_unpool2d":
        out = x.maxUnpool2d(indices: leaves["indices"]!, kernelSize: c.int("kernel"), stride: c.int("stride"),
                            outputSize: c.params["output_size"] == nil ? nil : c.pair("output_size"))
    case "avg_pool2d":
        out = x.avgPool2d(kernelSize: c.pair("kernel"), stride: c.pair("stride"), padding: c.pair("padding"),
                          ceilMode: c.flag("ceil_mode"), countIncludePad: c.flag("count_include_pad"))
    case "adaptive_avg_pool2d":
        out = x.adaptiveAvgPool2d(outputSize: c.pair("output_size"))
    case "interpolate":
        let mode: InterpolationMode
        switch c.int("mode") {
        case 0: mode = .nearest
        case 1: mode = .bilinear(alignCorners: c.flag("align_corners"))
        default: mode = .bicubic(alignCorners: c.flag("align_corners"))
        }
        out = x.resized(to: c.pair("size"), mode: mode)
    case "batch_norm":
        let rm = c.inputs["running_mean"]!.tensor, rv = c.inputs["running_var"]!.tensor
        out = x.batchNorm(runningMean: rm, runningVar: rv, weight: leaves["weight"], bias: leaves["bias"],
                          training: c.flag("training"), momentum: c.float("momentum"), eps: c.float("eps"))
        extra["running_mean"] = rm
        extra["running_var"] = rv
    case "layer_norm":
        out = x.layerNorm(normalizedShape: c.params["normalized_shape"]!.map { Int($0) }, weight: leaves["weight"],
                          bias: leaves["bias"], eps: c.float("eps"))
    case "group_norm":
        out = x.groupNorm(groups: c.int("groups"), weight: leaves["weight"], bias: leaves["bias"], eps: c.float("eps"))
    case "gelu": out = x.gelu()
    case "gelu_tanh": out = x.gelu(approximate: true)
    case "softplus": out = x.softplus()
    case "sigmoid": out = x.sigmoid()
    case "tanh": out = x.tanh()
    case "silu": out = x.silu()
    case "leaky_relu": out = x.leakyRelu(slope: 0.2)
    case "softmax": out = x.softmax(axis: 1)
    case "log_softmax": out = x.logSoftmax(axis: 0)
    case "var": out = x.variance(axes: c.params["axes"]!.map { Int($0) }, unbiased: c.flag("unbiased"))
    case "roll": out = x.rolled(shifts: c.params["shifts"]!.map { Int($0) }, axes: c.params["axes"]!.map { Int($0) })
    case "pad_reflect":
        let p = c.params["pad"]!.map { Int($0) }  // PyTorch order: last axis first
        out = x.padded([(p[2], p[3]), (p[0], p[1])], mode: .reflect)
    case "matmul": out = leaves["a"]!.matmul(leaves["b"]!)
    case "linear": out = x.linear(weight: leaves["weight"]!, bias: leaves["bias"])
    case "attention":
        out = Tensor.scaledDotProductAttention(query: leaves["q"]!, key: leaves["k"]!, value: leaves["v"]!, bias: leaves["bias"])
    case "add": out = leaves["a"]! + leaves["b"]!
    case "sub": out = leaves["a"]! - leaves["b"]!
    case "mul": out = leaves["a"]! * leaves["b"]!
    case "div": out = leaves["a"]! / leaves["b"]!
    case "maximum": out = Tensor.maximum(leaves["a"]!, leaves["b"]!)
    case "minimum": out = Tensor.minimum(leaves["a"]!, leaves["b"]!)
    case "pow_tensor": out = leaves["a"]!.pow(leaves["b"]!)
    case "pow_scalar": out = x.pow(2.5)
    case "exp": out = x.exp()
    case "log": out = x.log()
    case "sqrt": out = x.sqrt()
    case "rsqrt": out = x.rsqrt()
    case "abs": out = x.abs()
    case "neg": out = -x
    case "relu": out = x.relu()
    case "clamp": out = x.clamp(min: -0.5, max: 0.7)
    case "where": out = Tensor.where(leaves["mask"]!, leaves["a"]!, leaves["b"]!)
    case "sum_axes": out = x.sum(axes: [0, 2])
    case "mean_keepdim": out = x.mean(axis: 1, keepDims: true)
    case "amax": out = x.max(axes: [1])
    case "amin": out = x.min(axes: [0, 2])
    case "logsumexp": out = x.logSumExp(axes: [2])
    case "var_biased": out = x.variance(axis: 1, unbiased: false, keepDims: true)
    case "permute": out = x.permuted([2, 0, 1])
    case "slice_step": out = x.sliced(axis: 1, range: 1..<6, stride: 2)
    case "flip": out = x.flipped(axis: 1)
    case "concat": out = Tensor.concat([leaves["a"]!, leaves["b"]!, leaves["a"]!], axis: 1)
    case "stack": out = Tensor.stack([leaves["a"]!, leaves["b"]!], axis: 2)
    case "pad_constant": out = x.padded([(0, 3), (2, 1)], mode: .constant(1.5))
    case "pad_replicate": out = x.padded([(1, 3), (2, 1)], mode: .replicate)
    case "expand": out = x.expanded(to: [2, 3, 4])
    case "normalize": out = x.normalized(axis: 1)
    case "gather": out = x.gather(axis: 1, indices: leaves["indices"]!)
    case "index_select": out = x.indexSelect(axis: 0, indices: [3, 0, 3, 1])
    case "matmul_transposed": out = leaves["a"]!.matmul(leaves["b"]!, transposeSelf: true, transposeOther: true)
    case "softplus_large": out = x.softplus()
    case "cross_entropy":
        let reduction: LossReduction = [.mean, .sum, .none][c.int("reduction")]
        out = x.crossEntropy(labels: c.inputs["labels"]!.tensor, weight: c.inputs["weight"]?.tensor,
                             ignoreIndex: c.int("ignore_index"), reduction: reduction)
    default:
        Issue.record("unknown fixture op \(c.op)")
        return
    }
    expectClose(out, c.outputs["out0"]!, "\(c.op) (\(c.name)) forward")
    for (k, t) in extra { expectClose(t, c.outputs[k]!, "\(c.op) (\(c.name)) \(k)") }
    if !c.grads.isEmpty {
        (out * c.upstream.tensor).sum().backward()
        for (k, g) in c.grads {
            guard let grad = leaves[k]!.grad else { Issue.record("\(c.op) (\(c.name)): no grad for \(k)"); continue }
            expectClose(grad, g, "\(c.op) (\(c.name)) grad \(k)")
        }
    }
}

@Suite struct PyTorchParity {
    @Test(arguments: loadFixtures("conv")) func convolution(_ c: FixtureCase) { runCase(c) }
    @Test(arguments: loadFixtures("pool")) func pooling(_ c: FixtureCase) { runCase(c) }
    @Test(arguments: loadFixtures("resize")) func interpolation(_ c: FixtureCase) { runCase(c) }
    @Test(arguments: loadFixtures("norm")) func normalization(_ c: FixtureCase) { runCase(c) }
    @Test(arguments: loadFixtures("misc")) func misc(_ c: FixtureCase) { runCase(c) }
    @Test(arguments: loadFixtures("elementwise")) func elementwise(_ c: FixtureCase) { runCase(c) }

    @Test func fixturesCoverTheEdgeCases() {
        let names = ["conv", "pool", "resize", "norm", "misc", "elementwise"].flatMap { loadFixtures($0) }.map(\.name)
        for needle in ["groups 2 with dilation 2", "ceil_mode", "align_corners=True", "align_corners=False",
                       "overlapping bins", "to odd size", "bicubic", "output_padding"] {
            #expect(names.contains { $0.contains(needle) }, "no fixture case for \(needle)")
        }
    }
}
