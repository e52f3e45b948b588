import SegDraw
import SegModels
import SegNN
import SegTensor

extension ModelGraph {
    /// The traced graph as a SegDraw `Diagram`: one block per layer or structural op, sized by its
    /// output's spatial size and channels; batch norm, activations and dropout fold into the block
    /// before them ("conv 3×3 + BN + ReLU"); stages come from the dotted names (`backbone`,
    /// `backbone.layer3`, `backbone.layer3.2`), with numbered blocks counted (`layer3` ×6), and
    /// collapse to `depth` (0: top-level stages only; nil: everything). Skips, pooling-index links,
    /// concat and add inputs keep their kinds, so SegDraw picks a U for encoder–decoders and draws
    /// ASPP/PPM branches side by side. Nodes that do not lead to the output (auxiliary heads) are
    /// left out of the figure (not out of the graph's FLOPs), and so is work on parameters alone.
    public func diagram(title: String? = nil, depth: Int? = nil) -> Diagram {
        var d = Diagram(title: title)
        d.depth = depth
        // Only what leads to the output: an auxiliary head computed beside it is left out.
        var live: Set<Int> = [outputNode]
        for node in nodes.reversed() where live.contains(node.id) {
            for s in node.inputSources where s.node >= 0 { live.insert(s.node) }
        }
        // Only what depends on the image: work on parameters alone (Swin's relative-position-bias
        // lookups, ViT's position-embedding resize) is not a stage of the figure.
        var fromImage: Set<Int> = [0]
        for node in nodes where node.inputSources.contains(where: { $0.node >= 0 && fromImage.contains($0.node) }) {
            fromImage.insert(node.id)
        }
        live.formIntersection(fromImage)
        // Fold norm/activation/dropout nodes into their single producer when it feeds only them.
        var consumers: [Int: Int] = [:]
        for e in edges { consumers[e.from, default: 0] += 1 }
        var representative = Array(nodes.indices)
        var suffixes: [Int: [String]] = [:]
        for node in nodes {
            let foldable: Bool = switch node.operation {
            case .batchNorm, .layerNorm, .groupNorm, .activation, .dropout: true
            default: false
            }
            guard foldable, node.inputSources.count == 1, let src = node.inputSources.first, src.node > 0,
                  consumers[src.node] == 1, nodes[src.node].outputShapes.count == 1 else { continue }
            let rep = representative[src.node]
            representative[node.id] = rep
            suffixes[rep, default: []].append(Self.shortLabel(node))
        }
        // Groups from dotted names (every proper prefix of a layer's name).
        let name = memberNames()
        var groupIDs: [String] = []
        var groupSet: Set<String> = []
        func groupPath(_ node: Node) -> [String] {
            guard node.id > 0 else { return [] }
            let parts = name[node.id].split(separator: ".").map(String.init)
            return (1..<max(parts.count, 1)).map { parts[0..<$0].joined(separator: ".") }
        }
        for node in nodes where representative[node.id] == node.id && live.contains(node.id) {
            for g in groupPath(node) where !groupSet.contains(g) { groupSet.insert(g); groupIDs.append(g) }
        }
        // A flat numbered Sequential with several poolings (VGG's `features.0` ... `features.30`)
        // splits into one block per pooling: `features block 1` ... (pooling closes a block).
        var virtualGroup: [Int: (id: String, label: String, parent: String)] = [:]
        for g in groupIDs {
            let members = nodes.filter { n in
                representative[n.id] == n.id && live.contains(n.id) && name[n.id].hasPrefix(g + ".") && Int(name[n.id].dropFirst(g.count + 1)) != nil
            }
            let pools = members.filter { if case .maxPool = $0.operation { true } else { false } }.count
            guard pools >= 2 else { continue }
            var block = 0
            for n in members {
                virtualGroup[n.id] = ("\(g)#\(block)", "\(g.split(separator: ".").last ?? "") block \(block + 1)", g)
                if case .maxPool = n.operation { block += 1 }
            }
        }
        let runs = tappedRuns(groupIDs, names: name, live: live)
        for g in groupIDs {
            let parts = g.split(separator: ".").map(String.init)
            let parent = parts.count > 1 ? parts.dropLast().joined(separator: ".") : nil
            let numberedChildren = groupIDs.filter { c in
                c.hasPrefix(g + ".") && c.split(separator: ".").count == parts.count + 1 && Int(c.split(separator: ".").last!) != nil
            }.count
            let last = parts.last ?? g
            // `decoder.0.1` reads "decoder 0.1": the last named part, then the indices.
            let named = parts.lastIndex { Int($0) == nil }
            let label = Int(last) != nil ? ((named.map { parts[$0] + " " } ?? "") + parts[((named ?? -1) + 1)...].joined(separator: ".")) : last
            let split = runs.groups[g]
            d.addGroup("g:" + g, label, parent: (runs.parent[g] ?? parent).map { "g:" + $0 },
                       repeatCount: numberedChildren >= 2 && split == nil ? numberedChildren : 1)
            for run in split ?? [] { d.addGroup("g:" + run.id, run.label, parent: "g:" + g, repeatCount: run.count) }
        }
        for node in nodes where representative[node.id] == node.id && live.contains(node.id) {
            var label = node.id == 0 ? "input" : Self.shortLabel(node)
            if let more = suffixes[node.id] { label += " + " + more.joined(separator: " + ") }
            var group = groupPath(node).last.map { "g:" + $0 }
            if let v = virtualGroup[node.id] {
                group = "g:" + v.id
                if !groupSet.contains(v.id) {
                    groupSet.insert(v.id)
                    d.addGroup("g:" + v.id, v.label, parent: "g:" + v.parent)
                }
            }
            let shape: Diagram.Shape = node.id == 0 ? Diagram.Shape(tensorShape: inputShape) : Diagram.Shape(tensorShape: node.outputShape)
            d.add("n\(node.id)", label, kind: Self.kind(node), shape: shape, group: group)
        }
        d.add("output", "output", kind: .output, shape: Diagram.Shape(tensorShape: outputShape))
        var seen: Set<Diagram.Edge> = []
        for e in edges {
            let (a, b) = (representative[e.from], representative[e.to])
            guard a != b, live.contains(e.from), live.contains(e.to) else { continue }
            let kind: Diagram.EdgeKind = switch e.kind {
            case .flow: .flow
            case .skip: .skip
            case .concat: .concat
            case .add: .add
            case .poolingIndices: .poolingIndices
            }
            let edge = Diagram.Edge(from: "n\(a)", to: "n\(b)", kind: kind)
            if seen.insert(edge).inserted { d.edges.append(edge) }
        }
        d.connect("n\(representative[outputNode])", "output")
        return d
    }

