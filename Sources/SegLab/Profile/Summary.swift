import Foundation
import SegModels
import SegNN
import SegTensor

/// A torchinfo-like summary of a traced model: one row per layer and op (name, type, output shape,
/// parameters, FLOPs, receptive field and jump along the height axis) and the totals.
public struct ModelSummary: Sendable {
    public struct Row: Sendable, Codable, Equatable {
        public var name: String
        public var type: String
        public var outputShape: [Int]
        public var params: Int
        public var flops: Int
        public var rf: Double
        public var jump: Double

        enum CodingKeys: String, CodingKey {
            case name, type, params, flops, rf, jump
            case outputShape = "output_shape"
        }
    }

    public var graph: ModelGraph
    public var rows: [Row]
    public var saved: SavedActivations
    public var peak: PeakMemory?

    public init(graph: ModelGraph, peak: PeakMemory? = nil) {
        self.graph = graph
        let fields = graph.receptiveFields
        rows = graph.nodes.dropFirst().map { n in
            Row(name: n.name, type: n.type, outputShape: n.outputShape, params: n.params, flops: n.flops,
                rf: fields[n.id].height.size, jump: fields[n.id].height.jump)
        }
        saved = graph.savedForBackward
        self.peak = peak
    }

    /// The table, as text.
    public var table: String {
        let header = ["Layer", "Type", "Output shape", "Params", "FLOPs", "RF", "Jump"]
        var lines: [[String]] = [header]
        for r in rows {
            lines.append([r.name, r.type, "[" + r.outputShape.map(String.init).joined(separator: ", ") + "]",
                          r.params == 0 ? "–" : r.params.formatted(), Self.si(r.flops),
                          ReceptiveField.format(r.rf), ReceptiveField.format(r.jump)])
        }
        let widths = header.indices.map { c in lines.map { $0[c].count }.max() ?? 0 }
        func row(_ l: [String]) -> String {
            l.enumerated().map { i, s in i >= 3 ? String(repeating: " ", count: widths[i] - s.count) + s : s.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var out = [row(lines[0]), rule] + lines.dropFirst().map(row) + [rule]
        let rf = graph.outputReceptiveField
        out.append("Parameters: \(graph.params.formatted()) (trainable \(graph.trainableParams.formatted()))")
        out.append("FLOPs: \(Self.si(graph.flops)) (\(Self.si(graph.macs)) multiply-adds; 1 MAC = 2 FLOPs)")
        out.append("Input \(graph.inputShape) → output \(graph.outputShape); output receptive field \(ReceptiveField.format(rf.size)) px, jump \(ReceptiveField.format(rf.jump))")
        out.append("Saved for backward: skips \(Self.bytes(saved.skips)), indices \(Self.bytes(saved.indices)) (Float32; int64 \(Self.bytes(saved.indicesInt64))), other \(Self.bytes(saved.other))")
        if let peak {
            out.append("Peak engine memory: forward \(Self.bytes(peak.forward)), training step \(Self.bytes(peak.trainStep)) (above \(Self.bytes(peak.baseline)) of parameters and input); process peak RSS \(Self.bytes(peak.processPeakRSS))")
        }
        return out.joined(separator: "\n")
    }

    /// The JSON object `segbook summary --json` prints.
    public var json: [String: Any] {
        var memory: [String: Any] = ["saved_for_backward": ["skips": saved.skips, "indices": saved.indices, "other": saved.other,
                                                            "indices_int64": saved.indicesInt64]]
        if let peak {
            memory["peak_forward"] = peak.forward
            memory["peak_train_step"] = peak.trainStep
            memory["process_peak_rss"] = peak.processPeakRSS
        }
        return [
            "params": graph.params, "trainable_params": graph.trainableParams, "flops": graph.flops, "macs": graph.macs,
            "input_shape": graph.inputShape, "output_shape": graph.outputShape,
            "receptive_field": graph.outputReceptiveField.size, "memory": memory,
            "layers": rows.map { ["name": $0.name, "type": $0.type, "output_shape": $0.outputShape, "params": $0.params,
                                  "flops": $0.flops, "rf": $0.rf, "jump": $0.jump] as [String: Any] },
        ]
    }

    public var jsonString: String {
        let data = (try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func si(_ v: Int) -> String {
        let d = Double(v)
        if d >= 1e9 { return String(format: "%.2f G", d / 1e9) }
        if d >= 1e6 { return String(format: "%.2f M", d / 1e6) }
        if d >= 1e3 { return String(format: "%.1f k", d / 1e3) }
        return String(v)
    }

    static func bytes(_ v: Int) -> String {
        let d = Double(v)
        if d >= Double(1 << 30) { return String(format: "%.2f GiB", d / Double(1 << 30)) }
        if d >= Double(1 << 20) { return String(format: "%.1f MiB", d / Double(1 << 20)) }
        if d >= Double(1 << 10) { return String(format: "%.1f KiB", d / Double(1 << 10)) }
        return "\(v) B"
    }
}

extension SegmentationModel {
    /// Traces a forward pass on `input` and summarises it; `memory: true` also measures peak memory
    /// (one extra forward and one training step).
    public func summary(input shape: [Int], memory: Bool = false) -> ModelSummary {
        ModelSummary(graph: trace(input: shape), peak: memory ? peakMemory(input: shape) : nil)
    }
}
