import Testing
import SegTensor
@testable import SegNN

/// A module with every kind of member reflection must find.
private final class Block: Module {
    var weight: Tensor = Tensor.ones([2, 3]).requiringGrad()
    var bias: Tensor? = nil
    @Buffer(key: "running_mean") var runningMean: Tensor = .zeros([2])
    @Buffer(key: "cached", persistent: false) var cached: Tensor = .zeros([1])
    @Constant var index: Tensor = .zeros([4])
    let name = "not state"
    let fc = Linear(3, 2)
}

private final class Net: Module {
    @Child(key: "decode_head") var decoder: Block
    @Child(key: "aux_head") var auxiliary: Block?
    let blocks: [Block]
    let head: Linear?
    let absent: Linear? = nil
    @Param(key: "cls_token") var classToken: Tensor = .zeros([1, 1, 3])
    var extras: [Tensor] = [.zeros([2]), .zeros([3])]

    init(withAux: Bool) {
        blocks = [Block(), Block()]
        head = Linear(4, 1, bias: false)
        super.init()
        _decoder.wrappedValue = Block()
        if withAux { _auxiliary.wrappedValue = Block() }
    }
}

/// Wrapped children without a key, keyed arrays, and a subclass adding members to its superclass.
private class Stage: Module {
    @Child var norm: Linear
    @Child(key: "layers") var blocks: [Linear]
    init(depth: Int) {
        norm = Linear(2, 2)
        super.init()
        _blocks.wrappedValue = (0..<depth).map { _ in Linear(2, 2, bias: false) }
    }
}

private final class DownsamplingStage: Stage {
    let downsample = Linear(2, 4, bias: false)
}

/// HF's `ModuleList` of `ModuleList`s (`encoder.block.0.1`), optional entries, and number arrays.
private final class Nested: Module {
    let block = [[Linear(1, 1, bias: false)], [Linear(1, 1, bias: false), Linear(1, 1, bias: false)]]
    let heads: [Linear?] = [nil, Linear(1, 1, bias: false)]
    let table: [Float] = Array(repeating: 0, count: 100_000)
    let sizes = [1, 2, 3]
}

@Suite struct ModuleReflection {
    @Test func nestedArrays() {
        #expect(Nested().stateDict().map(\.0) == ["block.0.0.weight", "block.1.0.weight", "block.1.1.weight", "heads.1.weight"])
    }

    @Test func wrappedArraysAndSubclasses() {
        let stage = DownsamplingStage(depth: 2)
        #expect(stage.stateDict().map(\.0) == ["norm.weight", "norm.bias", "layers.0.weight", "layers.1.weight", "downsample.weight"])
    }

