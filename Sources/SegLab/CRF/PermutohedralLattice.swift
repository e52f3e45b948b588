import Foundation
/// The permutohedral lattice (Adams, Baek & Davis, "Fast High-Dimensional Filtering Using the
/// Permutohedral Lattice", Eurographics 2010): Gaussian filtering of N points with d-dimensional
/// features in O(N·d²) rather than O(N²).
///
/// Each point is embedded in the hyperplane Σx = 0 of R^{d+1}, tiled by simplices; its value is
/// splatted onto the d+1 vertices of its enclosing simplex with barycentric weights, the vertex
/// values are blurred with the kernel [½, 1, ½] along each of the d+1 lattice directions, and each
/// point reads back (slices) the blurred values with the same weights. Vertices are found with a
/// hash table, so only the O(N·(d+1)) occupied vertices are stored.
///
/// `filter` approximates out_i = Σ_j exp(−|f_i − f_j|²/2) · in_j (self term included) up to a
/// smooth gain; features are expected already divided by the kernel's standard deviations.
/// This follows the structure of Krähenbühl's densecrf `Permutohedral` class.
struct PermutohedralLattice: Sendable {
    let dimensions: Int
    let pointCount: Int
    private(set) var vertexCount = 0
    /// Point i's simplex vertex r: its vertex index + 1 (0 is the "no vertex" slot, always zero).
    private var pointVertex: [Int32]
    private var pointWeight: [Float]
    /// Points splatting onto each vertex (CSR), so splatting is a parallel gather.
    private var splatStart: [Int32] = []
    private var splatPoint: [Int32] = []
    private var splatWeight: [Float] = []
    /// Along direction j, vertex v's two neighbours (index + 1, 0 when absent):
    /// `neighbours[(j * vertexCount + v) * 2 + {0, 1}]`.
    private var neighbours: [Int32] = []

    /// `features`: point-major, N × d.
    init(features: [Float], dimensions d: Int) {
        precondition(d >= 1 && features.count % d == 0,
                     "PermutohedralLattice: \(features.count) feature values for d = \(d)")
        dimensions = d
        let n = features.count / d
        pointCount = n
        pointVertex = [Int32](repeating: 0, count: n * (d + 1))
        pointWeight = [Float](repeating: 0, count: n * (d + 1))

        // Scale so the lattice blur matches a unit-variance Gaussian in feature space.
        let invStdDev = Float((2.0 / 3.0).squareRoot()) * Float(d + 1)
        let scale = (0..<d).map { i in invStdDev / Float(((i + 1) * (i + 2))).squareRoot() }
        var table = LatticeHashTable(keySize: d, expectedEntries: n)

        var elevated = [Float](repeating: 0, count: d + 1)
        var rem0 = [Float](repeating: 0, count: d + 1)
        var rank = [Int](repeating: 0, count: d + 1)
        var bary = [Float](repeating: 0, count: d + 2)
        var key = [Int16](repeating: 0, count: d)
        let down = 1 / Float(d + 1), up = Float(d + 1)

        for k in 0..<n {
            // Elevate into the hyperplane Σx = 0.
            var sum: Float = 0
            for j in stride(from: d, to: 0, by: -1) {
                let cf = features[k * d + j - 1] * scale[j - 1]
                elevated[j] = sum - Float(j) * cf
                sum += cf
            }
            elevated[0] = sum
            // The nearest remainder-0 lattice point.
            var sumRem: Float = 0
            for i in 0...d {
                let v = down * elevated[i]
                let upper = v.rounded(.up) * up, lower = v.rounded(.down) * up
                rem0[i] = (upper - elevated[i] < elevated[i] - lower) ? upper : lower
                sumRem += rem0[i]
            }
            let remainderSum = Int((sumRem * down).rounded())
            // Rank the differences to find the enclosing simplex.
            for i in 0...d { rank[i] = 0 }
            for i in 0..<d {
                let di = elevated[i] - rem0[i]
                for j in (i + 1)...d {
                    if di < elevated[j] - rem0[j] { rank[i] += 1 } else { rank[j] += 1 }
                }
            }
            // Bring the point back onto the plane when the rounding left the sum off zero.
            for i in 0...d {
                rank[i] += remainderSum
                if rank[i] < 0 { rank[i] += d + 1; rem0[i] += Float(d + 1) }
                else if rank[i] > d { rank[i] -= d + 1; rem0[i] -= Float(d + 1) }
            }
            // Barycentric coordinates.
            for i in 0...(d + 1) { bary[i] = 0 }
            for i in 0...d {
                let v = (elevated[i] - rem0[i]) * down
                bary[d - rank[i]] += v
                bary[d - rank[i] + 1] -= v
            }
            bary[0] += 1 + bary[d + 1]
            // The simplex's d+1 vertices: rem0 + the canonical simplex vertex, permuted by rank.
            for remainder in 0...d {
                for i in 0..<d {
                    let canonical = rank[i] <= d - remainder ? remainder : remainder - (d + 1)
                    key[i] = Int16(Int(rem0[i]) + canonical)
                }
                let vertex = key.withUnsafeBufferPointer { table.findOrInsert($0.baseAddress!) }
                pointVertex[k * (d + 1) + remainder] = Int32(vertex + 1)
                pointWeight[k * (d + 1) + remainder] = bary[remainder]
            }
        }
        vertexCount = table.count
        buildSplatLists()
        buildNeighbours(table)
    }

