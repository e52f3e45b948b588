import Foundation

/// Where everything in a `Diagram` goes: block boxes, labels (measured with Pango), edge routes and
/// the legend. `Diagram.draw(on:)` draws exactly this; tests check it (no text overlaps).
public struct DiagramLayout: Sendable {
    public struct Block: Sendable {
        public var node: Diagram.Node
        /// The block's box (for merges, the circle's bounding box), without repeat shadows.
        public var box: Rect
    }
    public struct Label: Sendable {
        public var text: String
        public var font: Font
        public var at: Point
        public var anchor: Point
        public var rotation: Double
        public var maxWidth: Double?
        /// The label's box on the page (after rotation).
        public var box: Rect
        public var alignment: TextAlignment = .center
    }
    public struct Route: Sendable {
        public var edge: Diagram.Edge
        /// The polyline, ending at the target (the arrow head).
        public var points: [Point]
    }
    public var size: Size
    public var blocks: [Block] = []
    public var labels: [Label] = []
    public var routes: [Route] = []
    /// Legend entries: either a block kind or an edge kind, with the swatch box.
    public var legendKinds: [(Diagram.Kind, Rect)] = []
    public var legendEdges: [(Diagram.EdgeKind, Rect)] = []
    /// True when the encoder–decoder (U) layout was used.
    public var isEncoderDecoder = false
}

extension Diagram: Figure {
    public var size: Size { computeLayout().size }

    public func draw(on canvas: Canvas) { draw(computeLayout(), on: canvas) }

    /// The layout this diagram is drawn with.
    public func computeLayout() -> DiagramLayout {
        let d = depth.map { collapsed(toDepth: $0) } ?? self
        let engine = LayoutEngine(d, measurer: TextMeasurer())
        if d.nodes.isEmpty {
            var l = DiagramLayout(size: Size(200, 2 * LayoutEngine.margin + engine.titleHeight))
            engine.addTitleAndLegend(&l)
            return l
        }
        let useU: Bool
        switch layout {
        case .chain: useU = false
        case .encoderDecoder: useU = true
        case .automatic: useU = engine.looksLikeEncoderDecoder()
        }
        var l = useU ? engine.encoderDecoder() : engine.chain()
        engine.addTitleAndLegend(&l)
        return l
    }

    func draw(_ l: DiagramLayout, on c: Canvas) {
        for r in l.routes where r.edge.kind != .flow { c.arrow(r.points, stroke: Diagram.stroke(of: r.edge.kind), head: 6.5) }
        for r in l.routes where r.edge.kind == .flow { c.arrow(r.points, stroke: Diagram.stroke(of: r.edge.kind), head: 6.5) }
        for b in l.blocks { Diagram.drawBlock(b.node, in: b.box, on: c) }
        for t in l.labels {
            c.text(t.text, at: t.at, font: t.font, anchor: t.anchor, rotation: t.rotation, maxWidth: t.maxWidth,
                   alignment: t.alignment)
        }
        for (k, r) in l.legendKinds { Diagram.drawBlock(Node(id: "", label: "", kind: k), in: r, on: c, legend: true) }
        for (k, r) in l.legendEdges {
            c.arrow(from: Point(r.minX, r.midY), to: Point(r.maxX, r.midY), stroke: Diagram.stroke(of: k), head: 6)
        }
    }

    static let repeatOffset = 2.5

