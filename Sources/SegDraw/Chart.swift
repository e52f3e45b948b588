import Foundation

/// A chart axis: title, linear or logarithmic scale, optional fixed limits.
public struct Axis: Sendable {
    public enum Scale: Sendable { case linear, log }
    public var title: String
    public var scale: Scale
    public var min: Double?
    public var max: Double?
    public init(_ title: String, scale: Scale = .linear, min: Double? = nil, max: Double? = nil) {
        self.title = title; self.scale = scale; self.min = min; self.max = max
    }
}

/// "Nice" tick values (1-2-5 steps for linear axes, powers of ten for log axes).
public enum Ticks {
    /// About `count` ticks covering lo...hi, at multiples of 1, 2 or 5 × 10^k. Returns (ticks, step).
    public static func linear(_ lo: Double, _ hi: Double, count: Int = 6) -> (values: [Double], step: Double) {
        guard hi > lo, lo.isFinite, hi.isFinite else { return ([lo], 1) }
        let raw = (hi - lo) / Double(Swift.max(count - 1, 1))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw * 0.999 } ?? 10 * mag
        let first = ceil(lo / step - 1e-9) * step
        var v: [Double] = [], t = first
        while t <= hi + step * 1e-9 { v.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return (v, step)
    }

    /// Powers of ten within lo...hi (lo > 0); over at most 2.5 decades, also 2× and 5×.
    public static func log(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [lo] }
        let a = Int(floor(log10(lo))), b = Int(ceil(log10(hi)))
        var v: [Double] = []
        for k in a...b {
            let p = pow(10, Double(k))
            for m in (log10(hi / lo) <= 2.5 ? [1.0, 2, 5] : [1.0]) where p * m >= lo * 0.999 && p * m <= hi * 1.001 { v.append(p * m) }
        }
        return v
    }

    /// Expands lo...hi outwards to the nearest ticks (linear) or decades (log).
    static func niceRange(_ lo: Double, _ hi: Double, log: Bool) -> (Double, Double) {
        if log {
            // Outwards to 1, 2 or 5 × 10^k, so data within a decade does not get a mostly empty plot.
            let l = Swift.max(lo, 1e-12), h = Swift.max(hi, l * 1.0001)
            let steps = (-13...13).flatMap { k in [1.0, 2, 5].map { $0 * pow(10, Double(k)) } }
            let a = steps.last { $0 <= l * 1.000001 } ?? l, b = steps.first { $0 >= h * 0.999999 } ?? h
            return (a, b)
        }
        if hi <= lo { return (lo - 1, hi + 1) }
        let step = linear(lo, hi).step
        return (floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step)
    }

    /// A compact label for a tick value.
    public static func format(_ v: Double, step: Double? = nil, powersFrom: Double = 1e6) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= powersFrom || a < 1e-3 {
            let e = Int(floor(log10(a))), m = v / pow(10, Double(e))
            let ms = abs(m - 1) < 1e-9 ? "" : (abs(m - m.rounded()) < 1e-9 ? "\(Int(m.rounded()))×" : String(format: "%.1f×", m))
            return "\(ms)10" + superscript(e)
        }
        let decimals: Int
        if let step { decimals = Swift.max(0, Int(ceil(-log10(step) - 1e-9))) }
        else { decimals = abs(v - v.rounded()) < 1e-9 ? 0 : Swift.min(4, Swift.max(1, Int(ceil(-log10(a))) + 1)) }
        var s = String(format: "%.\(decimals)f", v)
        if step == nil, s.contains(".") { while s.hasSuffix("0") { s.removeLast() }; if s.hasSuffix(".") { s.removeLast() } }
        return s
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return (n < 0 ? "⁻" : "") + String(String(abs(n)).map { digits[Int(String($0))!] })
    }
}

/// A mapping from data to the plot area, with ticks.
struct ScaleMap {
    var lo: Double, hi: Double, log: Bool
    var a: Double, b: Double          // pixel positions of lo and hi
    func callAsFunction(_ v: Double) -> Double {
        if log {
            let l = Foundation.log10(Swift.max(v, 1e-300)), l0 = Foundation.log10(lo), l1 = Foundation.log10(hi)
            return a + (b - a) * (l - l0) / (l1 - l0)
        }
        return a + (b - a) * (v - lo) / (hi - lo)
    }
    var ticks: [(Double, String)] {
        if log { return Ticks.log(lo, hi).map { ($0, Ticks.format($0, powersFrom: 1e4)) } }
        let t = Ticks.linear(lo, hi)
        return t.values.map { ($0, Ticks.format($0, step: t.step)) }
    }
}

