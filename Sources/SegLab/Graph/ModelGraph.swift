import Foundation
import SegModels
import SegNN
import SegTensor

/// A traced forward pass: every leaf layer and every structural tensor op outside layers, in
/// execution order, with shapes, parameters, FLOPs and the tensors between them. Made by
/// `model.trace(input:)`; summaries, memory, receptive fields and diagrams are read from it.
public struct ModelGraph: Sendable {
    /// What a node does, for FLOPs, receptive fields and drawing.
    public enum Operation: Sendable, Equatable {
        case input
        /// Convolution (also pooling-free strided convs): kernel, stride, padding, dilation, groups.
        case conv(kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], groups: Int)
        /// Transposed convolution: kernel, stride, padding.
        case transposedConv(kernel: [Int], stride: [Int], padding: [Int], groups: Int)
        case linear
        case maxPool(kernel: [Int], stride: [Int], padding: [Int], dilation: [Int])
        case avgPool(kernel: [Int], stride: [Int], padding: [Int])
        case adaptiveAvgPool
        case maxUnpool
        /// Resampling: "nearest", "bilinear", "bicubic" (or "resize" when an op does not say).
        case resample(mode: String)
        case batchNorm, layerNorm, groupNorm
        case activation(String)
        case dropout
        case add, sub, mul, concat
        case matmul
        case softmax
        /// Any other op, by its name.
        case other(String)

        var isMerge: Bool { self == .add || self == .concat }
    }

    public struct Node: Sendable {
        /// Position in execution order; node 0 is the input.
        public var id: Int
        /// Dotted module name (`backbone.layer1.0.conv1`); an op outside layers is named after the
        /// module of its latest input's producer plus the op (`backbone.layer1.0.add`).
        public var name: String
        /// Layer class (`Conv2d`) or op name (`add`, `concat`, `resized`).
        public var type: String
        public var operation: Operation
        public var inputShapes: [[Int]]
        public var outputShapes: [[Int]]
        /// Producer node of each input (`inputSources[i].node`), and which of its outputs.
        public var inputSources: [(node: Int, output: Int)]
        /// Parameter scalars of the layer (0 for ops, and for a layer's second and later calls).
        public var params: Int
        public var trainableParams: Int
        /// Multiply-adds and FLOPs (see `FlopCount`).
        public var macs: Int
        public var flops: Int
        /// Which outputs are max-pooling indices.
        public var indexOutputs: Set<Int>

        public var outputShape: [Int] { outputShapes.first ?? [] }
    }

    /// How a tensor goes from one node to another.
    public enum EdgeKind: String, Sendable {
        case flow, skip, concat, add, poolingIndices
    }

    public struct Edge: Sendable, Equatable {
        public var from: Int, fromOutput: Int, to: Int
        public var kind: EdgeKind
        /// The shape of the tensor passed.
        public var shape: [Int]
    }

    public var inputShape: [Int]
    public var nodes: [Node]
    public var edges: [Edge]
    /// The node that made the model's output.
    public var outputNode: Int

    /// Total parameter scalars (each parameter once) and the trainable ones, from the model.
    public var params: Int
    public var trainableParams: Int

    public var flops: Int { nodes.reduce(0) { $0 + $1.flops } }
    public var macs: Int { nodes.reduce(0) { $0 + $1.macs } }
    /// The model's output shape (after any final crop or reshape, which are not nodes).
    public var outputShape: [Int]

    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }
}

extension ModelGraph.Node: @unchecked Sendable {}

// MARK: - Tracing

extension Module {
    /// Traces one forward pass of `forward` on a deterministic input of `shape` (no gradient kept)
    /// into a `ModelGraph`, in eval mode (batch norm on running statistics, so a batch of one passes
    /// global pooling); the model's mode is restored.
    public func trace(input shape: [Int], _ forward: (Tensor) -> Tensor) -> ModelGraph {
        let savedMode = mode
        mode = .eval
        defer { mode = savedMode }
        var generator = SeededGenerator(seed: 0)
        let x = Tensor.uniform(shape, low: -1, high: 1, generator: &generator)
        let (output, recorder) = noGrad { Trace.recording { forward(x) } }
        return ModelGraph(module: self, input: x, output: output, events: recorder.events)
    }
}