    /// Each node's name, with an op named after a numbered stack itself (`backbone.blocks.add`: a
    /// residual add whose latest input came from outside the block) moved into the stack's latest
    /// member before it (`backbone.blocks.0.add`), so it is drawn inside its block.
    func memberNames() -> [String] {
        var stacks: Set<String> = []
        for node in nodes {
            let parts = node.name.split(separator: ".")
            for k in parts.indices.dropFirst() where Int(parts[k]) != nil { stacks.insert(parts[..<k].joined(separator: ".")) }
        }
        var latest: [String: String] = [:], names: [String] = []
        for node in nodes {
            var parts = node.name.split(separator: ".").map(String.init)
            for k in parts.indices.dropFirst() where Int(parts[k]) != nil {
                latest[parts[..<k].joined(separator: ".")] = parts[...k].joined(separator: ".")
            }
            if parts.count >= 2, Int(parts.last!) == nil, let member = latest[parts.dropLast().joined(separator: ".")],
               stacks.contains(parts.dropLast().joined(separator: ".")) {
                parts = member.split(separator: ".").map(String.init) + [parts.last!]
            }
            names.append(parts.joined(separator: "."))
        }
        return names
    }

    /// A repeated stack read in the middle (SETR-MLA takes blocks 6, 12, 18 and 24 of 24) splits
    /// at each tap into runs (`blocks 0–5` ×6, numbered as the keys), so the taps stay visible when the stack collapses.
    /// Stacks read after every member (U-Net's levels, Swin's stages) stay as they are.
    /// `groups`: the runs of each split stack; `parent`: the run each member group moves under.
    func tappedRuns(_ groupIDs: [String], names: [String], live: Set<Int>) -> (groups: [String: [(id: String, label: String, count: Int)]], parent: [String: String]) {
        var groups: [String: [(id: String, label: String, count: Int)]] = [:], parent: [String: String] = [:]
        for g in groupIDs {
            let level = g.split(separator: ".").count
            let members = groupIDs.compactMap { c -> Int? in
                let parts = c.split(separator: ".")
                return c.hasPrefix(g + ".") && parts.count == level + 1 ? Int(parts.last!) : nil
            }
            guard members.count >= 2, let first = members.min(), let last = members.max() else { continue }
            func member(_ id: Int) -> Int? {
                guard names[id].hasPrefix(g + ".") else { return nil }
                return names[id].dropFirst(g.count + 1).split(separator: ".").first.flatMap { Int($0) }
            }
            var taps: Set<Int> = [], chained: Set<Int> = []
            for e in edges where live.contains(e.from) && live.contains(e.to) {
                guard let i = member(e.from) else { continue }
                if let j = member(e.to) {
                    if j == i + 1 { chained.insert(i) }
                } else if !names[e.to].hasPrefix(g + ".") {
                    taps.insert(i)
                }
            }
            // A stack is a chain, each member feeding the next (not parallel branches).
            guard chained == Set(first..<last) else { continue }
            taps.remove(last)
            var start = first, ranges: [ClosedRange<Int>] = []
            for end in taps.sorted() + [last] {
                ranges.append(start...end)
                start = end + 1
            }
            guard ranges.count >= 2, ranges.contains(where: { $0.count >= 2 }) else { continue }
            let name = g.split(separator: ".").last ?? ""
            groups[g] = ranges.map { ("\(g)#\($0.lowerBound)-\($0.upperBound)", "\(name) \($0.lowerBound)–\($0.upperBound)", $0.count) }
            for (run, range) in zip(groups[g]!, ranges) {
                for i in range { parent["\(g).\(i)"] = run.id }
            }
        }
        return (groups, parent)
    }

