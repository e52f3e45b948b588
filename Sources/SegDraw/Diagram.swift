/// An architecture figure as data: blocks (nodes) and the tensors between them (edges), optionally
/// grouped into stages that can be collapsed ("ResNet-50 stage 3 ×6"). `SegLab` builds one from a
/// traced model; chapters may also build one by hand. Draw it with `svg()` / `png()` (it is a `Figure`).
public struct Diagram: Sendable {
    /// What a block does; decides its colour (see `Diagram.color(of:)`) and, for merges, its shape.
    public enum Kind: String, Sendable, CaseIterable {
        case input, output, conv, pool, upsample, normActivation, attention, mlp, embedding, concat, add, stage, other
        /// The name shown in the legend.
        public var legendName: String {
            switch self {
            case .input: "input"
            case .output: "output"
            case .conv: "convolution"
            case .pool: "pooling"
            case .upsample: "upsampling"
            case .normActivation: "norm / activation"
            case .attention: "attention"
            case .mlp: "MLP"
            case .embedding: "patch embedding"
            case .concat: "concatenate"
            case .add: "add"
            case .stage: "stage (collapsed)"
            case .other: "other"
            }
        }
        var isMerge: Bool { self == .concat || self == .add }
    }

    /// A block's output: a feature map [C, H, W], a token sequence [N, D], or nothing to show.
    public enum Shape: Sendable, Hashable {
        case spatial(channels: Int, height: Int, width: Int)
        case tokens(count: Int, dim: Int)
        case none
        /// "64×56×56", "3136 tokens × 64".
        public var text: String {
            switch self {
            case .spatial(let c, let h, let w): "\(c)×\(h)×\(w)"
            case .tokens(let n, let d): "\(n) tok × \(d)"
            case .none: ""
            }
        }
    }

    public struct Node: Sendable, Hashable {
        public var id: String
        public var label: String
        public var kind: Kind
        public var shape: Shape
        /// The innermost group (stage) this node belongs to, if any.
        public var group: String?
        /// How many times the block repeats (drawn stacked, labelled "×N"); 1 for a single block.
        public var repeatCount: Int
        public init(id: String, label: String, kind: Kind, shape: Shape = .none, group: String? = nil, repeatCount: Int = 1) {
            self.id = id; self.label = label; self.kind = kind; self.shape = shape; self.group = group; self.repeatCount = repeatCount
        }
    }

    public enum EdgeKind: String, Sendable, CaseIterable {
        /// The main data flow.
        case flow
        /// A long skip connection (U-Net, FCN).
        case skip
        /// SegNet's max-pooling indices passed to the decoder's unpooling.
        case poolingIndices
        /// An input to a concatenation.
        case concat
        /// An input to an addition (residual).
        case add
        public var legendName: String {
            switch self {
            case .flow: "data flow"
            case .skip: "skip connection"
            case .poolingIndices: "pooling indices"
            case .concat: "concatenated"
            case .add: "added"
            }
        }
    }

    public struct Edge: Sendable, Hashable {
        public var from: String, to: String, kind: EdgeKind
        public init(from: String, to: String, kind: EdgeKind = .flow) { self.from = from; self.to = to; self.kind = kind }
    }

    /// A stage: nodes that can be drawn as one block. Groups nest through `parent`.
    public struct Group: Sendable, Hashable {
        public var id: String, label: String, parent: String?, repeatCount: Int, kind: Kind
        public init(id: String, label: String, parent: String? = nil, repeatCount: Int = 1, kind: Kind = .stage) {
            self.id = id; self.label = label; self.parent = parent; self.repeatCount = repeatCount; self.kind = kind
        }
    }

    public enum Layout: Sendable {
        /// Encoder–decoder when the graph has skip or pooling-index edges and goes down then up; else chain.
        case automatic
        /// Left to right, wrapping into rows at `maxWidth`; parallel branches side by side (stacked).
        case chain
        /// A U: resolution levels top to bottom, encoder on the left, decoder on the right, skips across.
        case encoderDecoder
    }

    public var title: String?
    public var nodes: [Node] = []
    public var edges: [Edge] = []
    public var groups: [Group] = []
    public var layout: Layout = .automatic
    /// How far groups are expanded: 0 draws each top-level group as one block, 1 expands those and
    /// collapses their sub-groups, ...; nil expands everything.
    public var depth: Int? = nil
    /// The width the layout aims to fit (the book's page width).
    public var maxWidth: Double = 800
    public var showsLegend = true

