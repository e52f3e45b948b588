import SegTensor

// Property wrappers that name a module's state where the PyTorch `state_dict` key differs from the
// Swift property name, or say what kind of state a tensor is. A plain stored property needs none:
// `let conv1: Conv2d` is the child `conv1`, `var weight: Tensor` the parameter `weight`.
//
// Swift initialises a wrapper that has attribute arguments (`@Child(key: "0")`) before `init` runs,
// so set its value in `init` through the backing storage, as MLX Swift does:
//
//     @Child(key: "decode_head") var decoder: SegformerDecodeHead
//     init(...) { _decoder.wrappedValue = SegformerDecodeHead(...) }
//
// A wrapper without arguments (`@Child var decoder: X`) is set normally: `decoder = X(...)`.

/// What reflection sees through a wrapper: its key and what it holds.
protocol ReflectedState {
    var stateKey: String? { get }
    var stateValue: Any { get }
    var stateKind: StateKind { get }
}

enum StateKind { case child, parameter, buffer(persistent: Bool), constant }

/// A sub-module (or an array or optional of them) stored under `key` instead of its property name:
/// `@Child(key: "decode_head") var decoder: SegformerDecodeHead`, `@Child(key: "0") var conv: Conv2d`.
@propertyWrapper
public struct Child<Value> {
    private var value: Value?
    public let key: String?

    public var wrappedValue: Value {
        get {
            if let value { return value }
            if let none = noneValue(Value.self) { return none }
            preconditionFailure("@Child(key: \"\(key ?? "")\") was read before init set it")
        }
        set { value = newValue }
    }

    public init(wrappedValue: Value, key: String? = nil) {
        value = wrappedValue
        self.key = key
    }

    /// The value is set later, in the module's `init`: `_decoder.wrappedValue = ...`.
    public init(key: String) {
        value = nil
        self.key = key
    }
}

/// A trainable parameter stored under `key`: `@Param(key: "cls_token") var classToken: Tensor`.
/// The wrapper turns `requiresGrad` on for every tensor assigned to it.
@propertyWrapper
public struct Param<Value> {
    private var value: Value?
    public let key: String?

    public var wrappedValue: Value {
        get {
            if let value { return value }
            if let none = noneValue(Value.self) { return none }
            preconditionFailure("@Param(key: \"\(key ?? "")\") was read before init set it")
        }
        set { value = newValue; markTrainable(newValue) }
    }

    public init(wrappedValue: Value, key: String? = nil) {
        value = wrappedValue
        self.key = key
        markTrainable(wrappedValue)
    }

    public init(key: String) {
        value = nil
        self.key = key
    }
}

/// A buffer: state that is saved and loaded but not trained (`running_mean`, `running_var`,
/// `num_batches_tracked`). `persistent: false` keeps it out of `stateDict()`, as PyTorch's
/// `register_buffer(..., persistent=False)`.
@propertyWrapper
public struct Buffer<Value> {
    private var value: Value?
    public let key: String?
    public let persistent: Bool

    public var wrappedValue: Value {
        get {
            if let value { return value }
            if let none = noneValue(Value.self) { return none }
            preconditionFailure("@Buffer(key: \"\(key ?? "")\") was read before init set it")
        }
        set { value = newValue }
    }

    public init(wrappedValue: Value, key: String? = nil, persistent: Bool = true) {
        value = wrappedValue
        self.key = key
        self.persistent = persistent
    }

    public init(key: String, persistent: Bool = true) {
        value = nil
        self.key = key
        self.persistent = persistent
    }
}

/// A tensor (or module) the module keeps that is not state: not a parameter, not a buffer, not
/// saved, not visited (a precomputed index, a cached mask).
@propertyWrapper
public struct Constant<Value> {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
}

extension Child: ReflectedState {
    var stateKey: String? { key }
    var stateValue: Any { value as Any }
    var stateKind: StateKind { .child }
}

extension Param: ReflectedState {
    var stateKey: String? { key }
    var stateValue: Any { value as Any }
    var stateKind: StateKind { .parameter }
}

extension Buffer: ReflectedState {
    var stateKey: String? { key }
    var stateValue: Any { value as Any }
    var stateKind: StateKind { .buffer(persistent: persistent) }
}

extension Constant: ReflectedState {
    var stateKey: String? { nil }
    var stateValue: Any { wrappedValue }
    var stateKind: StateKind { .constant }
}

// MARK: - Helpers

private protocol OptionalValue { static var noneValue: Self { get } }
extension Optional: OptionalValue { static var noneValue: Self { .none } }

/// `nil` when `T` is an Optional type, so an unset optional wrapper reads as nil.
private func noneValue<T>(_: T.Type) -> T? {
    (T.self as? OptionalValue.Type)?.noneValue as? T
}

private func markTrainable(_ value: Any) {
    if let tensor = value as? Tensor, tensor.isLeaf { tensor.requiresGrad = true }
    if let tensors = value as? [Tensor] { for t in tensors where t.isLeaf { t.requiresGrad = true } }
}
