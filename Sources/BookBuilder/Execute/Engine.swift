import Foundation

/// Where the release-built engine is, and how to compile a chapter program against it
/// (DESIGN.md's recipe: `swiftc -Onone -g` with the engine's modules, module maps and `libBookRuntime.so`).
public struct Engine: Sendable {
    /// The folder with `libBookRuntime.so` and `Modules/` (SwiftPM's `.build/release`).
    public var products: String
    /// The package root (its `Sources/*/module.modulemap` describe the C modules the engine imports).
    public var packageRoot: String
    public var swiftc: String

    /// pkg-config packages whose include paths the C modules' headers need.
    static let pkgConfigPackages = ["pangocairo", "libpng", "openblas"]

    public init(products: String, packageRoot: String, swiftc: String) {
        self.products = products; self.packageRoot = packageRoot; self.swiftc = swiftc
    }

    public static let libraryName = "libBookRuntime.so"

    /// The engine built next to `executable` (the `segbook` binary sits beside `libBookRuntime.so`).
    public static func locate(nextTo executable: String) throws(Diagnostic) -> Engine {
        let products = ((executable as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: products + "/" + libraryName) else {
            throw Diagnostic(file: products, line: nil,
                             message: "\(libraryName) is not built here; run `swift build -c release -Xswiftc -enable-testing` first")
        }
        var root = products
        while root != "/" && !FileManager.default.fileExists(atPath: root + "/Package.swift") {
            root = (root as NSString).deletingLastPathComponent
        }
        guard root != "/" else {
            throw Diagnostic(file: products, line: nil, message: "cannot find the package (Package.swift) above the engine's build folder")
        }
        return Engine(products: products, packageRoot: root, swiftc: findSwiftc())
    }

    static func findSwiftc() -> String {
        if let explicit = ProcessInfo.processInfo.environment["SWIFTC"] { return explicit }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/swiftc"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/opt/swift/usr/bin/swiftc"
    }

    /// Identifies the engine build and the compiler without reading them: size and modification time
    /// of `libBookRuntime.so` (relinked whenever the engine changes) and of the compiler binary.
    public func fingerprint() -> String {
        func stamp(_ path: String) -> String {
            let resolved = (path as NSString).resolvingSymlinksInPath
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return "\(path):missing" }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(resolved):\(size):\(modified)"
        }
        let frontend = ((swiftc as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent + "/swift-frontend"
        return stamp(products + "/" + Engine.libraryName) + "|" + stamp(frontend)
    }

    /// `-Xcc` flags for the C modules: every `Sources/*/module.modulemap`, and pkg-config include paths.
    func clangFlags() -> [String] {
        var flags: [String] = []
        let sources = packageRoot + "/Sources"
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: sources))?.sorted() ?? []
        for target in targets where FileManager.default.fileExists(atPath: "\(sources)/\(target)/module.modulemap") {
            flags += ["-Xcc", "-fmodule-map-file=\(sources)/\(target)/module.modulemap"]
        }
        for package in Engine.pkgConfigPackages {
            let result = ChildProcess.capture("/usr/bin/env", ["pkg-config", "--cflags-only-I", package])
            guard result.status == .exited(0) else { continue }
            for flag in result.output.split(whereSeparator: { $0 == " " || $0 == "\n" }) where flag.hasPrefix("-I") {
                flags += ["-Xcc", String(flag)]
            }
        }
        return flags
    }

    /// The `swiftc` arguments that compile `source` into `binary`.
    /// (The compiler's default module cache is shared by every chapter and every build.)
    func compileArguments(source: String, binary: String, clangFlags: [String]) -> [String] {
        [source, "-o", binary, "-Onone", "-g", "-module-name", "Chapter", "-suppress-warnings", "-diagnostic-style", "llvm",
         "-I", products + "/Modules", "-L", products, "-lBookRuntime",
         "-Xlinker", "-rpath", "-Xlinker", products] + clangFlags
    }
}
