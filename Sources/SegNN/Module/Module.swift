import SegTensor

/// Training or evaluation: what dropout, batch norm and stochastic depth do. Set on a model with
/// `model.mode = .eval` (or `model.eval()`); it is passed down to every sub-module, never global.
public enum Mode: Sendable, Equatable {
    case train, eval
}

/// One piece of a module's state, as reflection finds it.
public enum ModuleMember {
    case parameter(Tensor)
    case buffer(Tensor, persistent: Bool)
    case module(Module)
}

/// A neural-network module: a class of named sub-modules, parameters and buffers, and a
/// `callAsFunction`. Its state is found by reflection over its stored properties, so a model reads
/// like its paper's figure, with no registration:
///
///     final class BasicBlock: Module {
///         let conv1: Conv2d
///         let bn1: BatchNorm2d
///         let relu = ReLU()
///         let conv2: Conv2d
///         let bn2: BatchNorm2d
///         let downsample: Sequential?          // nil: no keys
///         ...
///     }
///
/// Reflection rules, giving PyTorch's `state_dict` keys:
/// - a stored `Module` property is a child under its property name; `[Module]` gives indexed
///   children (`layer1.0`, `layer1.1`), as `nn.Sequential`/`nn.ModuleList` do, `[[Module]]` doubly
///   indexed ones (`block.0.1`); a nil optional is skipped (also inside arrays, keeping the indices);
/// - a stored `Tensor` property is a parameter (`weight`), `[Tensor]` indexed parameters; a nil
///   `Tensor?` (a conv without bias) is skipped;
/// - `@Child(key:)`, `@Param(key:)`, `@Buffer(key:)` give another key or mark a buffer;
///   `@Constant` hides a property from reflection; properties of other types are ignored;
/// - `@Child(key: "") var layers: [Block]` puts an array's entries at this module's top level
///   (`0.weight`, `1.weight`), as a subclass of `nn.Sequential` has them;
/// - superclass properties come before subclass ones, each in declaration order.
///
/// Order: as PyTorch, a module's own parameters (then its buffers, in `stateDict()`) come before
/// its children's, whatever the declaration order; so `cls_token` precedes `patch_embed.*`.
///
/// Trainable parameters are tensors with `requiresGrad`: the layers here create theirs so, and
/// `@Param` sets it; a plain `Tensor` property made with `.zeros(...)` is a parameter that is
/// frozen until `.requiringGrad()` or `unfreeze()`.
///
/// Weight sharing (one module or tensor reachable under two keys) is listed under both keys.
open class Module {
    /// Training or evaluation; setting it sets every sub-module's mode too. A change of phase asks
    /// for other buffer sizes (another batch, no gradients) and other weight layouts, so what the
    /// last phase kept for reuse is freed rather than kept resident unused (`releaseEngineBuffers`).
    public var mode: Mode = .train {
        didSet {
            if mode != oldValue { releaseEngineBuffers() }
            for (_, child) in namedChildren() { child.mode = mode }
        }
    }

    public init() {}

    /// This module's own members (key, member) in order; the default reflects over stored
    /// properties. Containers such as `Sequential` override it.
    open func members() -> [(key: String, member: ModuleMember)] {
        var result: [(key: String, member: ModuleMember)] = []
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror, m.subjectType != Module.self {
            mirrors.append(m)
            mirror = m.superclassMirror
        }
        for m in mirrors.reversed() {
            for child in m.children {
                guard let label = child.label else { continue }
                Self.reflect(label: label, value: child.value, into: &result)
            }
        }
        return result
    }

    private static func reflect(label: String, value: Any,
                                into result: inout [(key: String, member: ModuleMember)]) {
        if label.hasPrefix("$") { return }  // lazy storage and projected values
        if let wrapped = value as? ReflectedState {
            let key = wrapped.stateKey ?? (label.hasPrefix("_") ? String(label.dropFirst()) : label)
            switch wrapped.stateKind {
            case .constant: return
            case .child, .parameter: appendValue(wrapped.stateValue, key: key, asBuffer: nil, into: &result)
            case .buffer(let persistent): appendValue(wrapped.stateValue, key: key, asBuffer: persistent, into: &result)
            }
            return
        }
        appendValue(value, key: label, asBuffer: nil, into: &result)
    }

    private static func appendValue(_ value: Any, key: String, asBuffer persistent: Bool?,
                                    into result: inout [(key: String, member: ModuleMember)]) {
        func tensorMember(_ t: Tensor) -> ModuleMember {
            if let persistent { return .buffer(t, persistent: persistent) }
            return .parameter(t)
        }
        if let module = value as? Module {
            precondition(!key.isEmpty, "Module: an empty key is only for arrays (top-level indices), not for \(type(of: module))")
            result.append((key, .module(module)))
        } else if let tensor = value as? Tensor {
            result.append((key, tensorMember(tensor)))
        } else if let elements = stateLikeElements(value) {
            // [Module], [Tensor], [Module?], [[Module]] (HF's ModuleList of ModuleLists): indexed keys.
            for (i, element) in elements.enumerated() {
                appendValue(element.value, key: key.isEmpty ? "\(i)" : "\(key).\(i)", asBuffer: persistent, into: &result)
            }
        }
    }