/// Shared chart furniture: title, legend row, axes with ticks and grid, axis titles.
struct ChartFrame {
    var size: Size
    var title: String?
    var legend: [(String, Color, Stroke.Dash)]
    var legendMarkers = false
    var x: Axis, y: Axis
    var xRange: (Double, Double), yRange: (Double, Double)
    /// Category labels instead of numeric x ticks (bar charts).
    var categories: [String]? = nil
    var rightReserve = 16.0

    static let tickFont = Font(size: 10)
    static let axisFont = Font(size: 11)

    /// Computes the plot rectangle and draws the frame; returns the scales.
    func draw(on c: Canvas, drawGrid: Bool = true) -> (x: ScaleMap, y: ScaleMap, plot: Rect) {
        let m = 10.0
        var top = m
        if let t = title {
            let r = c.text(t, at: Point(m, top), font: .title, anchor: Point(0, 0), maxWidth: size.width - 2 * m, alignment: .left)
            top = r.maxY + 6
        }
        // Legend: one flowing row (or more) under the title.
        if !legend.isEmpty {
            var lx = m, rowH = 16.0
            for (name, color, dash) in legend {
                let s = c.measure(name, font: Self.tickFont)
                if lx > m && lx + 26 + s.width > size.width - m { lx = m; top += rowH }
                if legendMarkers {
                    c.circle(center: Point(lx + 9, top + rowH / 2), radius: 4, fill: color)
                } else if dash == .pattern([]) {
                    c.rect(Rect(x: lx + 2, y: top + 3, width: 14, height: 10), fill: color)
                } else {
                    c.line(from: Point(lx, top + rowH / 2), to: Point(lx + 20, top + rowH / 2), stroke: Stroke(color, width: 2.2, dash: dash))
                }
                c.text(name, at: Point(lx + 24, top + rowH / 2), font: Self.tickFont, anchor: Point(0, 0.5))
                lx += 24 + s.width + 16
            }
            top += rowH + 6
        }
        var (y0, y1) = yRange
        if let v = y.min { y0 = v }; if let v = y.max { y1 = v }
        if y.min == nil || y.max == nil { let n = Ticks.niceRange(y0, y1, log: y.scale == .log); if y.min == nil { y0 = n.0 }; if y.max == nil { y1 = n.1 } }
        var (x0, x1) = xRange
        if categories == nil {
            if let v = x.min { x0 = v }; if let v = x.max { x1 = v }
            if x.min == nil || x.max == nil { let n = Ticks.niceRange(x0, x1, log: x.scale == .log); if x.min == nil { x0 = n.0 }; if x.max == nil { x1 = n.1 } }
        }
        var ys = ScaleMap(lo: y0, hi: y1, log: y.scale == .log, a: 0, b: 0)
        let tickW = ys.ticks.map { c.measure($0.1, font: Self.tickFont).width }.max() ?? 0
        let yTitleH = y.title.isEmpty ? 0 : c.measure(y.title, font: Self.axisFont).height + 4
        let xTitleH = x.title.isEmpty ? 0 : c.measure(x.title, font: Self.axisFont).height + 4
        let left = m + yTitleH + tickW + 6
        let plotW = size.width - left - rightReserve
        var catH = c.measure("Ag", font: Self.tickFont).height
        if let cats = categories {
            let w = plotW / Double(Swift.max(cats.count, 1)) - 4
            catH = cats.map { c.measure($0, font: Self.tickFont, maxWidth: w).height }.max() ?? catH
        }
        let bottom = size.height - m - xTitleH - catH - 5
        let plot = Rect(x: left, y: top + 4, width: plotW, height: bottom - top - 4)
        ys.a = plot.maxY; ys.b = plot.minY
        let xs = ScaleMap(lo: x0, hi: x1, log: x.scale == .log, a: plot.minX, b: plot.maxX)
        // Grid and ticks.
        for (v, label) in ys.ticks {
            let py = ys(v)
            if drawGrid { c.line(from: Point(plot.minX, py), to: Point(plot.maxX, py), stroke: Stroke(.grid, width: 0.8)) }
            c.text(label, at: Point(plot.minX - 5, py), font: Self.tickFont, color: .axis, anchor: Point(1, 0.5))
        }
        if let cats = categories {
            let w = plotW / Double(Swift.max(cats.count, 1))
            for (i, name) in cats.enumerated() {
                c.text(name, at: Point(plot.minX + w * (Double(i) + 0.5), plot.maxY + 4), font: Self.tickFont, color: .axis,
                       anchor: Point(0.5, 0), maxWidth: w - 4)
            }
        } else {
            var lastRight = -Double.infinity
            for (v, label) in xs.ticks {
                let px = xs(v)
                if drawGrid { c.line(from: Point(px, plot.minY), to: Point(px, plot.maxY), stroke: Stroke(.grid, width: 0.8)) }
                let w = c.measure(label, font: Self.tickFont).width
                if px - w / 2 > lastRight + 4 {    // skip a label that would touch its neighbour
                    c.text(label, at: Point(px, plot.maxY + 4), font: Self.tickFont, color: .axis, anchor: Point(0.5, 0))
                    lastRight = px + w / 2
                }
            }
        }
        c.line(from: Point(plot.minX, plot.maxY), to: Point(plot.maxX, plot.maxY), stroke: Stroke(.axis, width: 1))
        c.line(from: Point(plot.minX, plot.minY), to: Point(plot.minX, plot.maxY), stroke: Stroke(.axis, width: 1))
        if !x.title.isEmpty {
            c.text(x.title, at: Point(plot.midX, size.height - m), font: Self.axisFont, anchor: Point(0.5, 1))
        }
        if !y.title.isEmpty {
            c.text(y.title, at: Point(m, plot.midY), font: Self.axisFont, anchor: Point(0.5, 0), rotation: 90)
        }
        return (xs, ys, plot)
    }
}

