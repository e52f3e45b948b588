import Foundation
import SegTensor

/// The generator layer constructors draw initial weights from and dropout draws masks from, like
/// PyTorch's global generator:
/// `manualSeed(0)` before building a model makes its initial weights reproducible.
/// Guarded by a lock; building models on several threads at once gives an unspecified order.
public enum DefaultGenerator {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var generator = SeededGenerator(seed: 0)

    /// Runs `body` with the shared generator.
    public static func with<T>(_ body: (inout SeededGenerator) -> T) -> T {
        lock.withLock { body(&generator) }
    }

    /// Reseeds the shared generator.
    public static func seed(_ seed: UInt64) {
        lock.withLock { generator = SeededGenerator(seed: seed) }
    }
}

/// Reseeds the generator layer constructors use (torch.manual_seed).
public func manualSeed(_ seed: UInt64) { DefaultGenerator.seed(seed) }
