import Foundation

// MARK: Broadcasting

extension Tensor {
    /// NumPy/PyTorch broadcasting of two shapes.
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String = "broadcast") -> [Int] {
        let r = Swift.max(a.count, b.count)
        return (0..<r).map { i in
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(da == db || da == 1 || db == 1, "\(op): shapes \(a) and \(b) do not broadcast (dim \(i): \(da) vs \(db))")
            return da == 1 ? db : da
        }
    }

    /// Sums a broadcast gradient back to `shape` (the adjoint of broadcasting).
    func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let pad = rank - target.count
        precondition(pad >= 0, "sumToShape: \(shape) to \(target)")
        let padded = [Int](repeating: 1, count: pad) + target
        let s = TensorStorage(count: padded.product)
        reduceKernel(AddFunction.self, pointer, shape, s.pointer, padded)
        return Tensor(storage: s, shape: target)
    }

    /// A broadcasting binary op. `savesInputs: false` (add, sub) keeps the inputs' values out of the
    /// tape; the backward then gets placeholders for them.
    static func binary<F: BinaryFunction>(_ op: String, _ a: Tensor, _ b: Tensor, _ f: F.Type,
                                           savesInputs: Bool = true, savesOutput: Bool = false,
                                           backward: @escaping (_ a: Tensor, _ b: Tensor, _ out: Tensor, _ g: Tensor) -> (Tensor?, Tensor?)) -> Tensor {
        let outShape = broadcastShape(a.shape, b.shape, op: op)
        let s = TensorStorage(count: outShape.product)
        broadcastBinary(f, a.pointer, a.shape, b.pointer, b.shape, s.pointer, outShape)
        let (aShape, bShape) = (a.shape, b.shape)
        let (aNeeds, bNeeds) = (a.requiresGrad, b.requiresGrad)
        let (sa, sb) = savesInputs ? (a, b) : (placeholder, placeholder)
        return record(op, s, shape: outShape, inputs: [a, b], savesOutput: savesOutput) { g, out in
            let (ga, gb) = backward(sa, sb, out, g)
            return [aNeeds ? ga?.sumToShape(aShape) : nil, bNeeds ? gb?.sumToShape(bShape) : nil]
        }
    }

    /// This tensor broadcast to `shape` (materialised).
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let outShape = Tensor.broadcastShape(shape, target, op: "expanded")
        precondition(outShape == target, "expanded: shape \(shape) cannot expand to \(target)")
        let s = TensorStorage(count: target.product)
        let zero = Tensor(0)
        broadcastBinary(FirstFunction.self, pointer, shape, zero.pointer, [], s.pointer, target)
        let myShape = shape
        return Tensor.record("expand", s, shape: target, inputs: [self]) { g, _ in [g.sumToShape(myShape)] }
    }

    public func broadcast(to target: [Int]) -> Tensor { expanded(to: target) }
    public func broadcast(like other: Tensor) -> Tensor { expanded(to: other.shape) }
}

