import Foundation
import SegTensor

/// The generator layer constructors draw initial weights from and dropout draws masks from, like
/// PyTorch's global generator. `manualSeed(0)` reseeds the process-wide one (shared by all
/// threads, under a lock); `DefaultGenerator.seeded(0) { ... }` gives the calls inside the block
/// (in this task or thread) their own generator, so a model built there is reproducible whatever
/// else runs concurrently.
public enum DefaultGenerator {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared = SeededGenerator(seed: 0)

    private final class Box: @unchecked Sendable {
        var generator: SeededGenerator
        init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    }

    @TaskLocal private static var scoped: Box?

    /// Runs `body` with the generator in force: the innermost `seeded` block's, else the shared one.
    public static func with<T>(_ body: (inout SeededGenerator) -> T) -> T {
        if let box = scoped { return body(&box.generator) }
        return lock.withLock { body(&shared) }
    }

    /// Reseeds the shared generator.
    public static func seed(_ seed: UInt64) {
        lock.withLock { shared = SeededGenerator(seed: seed) }
    }

    /// Runs `body` with a private generator seeded with `seed` for every draw inside it.
    public static func seeded<T>(_ seed: UInt64, _ body: () throws -> T) rethrows -> T {
        try $scoped.withValue(Box(seed: seed), operation: body)
    }
}

/// Reseeds the shared generator layer constructors and dropout use (torch.manual_seed).
public func manualSeed(_ seed: UInt64) { DefaultGenerator.seed(seed) }
