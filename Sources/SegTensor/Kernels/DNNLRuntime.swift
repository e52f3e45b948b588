// oneDNN (2.x C API) plumbing shared by the DNNL kernels: one engine and one stream for the process,
// a lock around execution, status checks that trap with the call's name, aligned buffers and
// memory objects. Threads come from OMP_NUM_THREADS (oneDNN is built on OpenMP here).
import CDNNL
import Foundation

/// The process's oneDNN CPU engine and in-order stream. All execution goes through `run`, which holds
/// one lock: a stream is not meant to be fed from several threads at once, and the kernels' internal
/// buffers are per primitive, so one convolution at a time (each already uses every thread).
final class DNNLRuntime: @unchecked Sendable {
    static let shared = DNNLRuntime()

    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    private let lock = NSRecursiveLock()
    /// Buffers shared by every primitive, each grown to the largest asked for: executions are
    /// serialised by `lock`. Slots 0–2 hold activations in a primitive's own layout while it runs
    /// (`DNNLBoundary`'s), `scratchpadSlot` the scratchpad. Owned per primitive they were one buffer
    /// per convolution shape and direction: gigabytes of resident memory for a ResNet-50's training.
    private var slots: [DNNLAlignedBuffer?] = []
    static let scratchpadSlot = 3
    /// Where a held layout is converted back to row-major (`DNNLHeldLayout.makeRowMajor`).
    static let conversionSlot = 4
    /// Weights (or their gradient) in a primitive's layout for one call, when no cached copy is
    /// kept. Owned per convolution, these were a weights-sized buffer per primitive: for a
    /// ResNet-50 step three idle copies of every weight, half a gigabyte resident.
    static let weightsSlot = 5

    private init() {
        var engine: dnnl_engine_t?
        dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
        var stream: dnnl_stream_t?
        dnnlCheck(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "dnnl_stream_create")
        self.engine = engine!
        self.stream = stream!
    }

    /// Shared buffer `index` of at least `bytes` (the caller holds the lock).
    func slot(_ index: Int, bytes: Int) -> UnsafeMutableRawPointer {
        while slots.count <= index { slots.append(nil) }
        if (slots[index]?.byteCount ?? 0) < bytes {
            slots[index] = nil
            slots[index] = DNNLAlignedBuffer(byteCount: bytes, reusable: false)
        }
        return slots[index]!.raw
    }

    /// Frees the shared buffers (they grow again on the next call).
    func releaseSlots() { locked { slots = [] } }

    /// Runs `body` while holding the process-wide oneDNN lock.
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Executes one primitive with its arguments and waits for it, on the shared scratchpad (see
    /// `DNNLPrimitive.scratchpad`).
    func execute(_ primitive: DNNLPrimitive, _ args: [(Int32, dnnl_memory_t)], _ what: @autoclosure () -> String) {
        var execArgs = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }
        locked {
            if let memory = primitive.scratchpad {
                memory.bind(slot(Self.scratchpadSlot, bytes: dnnlSize(memory.desc)))
                execArgs.append(dnnl_exec_arg_t(arg: DNNLArg.scratchpad, memory: memory.handle))
            }
            let status = execArgs.withUnsafeMutableBufferPointer {
                dnnl_primitive_execute(primitive.primitive, stream, Int32($0.count), $0.baseAddress)
            }
            dnnlCheck(status, "dnnl_primitive_execute(\(what()))")
            dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
        }
    }
}

/// Execution argument indices (`DNNL_ARG_*`, macros that alias macros, spelled out here).
enum DNNLArg {
    static let src: Int32 = 1
    static let dst: Int32 = 17
    static let weights: Int32 = 33
    static let bias: Int32 = 41
    static let workspace: Int32 = 64
    static let scratchpad: Int32 = 80
    static let diffSrc: Int32 = 129
    static let diffDst: Int32 = 145
    static let diffWeights: Int32 = 161
    static let diffBias: Int32 = 169
    /// The first of several sources (a concat's); the i-th is this + i.
    static let multipleSource: Int32 = 1024
    static let from: Int32 = 1
    static let to: Int32 = 17
}

