/// Elementwise loops: broadcasting binary ops, maps, strided copies, reductions.
/// SIMD16<Float> compiles to AVX-512 with `-march=native`.

typealias Vec = SIMD16<Float>

@inline(__always) func loadVec(_ p: UnsafePointer<Float>) -> Vec {
    UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
}
@inline(__always) func storeVec(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
}

/// A binary function with a SIMD form for the inner loops.
protocol BinaryFunction {
    static func scalar(_ a: Float, _ b: Float) -> Float
    static func vector(_ a: Vec, _ b: Vec) -> Vec
}
enum AddFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a + b }
}
enum SubFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a - b }
}
enum MulFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a * b }
}
enum DivFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a / b }
}
enum MaxFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a.replacing(with: b, where: b .> a) }
}
enum MinFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a.replacing(with: b, where: b .< a) }
}
/// Copies the first operand (broadcasting it to the output shape).
enum FirstFunction: BinaryFunction {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a }
    @inline(__always) static func vector(_ a: Vec, _ b: Vec) -> Vec { a }
}

/// Broadcast strides of `shape` aligned to the right of `outShape` (0 along broadcast dims).
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let pad = outShape.count - shape.count
    let strides = shape.contiguousStrides
    return (0..<outShape.count).map { i in
        i < pad ? 0 : (shape[i - pad] == 1 && outShape[i] != 1 ? 0 : strides[i - pad])
    }
}

/// Merges adjacent dims that every operand walks contiguously, and drops size-1 dims.
/// Returns (sizes, strides per operand), innermost last; always at least one dim.
func coalesce(_ shape: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
    var dims: [Int] = []
    var st: [[Int]] = strides.map { _ in [] }
    for i in 0..<shape.count where shape[i] != 1 {
        if let last = dims.last,
           strides.indices.allSatisfy({ st[$0].last! == strides[$0][i] * shape[i] }) {
            dims[dims.count - 1] = last * shape[i]
            for k in strides.indices { st[k][st[k].count - 1] = strides[k][i] }
        } else {
            dims.append(shape[i])
            for k in strides.indices { st[k].append(strides[k][i]) }
        }
    }
    if dims.isEmpty { return ([1], strides.map { _ in [0] }) }
    return (dims, st)
}

/// Walks the outer dims of a coalesced iteration space, calling `body(outerIndex, offsets)`.
@inline(__always)
func forEachOuter(_ dims: [Int], _ strides: [[Int]], range: Range<Int>, _ body: (Int, [Int]) -> Void) {
    let outerDims = Array(dims.dropLast())
    var idx = [Int](repeating: 0, count: outerDims.count)
    // Start index for range.lowerBound.
    var r = range.lowerBound
    for d in stride(from: outerDims.count - 1, through: 0, by: -1) {
        idx[d] = r % outerDims[d]; r /= outerDims[d]
    }
    var offsets = strides.map { s in zip(idx, s).reduce(0) { $0 + $1.0 * $1.1 } }
    for o in range {
        body(o, offsets)
        // Increment.
        var d = outerDims.count - 1
        while d >= 0 {
            idx[d] += 1
            for k in offsets.indices { offsets[k] += strides[k][d] }
            if idx[d] < outerDims[d] { break }
            for k in offsets.indices { offsets[k] -= strides[k][d] * outerDims[d] }
            idx[d] = 0
            d -= 1
        }
    }
}

@inline(__always)
func binaryInner<F: BinaryFunction>(_ f: F.Type, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                                    _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    if sa == 1 && sb == 1 {
        while i + 16 <= n { storeVec(F.vector(loadVec(a + i), loadVec(b + i)), out + i); i += 16 }
        while i < n { out[i] = F.scalar(a[i], b[i]); i += 1 }
    } else if sa == 1 && sb == 0 {
        let bs = b[0], bv = Vec(repeating: bs)
        while i + 16 <= n { storeVec(F.vector(loadVec(a + i), bv), out + i); i += 16 }
        while i < n { out[i] = F.scalar(a[i], bs); i += 1 }
    } else if sa == 0 && sb == 1 {
        let as_ = a[0], av = Vec(repeating: as_)
        while i + 16 <= n { storeVec(F.vector(av, loadVec(b + i)), out + i); i += 16 }
        while i < n { out[i] = F.scalar(as_, b[i]); i += 1 }
    } else {
        while i < n { out[i] = F.scalar(a[i * sa], b[i * sb]); i += 1 }
    }
}