    @Test func stateDictKeysAndOrder() {
        let net = Net(withAux: true)
        // Own parameters and buffers first (cls_token, extras.*), then each child's, as PyTorch.
        var expected = ["cls_token", "extras.0", "extras.1"]
        for prefix in ["decode_head", "aux_head", "blocks.0", "blocks.1"] {
            expected += ["\(prefix).weight", "\(prefix).running_mean", "\(prefix).fc.weight", "\(prefix).fc.bias"]
        }
        expected += ["head.weight"]
        #expect(net.stateDict().map(\.0) == expected)

        // named_parameters: no buffers.
        #expect(net.namedParameters().map(\.0) == expected.filter { !$0.hasSuffix("running_mean") })
        // named_buffers: non-persistent ones included.
        #expect(net.namedBuffers().map(\.0) == ["decode_head.running_mean", "decode_head.cached",
                                                 "aux_head.running_mean", "aux_head.cached",
                                                 "blocks.0.running_mean", "blocks.0.cached",
                                                 "blocks.1.running_mean", "blocks.1.cached"])
    }

    @Test func nilOptionalChildIsSkipped() {
        let net = Net(withAux: false)
        #expect(!net.stateDict().map(\.0).contains { $0.hasPrefix("aux_head") })
        #expect(net.namedChildren().map(\.0) == ["decode_head", "blocks.0", "blocks.1", "head"])
    }

    @Test func parameterCounts() {
        let net = Net(withAux: false)
        // Block: weight 2×3 + fc (3·2 + 2) = 14; three blocks; head 4·1; cls_token 3; extras 2 + 3
        #expect(net.totalParameterCount == 3 * 14 + 4 + 3 + 5)
        // extras are plain zeros (not requiring grad): frozen.
        #expect(net.parameterCount == 3 * 14 + 4 + 3)
        net.blocks[0].freeze()
        #expect(net.parameterCount == 2 * 14 + 4 + 3)
        #expect(!net.blocks[0].isTrainable)
        net.unfreeze()
        #expect(net.parameterCount == net.totalParameterCount)
        #expect(net.trainableParameters().count == net.namedParameters().count)
    }

    @Test func modePropagates() {
        let net = Net(withAux: true)
        #expect(net.namedModules().allSatisfy { $0.1.mode == .train })
        net.eval()
        #expect(net.namedModules().count == 1 + 4 * 2 + 1)
        #expect(net.namedModules().allSatisfy { $0.1.mode == .eval })
        net.blocks[1].mode = .train
        #expect(net.blocks[1].fc.mode == .train)
        #expect(net.blocks[0].fc.mode == .eval)
        net.train()
        #expect(net.namedModules().allSatisfy { $0.1.mode == .train })
    }

    @Test func sequentialKeys() {
        let s = Sequential { Linear(2, 3); ReLU(); Linear(3, 1) }
        #expect(s.stateDict().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        let keyed = Sequential(keyed: [("conv", Linear(2, 2)), ("act", ReLU()), ("5", Linear(2, 2, bias: false))])
        #expect(keyed.stateDict().map(\.0) == ["conv.weight", "conv.bias", "5.weight"])
        let nested = Sequential(s, keyed)
        #expect(nested.stateDict().map(\.0).last == "1.5.weight")
        let y = s(Tensor(shape: [1, 2], scalars: [1, -1]))
        #expect(y.shape == [1, 1])
    }

    @Test func loadChecksKeysAndShapesByName() throws {
        let net = Net(withAux: false)
        var state = Dictionary(uniqueKeysWithValues: net.stateDict().map { ($0.0, Tensor.full($0.1.shape, value: 0.5)) })
        state["head.weight"] = nil
        state["stray.weight"] = .zeros([1])
        state["blocks.0.weight"] = .zeros([3, 2])
        do {
            try net.load(state, strict: true)
            Issue.record("load should have thrown")
        } catch let error as StateDictMismatch {
            #expect(error.missing == ["head.weight"])
            #expect(error.unexpected == ["stray.weight"])
            #expect(error.wrongShape == [.init(key: "blocks.0.weight", expected: [2, 3], found: [3, 2])])
            #expect(error.description.contains("blocks.0.weight is [3, 2], expected [2, 3]"))
        }
        // Nothing was changed by the failed load.
        #expect(net.blocks[1].weight.scalars == [Float](repeating: 1, count: 6))

        // Non-strict: missing and unexpected are reported, shapes must still match.
        state["blocks.0.weight"] = .full([2, 3], value: 0.5)
        let report = try net.load(state, strict: false)
        #expect(report.missing == ["head.weight"])
        #expect(report.unexpected == ["stray.weight"])
        #expect(net.blocks[0].weight.scalars == [Float](repeating: 0.5, count: 6))
        #expect(net.decoder.runningMean.scalars == [0.5, 0.5])
        // Loaded in place: the parameter still trains and is the one the module holds.
        #expect(net.blocks[0].weight.requiresGrad)
        #expect(net.namedParameters().first { $0.0 == "blocks.0.fc.bias" }!.1.scalars == [0.5, 0.5])
    }

    @Test func saveAndLoadRoundTrip() throws {
        let a = Net(withAux: true)
        let b = Net(withAux: true)
        let url = temporaryURL("net.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.save(to: url, metadata: ["format": "pt"])
        try b.load(contentsOf: url)
        for ((ka, ta), (kb, tb)) in zip(a.stateDict(), b.stateDict()) {
            #expect(ka == kb)
            #expect(ta.scalars == tb.scalars)
        }
    }
}

import Foundation
