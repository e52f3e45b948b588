import Foundation

/// Cached `ChapterResult`s under `.segbook-cache/results/NAME.PROFILE.json`, one per chapter and profile.
///
/// An entry is a header line (its key, a SHA-256 of the rest, and the cells' lines when it was made)
/// and the result as JSON. Entries are written atomically (temp file + rename); an entry whose checksum
/// or decoding fails is reported as corrupt and rebuilt.
public struct ResultCache: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    struct Header: Codable {
        var key: String
        var checksum: String
        var cellLines: [Int]
    }

    public enum Lookup: Equatable, Sendable {
        case hit(ChapterResult)
        case miss
        case corrupt
    }

    func path(_ name: String, _ profile: Profile) -> String {
        "\(directory)/results/\(name).\(profile.rawValue).json"
    }

    /// The cached result for `chapter` when its key matches; failure lines are moved to where the
    /// cells are now (a prose edit above a cell shifts it without changing the key).
    public func lookup(_ chapter: Chapter, profile: Profile, key: String) -> Lookup {
        guard let data = FileManager.default.contents(atPath: path(chapter.name, profile)) else { return .miss }
        guard let newline = data.firstIndex(of: 0x0A),
              let header = try? JSONDecoder().decode(Header.self, from: data[..<newline]) else { return .corrupt }
        let body = data[(newline + 1)...]
        guard SHA256.hex(body) == header.checksum,
              var result = try? JSONDecoder().decode(ChapterResult.self, from: body) else { return .corrupt }
        guard header.key == key else { return .miss }
        let cells = chapter.cells
        guard cells.count == result.cells.count, header.cellLines.count == cells.count else { return .miss }
        for i in result.cells.indices {
            let shift = cells[i].line - header.cellLines[i]
            guard shift != 0 else { continue }
            switch result.cells[i].status {
            case .failed(let message, let line): result.cells[i].status = .failed(message: message, line: line.map { $0 + shift })
            case .expectedFailure(let message, let line):
                result.cells[i].status = .expectedFailure(message: message, line: line.map { $0 + shift })
            default: break
            }
        }
        result.fromCache = true
        return .hit(result)
    }

    public func store(_ result: ChapterResult, for chapter: Chapter, profile: Profile, key: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(result)
        let header = Header(key: key, checksum: SHA256.hex(body), cellLines: chapter.cells.map(\.line))
        var data = try encoder.encode(header)
        data.append(0x0A)
        data.append(body)
        try AtomicFile.write(data, to: path(chapter.name, profile))
    }
}

/// Writes that a killed build never leaves half done: a temporary file in the same folder, then `rename`.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw Diagnostic(file: path, line: nil, message: "cannot write the file")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw Diagnostic(file: path, line: nil, message: "cannot write the file: \(reason)")
        }
    }
}
