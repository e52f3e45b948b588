import Foundation

/// One call seen while tracing a forward pass: a leaf layer (`module` set, its inner ops hidden) or
/// a tensor op outside any layer (`op` set: "add", "concat", "resized", "matmul", ...).
public struct TraceEvent {
    /// The layer object (a `Module` from SegNN), or nil for a tensor op.
    public var module: AnyObject?
    /// The op's name for a tensor op; "" for a layer.
    public var op: String
    /// The tensors read (a pooling's indices included, for max-unpooling).
    public var inputs: [Tensor]
    /// The tensors made (a max-pooling's indices are its second output).
    public var outputs: [Tensor]
    /// Settings an op states for the tracer (`kernel`, `stride`, `padding`, `dilation` of a pooling op).
    public var attributes: [String: [Int]]
    /// Wall-clock seconds the call took: a layer's own span; for a tensor op, the time since the
    /// previous event ended (the op and the glue before it). For profiles (`segbook bench --profile`).
    public var seconds: Double = 0
}

/// The events of one traced forward pass, in execution order. It keeps the tensors it saw alive,
/// so that their identities stay unique while tracing.
public final class TraceRecorder: @unchecked Sendable {
    public private(set) var events: [TraceEvent] = []
    /// Whether layers may run fused (inference fusion) while recorded, each fused call one event:
    /// a timing profile wants what really runs; a diagram or a FLOP count wants every layer.
    public let allowsFusion: Bool
    var depth = 0
    /// When the last top-level event ended (or recording began), in uptime nanoseconds.
    var lastEnd = DispatchTime.now().uptimeNanoseconds
    public init(allowsFusion: Bool = false) { self.allowsFusion = allowsFusion }

    func append(_ event: TraceEvent, start: UInt64? = nil) {
        let now = DispatchTime.now().uptimeNanoseconds
        var event = event
        event.seconds = Double(now - (start ?? lastEnd)) / 1e9
        events.append(event)
        lastEnd = now
    }

    func annotate(output: Tensor, attributes: [String: [Int]], extraInputs: [Tensor], extraOutputs: [Tensor]) {
        guard depth == 0, let i = events.lastIndex(where: { $0.outputs.contains { $0.identity == output.identity } }) else { return }
        events[i].attributes.merge(attributes) { _, new in new }
        events[i].inputs += extraInputs
        events[i].outputs += extraOutputs
    }
}

/// Tracing: off by default; when off, each hook costs one branch on `Trace.isActive`.
/// `Trace.recording { model(x) }` turns it on for the calling thread only.
public enum Trace {
    nonisolated(unsafe) private static var activeCount = 0
    private static let lock = NSLock()
    private static let key = "segbook.TraceRecorder"

    /// Whether some thread is tracing (the cheap check the hooks make first).
    @inline(__always) public static var isActive: Bool { activeCount > 0 }

    /// The recorder of the calling thread, if it is tracing.
    public static var current: TraceRecorder? {
        isActive ? Thread.current.threadDictionary[key] as? TraceRecorder : nil
    }

    /// Whether inference may take its fused paths (one oneDNN call for several ops, layouts kept
    /// between them) on this thread: not while it traces, unless the trace asked for fused calls
    /// (a timing profile). Another thread's trace does not count.
    public static var allowsFusionHere: Bool { current?.allowsFusion ?? true }

    /// Runs `body` with tracing on for this thread; returns its value and the recorded events.
    public static func recording<T>(allowingFusion: Bool = false, _ body: () throws -> T) rethrows -> (value: T, recorder: TraceRecorder) {
        let recorder = TraceRecorder(allowsFusion: allowingFusion)
        let previous = Thread.current.threadDictionary[key]
        Thread.current.threadDictionary[key] = recorder
        lock.withLock { activeCount += 1 }
        defer {
            lock.withLock { activeCount -= 1 }
            Thread.current.threadDictionary[key] = previous
        }
        return (try body(), recorder)
    }

    /// A leaf layer's call: the ops inside `body` are not recorded, the layer is, as one event.
    public static func layer(_ module: AnyObject, inputs: [Tensor], _ body: () -> [Tensor]) -> [Tensor] {
        asOneEvent(module: module, op: "", inputs: inputs, body)
    }

    /// Several tensor ops a figure shows as one (an L2 normalisation is five): recorded as one op
    /// event named `name` when outside every layer.
    public static func composite(_ name: String, inputs: [Tensor], _ body: () -> Tensor) -> Tensor {
        asOneEvent(module: nil, op: name, inputs: inputs) { [body()] }[0]
    }

    /// Runs `body` with the ops inside it unrecorded; records one event for it when outside every layer.
    private static func asOneEvent(module: AnyObject?, op: String, inputs: [Tensor], _ body: () -> [Tensor]) -> [Tensor] {
        guard let recorder = current else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        recorder.depth += 1
        let outputs = body()
        recorder.depth -= 1
        if recorder.depth == 0 {
            recorder.append(TraceEvent(module: module, op: op, inputs: inputs, outputs: outputs, attributes: [:]), start: start)
        }
        return outputs
    }

    /// A tensor op (called from `Tensor.record`): recorded when outside every layer.
    static func op(_ name: String, inputs: [Tensor], output: Tensor) {
        guard let recorder = current, recorder.depth == 0 else { return }
        recorder.append(TraceEvent(module: nil, op: name, inputs: inputs, outputs: [output], attributes: [:]))
    }

    /// Adds what `Tensor.record` cannot see to the op that made `output`: its settings, inputs that
    /// carry no gradient (unpooling's indices) and extra outputs (pooling's indices).
    public static func annotate(_ output: Tensor, attributes: [String: [Int]] = [:], extraInputs: [Tensor] = [],
                                extraOutputs: [Tensor] = []) {
        current?.annotate(output: output, attributes: attributes, extraInputs: extraInputs, extraOutputs: extraOutputs)
    }
}

extension Tensor {
    /// The identity of this tensor's value (copies share it): how a trace links producers to consumers.
    public var identity: ObjectIdentifier { ObjectIdentifier(node) }
}