extension SegmentationModel {
    /// Traces `self(image)` on an input of `shape` (`[1, 3, 512, 512]`).
    public func trace(input shape: [Int]) -> ModelGraph { trace(input: shape) { self($0) } }
}

extension Layer {
    /// Traces `self(x)` on an input of `shape`.
    public func trace(input shape: [Int]) -> ModelGraph { trace(input: shape) { self($0) } }
}

extension ModelGraph {
    /// View ops pass their input's producer on: they are not nodes.
    static let transparentOps: Set<String> = ["reshape", "permute", "slice", "flip", "expand", "pad", "contiguous"]

    init(module: Module, input: Tensor, output: Tensor?, events: [TraceEvent]) {
        var names: [ObjectIdentifier: String] = [:]
        for (key, m) in module.namedModules() where names[ObjectIdentifier(m)] == nil {
            names[ObjectIdentifier(m)] = key
        }
        var producer: [ObjectIdentifier: (node: Int, output: Int)] = [input.identity: (0, 0)]
        var nodes: [Node] = [Node(id: 0, name: "input", type: "Input", operation: .input, inputShapes: [],
                                  outputShapes: [input.shape], inputSources: [], params: 0, trainableParams: 0,
                                  macs: 0, flops: 0, indexOutputs: [])]
        var seenModules: Set<ObjectIdentifier> = []
        var opCounts: [String: Int] = [:]
        for event in events {
            if event.module == nil, Self.transparentOps.contains(event.op) {
                if let first = event.inputs.first, let p = producer[first.identity], let out = event.outputs.first {
                    producer[out.identity] = p
                }
                continue
            }
            let sources = event.inputs.map { producer[$0.identity] ?? (node: -1, output: 0) }
            let id = nodes.count
            var name: String, type: String, operation: Operation
            var params = 0, trainable = 0
            var indexOutputs: Set<Int> = []
            if let m = event.module as? Module {
                let oid = ObjectIdentifier(m)
                name = names[oid] ?? "\(Swift.type(of: m))"
                type = "\(Swift.type(of: m))"
                operation = Self.operation(of: m, outputs: event.outputs)
                if !seenModules.contains(oid) {
                    seenModules.insert(oid)
                    let ps = m.namedParameters()
                    params = ps.reduce(0) { $0 + $1.1.count }
                    trainable = ps.reduce(0) { $0 + ($1.1.requiresGrad ? $1.1.count : 0) }
                }
                if m is MaxPool2d, event.outputs.count > 1 { indexOutputs = [1] }
            } else {
                type = event.op
                operation = Self.operation(ofOp: event.op, attributes: event.attributes)
                if event.op == "maxPool2d", event.outputs.count > 1 { indexOutputs = [1] }
                // Named after the module of the latest-made input: `layer1.0.add`.
                let latest = sources.map(\.node).filter { $0 > 0 }.max()
                let parent = latest.map { nodes[$0].name.split(separator: ".").dropLast().joined(separator: ".") } ?? ""
                let base = parent.isEmpty ? event.op : "\(parent).\(event.op)"
                let count = opCounts[base, default: 0]
                opCounts[base] = count + 1
                name = count == 0 ? base : "\(base)_\(count)"
            }
            var node = Node(id: id, name: name, type: type, operation: operation, inputShapes: event.inputs.map(\.shape),
                            outputShapes: event.outputs.map(\.shape), inputSources: sources, params: params,
                            trainableParams: trainable, macs: 0, flops: 0, indexOutputs: indexOutputs)
            (node.macs, node.flops) = FlopCount.count(node)
            nodes.append(node)
            for (k, out) in event.outputs.enumerated() { producer[out.identity] = (id, k) }
        }
        Self.nameOpsByTheirBlock(&nodes)
        self.inputShape = input.shape
        self.outputShape = output?.shape ?? nodes.last?.outputShape ?? []
        self.nodes = nodes
        self.outputNode = output.flatMap { producer[$0.identity]?.node } ?? nodes.count - 1
        self.params = module.totalParameterCount
        self.trainableParams = module.parameterCount
        self.edges = []
        self.edges = Self.edges(of: nodes)
    }