/// One series of a line or bar chart, with optional min/max (drawn as error bars or a band).
public struct Series: Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var low: [Double]?
    public var high: [Double]?
    public var dash: Stroke.Dash
    public init(_ name: String, x: [Double], y: [Double], low: [Double]? = nil, high: [Double]? = nil, dash: Stroke.Dash = .solid) {
        precondition(x.count == y.count, "Series \(name): \(x.count) x values for \(y.count) y values")
        self.name = name; self.x = x; self.y = y; self.low = low; self.high = high; self.dash = dash
    }
    /// y values at x = 0, 1, 2, ... (epochs, steps).
    public init(_ name: String, y: [Double], low: [Double]? = nil, high: [Double]? = nil, dash: Stroke.Dash = .solid) {
        self.init(name, x: y.indices.map(Double.init), y: y, low: low, high: high, dash: dash)
    }
}

/// Line chart: training curves, scaling curves (log axes). Min/max give a band (many points) or error bars.
public struct LineChart: Figure, Sendable {
    public var title: String?
    public var x: Axis, y: Axis
    public var series: [Series]
    public var showsMarkers: Bool
    public var size: Size
    public init(title: String? = nil, x: Axis, y: Axis, series: [Series], showsMarkers: Bool = false, size: Size = Size(640, 380)) {
        self.title = title; self.x = x; self.y = y; self.series = series; self.showsMarkers = showsMarkers; self.size = size
    }

    public func draw(on c: Canvas) {
        let xsAll = series.flatMap(\.x).filter(\.isFinite)
        let ysAll = series.flatMap { $0.y + ($0.low ?? []) + ($0.high ?? []) }.filter(\.isFinite)
        var frame = ChartFrame(size: size, title: title,
                               legend: series.count > 1 ? series.enumerated().map { ($1.name, Palette.series($0), $1.dash) } : [],
                               x: x, y: y, xRange: (xsAll.min() ?? 0, xsAll.max() ?? 1), yRange: (ysAll.min() ?? 0, ysAll.max() ?? 1))
        frame.legendMarkers = false
        let (xs, ys, plot) = frame.draw(on: c)
        c.clipped(to: plot.insetBy(-4, -4)) {
            for (i, s) in series.enumerated() {
                let color = Palette.series(i)
                if let lo = s.low, let hi = s.high, lo.count == s.x.count, hi.count == s.x.count {
                    if s.x.count > 12 {
                        let upper = zip(s.x, hi).map { Point(xs($0), ys($1)) }, lower = zip(s.x, lo).map { Point(xs($0), ys($1)) }
                        c.polygon(upper + lower.reversed(), fill: color.withAlpha(0.18))
                    } else {
                        for k in s.x.indices {
                            let px = xs(s.x[k])
                            let st = Stroke(color, width: 1.2)
                            c.line(from: Point(px, ys(lo[k])), to: Point(px, ys(hi[k])), stroke: st)
                            c.line(from: Point(px - 3, ys(lo[k])), to: Point(px + 3, ys(lo[k])), stroke: st)
                            c.line(from: Point(px - 3, ys(hi[k])), to: Point(px + 3, ys(hi[k])), stroke: st)
                        }
                    }
                }
                let pts = zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }.map { Point(xs($0.0), ys($0.1)) }
                c.polyline(pts, stroke: Stroke(color, width: 2, dash: s.dash))
                if showsMarkers { for p in pts { c.circle(center: p, radius: 3, fill: color, stroke: Stroke(.white, width: 1)) } }
            }
        }
    }
}