/// Traps with the oneDNN call's name and status when `status` is not success.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ call: @autoclosure () -> String) {
    if status != dnnl_success {
        fatalError("oneDNN: \(call()) failed with status \(status.rawValue) (\(dnnlStatusName(status)))")
    }
}

func dnnlStatusName(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_success: return "success"
    case dnnl_out_of_memory: return "out_of_memory"
    case dnnl_invalid_arguments: return "invalid_arguments"
    case dnnl_unimplemented: return "unimplemented"
    case dnnl_iterator_ends: return "iterator_ends"
    case dnnl_runtime_error: return "runtime_error"
    case dnnl_not_required: return "not_required"
    default: return "unknown"
    }
}

/// A float32 memory descriptor with the given dims and format tag (`dnnl_format_tag_any` lets the
/// primitive choose).
func dnnlDesc(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let dims64 = dims.map { Int64($0) }
    dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims64, dnnl_f32, tag),
              "dnnl_memory_desc_init_by_tag(\(dims))")
    return md
}

/// A float32 memory descriptor with the given dims and element strides: a view into a larger
/// row-major buffer (a slice of its channels).
func dnnlDesc(_ dims: [Int], strides: [Int]) -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(dims.count), dims.map { Int64($0) }, dnnl_f32,
                                               strides.map { Int64($0) }),
              "dnnl_memory_desc_init_by_strides(\(dims), \(strides))")
    return md
}

/// Plain row-major tag for `rank` dimensions (`nchw`, `oihw`, `goihw`, `x`).
func dnnlPlainTag(rank: Int) -> dnnl_format_tag_t {
    switch rank {
    case 1: return dnnl_a
    case 2: return dnnl_ab
    case 3: return dnnl_abc
    case 4: return dnnl_abcd
    case 5: return dnnl_abcde
    default: fatalError("dnnlPlainTag: rank \(rank) not supported")
    }
}

func dnnlEqual(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
    var a = a, b = b
    return dnnl_memory_desc_equal(&a, &b) != 0
}

func dnnlSize(_ md: dnnl_memory_desc_t) -> Int {
    var md = md
    return Int(dnnl_memory_desc_get_size(&md))
}

/// The memory descriptor a primitive descriptor reports for `query` (a copy).
func dnnlQueryDesc(_ pd: dnnl_primitive_desc_t, _ query: dnnl_query_t, _ index: Int32 = 0) -> dnnl_memory_desc_t {
    guard let md = dnnl_primitive_desc_query_md(pd, query, index) else {
        fatalError("oneDNN: dnnl_primitive_desc_query_md(\(query.rawValue)) returned NULL")
    }
    return md.pointee
}

/// The implementation oneDNN picked for a primitive descriptor, e.g. `brgconv:avx512_core`.
func dnnlImplementationName(_ pd: dnnl_primitive_desc_t) -> String {
    var name: UnsafePointer<CChar>?
    let status = withUnsafeMutablePointer(to: &name) {
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, UnsafeMutableRawPointer($0))
    }
    guard status == dnnl_success, let name else { return "?" }
    return String(cString: name)
}

/// A 64-byte-aligned float buffer owned by Swift (oneDNN's `DNNL_MEMORY_ALLOCATE` does not import).
final class DNNLAlignedBuffer {
    let raw: UnsafeMutableRawPointer
    let byteCount: Int
    /// Whether a large buffer goes back to `LargeBlockCache` when freed (else it is unmapped).
    private let reusable: Bool

    /// Large buffers (reordered weights, shared slots) are mappings of their own, as large tensors
    /// are (`LargeBlockCache`): long-lived, they would otherwise pin holes in the heap. A shared
    /// slot's buffer is freed only when the slot outgrows it, for a size nobody asks for again:
    /// `reusable: false` unmaps it rather than keep it in the cache (a U-Net step's scratchpad slot
    /// grew through a dozen sizes, and the cache held them all: 0.5 GB at the step's peak).
    init(byteCount: Int, reusable: Bool = true) {
        self.reusable = reusable
        let size = max(byteCount, 64)
        if let mapped = LargeBlockCache.shared.allocate(bytes: size) {
            raw = mapped
        } else {
            var pointer: UnsafeMutableRawPointer?
            guard posix_memalign(&pointer, 64, size) == 0, let pointer else {
                fatalError("DNNLAlignedBuffer: cannot allocate \(size) bytes")
            }
            raw = pointer
        }
        memset(raw, 0, size)
        self.byteCount = size
    }