// MARK: Arithmetic

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary("add", a, b, AddFunction.self, savesInputs: false) { _, _, _, g in (g, g) }
    }
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary("sub", a, b, SubFunction.self, savesInputs: false) { _, _, _, g in (g, -g) }
    }
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (aNeeds, bNeeds) = (a.requiresGrad, b.requiresGrad)
        return binary("mul", a, b, MulFunction.self) { a, b, _, g in
            (aNeeds ? g * b : nil, bNeeds ? g * a : nil)
        }
    }
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (aNeeds, bNeeds) = (a.requiresGrad, b.requiresGrad)
        return binary("div", a, b, DivFunction.self, savesOutput: true) { _, b, out, g in
            (aNeeds ? g / b : nil, bNeeds ? -(g * out / b) : nil)
        }
    }
    /// Elementwise maximum (the gradient goes to the larger; half to each on ties).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary("maximum", a, b, MaxFunction.self) { a, b, _, g in
            let wa = a.gt(b) + a.eq(b) * Tensor(0.5)
            return (g * wa, g * (Tensor(1) - wa))
        }
    }
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        binary("minimum", a, b, MinFunction.self) { a, b, _, g in
            let wa = a.lt(b) + a.eq(b) * Tensor(0.5)
            return (g * wa, g * (Tensor(1) - wa))
        }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
    public static func / (a: Tensor, b: Float) -> Tensor { a * Tensor(1 / b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }
    public static prefix func - (a: Tensor) -> Tensor { a.neg() }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }
    public static func += (a: inout Tensor, b: Float) { a = a + b }
    public static func -= (a: inout Tensor, b: Float) { a = a - b }
    public static func *= (a: inout Tensor, b: Float) { a = a * b }
    public static func /= (a: inout Tensor, b: Float) { a = a / b }

    /// self ** exponent, elementwise, both broadcast.
    public func pow(_ exponent: Tensor) -> Tensor {
        let outShape = Tensor.broadcastShape(shape, exponent.shape, op: "pow")
        let a = expanded(to: outShape).detached(), b = exponent.expanded(to: outShape).detached()
        let s = TensorStorage(count: outShape.product)
        zipKernel(a.pointer, b.pointer, s.pointer, s.count) { Foundation.pow($0, $1) }
        let (aShape, bShape) = (shape, exponent.shape)
        let (x, e) = (self, exponent)
        return Tensor.record("pow", s, shape: outShape, inputs: [self, exponent], savesOutput: true) { g, out in
            let ga = x.requiresGrad ? (g * e * a.pow(b - 1)).sumToShape(aShape) : nil
            let gb = e.requiresGrad ? (g * out * a.log()).sumToShape(bShape) : nil
            return [ga, gb]
        }
    }
}

// MARK: Unary

extension Tensor {
    /// An elementwise op: `forward(x)` and `backward(x, y, g)` giving dL/dx from x, y = f(x), dL/dy.
    /// With `savesInput: false` the tape keeps only y, and the backward gets y in place of x (for
    /// ops whose derivative reads y alone: exp, sigmoid, tanh, sqrt; relu, since y > 0 ⇔ x > 0).
    @inline(__always)
    func unary(_ op: String, forward: (Float) -> Float, vector: ((Vec) -> Vec)? = nil, savesInput: Bool = true,
               backward: @escaping (Float, Float, Float) -> Float,
               vectorBackward: ((Vec, Vec, Vec) -> Vec)? = nil) -> Tensor {
        let s = TensorStorage(count: count)
        if let vector { mapKernel(pointer, s.pointer, count, forward, vector) } else { mapKernel(pointer, s.pointer, count, forward) }
        let saved: Tensor? = savesInput ? self : nil
        return Tensor.record(op, s, shape: shape, inputs: [self], savesOutput: true) { g, out in
            let gs = TensorStorage(count: g.count)
            let x = saved ?? out
            if let vectorBackward {
                zip3Kernel(x.pointer, out.pointer, g.pointer, gs.pointer, g.count, backward, vectorBackward)
            } else {
                zip3Kernel(x.pointer, out.pointer, g.pointer, gs.pointer, g.count, backward)
            }
            return [Tensor(storage: gs, shape: g.shape)]
        }
    }

    /// Applies `f` elementwise, with no gradient (masks, indices).
    public func map(_ f: (Float) -> Float) -> Tensor {
        let s = TensorStorage(count: count)
        mapKernel(pointer, s.pointer, count, f)
        return Tensor(storage: s, shape: shape)
    }