/// Grouped bar chart: one group per category, one bar per series; min/max as error bars.
public struct BarChart: Figure, Sendable {
    public var title: String?
    public var categories: [String]
    /// Each series has one value per category (its `x` is ignored).
    public var series: [Series]
    public var y: Axis
    public var size: Size
    public init(title: String? = nil, categories: [String], series: [Series], y: Axis, size: Size = Size(640, 380)) {
        self.title = title; self.categories = categories; self.series = series; self.y = y; self.size = size
    }

    public func draw(on c: Canvas) {
        let vals = series.flatMap { $0.y + ($0.low ?? []) + ($0.high ?? []) }.filter(\.isFinite)
        let lo = Swift.min(0, vals.min() ?? 0), hi = Swift.max(0, vals.max() ?? 1)
        let frame = ChartFrame(size: size, title: title,
                               legend: series.count > 1 ? series.enumerated().map { ($1.name, Palette.series($0), .pattern([])) } : [],
                               x: Axis(""), y: y, xRange: (0, 1), yRange: (lo, hi), categories: categories)
        let (_, ys, plot) = frame.draw(on: c)
        let gw = plot.width / Double(Swift.max(categories.count, 1))
        let bw = gw * 0.8 / Double(Swift.max(series.count, 1))
        for (si, s) in series.enumerated() {
            let color = Palette.series(si)
            for (k, v) in s.y.enumerated() where k < categories.count && v.isFinite {
                let x0 = plot.minX + gw * Double(k) + gw * 0.1 + bw * Double(si)
                let base = ys(Swift.min(Swift.max(0, ys.lo), ys.hi))     // bars grow from 0 (or the axis end)
                let top = Swift.min(ys(v), base), bottom = Swift.max(ys(v), base)
                c.rect(Rect(x: x0 + 1, y: top, width: bw - 2, height: bottom - top), fill: color)
                if let l = s.low, let h = s.high, k < l.count, k < h.count {
                    let cx = x0 + bw / 2, st = Stroke(.text, width: 1.1)
                    c.line(from: Point(cx, ys(l[k])), to: Point(cx, ys(h[k])), stroke: st)
                    c.line(from: Point(cx - 3, ys(l[k])), to: Point(cx + 3, ys(l[k])), stroke: st)
                    c.line(from: Point(cx - 3, ys(h[k])), to: Point(cx + 3, ys(h[k])), stroke: st)
                }
            }
        }
    }
}

/// Scatter plot with a label per point (e.g. mIoU vs GFLOPs per model); labels are placed around
/// their points so they overlap neither each other nor other points, as far as the space allows.
public struct ScatterChart: Figure, Sendable {
    public struct Item: Sendable {
        public var x: Double, y: Double, label: String, group: Int
        public init(x: Double, y: Double, label: String, group: Int = 0) { self.x = x; self.y = y; self.label = label; self.group = group }
    }
    public var title: String?
    public var x: Axis, y: Axis
    public var items: [Item]
    /// Names of the groups (colours), shown in the legend.
    public var groups: [String]
    public var size: Size
    public init(title: String? = nil, x: Axis, y: Axis, items: [Item], groups: [String] = [], size: Size = Size(640, 420)) {
        self.title = title; self.x = x; self.y = y; self.items = items; self.groups = groups; self.size = size
    }