    deinit {
        if byteCount >= LargeBlockCache.minimumBytes && !reusable {
            munmap(raw, byteCount)
        } else if !LargeBlockCache.shared.free(raw, bytes: byteCount) {
            free(raw)
        }
    }
}

/// A oneDNN memory object: either over a buffer it owns (a primitive's internal layout), or over
/// caller memory whose handle is set before each execution.
final class DNNLMemory {
    let desc: dnnl_memory_desc_t
    let handle: dnnl_memory_t
    private let buffer: DNNLAlignedBuffer?

    /// Memory in layout `desc` over a new aligned buffer.
    init(owning desc: dnnl_memory_desc_t) {
        self.desc = desc
        let buffer = DNNLAlignedBuffer(byteCount: dnnlSize(desc))
        self.buffer = buffer
        var md = desc
        var memory: dnnl_memory_t?
        dnnlCheck(dnnl_memory_create(&memory, &md, DNNLRuntime.shared.engine, buffer.raw), "dnnl_memory_create")
        self.handle = memory!
    }

    /// Memory in layout `desc` over caller buffers, bound with `bind(_:)` before use.
    init(external desc: dnnl_memory_desc_t) {
        self.desc = desc
        self.buffer = nil
        var md = desc
        var memory: dnnl_memory_t?
        dnnlCheck(dnnl_memory_create(&memory, &md, DNNLRuntime.shared.engine, nil), "dnnl_memory_create")
        self.handle = memory!
    }

    /// Points an external memory object at `pointer`.
    func bind(_ pointer: UnsafeRawPointer) {
        dnnlCheck(dnnl_memory_set_data_handle(handle, UnsafeMutableRawPointer(mutating: pointer)),
                  "dnnl_memory_set_data_handle")
    }

    /// The owned buffer's address (nil for external memory).
    var data: UnsafeMutableRawPointer? { buffer?.raw }

    deinit { dnnl_memory_destroy(handle) }
}

/// A created primitive (and its descriptor), destroyed with its owner.
final class DNNLPrimitive {
    let desc: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t

    /// The primitive's scratchpad layout (nil when it needs none), bound to the runtime's shared
    /// buffer at each execution. oneDNN's default ("library") scratchpad is a per-thread buffer
    /// sized on the thread that *created* the primitive: executed on another thread (Swift
    /// concurrency moves work between threads), the kernel wrote through a null pointer. A user
    /// scratchpad, used under the runtime's lock, is safe from any thread.
    let scratchpad: DNNLMemory?
    var scratchpadBytes: Int { scratchpad.map { dnnlSize($0.desc) } ?? 0 }

    /// The primitive of a primitive descriptor (which it then owns).
    init(descriptor pd: dnnl_primitive_desc_t, _ what: String) {
        var primitive: dnnl_primitive_t?
        dnnlCheck(dnnl_primitive_create(&primitive, pd), "dnnl_primitive_create(\(what))")
        self.desc = pd
        self.primitive = primitive!
        self.scratchpad = DNNLPrimitive.scratchpadMemory(pd)
    }

    /// Creates the primitive for an op descriptor (`hint`: the forward descriptor, for backward ops;
    /// `postOps`: what runs on the result in the same pass, destroyed by the caller).
    convenience init(opDesc: UnsafeRawPointer, hint: DNNLPrimitive? = nil, postOps: dnnl_post_ops_t? = nil, _ what: String) {
        let (status, pd) = DNNLPrimitive.descriptor(opDesc, hint: hint, postOps: postOps, what)
        dnnlCheck(status, "dnnl_primitive_desc_create(\(what))")
        self.init(descriptor: pd!, what)
    }

