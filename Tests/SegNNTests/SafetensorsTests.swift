import Foundation
import Testing
import SegTensor
@testable import SegNN

@Suite struct SafetensorsReading {
    // The values the script wrote; each is exact in F16 and BF16 except 6.0e-5 (F16: nearest
    // 2^-24 multiple) and 65504 (BF16: rounds to 65536).
    let values: [Float] = [0, 1, -2.5, 3.25, 65504, -0.125, 6.0e-5, 7]

    @Test func f32WithMetadata() throws {
        let file = try SafetensorsFile(contentsOf: fixtureURL("f32.safetensors"))
        #expect(file.metadata == ["format": "pt", "note": "a \"quoted\" ü"])
        let x = try #require(file.tensor(named: "x"))
        #expect(x.shape == [2, 4])
        #expect(x.scalars == values)
    }

    @Test func f16Widened() throws {
        let x = try #require(try fixture("f16.safetensors")["x"])
        var expected = values
        expected[6] = 1007 * 0x1p-24  // 6.0e-5 is the F16 subnormal 1007 · 2^-24 = 6.0022e-5
        #expect(x.scalars == expected)
        let special = try #require(try fixture("f16_special.safetensors")["x"]).scalars
        #expect(special[0] == 0x1p-24)          // the smallest subnormal
        #expect(special[1] == -.infinity && special[2] == .infinity)
        #expect(special[3] == 17 * 0x1p-24)     // 1e-6 rounds to 17 · 2^-24
    }

    @Test func bf16Widened() throws {
        let x = try #require(try fixture("bf16.safetensors")["x"])
        var expected = values
        expected[4] = 65536                       // 65504 = 0x477FE000 rounds up to 0x47800000
        expected[6] = Float(bitPattern: 0x387C_0000)  // 6.0e-5 = 0x387BA882 rounds up to 0x387C0000
        #expect(x.scalars == expected)
    }

    @Test func integersConvertedToFloat() throws {
        let t = try fixture("ints.safetensors")
        #expect(t["count"]?.shape == [])
        #expect(t["count"]?.scalars == [123_456_792])  // 123456789 as the nearest Float
        #expect(t["small"]?.scalars == [-3, 0, 7])
        #expect(t["empty"]?.shape == [0, 3])
    }

    @Test func roundTrip() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .pi, -0, 1e-30])
        let b = Tensor(shape: [], scalars: [42])
        let url = temporaryURL("rt.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write([("layer.weight", a), ("näme \"q\"", b)], metadata: ["k": "v\n"], to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.entries.map(\.name) == ["layer.weight", "näme \"q\""])
        #expect(file.metadata == ["k": "v\n"])
        #expect(file.tensor(named: "layer.weight")?.scalars == a.scalars)
        #expect(file.tensor(named: "näme \"q\"")?.shape == [])
        // Header padded to a multiple of 8, so data starts aligned.
        let data = try Data(contentsOf: url)
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(n % 8 == 0)
    }

    @Test func writtenFileReadsInPython() throws {
        // The reference library's reader accepts what we write: checked by the fixture script's
        // format (sorted offsets, no holes); here, the byte layout it requires.
        let data = Safetensors.encode([("a", .ones([3])), ("b", .zeros([2, 2]))])
        let file = try SafetensorsFile(data: data, path: "memory")
        #expect(file.entries.map(\.byteRange.count) == [12, 16])
        #expect(file.entries[0].byteRange.upperBound == file.entries[1].byteRange.lowerBound)
        #expect(file.entries[1].byteRange.upperBound == data.count)
    }
}

@Suite struct SafetensorsErrors {
    /// A file with the given header text and `dataBytes` zero bytes of data.
    func file(header: String, dataBytes: Int = 0) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(Data(count: dataBytes))
        return d
    }

    func reason(_ data: Data) -> SafetensorsError.Reason? {
        do {
            _ = try SafetensorsFile(data: data, path: "bad.safetensors")
            return nil
        } catch {
            #expect(error.path == "bad.safetensors")
            #expect(error.description.hasPrefix("bad.safetensors: "))
            return error.reason
        }
    }

    @Test func truncated() {
        guard case .truncated = reason(Data([1, 2, 3])) else { Issue.record("short file"); return }
        var d = file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8)
        d.removeLast(20)  // cuts into the header
        guard case .truncated = reason(d) else { Issue.record("header cut"); return }
    }

    @Test func dataCutShort() {
        let d = file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 4)
        guard case .badOffsets(tensor: "x", _) = reason(d) else { Issue.record("data cut"); return }
    }

    @Test func badJSON() {
        for header in ["{\"x\":", "[1,2]", "{\"x\":{\"dtype\":\"F32\"}}", "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}",
                       "{\"x\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", "{\"a\":1}{",
                       String(repeating: "[", count: 100)] {
            guard case .badHeader = reason(file(header: header)) else { Issue.record("accepted \(header)"); continue }
        }
    }

    @Test func offsetsOutOfRangeOrWrong() {
        let outside = file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, dataBytes: 8)
        guard case .badOffsets = reason(outside) else { Issue.record("outside"); return }
        let wrongSize = file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 8)
        guard case .badOffsets = reason(wrongSize) else { Issue.record("size"); return }
        let overlap = file(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataBytes: 8)
        guard case .badOffsets(tensor: "y", _) = reason(overlap) else { Issue.record("overlap"); return }
    }

    @Test func unsupportedDType() {
        let d = file(header: #"{"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1)
        #expect(reason(d) == .unsupportedDType(tensor: "x", dtype: "F8_E4M3"))
    }

    @Test func hugeTensorRefusedBeforeAllocating() {
        // 2^62 elements: the product overflows; 2^40: fits in Int but not in the 16 data bytes.
        let overflow = file(header: #"{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}"#, dataBytes: 16)
        guard case .badOffsets = reason(overflow) else { Issue.record("overflow"); return }
        let huge = file(header: #"{"x":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,4398046511104]}}"#, dataBytes: 16)
        guard case .badOffsets = reason(huge) else { Issue.record("huge"); return }
        var hugeHeader = Data()
        withUnsafeBytes(of: UInt64(1) << 60) { hugeHeader.append(contentsOf: $0) }
        hugeHeader.append(Data(count: 64))
        guard case .headerTooLarge = reason(hugeHeader) else { Issue.record("huge header"); return }
    }

    @Test func missingFileNamesThePath() {
        do {
            _ = try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/w.safetensors"))
            Issue.record("read a missing file")
        } catch {
            #expect(error.path == "/nonexistent/w.safetensors")
            guard case .unreadable = error.reason else { Issue.record("reason \(error.reason)"); return }
        }
    }
}