    /// The elements of a collection whose first elements can hold state (a module, a tensor, or such
    /// a collection), or nil. Peeks through a Mirror, so arrays of numbers are neither walked nor copied.
    private static func stateLikeElements(_ value: Any) -> Mirror.Children? {
        var mirror = Mirror(reflecting: value)
        while mirror.displayStyle == .optional {  // a wrapper's storage, an optional array
            guard let wrapped = mirror.children.first else { return nil }
            mirror = Mirror(reflecting: wrapped.value)
        }
        guard mirror.displayStyle == .collection,
              mirror.children.prefix(8).contains(where: { isStateLike($0.value) }) else { return nil }
        return mirror.children
    }

    private static func isStateLike(_ value: Any) -> Bool {
        value is Module || value is Tensor || stateLikeElements(value) != nil
    }

    // MARK: - Traversal

    /// Direct sub-modules with their keys (arrays flattened: `layer1.0`, `layer1.1`).
    public func namedChildren() -> [(String, Module)] {
        members().compactMap { key, member in
            if case .module(let m) = member { return (key, m) }
            return nil
        }
    }

    /// This module (key "") and every sub-module, depth first, with dotted keys.
    public func namedModules() -> [(String, Module)] {
        var result: [(String, Module)] = [("", self)]
        for (key, child) in namedChildren() {
            for (sub, m) in child.namedModules() {
                result.append((sub.isEmpty ? key : "\(key).\(sub)", m))
            }
        }
        return result
    }

    /// Every parameter with its dotted key, in PyTorch's `named_parameters()` order (each module's
    /// own parameters, then its children's).
    public func namedParameters() -> [(String, Tensor)] {
        collect(prefix: "") { member in
            if case .parameter(let t) = member { return t }
            return nil
        }
    }

    /// Every buffer with its dotted key (non-persistent ones included), as `named_buffers()`.
    /// BatchNorm's `num_batches_tracked` is a Float tensor holding the count.
    public func namedBuffers() -> [(String, Tensor)] {
        collect(prefix: "") { member in
            if case .buffer(let t, _) = member { return t }
            return nil
        }
    }

    /// The trainable parameters (`requiresGrad`), for an optimizer.
    public func trainableParameters() -> [(String, Tensor)] {
        namedParameters().filter { $0.1.requiresGrad }
    }

    private func collect(prefix: String, _ pick: (ModuleMember) -> Tensor?) -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        var children: [(String, Module)] = []
        for (key, member) in members() {
            if case .module(let m) = member { children.append((key, m)); continue }
            if let t = pick(member) { result.append((prefix + key, t)) }
        }
        for (key, child) in children {
            result += child.collect(prefix: prefix + key + ".", pick)
        }
        return result
    }

    // MARK: - Counts and freezing

    /// Number of trainable scalars (parameters with `requiresGrad`), as
    /// `sum(p.numel() for p in m.parameters() if p.requires_grad)`.
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + ($1.1.requiresGrad ? $1.1.count : 0) }
    }

    /// Number of parameter scalars, trainable or frozen (buffers not counted).
    public var totalParameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.1.count }
    }

    /// Stops training every parameter of this module and its sub-modules (`requiresGrad = false`).
    public func freeze() { for (_, p) in namedParameters() { p.requiresGrad = false } }

    /// Trains every parameter of this module and its sub-modules (`requiresGrad = true`).
    public func unfreeze() { for (_, p) in namedParameters() { p.requiresGrad = true } }

    /// Whether every parameter is trainable (true for a module without parameters).
    public var isTrainable: Bool { namedParameters().allSatisfy { $0.1.requiresGrad } }

    /// Sets training mode on this module and its sub-modules.
    @discardableResult
    public func train() -> Self { mode = .train; return self }

    /// Sets evaluation mode on this module and its sub-modules.
    @discardableResult
    public func eval() -> Self { mode = .eval; return self }

    /// Clears the gradient of every parameter.
    public func zeroGrad() { for (_, p) in namedParameters() { p.zeroGrad() } }

    /// Every sub-module (and this one) of type `T`, with dotted keys: e.g. every `BatchNorm2d`,
    /// to freeze them.
    public func modules<T: Module>(ofType _: T.Type) -> [(String, T)] {
        namedModules().compactMap { key, m in (m as? T).map { (key, $0) } }
    }

    /// The parameter or buffer under a dotted `state_dict` key, or nil.
    public func state(_ key: String) -> Tensor? {
        stateDict().first { $0.0 == key }?.1
    }

    /// The settings PyTorch shows between the parentheses of a layer (`3, 8, kernel_size=(3, 3)`);
    /// empty by default.
    open var settingsDescription: String { "" }
}

/// A module with one tensor in and one out: what `Sequential` chains.
public protocol Layer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}