/// out[outShape] = f(a broadcast, b broadcast).
func broadcastBinary<F: BinaryFunction>(_ f: F.Type, _ a: UnsafePointer<Float>, _ aShape: [Int],
                                        _ b: UnsafePointer<Float>, _ bShape: [Int],
                                        _ out: UnsafeMutablePointer<Float>, _ outShape: [Int]) {
    let total = outShape.product
    if total == 0 { return }
    let (dims, st) = coalesce(outShape, [broadcastStrides(aShape, to: outShape), broadcastStrides(bShape, to: outShape),
                                         outShape.contiguousStrides])
    let inner = dims.last!
    let sa = st[0].last!, sb = st[1].last!
    let outer = total / inner
    if outer == 1 {
        Parallel.forChunks(inner) { r in
            binaryInner(f, a + r.lowerBound * sa, sa, b + r.lowerBound * sb, sb, out + r.lowerBound, r.count)
        }
        return
    }
    Parallel.forChunks(outer, grain: max(1, (1 << 15) / inner)) { r in
        forEachOuter(dims, st, range: r) { _, off in
            binaryInner(f, a + off[0], sa, b + off[1], sb, out + off[2], inner)
        }
    }
}

/// out[i] = f(x[i]).
@inline(__always)
func mapKernel(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float) -> Float) {
    Parallel.forChunks(n, grain: 1 << 14) { r in
        for i in r { out[i] = f(x[i]) }
    }
}

/// out[i] = f(x[i]) with a 16-lane form for the body of the loop.
@inline(__always)
func mapKernel(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
               _ f: (Float) -> Float, _ v: (Vec) -> Vec) {
    Parallel.forChunks(n, grain: 1 << 15) { r in
        var i = r.lowerBound
        while i + 16 <= r.upperBound { storeVec(v(loadVec(x + i)), out + i); i += 16 }
        while i < r.upperBound { out[i] = f(x[i]); i += 1 }
    }
}

/// out[i] = f(x[i], y[i]).
@inline(__always)
func zipKernel(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
               _ f: (Float, Float) -> Float) {
    Parallel.forChunks(n, grain: 1 << 14) { r in
        for i in r { out[i] = f(x[i], y[i]) }
    }
}

/// out[i] = f(x[i], y[i], z[i]).
@inline(__always)
func zip3Kernel(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>,
                _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float, Float) -> Float) {
    Parallel.forChunks(n, grain: 1 << 14) { r in
        for i in r { out[i] = f(x[i], y[i], z[i]) }
    }
}

/// out[i] = f(x[i], y[i], z[i]) with a 16-lane form for the body of the loop.
@inline(__always)
func zip3Kernel(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>,
                _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float, Float) -> Float,
                _ v: (Vec, Vec, Vec) -> Vec) {
    Parallel.forChunks(n, grain: 1 << 15) { r in
        var i = r.lowerBound
        while i + 16 <= r.upperBound { storeVec(v(loadVec(x + i), loadVec(y + i), loadVec(z + i)), out + i); i += 16 }
        while i < r.upperBound { out[i] = f(x[i], y[i], z[i]); i += 1 }
    }
}