    static func kind(_ node: Node) -> Diagram.Kind {
        switch node.operation {
        case .input: .input
        case .conv, .transposedConv: .conv
        case .maxPool, .avgPool, .adaptiveAvgPool: .pool
        case .maxUnpool, .resample: .upsample
        case .batchNorm, .layerNorm, .groupNorm, .activation, .dropout, .softmax: .normActivation
        case .linear: .mlp
        case .matmul: .attention
        case .concat: .concat
        case .add: .add
        case .sub, .mul, .other: .other
        }
    }

    static func shortLabel(_ node: Node) -> String {
        switch node.operation {
        case .input: return "input"
        case .conv(let k, let s, _, let d, let g):
            var l = "conv \(k[0])×\(k[1])"
            if s[0] > 1 { l += " /\(s[0])" }
            if d[0] > 1 { l += " r\(d[0])" }
            if g > 1 { l += " g\(g)" }
            return l
        case .transposedConv(let k, let s, _, _): return "up-conv \(k[0])×\(k[1]) ×\(s[0])"
        case .linear: return "linear"
        case .maxPool(let k, let s, _, _): return "max pool \(k[0])×\(k[1]) /\(s[0])"
        case .avgPool(let k, let s, _): return "avg pool \(k[0])×\(k[1]) /\(s[0])"
        case .adaptiveAvgPool: return node.outputShape.count == 4 ? "pool to \(node.outputShape[2])×\(node.outputShape[3])" : "adaptive pool"
        case .maxUnpool: return "unpool"
        case .resample(let mode):
            let inS = node.inputShapes.first ?? [], outS = node.outputShape
            if inS.count == 4, outS.count == 4, inS[2] > 0, outS[2] % inS[2] == 0 { return "\(mode) ×\(outS[2] / inS[2])" }
            return "resize (\(mode))"
        case .batchNorm: return "BN"
        case .layerNorm: return "LN"
        case .groupNorm: return "GN"
        case .activation(let name): return name == "relu" ? "ReLU" : name
        case .dropout: return "dropout"
        case .add: return "+"
        case .sub: return "−"
        case .mul: return "×"
        case .concat: return "concat"
        case .matmul: return "matmul"
        case .softmax: return "softmax"
        case .other(let name): return name
        }
    }
}

extension SegmentationModel {
    /// The model's architecture figure, traced on an input of `shape`: `unet.diagram(input: [1, 1, 572, 572])`.
    /// `depth` collapses stages deeper than it (0: top-level stages only; nil: every layer).
    public func diagram(input shape: [Int], depth: Int? = 1, title: String? = nil) -> Diagram {
        trace(input: shape).diagram(title: title, depth: depth)
    }
}

extension Layer {
    /// A layer's (block's) figure, traced on an input of `shape`.
    public func diagram(input shape: [Int], depth: Int? = nil, title: String? = nil) -> Diagram {
        trace(input: shape).diagram(title: title, depth: depth)
    }
}