    public func draw(on c: Canvas) {
        var frame = ChartFrame(size: size, title: title, legend: groups.enumerated().map { ($1, Palette.series($0), .solid) },
                               x: x, y: y, xRange: (items.map(\.x).min() ?? 0, items.map(\.x).max() ?? 1),
                               yRange: (items.map(\.y).min() ?? 0, items.map(\.y).max() ?? 1))
        frame.legendMarkers = true
        let (xs, ys, plot) = frame.draw(on: c)
        let pts = items.map { Point(xs($0.x), ys($0.y)) }
        var taken: [Rect] = pts.map { Rect(center: $0, size: Size(9, 9)) }
        let font = Font(size: 10)
        for (i, it) in items.enumerated() {
            let p = pts[i], s = c.measure(it.label, font: font)
            var chosen: Rect? = nil
            search: for dist in [6.0, 14, 24, 36] {
                let cands: [Point] = [Point(p.x + dist, p.y - s.height / 2), Point(p.x - dist - s.width, p.y - s.height / 2),
                                      Point(p.x - s.width / 2, p.y - dist - s.height), Point(p.x - s.width / 2, p.y + dist),
                                      Point(p.x + dist * 0.7, p.y - dist * 0.7 - s.height), Point(p.x - dist * 0.7 - s.width, p.y - dist * 0.7 - s.height),
                                      Point(p.x + dist * 0.7, p.y + dist * 0.7), Point(p.x - dist * 0.7 - s.width, p.y + dist * 0.7)]
                for o in cands {
                    let r = Rect(x: o.x, y: o.y, width: s.width, height: s.height)
                    if r.minX >= plot.minX + 1 && r.maxX <= plot.maxX + 12 && r.minY >= plot.minY - 2 && r.maxY <= plot.maxY - 1
                        && !taken.contains(where: { $0.intersects(r) }) { chosen = r; break search }
                }
            }
            let r = chosen ?? Rect(x: p.x + 6, y: p.y - s.height / 2, width: s.width, height: s.height)
            taken.append(r)
            let dx = max(r.minX - p.x, p.x - r.maxX, 0), dy = max(r.minY - p.y, p.y - r.maxY, 0)
            if dx * dx + dy * dy > 100 {     // far from its point: a leader line
                let q = Point(min(max(p.x, r.minX), r.maxX), min(max(p.y, r.minY), r.maxY))
                c.line(from: p, to: q, stroke: Stroke(Color.axis.withAlpha(0.6), width: 0.7))
            }
            c.text(it.label, at: Point(r.minX, r.minY), font: font, anchor: Point(0, 0), alignment: .left)
        }
        for (i, it) in items.enumerated() {
            c.circle(center: pts[i], radius: 4, fill: Palette.series(it.group), stroke: Stroke(.white, width: 1))
        }
    }
}

/// Heat map of a rows×cols matrix (row-major) with a colour bar: confusion matrices, attention maps,
/// effective receptive fields. Cells are square when `squareCells`.
public struct HeatMap: Figure, Sendable {
    public var title: String?
    public var values: [Double]
    public var rows: Int, cols: Int
    public var rowLabels: [String]?, colLabels: [String]?
    public var colorBarTitle: String
    /// Fixed colour range; nil uses the data's min and max.
    public var range: ClosedRange<Double>?
    /// Write each cell's value in it (small matrices).
    public var showsValues: Bool
    public var size: Size
    public init(title: String? = nil, values: [Double], rows: Int, cols: Int, rowLabels: [String]? = nil, colLabels: [String]? = nil,
                colorBarTitle: String = "", range: ClosedRange<Double>? = nil, showsValues: Bool = false, size: Size = Size(440, 380)) {
        precondition(values.count == rows * cols, "HeatMap: \(values.count) values for \(rows)×\(cols)")
        self.title = title; self.values = values; self.rows = rows; self.cols = cols; self.rowLabels = rowLabels
        self.colLabels = colLabels; self.colorBarTitle = colorBarTitle; self.range = range; self.showsValues = showsValues; self.size = size
    }