    public init(title: String? = nil, layout: Layout = .automatic) { self.title = title; self.layout = layout }

    /// Adds a node; returns its id.
    @discardableResult
    public mutating func add(_ id: String, _ label: String, kind: Kind, shape: Shape = .none,
                             group: String? = nil, repeatCount: Int = 1) -> String {
        nodes.append(Node(id: id, label: label, kind: kind, shape: shape, group: group, repeatCount: repeatCount))
        return id
    }

    /// Adds a node fed by `previous` (a flow edge), for building chains: returns its id.
    @discardableResult
    public mutating func add(_ id: String, _ label: String, kind: Kind, shape: Shape = .none, after previous: String,
                             group: String? = nil, repeatCount: Int = 1) -> String {
        add(id, label, kind: kind, shape: shape, group: group, repeatCount: repeatCount)
        connect(previous, id)
        return id
    }

    public mutating func connect(_ from: String, _ to: String, kind: EdgeKind = .flow) {
        edges.append(Edge(from: from, to: to, kind: kind))
    }

    public mutating func addGroup(_ id: String, _ label: String, parent: String? = nil, repeatCount: Int = 1, kind: Kind = .stage) {
        groups.append(Group(id: id, label: label, parent: parent, repeatCount: repeatCount, kind: kind))
    }

    /// This diagram with groups deeper than `depth` collapsed into single blocks, each labelled with
    /// its group's label, showing the output shape of its last node and its repeat count.
    public func collapsed(toDepth depth: Int) -> Diagram {
        let groupByID = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func chain(_ g: String?) -> [String] {
            var out: [String] = [], cur = g
            while let c = cur, out.count < 64 { out.insert(c, at: 0); cur = groupByID[c]?.parent }
            return out
        }
        var result = self
        result.nodes = []; result.edges = []
        var rep: [String: String] = [:]
        var blockIndex: [String: Int] = [:]
        for n in nodes {
            let ch = chain(n.group)
            if ch.count > depth, let g = groupByID[ch[depth]] {
                let bid = "group:" + g.id
                rep[n.id] = bid
                let parent = depth > 0 ? ch[depth - 1] : nil
                if let i = blockIndex[bid] {
                    if n.shape != .none { result.nodes[i].shape = n.shape }     // the group's output
                } else {
                    blockIndex[bid] = result.nodes.count
                    result.nodes.append(Node(id: bid, label: g.label, kind: g.kind, shape: n.shape, group: parent,
                                             repeatCount: g.repeatCount))
                }
            } else {
                rep[n.id] = n.id
                result.nodes.append(n)
            }
        }
        var seen = Set<Edge>()
        for e in edges {
            guard let a = rep[e.from], let b = rep[e.to], a != b else { continue }
            let r = Edge(from: a, to: b, kind: e.kind)
            if seen.insert(r).inserted { result.edges.append(r) }
        }
        result.depth = nil
        return result
    }

    /// The fill colour of a block kind (Okabe–Ito hues, lightened so labels stay readable).
    public static func color(of kind: Kind) -> Color {
        switch kind {
        case .input, .output: Color(hex: 0xBBBBBB)
        case .conv: Palette.blue
        case .pool: Palette.vermillion
        case .upsample: Palette.bluishGreen
        case .normActivation: Palette.yellow
        case .attention: Palette.reddishPurple
        case .mlp: Palette.orange
        case .embedding: Color(hex: 0x332288)     // Tol's indigo: Okabe–Ito has only eight hues
        case .concat, .add: Palette.skyBlue
        case .stage: Color(hex: 0x6A7FA0)
        case .other: Color(hex: 0x999933)         // Tol's olive
        }
    }

    /// How an edge kind is stroked.
    public static func stroke(of kind: EdgeKind) -> Stroke {
        switch kind {
        case .flow: Stroke(Color(hex: 0x333333), width: 1.2)
        case .skip: Stroke(Palette.blue, width: 1.6)
        case .concat: Stroke(Palette.blue, width: 1.6)
        case .add: Stroke(Palette.bluishGreen, width: 1.6)
        case .poolingIndices: Stroke(Palette.vermillion, width: 1.5, dash: .dashed)
        }
    }
}