    public func neg() -> Tensor { unary("neg", forward: { -$0 }, vector: { -$0 }, backward: { _, _, g in -g }) }
    public func exp() -> Tensor { unary("exp", forward: { Foundation.exp($0) }, vector: vexp, savesInput: false, backward: { _, y, g in g * y }, vectorBackward: { _, y, g in g * y }) }
    public func log() -> Tensor { unary("log", forward: { Foundation.log($0) }, backward: { x, _, g in g / x }) }
    public func sqrt() -> Tensor { unary("sqrt", forward: { $0.squareRoot() }, savesInput: false, backward: { _, y, g in g / (2 * y) }) }
    public func rsqrt() -> Tensor {
        unary("rsqrt", forward: { 1 / $0.squareRoot() }, savesInput: false, backward: { _, y, g in -0.5 * g * y * y * y })
    }
    public func square() -> Tensor { unary("square", forward: { $0 * $0 }, vector: { $0 * $0 }, backward: { x, _, g in 2 * x * g }) }
    public func reciprocal() -> Tensor { unary("reciprocal", forward: { 1 / $0 }, savesInput: false, backward: { _, y, g in -g * y * y }) }
    public func pow(_ p: Float) -> Tensor {
        if p == 2 { return square() }
        return unary("pow", forward: { Foundation.pow($0, p) },
                     backward: { x, _, g in p == 0 ? 0 : g * p * Foundation.pow(x, p - 1) })
    }
    /// |x|; the gradient at 0 is 0 (PyTorch's sign).
    public func abs() -> Tensor {
        unary("abs", forward: { Swift.abs($0) }, backward: { x, _, g in x > 0 ? g : (x < 0 ? -g : 0) })
    }
    /// Elementwise clamp; the gradient passes where min ≤ x ≤ max (PyTorch).
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        unary("clamp", forward: { Swift.min(Swift.max($0, lo), hi) },
              vector: { $0.replacing(with: Vec(repeating: lo), where: $0 .< lo).replacing(with: Vec(repeating: hi), where: $0 .> hi) },
              backward: { x, _, g in (x >= lo && x <= hi) ? g : 0 })
    }
    /// max(x, 0), elementwise.
    public func relu() -> Tensor { unary("relu", forward: { Swift.max($0, 0) }, vector: { $0.replacing(with: 0, where: $0 .< 0) },
                                          savesInput: false, backward: { x, _, g in x > 0 ? g : 0 },
                                          vectorBackward: { x, _, g in g.replacing(with: 0, where: x .<= 0) }) }
    /// min(max(x, 0), 6) (MobileNet's ReLU6).
    public func relu6() -> Tensor { clamp(min: 0, max: 6) }
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        unary("leakyRelu", forward: { $0 > 0 ? $0 : slope * $0 }, vector: { $0.replacing(with: $0 * slope, where: $0 .< 0) },
              backward: { x, _, g in x > 0 ? g : slope * g }, vectorBackward: { x, _, g in g.replacing(with: g * slope, where: x .<= 0) })
    }
    public func sigmoid() -> Tensor {
        unary("sigmoid", forward: { 1 / (1 + Foundation.exp(-$0)) }, vector: vsigmoid, savesInput: false, backward: { _, y, g in g * y * (1 - y) },
              vectorBackward: { _, y, g in g * y * (1 - y) })
    }
    public func tanh() -> Tensor {
        unary("tanh", forward: { Foundation.tanh($0) }, savesInput: false, backward: { _, y, g in g * (1 - y * y) },
              vectorBackward: { _, y, g in g * (1 - y * y) })
    }
    /// GELU: x·Φ(x) with the exact erf form, or PyTorch's `approximate="tanh"` form.
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let c: Float = 0.7978845608028654  // √(2/π)
            return unary("gelu", forward: { x in 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) },
                         backward: { x, _, g in
                             let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
                             return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x))
                         })
        }
        return unary("gelu", forward: { x in 0.5 * x * (1 + Foundation.erf(x * 0.7071067811865476)) }, vector: vgelu,
                     backward: { x, _, g in
                         g * (0.5 * (1 + Foundation.erf(x * 0.7071067811865476)) + x * 0.3989422804014327 * Foundation.exp(-0.5 * x * x))
                     },
                     vectorBackward: { x, _, g in g * vgeluDerivative(x) })
    }
    /// log(1 + eˣ) (PyTorch's beta = 1, threshold = 20: linear above it).
    public func softplus() -> Tensor {
        unary("softplus", forward: { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) },
              backward: { x, _, g in x > 20 ? g : g / (1 + Foundation.exp(-x)) })
    }
    /// x · sigmoid(x).
    public func silu() -> Tensor {
        unary("silu", forward: { $0 / (1 + Foundation.exp(-$0)) }, vector: { $0 * vsigmoid($0) },
              backward: { x, _, g in let s = 1 / (1 + Foundation.exp(-x)); return g * s * (1 + x * (1 - s)) })
    }
}