    private mutating func buildSplatLists() {
        let m = vertexCount, d = dimensions
        var counts = [Int32](repeating: 0, count: m + 1)
        for v in pointVertex { counts[Int(v)] += 1 }  // slot v (index + 1)
        splatStart = [Int32](repeating: 0, count: m + 1)
        for v in 0..<m { splatStart[v + 1] = splatStart[v] + counts[v + 1] }
        var fill = splatStart
        splatPoint = [Int32](repeating: 0, count: pointVertex.count)
        splatWeight = [Float](repeating: 0, count: pointVertex.count)
        for k in 0..<pointCount {
            for r in 0...d {
                let v = Int(pointVertex[k * (d + 1) + r]) - 1
                let at = Int(fill[v])
                splatPoint[at] = Int32(k)
                splatWeight[at] = pointWeight[k * (d + 1) + r]
                fill[v] += 1
            }
        }
    }

    private mutating func buildNeighbours(_ table: LatticeHashTable) {
        let m = vertexCount, d = dimensions
        neighbours = [Int32](repeating: 0, count: (d + 1) * m * 2)
        var n1 = [Int16](repeating: 0, count: d), n2 = n1
        for j in 0...d {
            for v in 0..<m {
                for k in 0..<d {
                    let c = table.key(v, k)
                    n1[k] = c - 1
                    n2[k] = c + 1
                }
                if j < d {
                    n1[j] = table.key(v, j) + Int16(d)
                    n2[j] = table.key(v, j) - Int16(d)
                }
                let a = n1.withUnsafeBufferPointer { table.find($0.baseAddress!) }
                let b = n2.withUnsafeBufferPointer { table.find($0.baseAddress!) }
                neighbours[(j * m + v) * 2] = Int32(a + 1)
                neighbours[(j * m + v) * 2 + 1] = Int32(b + 1)
            }
        }
    }

    /// Gaussian filtering of `channels` values per point, point-major (N × channels in and out).
    func filter(_ input: [Float], channels: Int) -> [Float] {
        var output = [Float](repeating: 0, count: pointCount * channels)
        var scratch = FilterScratch()
        filter(input, channels: channels, into: &output, scratch: &scratch)
        return output
    }

    /// Buffers reused from one filtering to the next (two vertex-value arrays).
    struct FilterScratch {
        var a: [Float] = []
        var b: [Float] = []
    }

