// swift-tools-version:6.0
// segbook: an executable review of semantic segmentation architectures, and the engine behind it.
import PackageDescription

/// Kernels are built for the CPU they run on: without a target CPU, SIMD FMAs become scalar calls.
/// (Shape checks use `precondition`, so no `-Ounchecked`.)
let native: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=native"])]

let package = Package(
    name: "segbook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "segbook", targets: ["segbook"]),
        // Chapter programs link this library: the whole engine plus the display runtime.
        .library(name: "BookRuntime", type: .dynamic, targets: ["BookRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax", exact: "603.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // `segbook serve`: the live preview's HTTP server and reload socket.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // System libraries (Debian -dev packages).
        .systemLibrary(name: "CCairo", pkgConfig: "pangocairo", providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark-gfm", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        // The engine.
        .target(name: "SegTensor", dependencies: ["CBLAS", "CDNNL"], swiftSettings: native),
        .target(name: "SegNN", dependencies: ["SegTensor"], swiftSettings: native),
        .target(name: "SegModels", dependencies: ["SegNN"]),
        .target(name: "SegDraw", dependencies: ["CCairo", "CPNG"]),
        .target(name: "SegLab", dependencies: ["SegModels", "SegDraw", "CCairo", "CPNG"], swiftSettings: native),

        // The book.
        .target(name: "BookRuntime", dependencies: ["SegLab", "SegDraw"]),
        .target(name: "BookBuilder", dependencies: [
            "CCmark", "Yams",
            .product(name: "SwiftParser", package: "swift-syntax"),
            .product(name: "SwiftSyntax", package: "swift-syntax"),
            .product(name: "SwiftIDEUtils", package: "swift-syntax"),
            .product(name: "FlyingFox", package: "FlyingFox"),
        ]),
        .executableTarget(name: "segbook", dependencies: [
            "BookBuilder", "SegLab",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests, one target per module.
        .testTarget(name: "SegTensorTests", dependencies: ["SegTensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SegNNTests", dependencies: ["SegNN"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SegModelsTests", dependencies: ["SegModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SegDrawTests", dependencies: ["SegDraw"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SegLabTests", dependencies: ["SegLab"]),
        .testTarget(name: "BookBuilderTests", dependencies: ["BookBuilder"]),
        .testTarget(name: "SegbookCLITests", dependencies: ["segbook", "SegLab", "SegModels", "SegNN", "SegTensor"]),
    ]
)
