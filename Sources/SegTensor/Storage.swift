import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
    /// The buffer, in whatever layout it holds (`layout`): for kernels that understand it.
    let base: UnsafeMutablePointer<Float>
    /// Set while the buffer holds the values in a oneDNN layout rather than row-major: an inference
    /// convolution leaves its output so when the next convolution reads that layout, saving two
    /// reorders per layer. Reading `pointer` converts the buffer back first.
    var layout: DNNLHeldLayout?
    private let scope: MemoryScope?

    /// The row-major contents (converted in place first if a convolution left them in its layout).
    public var pointer: UnsafeMutablePointer<Float> {
        if layout != nil { DNNLHeldLayout.makeRowMajor(self) }
        return base
    }
    /// Names these contents process-wide: fresh at creation and after every in-place write
    /// (`Tensor.update`, `setScalars`, subscript set), so kernels that keep derived copies (oneDNN's
    /// reordered weights) know when theirs is stale.
    public private(set) var contentVersion = TensorStorage.nextContentVersion()
    private static let contentVersions = Atomic<UInt64>(0)
    /// A version no storage's contents had before (process-wide).
    static func nextContentVersion() -> UInt64 {
        contentVersions.wrappingAdd(1, ordering: .relaxed).newValue
    }
    /// Call after writing into the storage in place.
    func contentsChanged() { contentVersion = Self.nextContentVersion() }
    /// Whether a kernel may hold a copy derived from these contents (oneDNN's reordered weights),
    /// to be dropped when this storage is freed.
    var hasDerivedCopies = false

    /// `contentVersion`, for a kernel about to keep a copy derived from these contents (reordered
    /// weights): the copy is dropped when this storage is freed.
    func versionForDerivedCopy() -> UInt64 {
        hasDerivedCopies = true
        return contentVersion
    }

    /// glibc serves blocks above 128 KiB with fresh mmaps, so every activation would page-fault
    /// its memory in again (measured: most of a 2× bilinear upsample's time). Raising the mmap
    /// threshold to its 32 MiB maximum and never trimming keeps freed blocks below 1 MiB in the
    /// heap for reuse; larger ones are `LargeBlockCache`'s.
    private static let allocatorTuned: Bool = {
        #if canImport(Glibc)
        // mallopt is in <malloc.h>, which Glibc's module does not export: look it up.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(-3, 32 << 20)      // M_MMAP_THRESHOLD
            _ = mallopt(-1, Int32.max)     // M_TRIM_THRESHOLD
        }
        #endif
        return true
    }()

    /// Uninitialised storage: the caller writes every element.
    public init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative count \(count)")
        _ = TensorStorage.allocatorTuned
        self.count = count
        let raw = LargeBlockCache.shared.allocate(bytes: count * 4)
            ?? UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
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
        if hasDerivedCopies { DNNLWeightCopies.forget(address: UInt(bitPattern: base)) }
        TensorMemory.freed(count * 4)
        scope?.freed(count * 4)
        if !LargeBlockCache.shared.free(UnsafeMutableRawPointer(base), bytes: count * 4) {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }

    func copy() -> TensorStorage { TensorStorage(copying: pointer, count: count) }
}

/// Large tensor buffers (1 MiB and more) live outside malloc's heap, each in its own mapping:
/// in the heap, long-lived buffers (gradients, momentum, reordered weights) made between a step's
/// transient activations left holes the heap never gave back: a ResNet-50 training step held 2 GB
/// resident for 1.1 GB of live data. Freed blocks are kept, up to a capacity, for the next
/// allocation of the same size (a training loop asks for the same sizes every step; a fresh mapping
/// page-faults its memory in again).
public final class LargeBlockCache: @unchecked Sendable {
    /// The process's cache, holding up to 1 GiB, or `SEGBOOK_BLOCK_CACHE_MIB`. (384 MiB cut a U-Net's
    /// training peak by 150 MB but made ResNet-50 and Swin steps 15–35 % slower, faulting in the
    /// blocks it could not keep; `Module.mode` releases what an ended phase left instead.)
    public static let shared = LargeBlockCache(
        capacity: (ProcessInfo.processInfo.environment["SEGBOOK_BLOCK_CACHE_MIB"].flatMap { Int($0) } ?? 1024) << 20)

    static let minimumBytes = 1 << 20
    /// Bytes of freed blocks kept; beyond it the longest-held go first (likely the sizes an ended
    /// phase asked for: a last batch size's, the trace's).
    public let capacity: Int
    private let lock = NSLock()
    /// Kept blocks by size, each list in the order they were freed (`order` numbers them).
    private var blocks: [Int: [(pointer: UnsafeMutableRawPointer, order: Int)]] = [:]
    private var held = 0
    private var freedCount = 0

    public init(capacity: Int) { self.capacity = capacity }
    deinit { releaseAll() }

    /// Bytes held for reuse now (not counted in `TensorMemory.liveBytes`).
    public var heldBytes: Int { lock.withLock { held } }
    /// The sizes of the kept blocks, smallest first.
    var heldSizes: [Int] { lock.withLock { blocks.flatMap { size, list in list.map { _ in size } }.sorted() } }

    /// A page-aligned block of `bytes` (the last freed one of that size, or a new mapping); nil
    /// below `minimumBytes`.
    func allocate(bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= Self.minimumBytes else { return nil }
        let kept: UnsafeMutableRawPointer? = lock.withLock {
            guard let block = blocks[bytes]?.popLast() else { return nil }
            held -= bytes
            return block.pointer
        }
        if let kept { return kept }
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            fatalError("TensorStorage: cannot map \(bytes) bytes: \(String(cString: strerror(errno)))")
        }
        return p
    }

    /// Takes back a block from `allocate` (false: not one of its sizes, free it elsewhere).
    func free(_ p: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard bytes >= Self.minimumBytes else { return false }
        var evicted: [(UnsafeMutableRawPointer, Int)] = []
        lock.withLock {
            freedCount += 1
            blocks[bytes, default: []].append((p, freedCount))
            held += bytes
            while held > capacity,
                  let oldest = blocks.filter({ !$0.value.isEmpty }).min(by: { $0.value[0].order < $1.value[0].order })?.key {
                evicted.append((blocks[oldest]!.removeFirst().pointer, oldest))
                held -= oldest
            }
        }
        for (pointer, size) in evicted { munmap(pointer, size) }
        return true
    }

    /// Unmaps every held block.
    public func releaseAll() {
        lock.withLock {
            for (bytes, list) in blocks { for block in list { munmap(block.pointer, bytes) } }
            blocks = [:]
            held = 0
        }
    }
}