    /// out_i (+)= outputScale_i · Σ_j k(i, j) · inputScale_j · in_j, point-major. With `accumulate`
    /// the result is added to `output`, otherwise it replaces it. The scales fold the CRF's
    /// normalisation and kernel weight into the splat and slice passes, so no temporary is made.
    func filter(_ input: [Float], channels ch: Int, inputScale: [Float]? = nil, into output: inout [Float],
                outputScale: [Float]? = nil, accumulate: Bool = false, scratch: inout FilterScratch) {
        precondition(input.count == pointCount * ch && output.count == pointCount * ch,
                     "PermutohedralLattice.filter: \(input.count) values in, \(output.count) out, expected \(pointCount) × \(ch)")
        let m = vertexCount, d = dimensions
        if scratch.a.count != (m + 1) * ch {
            scratch.a = [Float](repeating: 0, count: (m + 1) * ch)
            scratch.b = scratch.a
        }
        let ones = [Float](repeating: 1, count: (inputScale == nil || outputScale == nil) ? pointCount : 0)
        let inScale = inputScale ?? ones, outScale = outputScale ?? ones
        // Krähenbühl's slice gain 1/(1 + 2^−d): a constant input comes back roughly unchanged.
        let alpha = 1 / (1 + pow(2, -Float(d)))
        input.withUnsafeBufferPointer { inBuf in
        scratch.a.withUnsafeMutableBufferPointer { aBuf in
        scratch.b.withUnsafeMutableBufferPointer { bBuf in
        output.withUnsafeMutableBufferPointer { outBuf in
        splatStart.withUnsafeBufferPointer { startBuf in
        splatPoint.withUnsafeBufferPointer { pointBuf in
        splatWeight.withUnsafeBufferPointer { weightBuf in
        neighbours.withUnsafeBufferPointer { nbBuf in
        pointVertex.withUnsafeBufferPointer { pvBuf in
        pointWeight.withUnsafeBufferPointer { pwBuf in
        inScale.withUnsafeBufferPointer { inScaleBuf in
        outScale.withUnsafeBufferPointer { outScaleBuf in
            let src = SharedBuffer(base: UnsafeMutablePointer(mutating: inBuf.baseAddress!))
            var cur = SharedBuffer(base: aBuf.baseAddress!), next = SharedBuffer(base: bBuf.baseAddress!)
            let out = SharedBuffer(base: outBuf.baseAddress!)
            let start = SharedBuffer(base: UnsafeMutablePointer(mutating: startBuf.baseAddress!))
            let point = SharedBuffer(base: UnsafeMutablePointer(mutating: pointBuf.baseAddress!))
            let weight = SharedBuffer(base: UnsafeMutablePointer(mutating: weightBuf.baseAddress!))
            let nb = SharedBuffer(base: UnsafeMutablePointer(mutating: nbBuf.baseAddress!))
            let pv = SharedBuffer(base: UnsafeMutablePointer(mutating: pvBuf.baseAddress!))
            let pw = SharedBuffer(base: UnsafeMutablePointer(mutating: pwBuf.baseAddress!))
            let sIn = SharedBuffer(base: UnsafeMutablePointer(mutating: inScaleBuf.baseAddress!))
            let sOut = SharedBuffer(base: UnsafeMutablePointer(mutating: outScaleBuf.baseAddress!))

            // Splat: each vertex gathers its points' weighted values (slot 0 stays zero).
            let splatInto = cur
            for c in 0..<ch { splatInto[c] = 0; next[c] = 0 }
            parallelChunks(m, minimumChunk: 256) { range in
                for v in range {
                    let dst = splatInto.base + (v + 1) * ch
                    Lanes.zero(dst, ch)
                    for e in Int(start[v])..<Int(start[v + 1]) {
                        let k = Int(point[e])
                        Lanes.axpy(dst, weight[e] * sIn[k], src.base + k * ch, ch)
                    }
                }
            }
            // Blur along each lattice direction with [½, 1, ½].
            for j in 0...d {
                let (from, to) = (cur, next)
                parallelChunks(m, minimumChunk: 256) { range in
                    for v in range {
                        let n1 = Int(nb[(j * m + v) * 2]), n2 = Int(nb[(j * m + v) * 2 + 1])
                        Lanes.blur(to.base + (v + 1) * ch, from.base + (v + 1) * ch, from.base + n1 * ch,
                                   from.base + n2 * ch, ch)
                    }
                }
                swap(&cur, &next)
            }
            // Slice: each point reads its simplex's vertices back.
            let blurred = cur
            parallelChunks(pointCount, minimumChunk: 1024) { range in
                for k in range {
                    let dst = out.base + k * ch
                    if !accumulate { Lanes.zero(dst, ch) }
                    let s = alpha * sOut[k]
                    for r in 0...d {
                        Lanes.axpy(dst, s * pw[k * (d + 1) + r], blurred.base + Int(pv[k * (d + 1) + r]) * ch, ch)
                    }
                }
            }
        }}}}}}}}}}}}
    }
}

