import Foundation
import SegTensor

/// A training checkpoint in one safetensors file: the model's state dict under `model.`, the
/// optimizer's state under `optimizer.`, and the step in the metadata, so training resumes exactly
/// where it stopped (same parameters, same momentum and moments, same schedule position).
public enum Checkpoint {
    public static func save(model: Module, optimizer: (any Optimizer)?, step: Int, to url: URL,
                            metadata: [String: String] = [:]) throws {
        var tensors = model.stateDict().map { ("model." + $0.0, $0.1) }
        if let optimizer { tensors += optimizer.stateDict().map { ("optimizer." + $0.0, $0.1) } }
        try Safetensors.write(tensors, metadata: metadata.merging(["step": String(step)]) { _, new in new }, to: url)
    }

    /// Loads a checkpoint written by `save` (strictly: every key must fit) and returns its step.
    @discardableResult
    public static func load(model: Module, optimizer: (any Optimizer)?, from url: URL) throws -> Int {
        let file = try SafetensorsFile(contentsOf: url)
        var modelState: [String: Tensor] = [:], optimizerState: [String: Tensor] = [:]
        for entry in file.entries {
            if entry.name.hasPrefix("model.") { modelState[String(entry.name.dropFirst(6))] = file.tensor(entry) }
            else if entry.name.hasPrefix("optimizer.") { optimizerState[String(entry.name.dropFirst(10))] = file.tensor(entry) }
        }
        guard let step = file.metadata["step"].flatMap(Int.init) else {
            throw SafetensorsError(path: url.path, reason: .badHeader("checkpoint has no integer 'step' in __metadata__"))
        }
        do {
            try model.load(modelState, strict: true, path: url.path)
            try optimizer?.loadStateDict(optimizerState)
        } catch var mismatch as StateDictMismatch {
            mismatch.path = url.path
            throw mismatch
        }
        return step
    }
}
