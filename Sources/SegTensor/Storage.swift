import Foundation

/// Counts the bytes held by live tensor storage, so tests and the profiler can see memory.
public enum TensorMemory {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live = 0
    nonisolated(unsafe) private static var peak = 0
    nonisolated(unsafe) private static var allocations = 0

    /// Bytes of tensor storage alive now.
    public static var liveBytes: Int { lock.withLock { live } }
    /// Largest `liveBytes` seen since the last `resetPeak()`.
    public static var peakBytes: Int { lock.withLock { peak } }
    /// Number of storage allocations since the process started.
    public static var allocationCount: Int { lock.withLock { allocations } }
    /// Sets `peakBytes` to the current `liveBytes`.
    public static func resetPeak() { lock.withLock { peak = live } }

    /// Runs `body` with a scope that counts only the storage allocated inside it (on this task),
    /// so a measurement is not disturbed by other threads allocating at the same time.
    public static func withScope<T>(_ body: (MemoryScope) throws -> T) rethrows -> T {
        let scope = MemoryScope()
        return try MemoryScope.$current.withValue(scope) { try body(scope) }
    }

    static func allocated(_ bytes: Int) {
        lock.withLock {
            live += bytes
            allocations += 1
            if live > peak { peak = live }
        }
    }
    static func freed(_ bytes: Int) { lock.withLock { live -= bytes } }
}

/// Live and peak bytes of the storage allocated inside one `TensorMemory.withScope`.
public final class MemoryScope: @unchecked Sendable {
    @TaskLocal static var current: MemoryScope?
    private let lock = NSLock()
    private var live = 0, peak = 0

    public var liveBytes: Int { lock.withLock { live } }
    public var peakBytes: Int { lock.withLock { peak } }
    public func resetPeak() { lock.withLock { peak = live } }

    func allocated(_ bytes: Int) {
        lock.withLock {
            live += bytes
            if live > peak { peak = live }
        }
    }
    func freed(_ bytes: Int) { lock.withLock { live -= bytes } }
}

/// A 64-byte-aligned buffer of Float32 (aligned for AVX-512 and oneDNN).
/// Immutable once a tensor is built on it, except through `Tensor.update`.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    private let scope: MemoryScope?

    /// Uninitialised storage: the caller writes every element.
    public init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        TensorMemory.allocated(count * 4)
        scope = MemoryScope.current
        scope?.allocated(count * 4)
    }

    public convenience init(repeating value: Float, count: Int) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    public convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(count: count)
        pointer.update(from: source, count: count)
    }

    deinit {
        TensorMemory.freed(count * 4)
        scope?.freed(count * 4)
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }

    func copy() -> TensorStorage { TensorStorage(copying: pointer, count: count) }
}