    static func drawBlock(_ n: Node, in box: Rect, on c: Canvas, legend: Bool = false) {
        let base = color(of: n.kind)
        let fill = base.tint(n.kind == .normActivation ? 0.35 : 0.55)
        let stroke = Stroke(base.shade(0.25), width: 1)
        if n.kind.isMerge {
            if legend { c.circle(center: box.center, radius: box.height / 2 + 0.5, fill: fill, stroke: stroke); return }
            let r = min(box.width, box.height) / 2
            c.circle(center: box.center, radius: r, fill: fill, stroke: stroke)
            let glyph = n.kind == .add ? "+" : "C"
            c.text(glyph, at: box.center, font: Font(size: r * 1.2, bold: true), color: base.shade(0.45))
            return
        }
        if n.repeatCount > 1 {
            for k in stride(from: 2, through: 1, by: -1) {
                let o = Double(k) * repeatOffset
                c.roundedRect(box.offsetBy(o, -o), radius: 1.5, fill: fill.tint(0.3), stroke: stroke)
            }
        }
        c.roundedRect(box, radius: 1.5, fill: fill, stroke: stroke)
        if case .tokens = n.shape, box.height >= 20 {
            // A token sequence: cells stacked, one per row.
            let cells = 6
            for i in 1..<cells {
                let y = box.minY + box.height * Double(i) / Double(cells)
                c.line(from: Point(box.minX, y), to: Point(box.maxX, y), stroke: Stroke(base.shade(0.25), width: 0.6))
            }
        }
    }
}

/// The layout algorithms. Units are CSS pixels.
struct LayoutEngine {
    let d: Diagram
    let m: TextMeasurer
    let index: [String: Int]
    let edges: [Diagram.Edge]
    let order: [Int]          // topological
    let preds: [[Int]], succs: [[Int]]

    static let margin = 14.0
    static let labelFont = Font(size: 9.5)
    static let legendFont = Font(size: 9.5)

    init(_ d: Diagram, measurer: TextMeasurer) {
        self.d = d; m = measurer
        var idx: [String: Int] = [:]
        for (i, n) in d.nodes.enumerated() where idx[n.id] == nil { idx[n.id] = i }
        index = idx
        edges = d.edges.filter { idx[$0.from] != nil && idx[$0.to] != nil && $0.from != $0.to }
        var p = [[Int]](repeating: [], count: d.nodes.count), s = p
        for e in edges { p[idx[e.to]!].append(idx[e.from]!); s[idx[e.from]!].append(idx[e.to]!) }
        preds = p; succs = s
        // Kahn's algorithm, taking ready nodes in insertion order; a cycle falls back to insertion order.
        var indeg = p.map(\.count), ready = (0..<d.nodes.count).filter { indeg[$0] == 0 }, out: [Int] = []
        var done = [Bool](repeating: false, count: d.nodes.count)
        while out.count < d.nodes.count {
            if ready.isEmpty { ready = [(0..<d.nodes.count).first { !done[$0] }!] }
            ready.sort()
            let v = ready.removeFirst()
            if done[v] { continue }
            done[v] = true; out.append(v)
            for w in s[v] { indeg[w] -= 1; if indeg[w] == 0 && !done[w] { ready.append(w) } }
        }
        order = out
    }

    func looksLikeEncoderDecoder() -> Bool {
        guard edges.contains(where: { $0.kind == .skip || $0.kind == .poolingIndices }) else { return false }
        var hs: [Int] = []
        for v in order {
            switch d.nodes[v].shape {
            case .spatial(_, let h, _): hs.append(h)
            case .tokens: return false
            case .none: break
            }
        }
        guard let lo = hs.min(), let i = hs.firstIndex(of: lo) else { return false }
        return hs[i...].contains { $0 > lo }
    }

    var heightRange: (Double, Double) {
        let hs = d.nodes.compactMap { n -> Double? in
            if case .spatial(_, let h, _) = n.shape { return Double(max(h, 1)) } else { return nil }
        }
        return (hs.min() ?? 1, hs.max() ?? 1)
    }

    func logScale(_ v: Double, _ lo: Double, _ hi: Double, _ outLo: Double, _ outHi: Double) -> Double {
        guard hi > lo else { return (outLo + outHi) / 2 }
        return outLo + (outHi - outLo) * (log2(v) - log2(lo)) / (log2(hi) - log2(lo))
    }

