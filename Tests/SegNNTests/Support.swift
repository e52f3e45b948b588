import Foundation
import Testing
import SegTensor
@testable import SegNN

/// A committed fixture file under Tests/SegNNTests/Fixtures.
func fixtureURL(_ name: String) -> URL {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        fatalError("missing fixture \(name)")
    }
    return url
}

/// Tensors of a committed fixture file.
func fixture(_ name: String) throws -> [String: Tensor] {
    try Safetensors.read(contentsOf: fixtureURL(name))
}

/// Largest |a − b| relative to the largest |b| (max-abs over max-abs).
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "relativeError: shapes \(a.shape) and \(b.shape)")
    let x = a.scalars, y = b.scalars
    var diff: Float = 0, scale: Float = 0
    for i in x.indices { diff = max(diff, abs(x[i] - y[i])); scale = max(scale, abs(y[i])) }
    return scale == 0 ? diff : diff / scale
}

/// A temporary file path, removed by the caller.
func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("segnn-\(UUID().uuidString)-\(name)")
}