    public func draw(on c: Canvas) {
        let m = 10.0
        var top = m
        if let t = title { top = c.text(t, at: Point(m, m), font: .title, anchor: Point(0, 0), maxWidth: size.width - 2 * m, alignment: .left).maxY + 8 }
        let finite = values.filter(\.isFinite)
        var lo = range?.lowerBound ?? finite.min() ?? 0, hi = range?.upperBound ?? finite.max() ?? 1
        if range == nil { (lo, hi) = Ticks.niceRange(lo, hi, log: false) }
        let span = hi > lo ? hi - lo : 1
        let font = Font(size: 9.5)
        let rowW = (rowLabels ?? []).map { c.measure($0, font: font).width }.max().map { $0 + 6 } ?? 0
        let colH = (colLabels ?? []).map { c.measure($0, font: font).width }.max().map { $0 + 6 } ?? 0
        let ticks = Ticks.linear(lo, hi, count: 5)
        let tickW = ticks.values.map { c.measure(Ticks.format($0, step: ticks.step), font: font).width }.max() ?? 0
        let barW = 14.0, barReserve = 12 + barW + 4 + tickW + (colorBarTitle.isEmpty ? 0 : 16)
        let availW = size.width - m - rowW - barReserve - m, availH = size.height - top - colH - m
        let cell = Swift.min(availW / Double(cols), availH / Double(rows))
        let grid = Rect(x: m + rowW, y: top + colH, width: cell * Double(cols), height: cell * Double(rows))
        if !showsValues || cell < 18 {
            // One image, nearest-neighbour: no seams between cells, and a small SVG.
            var rgba = [UInt8](repeating: 255, count: rows * cols * 4)
            for (i, v) in values.enumerated() {
                let col = v.isFinite ? Palette.viridis((v - lo) / span) : Color(hex: 0xCCCCCC)
                rgba[i * 4] = UInt8((col.r * 255).rounded()); rgba[i * 4 + 1] = UInt8((col.g * 255).rounded())
                rgba[i * 4 + 2] = UInt8((col.b * 255).rounded())
            }
            c.image(rgba: rgba, width: cols, height: rows, in: grid)
        } else { for r in 0..<rows { for k in 0..<cols {
            let v = values[r * cols + k]
            let t = (v - lo) / span
            let color = v.isFinite ? Palette.viridis(t) : Color(hex: 0xCCCCCC)
            let cr = Rect(x: grid.minX + Double(k) * cell, y: grid.minY + Double(r) * cell, width: cell + 0.3, height: cell + 0.3)
            c.rect(cr, fill: color)
            if showsValues && cell >= 18 {
                let s = Ticks.format(v)
                let f = Font(size: Swift.min(10, cell * 0.4))
                if c.measure(s, font: f).width < cell - 2 {
                    c.text(s, at: cr.center, font: f, color: color.luminance > 0.5 ? .black : .white)
                }
            }
        } } }
        if let rl = rowLabels { for (i, s) in rl.enumerated() where i < rows {
            c.text(s, at: Point(grid.minX - 4, grid.minY + (Double(i) + 0.5) * cell), font: font, anchor: Point(1, 0.5))
        } }
        if let cl = colLabels { for (i, s) in cl.enumerated() where i < cols {
            c.text(s, at: Point(grid.minX + (Double(i) + 0.5) * cell, grid.minY - 4), font: font, anchor: Point(0, 0.5), rotation: 90)
        } }
        // Colour bar.
        let bar = Rect(x: grid.maxX + 12, y: grid.minY, width: barW, height: grid.height)
        let steps = 128
        var ramp = [UInt8](repeating: 255, count: steps * 4)
        for i in 0..<steps {
            let col = Palette.viridis(1 - (Double(i) + 0.5) / Double(steps))
            ramp[i * 4] = UInt8((col.r * 255).rounded()); ramp[i * 4 + 1] = UInt8((col.g * 255).rounded()); ramp[i * 4 + 2] = UInt8((col.b * 255).rounded())
        }
        c.image(rgba: ramp, width: 1, height: steps, in: bar, smooth: true)
        c.rect(bar, stroke: Stroke(.axis, width: 0.8))
        for v in ticks.values {
            let py = bar.maxY - bar.height * (v - lo) / span
            c.line(from: Point(bar.maxX, py), to: Point(bar.maxX + 3, py), stroke: Stroke(.axis, width: 0.8))
            c.text(Ticks.format(v, step: ticks.step), at: Point(bar.maxX + 5, py), font: font, color: .axis, anchor: Point(0, 0.5))
        }
        if !colorBarTitle.isEmpty {
            c.text(colorBarTitle, at: Point(bar.maxX + 5 + tickW + 4, bar.midY), font: font, anchor: Point(0.5, 1), rotation: -90)
        }
    }
}