    /// A block's box size: height follows spatial size (log), width follows channels (log), clamped.
    func boxSize(_ n: Diagram.Node, hMin: Double, hMax: Double, hOut: (Double, Double), wOut: (Double, Double)) -> Size {
        if n.kind.isMerge { return Size(16, 16) }
        switch n.shape {
        case .spatial(let c, let h, _):
            let w = min(max(wOut.0 + 2.6 * log2(Double(max(c, 1))), wOut.0), wOut.1)
            return Size(w, logScale(Double(max(h, 1)), hMin, hMax, hOut.0, hOut.1))
        case .tokens(_, let dim):
            return Size(min(max(wOut.0 + 2.6 * log2(Double(max(dim, 1))), wOut.0 + 4), wOut.1), hOut.1 * 0.7)
        case .none:
            return Size(18, 26)
        }
    }

    func labelText(_ n: Diagram.Node, separator: String) -> String {
        let head = n.repeatCount > 1 ? "\(n.label) ×\(n.repeatCount)" : n.label
        let shape = n.shape.text
        return shape.isEmpty ? head : head + separator + shape
    }

    // MARK: chain

    func chain() -> DiagramLayout {
        let n = d.nodes.count
        let (hMin, hMax) = heightRange
        let sizes = d.nodes.map { boxSize($0, hMin: hMin, hMax: hMax, hOut: (20, 84), wOut: (8, 40)) }
        let labelMax = 90.0
        let labelSizes = d.nodes.map { m.measure(labelText($0, separator: "\n"), font: Self.labelFont, maxWidth: labelMax) }
        let pad = d.nodes.map { $0.repeatCount > 1 ? 2 * Diagram.repeatOffset : 0 }
        // Extent around the box centre: top offset and bottom offset (label hangs below).
        let extTop = (0..<n).map { sizes[$0].height / 2 + pad[$0] }
        let extBottom = (0..<n).map { sizes[$0].height / 2 + 3 + labelSizes[$0].height }
        let extWidth = (0..<n).map { max(sizes[$0].width + pad[$0], labelSizes[$0].width) }

        var rank = [Int](repeating: 0, count: n)
        for v in order { for u in preds[v] where rank[u] + 1 > rank[v] { rank[v] = rank[u] + 1 } }
        // Nodes fed only by skip edges (a 1×1 projection of low-level features) sit just before the
        // node they feed, not next to where their input came from.
        let skipFed = (0..<n).map { v in
            let ins = edges.filter { index[$0.to] == v }
            return !ins.isEmpty && ins.allSatisfy { $0.kind == .skip }
        }
        for v in order.reversed() where !succs[v].isEmpty && skipFed[v] {
            let target = succs[v].map { rank[$0] }.min()! - 1
            if target > rank[v] { rank[v] = target }
        }
        // Keep order-consistent ranks even with back edges.
        let nCols = (rank.max() ?? 0) + 1
        var columns = [[Int]](repeating: [], count: nCols)
        for v in order { columns[rank[v]].append(v) }

        // Vertical placement: follow the predecessors; fan-outs spread their successors.
        let vgap = 12.0
        var y = [Double](repeating: 0, count: n)
        func isMain(_ e: Diagram.Edge) -> Bool { e.kind != .skip && e.kind != .poolingIndices }
        var mainSuccs = [[Int]](repeating: [], count: n), mainPreds = mainSuccs
        for e in edges where isMain(e) {
            let a = index[e.from]!, b = index[e.to]!
            mainSuccs[a].append(b); mainPreds[b].append(a)
        }
        for c in 0..<nCols {
            var desired: [Int: Double] = [:]
            for v in columns[c] {
                let ps = mainPreds[v]
                if ps.isEmpty { desired[v] = 0; continue }
                var total = 0.0
                for u in ps {
                    let fan = mainSuccs[u].filter { rank[$0] == rank[u] + 1 }.sorted()
                    guard fan.count > 1, let k = fan.firstIndex(of: v) else { total += y[u]; continue }
                    var cursor = 0.0, centers: [Double] = []
                    for w in fan { centers.append(cursor + extTop[w]); cursor += extTop[w] + extBottom[w] + vgap }
                    let shift = y[u] - (centers.first! + centers.last!) / 2
                    total += centers[k] + shift
                }
                desired[v] = total / Double(ps.count)
            }
            let col = columns[c].sorted { desired[$0]! < desired[$1]! || (desired[$0]! == desired[$1]! && $0 < $1) }
            var prevBottom = -Double.infinity, diff = 0.0
            for v in col {
                y[v] = max(desired[v]!, prevBottom + vgap + extTop[v])
                prevBottom = y[v] + extBottom[v]
                diff += y[v] - desired[v]!
            }
            let shift = diff / Double(max(col.count, 1))
            for v in col { y[v] -= shift }
            columns[c] = col
        }

        // Columns and rows.
        var colGap = 28.0
        let colWidth = columns.map { col in col.map { extWidth[$0] }.max() ?? 0 }
        var colLeft = [Double](repeating: 0, count: nCols), colRow = [Int](repeating: 0, count: nCols)
        // Rows: when a column does not fit, break at the boundary of this row crossed by fewest edges
        // (the latest such), so branches stay together.
        var crossing = [Int](repeating: 0, count: nCols + 1)
        for e in edges { let a = rank[index[e.from]!], b = rank[index[e.to]!]; if b > a { for c in (a + 1)...b { crossing[c] += 1 } } }
        var breaks: [Int] = [0]
        var start = 0
        // A figure that is a little too wide gets narrower gaps rather than a second row.
        let natural = colWidth.reduce(0, +) + Double(nCols) * colGap + 2 * Self.margin
        if natural > d.maxWidth {
            let squeezed = (d.maxWidth - 2 * Self.margin - colWidth.reduce(0, +)) / Double(nCols)
            if squeezed >= 16 { colGap = squeezed }
        }
        while true {
            var x = Self.margin + colGap / 2, c = start
            while c < nCols && (c == start || x + colWidth[c] <= d.maxWidth - Self.margin - colGap / 2) { x += colWidth[c] + colGap; c += 1 }
            if c >= nCols { break }
            // Among breaks that leave this row at least 60% full, the one crossed by fewest edges.
            let available = d.maxWidth - 2 * Self.margin
            func fill(_ b: Int) -> Double { (start..<b).map { colWidth[$0] + colGap }.reduce(0, +) / available }
            var best = c
            for b in stride(from: c, to: start, by: -1) where fill(b) >= 0.6 && crossing[b] < crossing[best] { best = b }
            breaks.append(best); start = best
        }
        var row = -1, x = 0.0
        for c in 0..<nCols {
            if breaks.contains(c) { row += 1; x = Self.margin + colGap / 2 }
            colLeft[c] = x; colRow[c] = row
            x += colWidth[c] + colGap
        }
        let nRows = row + 1
        var rowTop = [Double](repeating: .infinity, count: nRows), rowBottom = [Double](repeating: -.infinity, count: nRows)
        for v in 0..<n {
            let r = colRow[rank[v]]
            rowTop[r] = min(rowTop[r], y[v] - extTop[v]); rowBottom[r] = max(rowBottom[r], y[v] + extBottom[v])
        }
        func cx(_ v: Int) -> Double { colLeft[rank[v]] + colWidth[rank[v]] / 2 }
        func localBox(_ v: Int) -> Rect { Rect(center: Point(cx(v), y[v]), size: sizes[v]) }
        func extent(_ v: Int) -> Rect {
            Rect(x: cx(v) - extWidth[v] / 2, y: y[v] - extTop[v], width: extWidth[v], height: extTop[v] + extBottom[v])
        }

        // Classify edges.
        enum Kind { case direct, above(Int), down(Int) }
        var lanesAbove = [Int](repeating: 0, count: nRows), lanesBelow = [Int](repeating: 0, count: nRows)
        var kinds: [Kind] = []
        for e in edges {
            let u = index[e.from]!, v = index[e.to]!
            let ru = colRow[rank[u]], rv = colRow[rank[v]]
            if ru == rv && rank[v] > rank[u] {
                var clear = true
                if rank[v] > rank[u] + 1 {
                    let yy = y[u]
                    for c in (rank[u] + 1)..<rank[v] { for w in columns[c] {
                        let r = extent(w); if yy > r.minY - 4 && yy < r.maxY + 4 { clear = false }
                    } }
                }
                if clear { kinds.append(.direct) } else { kinds.append(.above(lanesAbove[ru])); lanesAbove[ru] += 1 }
            } else if rv > ru {
                kinds.append(.down(lanesBelow[rv - 1])); lanesBelow[rv - 1] += 1
            } else {
                kinds.append(.above(lanesAbove[ru])); lanesAbove[ru] += 1
            }
        }
        let laneStep = 9.0
        var offset = [Double](repeating: 0, count: nRows)
        var cursor = Self.margin + titleHeight
        for r in 0..<nRows {
            if r > 0 { cursor += 16 + laneStep * Double(lanesBelow[r - 1]) }
            if lanesAbove[r] > 0 { cursor += 10 + laneStep * Double(lanesAbove[r]) }
            offset[r] = cursor - rowTop[r]
            cursor = rowBottom[r] + offset[r]
        }
        func box(_ v: Int) -> Rect { localBox(v).offsetBy(0, offset[colRow[rank[v]]]) }
        func rowBottomAbs(_ r: Int) -> Double { rowBottom[r] + offset[r] }
        func rowTopAbs(_ r: Int) -> Double { rowTop[r] + offset[r] }

        func stackedAbove(_ v: Int) -> Bool { columns[rank[v]].contains { $0 != v && y[$0] < y[v] } }
        var l = DiagramLayout(size: Size(0, 0))
        for v in 0..<n {
            let b = box(v)
            l.blocks.append(.init(node: d.nodes[v], box: b))
            let text = labelText(d.nodes[v], separator: "\n")
            let at = Point(b.midX, b.maxY + 3)
            let s = labelSizes[v]
            l.labels.append(.init(text: text, font: Self.labelFont, at: at, anchor: Point(0.5, 0), rotation: 0, maxWidth: labelMax,
                                  box: Rect(x: at.x - s.width / 2, y: at.y, width: s.width, height: s.height)))
        }
        var maxX = 0.0
        for (e, k) in zip(edges, kinds) {
            let u = index[e.from]!, v = index[e.to]!
            let bu = box(u), bv = box(v)
            var pts: [Point]
            switch k {
            case .direct:
                let p0 = Point(bu.maxX, bu.midY), p3 = Point(bv.minX, bv.midY)
                let xm = colLeft[rank[v]] - colGap / 2
                pts = abs(p0.y - p3.y) < 0.5 ? [p0, p3] : [p0, Point(xm, p0.y), Point(xm, p3.y), p3]
            case .above(let lane):
                // Up to a lane over the row and down again; a node with blocks stacked above it is left
                // or entered from the side, through the gap next to its column.
                let ly = rowTopAbs(colRow[rank[u]]) - 8 - laneStep * Double(lane)
                let offset = 4 + 4 * Double(lane % 3)
                if stackedAbove(u) {
                    let xr = colLeft[rank[u]] + colWidth[rank[u]] + offset
                    pts = [Point(bu.maxX, bu.midY), Point(xr, bu.midY), Point(xr, ly)]
                } else {
                    let top0 = bu.minY - (d.nodes[u].repeatCount > 1 ? 2 * Diagram.repeatOffset : 0)
                    pts = [Point(bu.midX, top0), Point(bu.midX, ly)]
                }
                if stackedAbove(v) {
                    let xl = colLeft[rank[v]] - offset
                    pts += [Point(xl, ly), Point(xl, bv.midY), Point(bv.minX, bv.midY)]
                } else {
                    pts += [Point(bv.midX, ly), Point(bv.midX, bv.minY - (d.nodes[v].repeatCount > 1 ? 2 * Diagram.repeatOffset : 0))]
                }
            case .down(let lane):
                let ru = colRow[rank[u]]
                let gy = rowBottomAbs(ru) + 8 + laneStep * Double(lane)
                // Each lane gets its own verticals, so parallel routes stay apart.
                let xr = colLeft[rank[u]] + colWidth[rank[u]] + min(colGap / 2 + 5 * Double(lane), colGap - 3)
                let xl = max(colLeft[rank[v]] - colGap / 2 - 5 * Double(lane), 2)
                pts = [Point(bu.maxX, bu.midY), Point(xr, bu.midY), Point(xr, gy), Point(xl, gy), Point(xl, bv.midY),
                       Point(bv.minX, bv.midY)]
                maxX = max(maxX, xr)
            }
            l.routes.append(.init(edge: e, points: pts))
        }
        for c in 0..<nCols { maxX = max(maxX, colLeft[c] + colWidth[c]) }
        l.size = Size(maxX + Self.margin, rowBottomAbs(nRows - 1) + Self.margin)
        return l
    }

