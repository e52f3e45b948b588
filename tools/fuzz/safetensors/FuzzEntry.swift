// libFuzzer entry point for the safetensors reader: parses arbitrary bytes as a safetensors
// file and, when the header is accepted, converts every tensor (the reader must never trap,
// read out of bounds or allocate more than the input justifies). Build and run: README.md.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? SafetensorsHeader(parsing: bytes, path: "fuzz-input") else { return 0 }
    var total = 0
    for entry in header.entries {
        // The header was validated against the input size: no entry can claim more bytes than exist.
        precondition(entry.byteRange.upperBound <= size && entry.count * entry.dtype.byteSize == entry.byteRange.count,
                     "accepted entry \(entry.name) outside the input")
        total += entry.count
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(entry.count, 1))
        entry.decode(from: bytes, into: out)
        out.deallocate()
    }
    precondition(total <= size, "accepted \(total) elements from \(size) bytes")
    return 0
}