    /// An op outside layers is first named after its latest input's module; this moves it to the
    /// block that holds both that module and the op's first consumer (`layer3.0.downsample.add` →
    /// `layer3.0.add`; U-Net's concat → `decoder.0.concat`).
    static func nameOpsByTheirBlock(_ nodes: inout [Node]) {
        var firstConsumer: [Int: Int] = [:]
        for node in nodes { for s in node.inputSources where s.node >= 0 && firstConsumer[s.node] == nil { firstConsumer[s.node] = node.id } }
        func parent(_ name: String) -> [Substring] { Array(name.split(separator: ".").dropLast()) }
        var used: [String: Int] = [:]
        for i in nodes.indices where nodes[i].id > 0 {
            guard nodes[i].type.first?.isLowercase == true else { continue }  // ops have lower-case names
            var prefix = parent(nodes[i].name)
            if let c = firstConsumer[nodes[i].id] {
                let consumer = parent(nodes[c].name)
                var common: [Substring] = []
                for (a, b) in zip(prefix, consumer) { if a == b { common.append(a) } else { break } }
                prefix = common.count <= 1 ? consumer : common  // little shared: the block it feeds
            }
            let base = (prefix.map(String.init) + [nodes[i].type]).joined(separator: ".")
            let n = used[base, default: 0]
            used[base] = n + 1
            nodes[i].name = n == 0 ? base : "\(base)_\(n)"
        }
    }

    static func operation(of m: Module, outputs: [Tensor]) -> Operation {
        switch m {
        case let c as Conv2d:
            return .conv(kernel: [c.kernelSize.0, c.kernelSize.1], stride: [c.stride.0, c.stride.1],
                         padding: [c.padding.0, c.padding.1], dilation: [c.dilation.0, c.dilation.1], groups: c.groups)
        case let c as ConvTranspose2d:
            return .transposedConv(kernel: [c.kernelSize.0, c.kernelSize.1], stride: [c.stride.0, c.stride.1],
                                   padding: [c.padding.0, c.padding.1], groups: c.groups)
        case is Linear: return .linear
        case let p as MaxPool2d:
            return .maxPool(kernel: [p.kernelSize.0, p.kernelSize.1], stride: [p.stride.0, p.stride.1],
                            padding: [p.padding.0, p.padding.1], dilation: [p.dilation.0, p.dilation.1])
        case let p as AvgPool2d:
            return .avgPool(kernel: [p.kernelSize.0, p.kernelSize.1], stride: [p.stride.0, p.stride.1], padding: [p.padding.0, p.padding.1])
        case is AdaptiveAvgPool2d: return .adaptiveAvgPool
        case is MaxUnpool2d: return .maxUnpool
        case let u as Upsample:
            switch u.interpolation {
            case .nearest: return .resample(mode: "nearest")
            case .bilinear: return .resample(mode: "bilinear")
            case .bicubic: return .resample(mode: "bicubic")
            }
        case is BatchNorm2d: return .batchNorm
        case is LayerNorm: return .layerNorm
        case is GroupNorm: return .groupNorm
        case is Dropout: return .dropout
        case is ReLU: return .activation("relu")
        case is GELU: return .activation("gelu")
        case is Sigmoid: return .activation("sigmoid")
        case is Tanh: return .activation("tanh")
        case is LeakyReLU: return .activation("leakyRelu")
        default: return .other("\(type(of: m))")
        }
    }