    var titleHeight: Double {
        guard let t = d.title else { return 0 }
        return m.measure(t, font: .title, maxWidth: d.maxWidth - 2 * Self.margin).height + 8
    }

    // MARK: encoder–decoder (U)

    func encoderDecoder() -> DiagramLayout {
        let n = d.nodes.count
        let (hMin, hMax) = heightRange
        let sizes = d.nodes.map { boxSize($0, hMin: hMin, hMax: hMax, hOut: (16, 84), wOut: (6, 28)) }
        let pad = d.nodes.map { $0.repeatCount > 1 ? 2 * Diagram.repeatOffset : 0 }
        // Resolution level: 0 at full resolution, +1 per halving.
        // Levels follow the main predecessor, so valid convolutions (572 → 568) stay on their level.
        var level = [Int](repeating: 0, count: n)
        func height(_ v: Int) -> Double? {
            if case .spatial(_, let h, _) = d.nodes[v].shape { return Double(max(h, 1)) } else { return nil }
        }
        var lastH: [Double?] = [Double?](repeating: nil, count: n)
        for v in order {
            let main = edges.first { index[$0.to] == v && $0.kind != .skip && $0.kind != .poolingIndices }.map { index[$0.from]! }
            guard let p = main ?? preds[v].first else { lastH[v] = height(v); continue }
            let hp = lastH[p], hv = height(v)
            if let hp, let hv { level[v] = level[p] + Int(log2(hp / hv).rounded()) } else { level[v] = level[p] }
            lastH[v] = hv ?? hp
        }
        let minLevel = level.min() ?? 0
        for v in 0..<n { level[v] -= minLevel }
        // Columns: advance along a level; a change of level stays in the column (down for pooling, up for upsampling).
        var col = [Int](repeating: 0, count: n)
        var occupied = Set<[Int]>()
        var prev: Int? = nil
        for v in order {
            var c = 0
            if let p = prev { c = level[v] != level[p] ? col[p] : col[p] + 1 }
            while occupied.contains([c, level[v]]) { c += 1 }
            col[v] = c; occupied.insert([c, level[v]]); prev = v
        }
        // Rotated labels: one line ("conv 3×3 · 64×568×568") when it is not much longer than the box,
        // else two lines (name, shape), so that small boxes do not make their level tall.
        let font = Font(size: 9)
        var labels = [String](repeating: "", count: n), labelSizes = [Size](repeating: Size(0, 0), count: n)
        for (v, node) in d.nodes.enumerated() where !node.kind.isMerge {
            let one = labelText(node, separator: " · "), s1 = m.measure(one, font: font)
            if s1.width <= max(sizes[v].height, 60) || node.shape == .none {
                labels[v] = one; labelSizes[v] = s1
            } else {
                labels[v] = labelText(node, separator: "\n"); labelSizes[v] = m.measure(labels[v], font: font)
            }
        }
        let nCols = (col.max() ?? 0) + 1, nLevels = (level.max() ?? 0) + 1
        var maxBoxW = [Double](repeating: 0, count: nCols), thick = maxBoxW
        for v in 0..<n {
            maxBoxW[col[v]] = max(maxBoxW[col[v]], sizes[v].width + pad[v])
            thick[col[v]] = max(thick[col[v]], labelSizes[v].height)
        }
        let colGap = 10.0, labelGap = 2.0, arrowDrop = 7.0, labelDrop = 13.0
        let topPadAll = 2 * Diagram.repeatOffset      // boxes share a top line per level, repeated or not
        var colLeft = [Double](repeating: 0, count: nCols)
        var x = Self.margin
        for c in 0..<nCols { colLeft[c] = x; x += thick[c] + (thick[c] > 0 ? labelGap : 0) + maxBoxW[c] + colGap }
        func cx(_ v: Int) -> Double {
            let c = col[v]
            return colLeft[c] + thick[c] + (thick[c] > 0 ? labelGap : 0) + (maxBoxW[c] - pad[v]) / 2
        }
        // Band heights per level (boxes top-aligned; rotated labels hang from below the arrow).
        var band = [Double](repeating: 0, count: nLevels)
        for v in 0..<n {
            let h = d.nodes[v].kind.isMerge ? arrowDrop + 8 : sizes[v].height
            band[level[v]] = max(band[level[v]], topPadAll + h, topPadAll + labelDrop + labelSizes[v].width)
        }
        // Edge classes.
        enum Kind { case horizontal, vertical, lane(gap: Int, index: Int) }
        var lanes = [Int](repeating: 0, count: nLevels + 1)
        var kinds: [Kind] = []
        var vertUp = Set<Int>(), vertDown = Set<Int>()   // nodes with a vertical flow on top / bottom
        for e in edges {
            let u = index[e.from]!, v = index[e.to]!
            let main = e.kind != .skip && e.kind != .poolingIndices
            if main && level[u] == level[v] && col[v] > col[u]
                && !(0..<n).contains(where: { level[$0] == level[u] && col[$0] > col[u] && col[$0] < col[v] }) {
                kinds.append(.horizontal)
            } else if main && col[u] == col[v] {
                kinds.append(.vertical)
                if level[v] > level[u] { vertDown.insert(u); vertUp.insert(v) } else { vertUp.insert(u); vertDown.insert(v) }
            } else {
                let g = max(level[u], level[v])
                kinds.append(.lane(gap: g, index: lanes[g])); lanes[g] += 1
            }
        }
        let laneStep = 9.0
        var bandTop = [Double](repeating: 0, count: nLevels)
        var cursor = Self.margin + titleHeight
        for L in 0..<nLevels {
            cursor += (L == 0 ? 0 : 18) + (lanes[L] > 0 ? 8 + laneStep * Double(lanes[L]) : 0)
            bandTop[L] = cursor
            cursor += band[L]
        }
        func box(_ v: Int) -> Rect {
            let top = bandTop[level[v]] + topPadAll
            if d.nodes[v].kind.isMerge { return Rect(center: Point(cx(v), top + arrowDrop), size: sizes[v]) }
            return Rect(x: cx(v) - sizes[v].width / 2, y: top, width: sizes[v].width, height: sizes[v].height)
        }
        func arrowY(_ v: Int) -> Double { d.nodes[v].kind.isMerge ? box(v).midY : box(v).minY + min(arrowDrop, sizes[v].height / 2) }

        var l = DiagramLayout(size: Size(0, 0)); l.isEncoderDecoder = true
        for v in 0..<n {
            let b = box(v)
            l.blocks.append(.init(node: d.nodes[v], box: b))
            guard !labels[v].isEmpty else { continue }
            let at = Point(b.minX - labelGap, b.minY + labelDrop)
            let s = labelSizes[v]
            l.labels.append(.init(text: labels[v], font: font, at: at, anchor: Point(1, 1), rotation: 90, maxWidth: nil,
                                  box: Rect(x: at.x - s.height, y: at.y, width: s.height, height: s.width), alignment: .left))
        }
        for (e, k) in zip(edges, kinds) {
            let u = index[e.from]!, v = index[e.to]!
            let bu = box(u), bv = box(v)
            let topPad = { (w: Int) in pad[w] }
            var pts: [Point]
            switch k {
            case .horizontal:
                pts = [Point(bu.maxX, arrowY(u)), Point(bv.minX, arrowY(v))]
            case .vertical:
                let xv = (max(bu.minX, bv.minX) + min(bu.maxX, bv.maxX)) / 2
                pts = level[v] > level[u] ? [Point(xv, bu.maxY), Point(xv, bv.minY - Double(topPad(v)))]
                                          : [Point(xv, bu.minY - Double(topPad(u))), Point(xv, bv.maxY)]
            case .lane(let g, let i):
                let ly = bandTop[g] - 8 - laneStep * Double(i)
                func port(_ w: Int, _ b: Rect) -> Point {
                    let above = level[w] == g
                    let busy = above ? vertUp.contains(w) : vertDown.contains(w)
                    let px = busy ? b.maxX - min(3, b.width * 0.2) : b.midX     // beside the vertical flow arrow
                    return above ? Point(px, b.minY - Double(pad[w])) : Point(px, b.maxY)
                }
                let a = port(u, bu), b = port(v, bv)
                pts = [a, Point(a.x, ly), Point(b.x, ly), b]
            }
            l.routes.append(.init(edge: e, points: pts))
        }
        let width = (0..<n).map { box($0).maxX + pad[$0] }.max() ?? 0
        l.size = Size(width + Self.margin, cursor + Self.margin)
        return l
    }

