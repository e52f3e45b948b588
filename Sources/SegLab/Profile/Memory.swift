import Foundation
import SegModels
import SegNN
import SegTensor

/// Bytes of the activations a training step keeps from the forward pass for the backward pass,
/// split into what the review compares: skip connections' feature maps (U-Net), max-pooling indices
/// (SegNet) and everything else.
///
/// Which tensors are kept follows the engine's backward rules (as PyTorch's): convolutions, linear
/// layers, normalisations, matmul and mul keep their inputs; ReLU, sigmoid, tanh and softmax keep their
/// outputs; GELU and leaky ReLU their inputs; max pooling keeps its indices; add, concat, resampling,
/// average pooling and unpooling keep nothing. Each tensor counts once, however many keep it.
/// A skip tensor (see `ModelGraph.edges(of:)`) counts as `skips` whether a backward keeps it or not:
/// the network holds it until its merge. Weights are not counted.
///
/// Indices: the engine stores a max-pooling index as a Float32 (exact below 2²⁴, 4 bytes);
/// PyTorch stores int64 (8 bytes): `indicesInt64` gives that size.
public struct SavedActivations: Sendable, Equatable {
    public var skips: Int
    public var indices: Int
    public var other: Int
    /// The indices' bytes at PyTorch's int64.
    public var indicesInt64: Int
    public var total: Int { skips + indices + other }
}

extension ModelGraph {
    public var savedForBackward: SavedActivations {
        var kept: [TensorRef: Int] = [:]   // tensor → bytes (4 per Float32 scalar)
        func bytes(_ shape: [Int]) -> Int { 4 * shape.reduce(1, *) }
        for node in nodes {
            let inputs = node.inputSources.enumerated().filter { $0.element.node >= 0 && !nodes[$0.element.node].indexOutputs.contains($0.element.output) }
            func keepInputs() {
                for (_, s) in inputs { kept[TensorRef(node: s.node, output: s.output)] = bytes(nodes[s.node].outputShapes[s.output]) }
            }
            func keepOutput() { kept[TensorRef(node: node.id, output: 0)] = bytes(node.outputShape) }
            switch node.operation {
            case .conv, .transposedConv, .linear, .batchNorm, .layerNorm, .groupNorm, .matmul, .mul: keepInputs()
            case .activation(let name) where name == "gelu" || name == "leakyRelu": keepInputs()
            case .activation, .softmax: keepOutput()
            case .maxPool:
                for k in node.indexOutputs { kept[TensorRef(node: node.id, output: k)] = bytes(node.outputShapes[k]) }
            default: break
            }
        }
        let skipRefs = Set(Self.skipTensors(nodes).keys)
        var result = SavedActivations(skips: 0, indices: 0, other: 0, indicesInt64: 0)
        for ref in skipRefs { result.skips += bytes(nodes[ref.node].outputShapes[ref.output]) }
        for (ref, b) in kept where !skipRefs.contains(ref) {
            if nodes[ref.node].indexOutputs.contains(ref.output) {
                result.indices += b
                result.indicesInt64 += 2 * b
            } else {
                result.other += b
            }
        }
        return result
    }
}

/// Peak memory of a forward pass and of a training step, from the engine's allocation counter
/// (`TensorMemory`, bytes of tensor storage; parameters and their gradients included) next to the
/// process's peak resident set size (getrusage; it never goes down, so it is the process's peak so far).
public struct PeakMemory: Sendable {
    /// Engine bytes allocated at the high-water mark during an inference forward pass (no graph kept),
    /// above what was live before it.
    public var forward: Int
    /// The same during one training step: forward with autodiff, cross-entropy loss, backward (train
    /// mode; eval-mode batch norm for a batch of one).
    public var trainStep: Int
    /// Bytes live before (parameters, the input).
    public var baseline: Int
    /// The process's peak resident set size, in bytes.
    public var processPeakRSS: Int
}

public enum ProcessMemory {
    /// Peak resident set size of this process in bytes (Linux reports kilobytes).
    public static var peakRSS: Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return usage.ru_maxrss * 1024
        #else
        return usage.ru_maxrss
        #endif
    }
}

extension SegmentationModel {
    /// Peak engine memory of one forward (eval, no gradient) and one training step (train mode,
    /// cross-entropy against a zero label map, backward) on an input of `shape`: the storage made
    /// on this task only (`TensorMemory.withScope`), so tests or chapters running beside it do not
    /// move the numbers. The model's mode is restored and its gradients cleared afterwards.
    public func peakMemory(input shape: [Int]) -> PeakMemory {
        let savedMode = mode
        defer { mode = savedMode; zeroGrad() }
        var generator = SeededGenerator(seed: 0)
        let x = Tensor.uniform(shape, low: -1, high: 1, generator: &generator)
        let baseline = TensorMemory.liveBytes
        let (forward, train) = TensorMemory.withScope { scope in
            mode = .eval
            scope.resetPeak()
            _ = noGrad { self(x) }
            let forward = scope.peakBytes
            // Train mode needs two values per channel in batch norm: with a batch of one and global
            // pooling (ASPP, PPM) the step runs with eval-mode batch norm, autodiff on.
            mode = shape[0] > 1 ? .train : .eval
            scope.resetPeak()
            let logits = self(x)
            let labels = Tensor.zeros([logits.shape[0], logits.shape[2], logits.shape[3]])
            let loss = logits.crossEntropy(labels: labels)
            loss.backward()
            return (forward, scope.peakBytes)
        }
        return PeakMemory(forward: forward, trainStep: train, baseline: baseline, processPeakRSS: ProcessMemory.peakRSS)
    }
}
