import CDNNL

/// Channel concatenation on oneDNN for inference, over inputs convolutions left in their own
/// layout (`TensorStorage.layout`; row-major inputs too): it reads each as it is and writes the
/// result in oneDNN's choice of layout, which the next convolution reads as it is. The row-major
/// concat converted each held input in place first and the next convolution reordered the
/// result again: three passes where one does (U-Net's decoder joins its skips so).
final class DNNLConcat {
    private let shapes: [[Int]]
    private let primitive: DNNLPrimitive
    private let sources: [DNNLMemory]
    private let destination: DNNLMemory
    /// The layout results are left in (nil: row-major).
    private let heldOutput: DNNLHeldLayout?
    /// Whether the result fits a row-major buffer (a padded blocked layout does not).
    private let fits: Bool

    private init(shapes: [[Int]], sources descs: [dnnl_memory_desc_t], output: [Int]) {
        self.shapes = shapes
        primitive = DNNLPrimitive(concatenating: descs, axis: 1, into: dnnlDesc(output, dnnl_format_tag_any), "concat \(shapes)")
        sources = descs.map { DNNLMemory(external: $0) }
        let inner = primitive.query(dnnl_query_dst_md), plain = dnnlDesc(output, dnnl_abcd)
        destination = DNNLMemory(external: inner)
        fits = dnnlSize(inner) == dnnlSize(plain)
        heldOutput = DNNLHeldLayout.result(plain: plain, inner: inner)
    }

    nonisolated(unsafe) private static var cache: [DNNLConcat] = []

    /// Concatenates `inputs` (NCHW `shapes`, some holding a oneDNN layout) along channels into
    /// `output`; false when oneDNN's result would need more room than row-major.
    static func forward(_ inputs: [TensorStorage], shapes: [[Int]], output: TensorStorage, outputShape: [Int]) -> Bool {
        DNNLRuntime.shared.locked {
            let descs = zip(inputs, shapes).map { $0.layout?.desc ?? dnnlDesc($1, dnnl_abcd) }
            let concat: DNNLConcat
            if let cached = cache.first(where: { $0.shapes == shapes && zip($0.sources, descs).allSatisfy { dnnlEqual($0.desc, $1) } }) {
                concat = cached
            } else {
                concat = DNNLConcat(shapes: shapes, sources: descs, output: outputShape)
                if cache.count >= 64 { cache.removeAll() }
                cache.append(concat)
            }
            guard concat.fits else { return false }
            for (memory, input) in zip(concat.sources, inputs) { memory.bind(input.base) }
            concat.destination.bind(output.base)
            var args = concat.sources.enumerated().map { (DNNLArg.multipleSource + Int32($0.offset), $0.element.handle) }
            args.append((DNNLArg.dst, concat.destination.handle))
            DNNLRuntime.shared.execute(concat.primitive, args, "concat \(shapes)")
            output.layout = concat.heldOutput
            return true
        }
    }
}