    // MARK: title and legend

    func addTitleAndLegend(_ l: inout DiagramLayout) {
        var width = max(l.size.width, 200)
        if let t = d.title {
            let s = m.measure(t, font: .title, maxWidth: d.maxWidth - 2 * Self.margin)
            width = max(width, s.width + 2 * Self.margin)
            l.labels.append(.init(text: t, font: .title, at: Point(Self.margin, Self.margin), anchor: Point(0, 0), rotation: 0,
                                  maxWidth: d.maxWidth - 2 * Self.margin,
                                  box: Rect(x: Self.margin, y: Self.margin, width: s.width, height: s.height), alignment: .left))
        }
        guard d.showsLegend else { l.size.width = width; return }
        let kinds = Diagram.Kind.allCases.filter { k in l.blocks.contains { $0.node.kind == k } }
        let edgeKinds = Diagram.EdgeKind.allCases.filter { k in k != .flow && l.routes.contains { $0.edge.kind == k } }
        let legendWidth = min(max(width, 400), d.maxWidth)
        var x = Self.margin, y = l.size.height + 4
        let rowH = 16.0
        func place(_ text: String, swatch: Double) -> Rect {
            let s = m.measure(text, font: Self.legendFont)
            if x > Self.margin && x + swatch + 4 + s.width > legendWidth - Self.margin { x = Self.margin; y += rowH }
            let sw = Rect(x: x, y: y + (rowH - 10) / 2, width: swatch, height: 10)
            let at = Point(x + swatch + 4, y + rowH / 2)
            l.labels.append(.init(text: text, font: Self.legendFont, at: at, anchor: Point(0, 0.5), rotation: 0, maxWidth: nil,
                                  box: Rect(x: at.x, y: at.y - s.height / 2, width: s.width, height: s.height), alignment: .left))
            x += swatch + 4 + s.width + 14
            return sw
        }
        for k in kinds { l.legendKinds.append((k, place(k.legendName, swatch: 14))) }
        for k in edgeKinds { l.legendEdges.append((k, place(k.legendName, swatch: 24))) }
        if !kinds.isEmpty || !edgeKinds.isEmpty { y += rowH }
        l.size = Size(max(width, legendWidth), y + Self.margin)
    }
}