    /// The primitive for an op descriptor, or nil where oneDNN has no implementation of it (an
    /// algorithm tried before a general one).
    convenience init?(ifImplemented opDesc: UnsafeRawPointer, hint: DNNLPrimitive? = nil, postOps: dnnl_post_ops_t? = nil,
                      _ what: String) {
        let (status, pd) = DNNLPrimitive.descriptor(opDesc, hint: hint, postOps: postOps, what)
        if status == dnnl_unimplemented { return nil }
        dnnlCheck(status, "dnnl_primitive_desc_create(\(what))")
        self.init(descriptor: pd!, what)
    }

    private static func descriptor(_ opDesc: UnsafeRawPointer, hint: DNNLPrimitive?, postOps: dnnl_post_ops_t?,
                                   _ what: String) -> (dnnl_status_t, dnnl_primitive_desc_t?) {
        let attr = DNNLPrimitive.userScratchpadAttr()
        defer { dnnl_primitive_attr_destroy(attr) }
        if let postOps { dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, postOps), "dnnl_primitive_attr_set_post_ops(\(what))") }
        var pd: dnnl_primitive_desc_t?
        let status = dnnl_primitive_desc_create(&pd, opDesc, attr, DNNLRuntime.shared.engine, hint?.desc)
        return (status, pd)
    }

    private static func userScratchpadAttr() -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        dnnlCheck(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "dnnl_primitive_attr_set_scratchpad_mode")
        return attr!
    }

    private static func scratchpadMemory(_ pd: dnnl_primitive_desc_t) -> DNNLMemory? {
        let md = dnnlQueryDesc(pd, dnnl_query_scratchpad_md)
        return dnnlSize(md) > 0 ? DNNLMemory(external: md) : nil
    }

    /// A reorder from layout `from` to layout `to`.
    convenience init(reorderFrom from: dnnl_memory_desc_t, to: dnnl_memory_desc_t) {
        let engine = DNNLRuntime.shared.engine
        var src = from, dst = to
        var pd: dnnl_primitive_desc_t?
        let attr = DNNLPrimitive.userScratchpadAttr()
        defer { dnnl_primitive_attr_destroy(attr) }
        dnnlCheck(dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, attr),
                  "dnnl_reorder_primitive_desc_create")
        self.init(descriptor: pd!, "reorder")
    }

    /// A concatenation of `sources` along `axis` into `destination` (whose format may be `any`).
    convenience init(concatenating sources: [dnnl_memory_desc_t], axis: Int, into destination: dnnl_memory_desc_t, _ what: String) {
        var dst = destination
        var pd: dnnl_primitive_desc_t?
        let attr = DNNLPrimitive.userScratchpadAttr()
        defer { dnnl_primitive_attr_destroy(attr) }
        dnnlCheck(dnnl_concat_primitive_desc_create(&pd, &dst, Int32(sources.count), Int32(axis), sources, attr,
                                                    DNNLRuntime.shared.engine),
                  "dnnl_concat_primitive_desc_create(\(what))")
        self.init(descriptor: pd!, what)
    }

    func query(_ what: dnnl_query_t) -> dnnl_memory_desc_t { dnnlQueryDesc(desc, what) }

    var implementationName: String { dnnlImplementationName(desc) }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(desc)
    }
}

/// One tensor crossing between the caller's plain layout and a primitive's preferred layout.
/// When both layouts agree, the caller's memory is used in place and no reorder runs.
final class DNNLBoundary {
    let user: DNNLMemory
    let inner: DNNLMemory?
    private let reorder: DNNLPrimitive?
    private let toInner: Bool
    /// The runtime's transient slot the inner copy lives in during a call (nil: its own buffer,
    /// kept, as weights need). Activations use slots: a buffer per cached primitive held one
    /// activation-sized copy per convolution shape and direction, gigabytes for a ResNet-50 step.
    private let slot: Int?

