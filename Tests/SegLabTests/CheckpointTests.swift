import Foundation
import SegNN
import SegTensor
import Testing
@testable import SegLab

@Suite(.serialized) struct CheckpointTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("segbook-ckpt-\(UUID().uuidString)")
    }

    /// Six steps straight, against three steps, a checkpoint, a fresh trainer resumed from it and
    /// three more: the same losses and the same weights, bit for bit.
    @Test func resumeContinuesBitForBit() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let straight = try tinyTrainer(steps: 6)
        for _ in 0..<6 { try straight.trainStep() }

        let first = try tinyTrainer(steps: 6)
        for _ in 0..<3 { try first.trainStep() }
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        try first.saveCheckpoint(to: url)
        // A fresh model (other initial weights) must be overwritten by the checkpoint.
        let resumed = try tinyTrainer(steps: 6)
        try resumed.trainStep()
        try resumed.resume(from: url)
        #expect(resumed.step == 3)
        for _ in 0..<3 { try resumed.trainStep() }

        #expect(resumed.losses == straight.losses)
        let a = straight.model.stateDict(), b = resumed.model.stateDict()
        #expect(a.map(\.0) == b.map(\.0))
        for ((key, x), (_, y)) in zip(a, b) { #expect(x.scalars == y.scalars, "\(key) differs") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["checkpoint.safetensors"], "temporary files left: \(leftovers)")
    }

    @Test func checkpointHoldsModelOptimizerStepAndSeed() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainer = try tinyTrainer(steps: 2, directory: directory)
        let result = try trainer.run()
        let file = try SafetensorsFile(contentsOf: directory.appendingPathComponent("checkpoint.safetensors"))
        #expect(file.metadata["step"] == "2" && file.metadata["seed"] == "3" && file.metadata["preset"] == "tiny")
        #expect(file.entries.contains { $0.name == "model.encoder.0.weight" })
        #expect(file.entries.contains { $0.name == "optimizer.encoder.0.weight.momentum_buffer" })
        #expect(file.tensor(named: "trainer.losses")?.scalars == result.losses)
        // model.safetensors is the plain state dict, loadable into a fresh model.
        let fresh = TinySegNet(classes: 6)
        try fresh.load(contentsOf: directory.appendingPathComponent("model.safetensors"))
        #expect(fresh.classifier.weight.scalars == trainer.model.state("classifier.weight")!.scalars)
    }

    @Test func resumeRefusesAnotherSeed() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.safetensors")
        let trainer = try tinyTrainer(steps: 2)
        try trainer.trainStep()
        try trainer.saveCheckpoint(to: url)
        #expect(throws: TrainingSetupError.self) { try tinyTrainer(steps: 2, seed: 9).resume(from: url) }
    }
}
