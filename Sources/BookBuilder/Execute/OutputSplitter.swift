/// Splits a chapter program's output stream into sections at BookRuntime's markers
/// (`\u{1}SEGBOOK <token> cell 3\n`, `… inline\n`, `… end\n`), keeping at most `limit` bytes per section.
final class OutputSplitter {
    enum Section: Hashable, Sendable {
        case prelude
        case cell(Int)
        case inline
        case end
    }

    struct Captured {
        var bytes: [UInt8] = []
        var dropped = 0
    }

    private let marker: [UInt8]
    private let limit: Int
    private var pending: [UInt8] = []
    private(set) var section: Section = .prelude
    /// Sections in the order they started.
    private(set) var order: [Section] = [.prelude]
    private(set) var captured: [Section: Captured] = [:]
    /// Called when a new section starts.
    var onSection: (Section) -> Void = { _ in }

    init(token: String, limit: Int) {
        marker = Array("\u{1}SEGBOOK \(token) ".utf8)
        self.limit = limit
    }

    func feed(_ bytes: [UInt8]) {
        pending += bytes
        var start = 0
        while start < pending.count {
            guard let at = find(marker, in: pending, from: start) else {
                // Keep a tail that could be the beginning of a marker.
                let safe = max(start, pending.count - (marker.count - 1))
                append(pending[start..<safe])
                start = safe
                break
            }
            append(pending[start..<at])
            guard let newline = pending[(at + marker.count)...].firstIndex(of: 0x0A) else {
                start = at
                break
            }
            let word = String(decoding: pending[(at + marker.count)..<newline], as: UTF8.self)
            begin(parse(word))
            start = newline + 1
        }
        pending.removeFirst(start)
    }

    /// Flushes what is left (the process has ended).
    func finish() {
        append(pending[...])
        pending = []
    }

    private func parse(_ word: String) -> Section {
        if word == "inline" { return .inline }
        if word == "end" { return .end }
        if word.hasPrefix("cell "), let k = Int(word.dropFirst(5)) { return .cell(k) }
        return section
    }

    private func begin(_ next: Section) {
        section = next
        order.append(next)
        onSection(next)
    }

    private func append(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        var entry = captured[section] ?? Captured()
        let room = max(0, limit - entry.bytes.count)
        entry.bytes += bytes.prefix(room)
        entry.dropped += max(0, bytes.count - room)
        captured[section] = entry
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        var i = from
        while i < haystack.count, let first = haystack[i...].firstIndex(of: needle[0]) {
            let end = first + needle.count
            if end > haystack.count { return nil }  // the caller keeps a tail that may be a marker's start
            if haystack[first..<end].elementsEqual(needle) { return first }
            i = first + 1
        }
        return nil
    }
}