/// Loops over a point's channels, eight lanes at a time.
enum Lanes {
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inline(__always) static func zero(_ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        dst.update(repeating: 0, count: n)
    }

    /// dst += a · x
    @inline(__always) static func axpy(_ dst: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var c = 0
        while c + 8 <= n {
            store(load(dst + c) + a * load(x + c), dst + c)
            c += 8
        }
        while c < n { dst[c] += a * x[c]; c += 1 }
    }

    /// dst = o + ½ (p1 + p2)
    @inline(__always) static func blur(_ dst: UnsafeMutablePointer<Float>, _ o: UnsafeMutablePointer<Float>,
                                       _ p1: UnsafeMutablePointer<Float>, _ p2: UnsafeMutablePointer<Float>, _ n: Int) {
        var c = 0
        while c + 8 <= n {
            store(load(o + c) + 0.5 * (load(p1 + c) + load(p2 + c)), dst + c)
            c += 8
        }
        while c < n { dst[c] = o[c] + 0.5 * (p1[c] + p2[c]); c += 1 }
    }
}

/// Open-addressing hash table from lattice keys (d Int16 coordinates) to dense vertex indices.
struct LatticeHashTable: Sendable {
    let keySize: Int
    private(set) var count = 0
    private var keys: [Int16]
    private var slots: [Int32]  // entry index, or −1
    private var mask: Int

    init(keySize: Int, expectedEntries: Int) {
        self.keySize = keySize
        var capacity = 64
        while capacity < 2 * expectedEntries { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        keys = []
        keys.reserveCapacity(expectedEntries * keySize)
    }

    func key(_ entry: Int, _ i: Int) -> Int16 { keys[entry * keySize + i] }

    private func hash(_ key: UnsafePointer<Int16>) -> Int {
        var h: UInt64 = 0
        for i in 0..<keySize { h = (h &+ UInt64(bitPattern: Int64(key[i]))) &* 2_531_011 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    private func matches(_ entry: Int, _ key: UnsafePointer<Int16>) -> Bool {
        for i in 0..<keySize where keys[entry * keySize + i] != key[i] { return false }
        return true
    }

    /// The entry index of `key`, or −1.
    func find(_ key: UnsafePointer<Int16>) -> Int {
        var s = hash(key) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 { return -1 }
            if matches(e, key) { return e }
            s = (s + 1) & mask
        }
    }

    mutating func findOrInsert(_ key: UnsafePointer<Int16>) -> Int {
        if 2 * (count + 1) > slots.count { grow() }
        var s = hash(key) & mask
        while true {
            let e = Int(slots[s])
            if e < 0 {
                slots[s] = Int32(count)
                for i in 0..<keySize { keys.append(key[i]) }
                count += 1
                return count - 1
            }
            if matches(e, key) { return e }
            s = (s + 1) & mask
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        keys.withUnsafeBufferPointer { k in
            for e in 0..<count {
                var s = hash(k.baseAddress! + e * keySize) & mask
                while slots[s] >= 0 { s = (s + 1) & mask }
                slots[s] = Int32(e)
            }
        }
    }
}
