/// Vectorised transcendental functions for the elementwise loops (AVX-512 with -march=native).

/// eˣ for 16 lanes: Cody–Waite range reduction and Cephes' degree-6 polynomial (≈1 ulp);
/// 0 below −87.3, +∞ above 88.7, NaN kept.
@inline(__always)
func vexp(_ x: Vec) -> Vec {
    let lo = Vec(repeating: -87.33654), hi = Vec(repeating: 88.72283)
    // (`clamped` and `pointwiseMin` are per-lane calls; masked selects are single instructions.)
    let xc = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    // Round to nearest with the 1.5·2²³ trick (SIMD `rounded` and conversions are per-lane
    // calls); the integer sits in the low mantissa bits of t.
    let t = xc * 1.442695040888963 + 12582912
    let n = t - 12582912
    var r = xc.addingProduct(n, Vec(repeating: -0.693359375))
    r = r.addingProduct(n, Vec(repeating: 2.12194440e-4))
    var p = Vec(repeating: 1.9875691500e-4)
    p = Vec(repeating: 1.3981999507e-3).addingProduct(p, r)
    p = Vec(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = Vec(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = Vec(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = Vec(repeating: 5.0000001201e-1).addingProduct(p, r)
    let y = (r + 1).addingProduct(p * r, r)
    // 2ⁿ as two factors, so n = 128 (x near 88.7) and n = −126 both stay in range.
    let ni = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let n1 = ni &>> 1, n2 = ni &- n1
    var result = y * unsafeBitCast((n1 &+ 127) &<< 23, to: Vec.self) * unsafeBitCast((n2 &+ 127) &<< 23, to: Vec.self)
    result.replace(with: 0, where: x .< lo)
    result.replace(with: .infinity, where: x .> hi)
    result.replace(with: x, where: x .!= x)
    return result
}

/// 1 / (1 + e⁻ˣ) for 16 lanes.
@inline(__always)
func vsigmoid(_ x: Vec) -> Vec { 1 / (1 + vexp(-x)) }

/// (1 + erf(x/√2)) = 2·Φ(x) for 16 lanes, with Abramowitz & Stegun 7.1.26 for erfc
/// (|error| ≤ 1.5·10⁻⁷), computed as erfc on the negative side so nothing cancels.
@inline(__always)
func vTwoPhi(_ x: Vec) -> Vec {
    let z = x * 0.70710678118654752
    let az = z.replacing(with: -z, where: z .< 0)
    let t = 1 / (1 + 0.3275911 * az)
    var p = Vec(repeating: 1.061405429)
    p = Vec(repeating: -1.453152027).addingProduct(p, t)
    p = Vec(repeating: 1.421413741).addingProduct(p, t)
    p = Vec(repeating: -0.284496736).addingProduct(p, t)
    p = Vec(repeating: 0.254829592).addingProduct(p, t)
    let erfcAbs = p * t * vexp(-(az * az))
    return (2 - erfcAbs).replacing(with: erfcAbs, where: x .< 0)
}

/// erf for 16 lanes: Eigen's rational approximation x·P(x²)/Q(x²) on [−4, 4] (a few ulp; no exp).
@inline(__always)
func verf(_ x: Vec) -> Vec {
    let four = Vec(repeating: 4)
    let xc = x.replacing(with: -four, where: x .< -four).replacing(with: four, where: x .> four)
    let x2 = xc * xc
    var p = Vec(repeating: -2.72614225801306e-10)
    p = Vec(repeating: 2.77068142495902e-08).addingProduct(p, x2)
    p = Vec(repeating: -2.10102402082508e-06).addingProduct(p, x2)
    p = Vec(repeating: -5.69250639462346e-05).addingProduct(p, x2)
    p = Vec(repeating: -7.34990630326855e-04).addingProduct(p, x2)
    p = Vec(repeating: -2.95459980854025e-03).addingProduct(p, x2)
    p = Vec(repeating: -1.60960333262415e-02).addingProduct(p, x2)
    var q = Vec(repeating: -1.45660718464996e-05)
    q = Vec(repeating: -2.13374055278905e-04).addingProduct(q, x2)
    q = Vec(repeating: -1.68282697438203e-03).addingProduct(q, x2)
    q = Vec(repeating: -7.37332916720468e-03).addingProduct(q, x2)
    q = Vec(repeating: -1.42647390514189e-02).addingProduct(q, x2)
    return xc * p / q
}

/// GELU, erf form: x·Φ(x).
@inline(__always)
func vgelu(_ x: Vec) -> Vec { 0.5 * x * (1 + verf(x * 0.70710678118654752)) }

/// d GELU / dx = Φ(x) + x·φ(x).
@inline(__always)
func vgeluDerivative(_ x: Vec) -> Vec {
    0.5 * vTwoPhi(x) + x * 0.3989422804014327 * vexp(-0.5 * x * x)
}