// MARK: Comparison and selection (no gradient through the mask)

extension Tensor {
    static func compare(_ a: Tensor, _ b: Tensor, _ op: String, _ f: @escaping (Float, Float) -> Bool) -> Tensor {
        let outShape = broadcastShape(a.shape, b.shape, op: op)
        let x = a.expanded(to: outShape).detached(), y = b.expanded(to: outShape).detached()
        let s = TensorStorage(count: outShape.product)
        zipKernel(x.pointer, y.pointer, s.pointer, s.count) { f($0, $1) ? 1 : 0 }
        return Tensor(storage: s, shape: outShape)
    }
    /// 1 where self > other, else 0 (broadcast).
    public func gt(_ other: Tensor) -> Tensor { Tensor.compare(self, other, "gt") { $0 > $1 } }
    public func ge(_ other: Tensor) -> Tensor { Tensor.compare(self, other, "ge") { $0 >= $1 } }
    public func lt(_ other: Tensor) -> Tensor { Tensor.compare(self, other, "lt") { $0 < $1 } }
    public func le(_ other: Tensor) -> Tensor { Tensor.compare(self, other, "le") { $0 <= $1 } }
    public func eq(_ other: Tensor) -> Tensor { Tensor.compare(self, other, "eq") { $0 == $1 } }
    public func ne(_ other: Tensor) -> Tensor { Tensor.compare(self, other, "ne") { $0 != $1 } }
    public func gt(_ v: Float) -> Tensor { gt(Tensor(v)) }
    public func ge(_ v: Float) -> Tensor { ge(Tensor(v)) }
    public func lt(_ v: Float) -> Tensor { lt(Tensor(v)) }
    public func le(_ v: Float) -> Tensor { le(Tensor(v)) }
    public func eq(_ v: Float) -> Tensor { eq(Tensor(v)) }
    public func ne(_ v: Float) -> Tensor { ne(Tensor(v)) }

    /// a where mask ≠ 0, else b (all three broadcast). Gradients flow to a and b, not the mask.
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let outShape = broadcastShape(broadcastShape(mask.shape, a.shape, op: "where"), b.shape, op: "where")
        let m = mask.expanded(to: outShape).detached()
        let x = a.expanded(to: outShape).detached(), y = b.expanded(to: outShape).detached()
        let s = TensorStorage(count: outShape.product)
        zip3Kernel(m.pointer, x.pointer, y.pointer, s.pointer, s.count) { $0 != 0 ? $1 : $2 }
        let (aShape, bShape) = (a.shape, b.shape)
        let (aNeeds, bNeeds) = (a.requiresGrad, b.requiresGrad)
        return record("where", s, shape: outShape, inputs: [a, b]) { g, _ in
            let zero = Tensor(0)
            return [aNeeds ? Tensor.where(m, g, zero).sumToShape(aShape) : nil,
                    bNeeds ? Tensor.where(m, zero, g).sumToShape(bShape) : nil]
        }
    }
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Float) -> Tensor { Tensor.where(mask, a, Tensor(b)) }
    public static func `where`(_ mask: Tensor, _ a: Float, _ b: Tensor) -> Tensor { Tensor.where(mask, Tensor(a), b) }

    /// `value` where mask ≠ 0, else self (PyTorch's masked_fill).
    public func maskedFill(_ mask: Tensor, value: Float) -> Tensor { Tensor.where(mask, Tensor(value), self) }
}