/// Copies a strided view of `src` into a strided view of `dst` (both given by element strides,
/// which may be negative or zero for the source).
func stridedCopy(_ shape: [Int], _ src: UnsafePointer<Float>, _ srcStrides: [Int],
                 _ dst: UnsafeMutablePointer<Float>, _ dstStrides: [Int]) {
    let total = shape.product
    if total == 0 { return }
    let (dims, st) = coalesce(shape, [srcStrides, dstStrides])
    let inner = dims.last!
    let ss = st[0].last!, ds = st[1].last!
    if dims.count >= 2, ds == 1, ss != 1, st[0][dims.count - 2] == 1 {
        transposeCopy(dims, st, src, dst)
        return
    }
    let outer = total / inner
    Parallel.forChunks(outer, grain: max(1, (1 << 15) / inner)) { r in
        forEachOuter(dims, st, range: r) { _, off in
            let s = src + off[0], d = dst + off[1]
            if ss == 1 && ds == 1 {
                d.update(from: s, count: inner)
            } else {
                for i in 0..<inner { d[i * ds] = s[i * ss] }
            }
        }
    }
}

/// `stridedCopy` where the destination's last axis reads the source with a stride and the axis
/// before it reads the source contiguously: a batch of matrix transposes (a permute between
/// [N, C, H·W] and [N, H·W, C], as transformers flatten feature maps). Copied in 32×32 tiles, so
/// every cache line read or written is used whole; element by element, one of the two sides
/// touched a new line per element (measured: most of SegFormer's permute time).
private func transposeCopy(_ dims: [Int], _ st: [[Int]], _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
    let n = dims.count, tile = 32
    let (rows, cols) = (dims[n - 2], dims[n - 1])
    let (sColumn, dRow) = (st[0][n - 1], st[1][n - 2])
    let rowTiles = (rows + tile - 1) / tile
    let batchDims = Array(dims.prefix(n - 2)) + [1]   // forEachOuter's last axis is the inner one
    let batchStrides = st.map { Array($0.prefix(n - 2)) + [0] }
    let batches = batchDims.product
    Parallel.forChunks(batches * rowTiles, grain: max(1, (1 << 15) / (tile * cols))) { range in
        for t in range {
            let b = t / rowTiles, r0 = (t % rowTiles) * tile, r1 = min(r0 + tile, rows)
            var offsets = [0, 0]
            forEachOuter(batchDims, batchStrides, range: b..<(b + 1)) { _, off in offsets = off }
            let s = src + offsets[0], d = dst + offsets[1]
            var c0 = 0
            while c0 < cols {
                let c1 = min(c0 + tile, cols)
                for r in r0..<r1 {
                    let dr = d + r * dRow, sr = s + r
                    for c in c0..<c1 { dr[c] = sr[c * sColumn] }
                }
                c0 = c1
            }
        }
    }
}

/// A reduction with an identity.
protocol ReduceFunction: BinaryFunction {
    static var identity: Float { get }
}
extension AddFunction: ReduceFunction { static var identity: Float { 0 } }
extension MaxFunction: ReduceFunction { static var identity: Float { -.infinity } }
extension MinFunction: ReduceFunction { static var identity: Float { .infinity } }

/// Reduces `x` (shape `shape`) into `out` of shape `outShape` (same rank, 1 along reduced dims).
func reduceKernel<F: ReduceFunction>(_ f: F.Type, _ x: UnsafePointer<Float>, _ shape: [Int],
                                     _ out: UnsafeMutablePointer<Float>, _ outShape: [Int]) {
    let outCount = outShape.product
    out.initialize(repeating: F.identity, count: outCount)
    let total = shape.product
    if total == 0 { return }
    let (dims, st) = coalesce(shape, [shape.contiguousStrides, broadcastStrides(outShape, to: shape)])
    let inner = dims.last!
    let so = st[1].last!
    let outer = total / inner
    forEachOuter(dims, st, range: 0..<outer) { _, off in
        let s = x + off[0], o = out + off[1]
        if so == 0 {
            var acc = Vec(repeating: F.identity)
            var i = 0
            while i + 16 <= inner { acc = F.vector(acc, loadVec(s + i)); i += 16 }
            var r = F.identity
            for k in 0..<16 { r = F.scalar(r, acc[k]) }
            while i < inner { r = F.scalar(r, s[i]); i += 1 }
            o[0] = F.scalar(o[0], r)
        } else {
            binaryInner(f, o, 1, s, 1, o, inner)
        }
    }
}
