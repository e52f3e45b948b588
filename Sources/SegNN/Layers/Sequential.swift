import SegTensor

/// Layers applied in order, as `torch.nn.Sequential`: entries are keyed "0", "1", ... by position,
/// parameter-free layers (ReLU, MaxPool2d) included, so torchvision's VGG `features.0`,
/// `features.2`, ... come out naturally. `init(keyed:)` gives explicit keys where a reference
/// skips indices or names its entries.
public final class Sequential: Module, Layer {
    public private(set) var entries: [(key: String, layer: any Layer)]

    public init(_ layers: [any Layer]) {
        entries = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// Layers built in a block: `Sequential { Conv2d(3, 64, kernelSize: 3); ReLU() }`.
    public convenience init(@LayerBuilder _ build: () -> [any Layer]) { self.init(build()) }

    /// Layers under the given keys, in order.
    public init(keyed entries: [(String, any Layer)]) {
        var seen = Set<String>()
        for (key, _) in entries {
            precondition(!key.isEmpty && !key.contains(".") && seen.insert(key).inserted,
                         "Sequential(keyed:): key '\(key)' is empty, dotted or repeated")
        }
        self.entries = entries.map { (key: $0.0, layer: $0.1) }
    }

    public var layers: [any Layer] { entries.map(\.layer) }
    public var count: Int { entries.count }
    public subscript(index: Int) -> any Layer { entries[index].layer }

    /// The layer under `key`, or nil.
    public subscript(key key: String) -> (any Layer)? { entries.first { $0.key == key }?.layer }

    override public func members() -> [(key: String, member: ModuleMember)] {
        entries.map { ($0.key, .module($0.layer)) }
    }

    /// The layers in order; in inference a Conv2d followed by a BatchNorm2d and/or a ReLU runs as
    /// one fused convolution (Fusion.swift).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard fusionAllowed else { return entries.reduce(input) { x, entry in entry.layer(x) } }
        var x = input, i = 0
        while i < entries.count {
            if let conv = entries[i].layer as? Conv2d {
                var next = i + 1
                let bn = next < entries.count ? entries[next].layer as? BatchNorm2d : nil
                if bn != nil { next += 1 }
                let relu = next < entries.count ? entries[next].layer as? ReLU : nil
                if relu != nil { next += 1 }
                if next > i + 1 {
                    x = conv(x, then: bn, relu)
                    i = next
                    continue
                }
            }
            x = entries[i].layer(x)
            i += 1
        }
        return x
    }
}

@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    public static func buildExpression(_ layers: [any Layer]) -> [any Layer] { layers }
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    public static func buildEither(first: [any Layer]) -> [any Layer] { first }
    public static func buildEither(second: [any Layer]) -> [any Layer] { second }
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
}

/// Returns its input (torch.nn.Identity): a placeholder where a reference has an optional layer.
public final class Identity: Module, Layer {
    override public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input }
}