    /// `toInner`: the tensor is an input of the primitive (reorder user → inner before);
    /// otherwise an output (reorder inner → user after).
    init(user userDesc: dnnl_memory_desc_t, inner innerDesc: dnnl_memory_desc_t, toInner: Bool, slot: Int? = nil) {
        self.user = DNNLMemory(external: userDesc)
        self.toInner = toInner
        self.slot = slot
        if dnnlEqual(userDesc, innerDesc) {
            inner = nil
            reorder = nil
        } else {
            let inner = slot == nil ? DNNLMemory(owning: innerDesc) : DNNLMemory(external: innerDesc)
            self.inner = inner
            reorder = toInner ? DNNLPrimitive(reorderFrom: userDesc, to: innerDesc)
                              : DNNLPrimitive(reorderFrom: innerDesc, to: userDesc)
        }
    }

    var needsReorder: Bool { inner != nil }

    /// The memory the primitive reads or writes, bound to `pointer` on the caller's side (and, for
    /// a slotted inner copy, to the runtime's slot: call under the runtime's lock).
    func bind(_ pointer: UnsafeRawPointer) -> dnnl_memory_t {
        user.bind(pointer)
        if let inner, let slot { inner.bind(DNNLRuntime.shared.slot(slot, bytes: dnnlSize(inner.desc))) }
        return (inner ?? user).handle
    }

    /// Input: copies the caller's tensor into the primitive's layout (if they differ), into `target`
    /// (a memory in the inner layout) or the boundary's own buffer.
    func importUser(into target: DNNLMemory? = nil) {
        guard let inner, let reorder, toInner else { return }
        DNNLRuntime.shared.execute(reorder, [(DNNLArg.from, user.handle), (DNNLArg.to, (target ?? inner).handle)],
                                   "reorder in")
    }

    /// Output: copies the primitive's result into the caller's tensor (if layouts differ).
    func exportUser() {
        guard let inner, let reorder, !toInner else { return }
        DNNLRuntime.shared.execute(reorder, [(DNNLArg.from, inner.handle), (DNNLArg.to, user.handle)], "reorder out")
    }
}

/// The oneDNN layout a storage's buffer holds (`TensorStorage.layout`): a convolution's output
/// destination, whose reorder converts it back to row-major.
final class DNNLHeldLayout {
    /// The producing convolution's destination: `inner` is this layout, `user` row-major.
    let boundary: DNNLBoundary
    init(_ boundary: DNNLBoundary) {
        precondition(boundary.inner != nil, "DNNLHeldLayout: a destination without a layout of its own")
        self.boundary = boundary
    }

    var desc: dnnl_memory_desc_t { boundary.inner!.desc }

    /// The layout a primitive may leave its result in, inside a buffer made for the row-major
    /// `plain` one: nil when `inner` is row-major already or needs more room (a padded block).
    static func result(plain: dnnl_memory_desc_t, inner: dnnl_memory_desc_t) -> DNNLHeldLayout? {
        guard !dnnlEqual(inner, plain), dnnlSize(inner) == dnnlSize(plain) else { return nil }
        return DNNLHeldLayout(DNNLBoundary(user: plain, inner: inner, toInner: false, slot: 1))
    }

    /// Copies `storage`'s buffer (in this layout) into `target`, a memory in another oneDNN layout
    /// of the same tensor (under the runtime's lock; the reorder is created once per pair).
    func reorder(_ storage: TensorStorage, into target: DNNLMemory) {
        let primitive: DNNLPrimitive
        if let known = reorders.first(where: { dnnlEqual($0.to, target.desc) }) {
            primitive = known.primitive
        } else {
            primitive = DNNLPrimitive(reorderFrom: desc, to: target.desc)
            reorders.append((target.desc, primitive))
        }
        boundary.inner!.bind(storage.base)
        DNNLRuntime.shared.execute(primitive, [(DNNLArg.from, boundary.inner!.handle), (DNNLArg.to, target.handle)],
                                   "reorder between layouts")
    }
    private var reorders: [(to: dnnl_memory_desc_t, primitive: DNNLPrimitive)] = []

