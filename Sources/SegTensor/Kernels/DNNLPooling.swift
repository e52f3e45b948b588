import CDNNL

/// Max pooling on oneDNN for inference, over an input a convolution left in its own layout
/// (`TensorStorage.layout`): it reads that layout as it is and leaves its result in the same one
/// for the next convolution. The row-major loops would first convert the input back in place and
/// the next convolution reorder the result again: a U-Net's four poolings spent 28 ms of a 400 ms
/// forward so. Forward only (no indices), so it runs only where no gradient is recorded.
final class DNNLMaxPooling {
    /// One pooling shape; `source` is the layout it reads.
    struct Geometry: Hashable {
        var input: [Int]            // N, C, H, W
        var output: [Int]
        var kernel: [Int], stride: [Int], paddingLeft: [Int], paddingRight: [Int]
    }

    private let primitive: DNNLPrimitive
    private let source: DNNLMemory
    private let destination: DNNLMemory
    /// The layout results are left in (nil: row-major, or more room than row-major: pooled row-major).
    private let heldOutput: DNNLHeldLayout?

    private init(_ g: Geometry, source sourceDesc: dnnl_memory_desc_t) {
        var src = sourceDesc
        var dst = dnnlDesc(g.output, dnnl_format_tag_any)
        var opDesc = dnnl_pooling_v2_desc_t()
        let zeros: [Int64] = [0, 0]
        dnnlCheck(dnnl_pooling_v2_forward_desc_init(&opDesc, dnnl_forward_inference, dnnl_pooling_max, &src, &dst,
                                                     g.stride.map(Int64.init), g.kernel.map(Int64.init), zeros,
                                                     g.paddingLeft.map(Int64.init), g.paddingRight.map(Int64.init)),
                  "dnnl_pooling_v2_forward_desc_init(\(g))")
        primitive = withUnsafePointer(to: &opDesc) { DNNLPrimitive(opDesc: UnsafeRawPointer($0), "max pooling \(g)") }
        source = DNNLMemory(external: sourceDesc)
        let inner = primitive.query(dnnl_query_dst_md)
        destination = DNNLMemory(external: inner)
        heldOutput = DNNLHeldLayout.result(plain: dnnlDesc(g.output, dnnl_abcd), inner: inner)
    }

    nonisolated(unsafe) private static var cache: [Geometry: [DNNLMaxPooling]] = [:]

    /// Pools `input`, which holds a oneDNN layout, into `output` (left in a oneDNN layout too);
    /// false when its layout's result would not fit `output` (the caller pools row-major instead).
    static func forward(_ g: Geometry, input: TensorStorage, output: TensorStorage) -> Bool {
        DNNLRuntime.shared.locked {
            guard let held = input.layout else { return false }
            let pooling: DNNLMaxPooling
            if let cached = cache[g]?.first(where: { dnnlEqual($0.source.desc, held.desc) }) {
                pooling = cached
            } else {
                pooling = DNNLMaxPooling(g, source: held.desc)
                cache[g, default: []].append(pooling)
            }
            guard let heldOutput = pooling.heldOutput else { return false }
            pooling.source.bind(input.base)
            pooling.destination.bind(output.base)
            DNNLRuntime.shared.execute(pooling.primitive, [(DNNLArg.src, pooling.source.handle), (DNNLArg.dst, pooling.destination.handle)],
                                       "max pooling \(g)")
            output.layout = heldOutput
            return true
        }
    }
}