    static func operation(ofOp op: String, attributes: [String: [Int]]) -> Operation {
        switch op {
        case "add": return .add
        case "sub": return .sub
        case "mul": return .mul
        case "concat": return .concat
        case "matmul": return .matmul
        case "softmax": return .softmax
        case "resized": return .resample(mode: "bilinear")
        case "maxUnpool2d": return .maxUnpool
        case "adaptiveAvgPool2d": return .adaptiveAvgPool
        case "batchNorm": return .batchNorm
        case "layerNorm": return .layerNorm
        case "maxPool2d":
            let k = attributes["kernel"] ?? [2, 2]
            return .maxPool(kernel: k, stride: attributes["stride"] ?? k, padding: attributes["padding"] ?? [0, 0],
                            dilation: attributes["dilation"] ?? [1, 1])
        case "relu", "sigmoid", "tanh", "gelu", "leakyRelu", "exp": return .activation(op)
        default: return .other(op)
        }
    }

    /// Edges by tensor identity. A tensor is a skip when it is held across a down-and-up path: it
    /// has two or more consumers, something at a coarser resolution runs between its producer and
    /// its last consumer, and that consumer leads at the same resolution into a concat or add
    /// (U-Net's encoder maps, FCN-8s's pool4 through score_pool4, DeepLab v3+'s stride-4 features,
    /// PSPNet's feature map beside its pyramid). The edge to that last consumer is `.skip`; pooling
    /// indices into an unpooling are `.poolingIndices`; other inputs of a concat/add `.concat`/`.add`.
    static func edges(of nodes: [Node]) -> [Edge] {
        let skips = skipTensors(nodes)
        var edges: [Edge] = []
        for node in nodes {
            for source in node.inputSources where source.node >= 0 {
                let producer = nodes[source.node]
                let shape = producer.outputShapes[source.output]
                var kind = EdgeKind.flow
                if producer.indexOutputs.contains(source.output) {
                    kind = .poolingIndices
                } else if skips[TensorRef(node: source.node, output: source.output)] == node.id {
                    kind = .skip
                } else if node.operation.isMerge {
                    kind = node.operation == .concat ? .concat : .add
                }
                edges.append(Edge(from: source.node, fromOutput: source.output, to: node.id, kind: kind, shape: shape))
            }
        }
        return edges
    }

    struct TensorRef: Hashable { var node: Int, output: Int }

    static func spatialSize(_ shape: [Int]) -> Int? { shape.count == 4 ? shape[2] * shape[3] : nil }

    /// Skip tensors, each with the node that consumes it last (see `edges(of:)`).
    static func skipTensors(_ nodes: [Node]) -> [TensorRef: Int] {
        var consumers: [TensorRef: [Int]] = [:]
        for node in nodes {
            for s in node.inputSources where s.node >= 0 { consumers[TensorRef(node: s.node, output: s.output), default: []].append(node.id) }
        }
        var result: [TensorRef: Int] = [:]
        for (ref, users) in consumers where users.count >= 2 && !nodes[ref.node].indexOutputs.contains(ref.output) {
            guard let size = spatialSize(nodes[ref.node].outputShapes[ref.output]), let last = users.max(), last - ref.node > 1 else { continue }
            let wentCoarser = ((ref.node + 1)..<last).contains { k in
                nodes[k].outputShapes.first.flatMap(spatialSize).map { $0 < size } ?? false
            }
            guard wentCoarser else { continue }
            var current = last, steps = 0, leadsToMerge = false
            while steps < 4 {
                if nodes[current].operation.isMerge { leadsToMerge = true; break }
                guard nodes[current].outputShapes.first.flatMap(spatialSize) == size,
                      let next = consumers[TensorRef(node: current, output: 0)], next.count == 1 else { break }
                current = next[0]
                steps += 1
            }
            if leadsToMerge { result[ref] = last }
        }
        return result
    }
}