    /// Reorders `storage`'s buffer to row-major in place (through the runtime's conversion slot).
    static func makeRowMajor(_ storage: TensorStorage) {
        DNNLRuntime.shared.locked {
            guard let held = storage.layout else { return }
            let bytes = storage.count * 4
            let scratch = DNNLRuntime.shared.slot(DNNLRuntime.conversionSlot, bytes: bytes)
            held.boundary.inner!.bind(storage.base)
            held.boundary.user.bind(scratch)
            held.boundary.exportUser()
            UnsafeMutableRawPointer(storage.base).copyMemory(from: scratch, byteCount: bytes)
            storage.layout = nil
        }
    }
}

/// Weights in the layouts primitives read them in: one copy per caller buffer and layout, shared by
/// every primitive that asks for that layout (the same layer at two batch sizes; training's
/// forward after the trace's), refreshed in place when the caller's contents change (an optimizer
/// step), and dropped when the caller's buffer is freed (`TensorStorage.hasDerivedCopies`).
/// Kept per primitive, a layer's weights were copied once per batch size and direction, and stale
/// copies stayed until evicted: about five copies of every weight during a U-Net's benchmark.
/// Use under the runtime's lock.
enum DNNLWeightCopies {
    private struct Copy {
        let memory: DNNLMemory
        var version: UInt64
    }
    nonisolated(unsafe) private static var copies: [UInt: [Copy]] = [:]

    /// The memory holding `weight` in `boundary`'s inner layout: a kept copy of this version in that
    /// layout if there is one; else, with `keep`, one made (or refreshed) and kept; else a
    /// reorder into the transient weights slot, as always when `identity` is nil. Training's
    /// backward-data convolution reads another layout than its forward: a kept copy of it would
    /// be one more weights-sized buffer for a reorder that costs about 1 % of a step.
    static func memory(for weight: UnsafePointer<Float>, identity: DNNLWeightsIdentity?, keep: Bool = true,
                       boundary: DNNLBoundary) -> dnnl_memory_t {
        boundary.user.bind(weight)
        guard let inner = boundary.inner else { return boundary.user.handle }
        var list = identity.flatMap { copies[$0.address] } ?? []
        if let copy = list.first(where: { $0.version == identity?.version && dnnlEqual($0.memory.desc, inner.desc) }) {
            return copy.memory.handle
        }
        guard let identity, keep else {
            _ = boundary.bind(weight)
            boundary.importUser()
            return inner.handle
        }
        // New contents: copies in other layouts are stale too (an inference layout once training
        // has stepped the weights); dropped, rather than kept resident until the buffer is freed.
        list.removeAll { $0.version != identity.version && !dnnlEqual($0.memory.desc, inner.desc) }
        let i = list.firstIndex { dnnlEqual($0.memory.desc, inner.desc) } ?? {
            list.append(Copy(memory: DNNLMemory(owning: inner.desc), version: identity.version))
            return list.count - 1
        }()
        boundary.importUser(into: list[i].memory)
        list[i].version = identity.version
        copies[identity.address] = list
        return list[i].memory.handle
    }

    /// Drops the copies in Winograd's layouts (4× the weights, read only by inference; made
    /// again on first use).
    static func removeWinograd() {
        DNNLRuntime.shared.locked {
            for (address, list) in copies {
                let kept = list.filter { $0.memory.desc.format_kind != dnnl_format_kind_wino }
                copies[address] = kept.isEmpty ? nil : kept
            }
        }
    }

    /// Drops the copies made from the buffer at `address` (it is being freed).
    static func forget(address: UInt) {
        DNNLRuntime.shared.locked { _ = copies.removeValue(forKey: address) }
    }

    /// How many copies of the buffer at `address` are kept.
    static func count(of address: UInt) -> Int { DNNLRuntime.shared.locked { copies[address]?.count ?? 0 } }
}

/// Frees what the engine keeps between calls for speed that a change of phase (training ↔
/// evaluation) leaves unused: the large blocks kept for reuse, oneDNN's shared buffers, and the
/// weights reordered for Winograd's inference kernels (4× the weights: a U-Net's 500 MB stayed
/// resident through its training steps).
public func releaseEngineBuffers() {
    DNNLWeightCopies.removeWinograd()
    DNNLRuntime.shared.releaseSlots()
    // Last: the copies and slots just freed went into it.
    LargeBlockCache.shared.releaseAll()
}
