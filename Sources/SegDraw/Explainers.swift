import Foundation

// Explanatory figures: each draws what its inputs say (rates, sizes, numbers), nothing typed in.

/// Draws a rows×cols grid of square cells at `origin`; `fill` gives a cell's colour (nil: none).
func drawCells(_ c: Canvas, origin: Point, rows: Int, cols: Int, cell: Double,
               fill: (Int, Int) -> Color?, line: Stroke = Stroke(Color(hex: 0xBBBBBB), width: 0.6)) {
    for r in 0..<rows { for k in 0..<cols {
        let rect = Rect(x: origin.x + Double(k) * cell, y: origin.y + Double(r) * cell, width: cell, height: cell)
        c.rect(rect, fill: fill(r, k), stroke: line)
    } }
}

let captionFont = Font(size: 10.5)
let panelTitleFont = Font(size: 11, bold: true)

/// Atrous (dilated) convolution: the input positions a k×k kernel samples at each rate, and the
/// receptive field ((k−1)·rate + 1) they span (Chen et al., DeepLab).
public struct AtrousSamplingFigure: Figure, Sendable {
    public var rates: [Int], kernel: Int, gridSize: Int
    public init(rates: [Int] = [1, 2, 4], kernel: Int = 3, gridSize: Int? = nil) {
        self.rates = rates; self.kernel = kernel
        self.gridSize = gridSize ?? ((kernel - 1) * (rates.max() ?? 1) + 3) | 1
    }
    static let cell = 15.0, gap = 26.0
    public var size: Size {
        let p = Double(gridSize) * Self.cell
        return Size(20 + Double(rates.count) * p + Double(rates.count - 1) * Self.gap, 20 + 22 + p + 40)
    }
    public func draw(on c: Canvas) {
        let p = Double(gridSize) * Self.cell, mid = gridSize / 2
        for (i, r) in rates.enumerated() {
            let o = Point(10 + Double(i) * (p + Self.gap), 10 + 22)
            let field = (kernel - 1) * r + 1, half = (kernel - 1) / 2 * r
            let sampled = Set((0..<kernel).flatMap { a in (0..<kernel).map { b in [mid + (a - (kernel - 1) / 2) * r, mid + (b - (kernel - 1) / 2) * r] } })
            drawCells(c, origin: o, rows: gridSize, cols: gridSize, cell: Self.cell) { y, x in
                if sampled.contains([y, x]) { return Palette.blue }
                if abs(y - mid) <= half && abs(x - mid) <= half { return Palette.skyBlue.tint(0.6) }
                return nil
            }
            let f = Rect(x: o.x + Double(mid - half) * Self.cell, y: o.y + Double(mid - half) * Self.cell,
                         width: Double(field) * Self.cell, height: Double(field) * Self.cell)
            c.rect(f, stroke: Stroke(Palette.vermillion, width: 1.6, dash: .dashed))
            c.text("rate \(r)", at: Point(o.x + p / 2, 10), font: panelTitleFont, anchor: Point(0.5, 0))
            c.text("\(kernel * kernel) samples, field \(field)×\(field)", at: Point(o.x + p / 2, o.y + p + 6), font: captionFont,
                   anchor: Point(0.5, 0), maxWidth: p + Self.gap - 4)
        }
    }
}

/// Receptive-field growth through a stack of layers: one bar per layer, length = receptive field
/// in input pixels (values computed by the caller, e.g. SegLab's receptive-field profile).
public struct ReceptiveFieldFigure: Figure, Sendable {
    public var layers: [String], fields: [Int]
    /// Draws a marker at the input size, to compare.
    public var inputSize: Int?
    public var width: Double
    public init(layers: [String], fields: [Int], inputSize: Int? = nil, width: Double = 640) {
        precondition(layers.count == fields.count, "ReceptiveFieldFigure: \(layers.count) layers, \(fields.count) fields")
        self.layers = layers; self.fields = fields; self.inputSize = inputSize; self.width = width
    }
    static let rowH = 18.0
    public var size: Size { Size(width, 20 + Double(layers.count) * Self.rowH + 36) }
    public func draw(on c: Canvas) {
        let labelW = (layers.map { c.measure($0, font: captionFont).width }.max() ?? 0) + 8
        let x0 = 10 + labelW, maxV = Double(max(fields.max() ?? 1, inputSize ?? 0))
        let numW = c.measure(String(maxV > 0 ? Int(maxV) : 0), font: captionFont).width + 8
        let barMax = width - x0 - 10 - numW
        for (i, (name, f)) in zip(layers, fields).enumerated() {
            let y = 10 + Double(i) * Self.rowH
            c.text(name, at: Point(x0 - 6, y + Self.rowH / 2), font: captionFont, anchor: Point(1, 0.5))
            let w = max(1, barMax * Double(f) / maxV)
            c.rect(Rect(x: x0, y: y + 3, width: w, height: Self.rowH - 6), fill: Palette.blue.tint(0.3))
            c.text("\(f)", at: Point(x0 + w + 4, y + Self.rowH / 2), font: captionFont, anchor: Point(0, 0.5))
        }
        let bottom = 10 + Double(layers.count) * Self.rowH
        c.line(from: Point(x0, 10), to: Point(x0, bottom), stroke: Stroke(.axis, width: 1))
        if let s = inputSize {
            let x = x0 + barMax * Double(s) / maxV
            c.line(from: Point(x, 6), to: Point(x, bottom + 4), stroke: Stroke(Palette.vermillion, width: 1.4, dash: .dashed))
            let w = c.measure("input \(s) px", font: captionFont).width
            c.text("input \(s) px", at: Point(min(x, width - 10 - w / 2), bottom + 6), font: captionFont, color: Palette.vermillion, anchor: Point(0.5, 0))
        }
        c.text("receptive field (input pixels)", at: Point(x0 + barMax / 2, bottom + 22), font: captionFont, color: .axis, anchor: Point(0.5, 0))
    }
}

/// Max pooling that records the argmax indices, and SegNet's unpooling that puts each value back at
/// its index (zeros elsewhere), on a small matrix of numbers given by the caller.
public struct PoolingIndicesFigure: Figure, Sendable {
    public var input: [[Double]], window: Int
    public init(input: [[Double]], window: Int = 2) {
        precondition(!input.isEmpty && input.allSatisfy { $0.count == input[0].count }, "PoolingIndicesFigure: ragged matrix")
        self.input = input; self.window = window
    }
    static let cell = 30.0, gap = 56.0
    var rows: Int { input.count }
    var cols: Int { input[0].count }
    public var size: Size {
        let w = Double(cols) * Self.cell, pw = Double(cols / window) * Self.cell
        return Size(20 + 2 * w + 2 * pw + 3 * Self.gap, 10 + 22 + Double(rows) * Self.cell + 30)
    }
    public func draw(on c: Canvas) {
        let pr = rows / window, pc = cols / window
        // Max and its index in each window (first maximum in row-major order).
        var pooled = [[Double]](repeating: [Double](repeating: 0, count: pc), count: pr)
        var arg = [[(Int, Int)]](repeating: [(Int, Int)](repeating: (0, 0), count: pc), count: pr)
        for i in 0..<pr { for j in 0..<pc {
            var best = -Double.infinity
            for a in 0..<window { for b in 0..<window where input[i * window + a][j * window + b] > best {
                best = input[i * window + a][j * window + b]; arg[i][j] = (i * window + a, j * window + b)
            } }
            pooled[i][j] = best
        } }
        func winColor(_ i: Int, _ j: Int) -> Color { Palette.series((i * pc + j) % 6 + (i * pc + j >= 6 ? 0 : 0)) }
        let w = Double(cols) * Self.cell, pw = Double(pc) * Self.cell, top = 32.0
        let xs = [10.0, 10 + w + Self.gap, 10 + w + pw + 2 * Self.gap, 10 + w + 2 * pw + 3 * Self.gap]
        let titles = ["input", "max pool \(window)×\(window)", "indices", "unpool"]
        func number(_ v: Double) -> String { Ticks.format(v) }
        let font = Font(.mono, size: 11)
        func isArg(_ r: Int, _ k: Int) -> (Int, Int)? {
            let i = r / window, j = k / window
            return i < pr && j < pc && arg[i][j] == (r, k) ? (i, j) : nil
        }
        // Input: window colours light, maxima strong.
        for r in 0..<rows { for k in 0..<cols {
            let rect = Rect(x: xs[0] + Double(k) * Self.cell, y: top + Double(r) * Self.cell, width: Self.cell, height: Self.cell)
            let col = winColor(min(r / window, pr - 1), min(k / window, pc - 1))
            c.rect(rect, fill: isArg(r, k) != nil ? col.tint(0.35) : col.tint(0.85), stroke: Stroke(.white, width: 1))
            c.text(number(input[r][k]), at: rect.center, font: font, color: .text)
        } }
        for i in 0..<pr { for j in 0..<pc {
            let col = winColor(i, j)
            let r1 = Rect(x: xs[1] + Double(j) * Self.cell, y: top + Double(i) * Self.cell, width: Self.cell, height: Self.cell)
            c.rect(r1, fill: col.tint(0.35), stroke: Stroke(.white, width: 1))
            c.text(number(pooled[i][j]), at: r1.center, font: font)
            let r2 = Rect(x: xs[2] + Double(j) * Self.cell, y: top + Double(i) * Self.cell, width: Self.cell, height: Self.cell)
            c.rect(r2, fill: col.tint(0.7), stroke: Stroke(.white, width: 1))
            let (a, b) = arg[i][j]
            c.text("\(a - i * window),\(b - j * window)", at: r2.center, font: Font(.mono, size: 9.5))
        } }
        for r in 0..<rows { for k in 0..<cols {
            let rect = Rect(x: xs[3] + Double(k) * Self.cell, y: top + Double(r) * Self.cell, width: Self.cell, height: Self.cell)
            if let (i, j) = isArg(r, k) {
                c.rect(rect, fill: winColor(i, j).tint(0.35), stroke: Stroke(.white, width: 1))
                c.text(number(pooled[i][j]), at: rect.center, font: font)
            } else {
                c.rect(rect, fill: Color(hex: 0xF2F2F2), stroke: Stroke(.white, width: 1))
                c.text("0", at: rect.center, font: font, color: Color(hex: 0xAAAAAA))
            }
        } }
        let panelW = [w, pw, pw, w]
        for p in 0..<4 {
            c.text(titles[p], at: Point(xs[p] + panelW[p] / 2, 10), font: panelTitleFont, anchor: Point(0.5, 0))
        }
        let midY = top + Double(pr) * Self.cell / 2
        c.arrow(from: Point(xs[0] + w + 6, midY), to: Point(xs[1] - 6, midY), stroke: Stroke(.axis, width: 1.3))
        c.arrow(from: Point(xs[2] + pw + 6, midY), to: Point(xs[3] - 6, midY), stroke: Stroke(Palette.vermillion, width: 1.4, dash: .dashed))
        c.text("index within each \(window)×\(window) window (row, column)", at: Point(xs[2] + pw / 2, top + Double(pr) * Self.cell + 6),
               font: Font(size: 9), color: .axis, anchor: Point(0.5, 0), maxWidth: pw + Self.gap)
    }
}

/// U-Net's crop-and-concatenate: the encoder map is centre-cropped to the decoder's size, then the
/// two are stacked along channels.
public struct CropAndConcatFigure: Figure, Sendable {
    public var encoder: (channels: Int, size: Int)
    public var decoder: (channels: Int, size: Int)
    public init(encoder: (channels: Int, size: Int), decoder: (channels: Int, size: Int)) { self.encoder = encoder; self.decoder = decoder }
    public var size: Size { Size(640, 245) }
    public func draw(on c: Canvas) {
        let scale = 150.0 / Double(max(encoder.size, decoder.size))
        let es = Double(encoder.size) * scale, ds = Double(decoder.size) * scale
        let top = 36.0
        let e = Rect(x: 20, y: top, width: es, height: es)
        c.rect(e, fill: Palette.blue.tint(0.7), stroke: Stroke(Palette.blue, width: 1))
        let crop = Rect(center: e.center, size: Size(ds, ds))
        c.rect(crop, fill: Palette.blue.tint(0.35), stroke: Stroke(Palette.vermillion, width: 1.6, dash: .dashed))
        c.text("encoder \(encoder.channels)×\(encoder.size)²", at: Point(e.midX, 10), font: panelTitleFont, anchor: Point(0.5, 0))
        let border = (encoder.size - decoder.size) / 2
        c.text("crop \(border) px each side", at: Point(e.minX, e.maxY + 6), font: captionFont, color: Palette.vermillion, anchor: Point(0, 0), alignment: .left)
        let d = Rect(x: e.maxX + 60, y: top + (es - ds) / 2, width: ds, height: ds)
        c.rect(d, fill: Palette.bluishGreen.tint(0.5), stroke: Stroke(Palette.bluishGreen.shade(0.3), width: 1))
        c.text("decoder \(decoder.channels)×\(decoder.size)²", at: Point(d.midX, 10), font: panelTitleFont, anchor: Point(0.5, 0))
        // Concatenation: two slabs side by side, widths by channels.
        let total = encoder.channels + decoder.channels
        let slab = 50.0
        let w1 = slab * Double(encoder.channels) / Double(total), w2 = slab - w1
        let x0 = d.maxX + 80
        let s1 = Rect(x: x0, y: d.minY, width: w1, height: ds), s2 = Rect(x: x0 + w1, y: d.minY, width: w2, height: ds)
        c.rect(s1, fill: Palette.blue.tint(0.35), stroke: Stroke(Palette.blue, width: 1))
        c.rect(s2, fill: Palette.bluishGreen.tint(0.5), stroke: Stroke(Palette.bluishGreen.shade(0.3), width: 1))
        c.text("concat \(total)×\(decoder.size)²", at: Point(x0 + slab / 2, 10), font: panelTitleFont, anchor: Point(0.5, 0))
        c.text("\(encoder.channels) + \(decoder.channels)\nchannels", at: Point(x0 + slab + 8, s1.midY), font: captionFont,
               anchor: Point(0, 0.5), alignment: .left)
        // The cropped encoder features travel under the decoder map into the first slab.
        let end = Point(x0 + w1 / 2, s1.maxY + 2)
        c.path([.move(Point(crop.maxX - 8, crop.maxY)), .curve(Point(crop.maxX - 8, d.maxY + 45), Point(end.x, d.maxY + 45), end)],
               stroke: Stroke(Palette.vermillion, width: 1.2, dash: .dashed))
        c.arrow(from: Point(end.x, end.y + 6), to: end, stroke: Stroke(Palette.vermillion, width: 1.2), head: 6)
        c.arrow(from: Point(d.maxX + 6, d.midY), to: Point(x0 - 6, d.midY), stroke: Stroke(.axis, width: 1.3))
    }
}

/// PSPNet's pyramid pooling: the bins of each pyramid level over an n×n feature map, using adaptive
/// pooling's bin edges (floor(i·n/b) to ceil((i+1)·n/b)).
public struct PyramidPoolingFigure: Figure, Sendable {
    public var bins: [Int], featureSize: Int
    public init(bins: [Int] = [1, 2, 3, 6], featureSize: Int = 12) { self.bins = bins; self.featureSize = featureSize }
    static let panel = 132.0, gap = 22.0
    public var size: Size { Size(20 + Double(bins.count) * Self.panel + Double(bins.count - 1) * Self.gap, 10 + 22 + Self.panel + 30) }
    public func draw(on c: Canvas) {
        let n = featureSize, cell = Self.panel / Double(n)
        for (p, b) in bins.enumerated() {
            let o = Point(10 + Double(p) * (Self.panel + Self.gap), 32)
            let color = Palette.series(p)
            drawCells(c, origin: o, rows: n, cols: n, cell: cell, fill: { r, k in
                ((r * b / n) + (k * b / n)) % 2 == 0 ? color.tint(0.55) : color.tint(0.78) }, line: Stroke(.white, width: 0.5))
            for i in 0..<b {
                let start = Double(i * n / b), end = ceil(Double((i + 1) * n) / Double(b))
                for (a, z) in [(start, end)] {
                    _ = z
                    c.line(from: Point(o.x + a * cell, o.y), to: Point(o.x + a * cell, o.y + Self.panel), stroke: Stroke(color.shade(0.3), width: 1.4))
                    c.line(from: Point(o.x, o.y + a * cell), to: Point(o.x + Self.panel, o.y + a * cell), stroke: Stroke(color.shade(0.3), width: 1.4))
                }
            }
            c.rect(Rect(x: o.x, y: o.y, width: Self.panel, height: Self.panel), stroke: Stroke(color.shade(0.3), width: 1.4))
            c.text("\(b)×\(b) bins", at: Point(o.x + Self.panel / 2, 10), font: panelTitleFont, anchor: Point(0.5, 0))
            let binSide = Double(n) / Double(b)
            c.text(binSide == binSide.rounded() ? "\(Int(binSide))×\(Int(binSide)) cells per bin" : String(format: "≈%.1f cells per bin side", binSide),
                   at: Point(o.x + Self.panel / 2, o.y + Self.panel + 6), font: captionFont, anchor: Point(0.5, 0), maxWidth: Self.panel + Self.gap - 4)
        }
    }
}

/// ASPP's parallel atrous branches: the 3×3 sampling positions of each rate over one feature map.
public struct ASPPRatesFigure: Figure, Sendable {
    public var rates: [Int], featureSize: Int
    public init(rates: [Int] = [6, 12, 18], featureSize: Int = 41) { self.rates = rates; self.featureSize = featureSize }
    static let side = 300.0
    public var size: Size { Size(Self.side + 200, Self.side + 40) }
    public func draw(on c: Canvas) {
        let n = featureSize, cell = Self.side / Double(n), o = Point(10, 30), mid = n / 2
        c.text("ASPP sampling on a \(n)×\(n) feature map", at: Point(10, 8), font: panelTitleFont, anchor: Point(0, 0), alignment: .left)
        c.rect(Rect(x: o.x, y: o.y, width: Self.side, height: Self.side), fill: Color(hex: 0xF4F4F4), stroke: Stroke(.axis, width: 1))
        for i in stride(from: 0, through: n, by: 1) where n <= 64 {
            let t = Double(i) * cell
            c.line(from: Point(o.x + t, o.y), to: Point(o.x + t, o.y + Self.side), stroke: Stroke(Color(hex: 0xE2E2E2), width: 0.5))
            c.line(from: Point(o.x, o.y + t), to: Point(o.x + Self.side, o.y + t), stroke: Stroke(Color(hex: 0xE2E2E2), width: 0.5))
        }
        for (i, r) in rates.enumerated().reversed() {
            let color = Palette.series(i)
            let field = Rect(x: o.x + Double(mid - r) * cell, y: o.y + Double(mid - r) * cell, width: Double(2 * r + 1) * cell, height: Double(2 * r + 1) * cell)
            c.clipped(to: Rect(x: o.x, y: o.y, width: Self.side, height: Self.side)) {
                c.rect(field, stroke: Stroke(color, width: 1.2, dash: .dashed))
            }
            for a in -1...1 { for b in -1...1 {
                let y = mid + a * r, x = mid + b * r
                guard y >= 0, y < n, x >= 0, x < n else { continue }
                c.rect(Rect(x: o.x + Double(x) * cell, y: o.y + Double(y) * cell, width: cell, height: cell), fill: color)
            } }
            let ly = o.y + 20 + Double(i) * 22
            c.rect(Rect(x: o.x + Self.side + 16, y: ly - 6, width: 12, height: 12), fill: color)
            c.text("rate \(r): field \(2 * r + 1)", at: Point(o.x + Self.side + 34, ly), font: captionFont, anchor: Point(0, 0.5))
        }
        let outside = rates.filter { $0 > mid }
        if !outside.isEmpty {
            c.text("rate \(outside.map(String.init).joined(separator: ", ")): outer taps fall outside (zero padding)",
                   at: Point(o.x + Self.side + 16, o.y + 30 + Double(rates.count) * 22), font: Font(size: 9.5), color: .axis,
                   anchor: Point(0, 0), maxWidth: 170, alignment: .left)
        }
    }
}

/// ViT's patch embedding: the image cut into p×p patches, numbered in raster order, flattened into a
/// row of tokens. An optional image is drawn under the grid.
public struct PatchEmbeddingFigure: Figure, Sendable {
    public var imageSize: Int, patch: Int, dim: Int
    public var image: RasterImage?
    public init(imageSize: Int = 64, patch: Int = 16, dim: Int = 768, image: RasterImage? = nil) {
        self.imageSize = imageSize; self.patch = patch; self.dim = dim; self.image = image
    }
    public var size: Size { Size(720, 200) }
    public func draw(on c: Canvas) {
        let g = imageSize / patch, side = 150.0, cell = side / Double(g), o = Point(10, 34)
        c.text("image \(imageSize)×\(imageSize), patches \(patch)×\(patch)", at: Point(o.x, 10), font: panelTitleFont, anchor: Point(0, 0), alignment: .left)
        if let img = image { c.image(rgba: img.rgba, width: img.width, height: img.height, in: Rect(x: o.x, y: o.y, width: side, height: side), smooth: true) }
        let font = Font(size: min(10, cell * 0.45))
        for r in 0..<g { for k in 0..<g {
            let rect = Rect(x: o.x + Double(k) * cell, y: o.y + Double(r) * cell, width: cell, height: cell)
            c.rect(rect, fill: image == nil ? Palette.series((r + k) % 2 == 0 ? 5 : 0).tint(0.6) : nil, stroke: Stroke(.white, width: 1.2))
            if cell >= 14 { c.text("\(r * g + k + 1)", at: rect.center, font: font, color: image == nil ? .text : .white) }
        } }
        let n = g * g
        let shown = min(n, 16)
        let tx = o.x + side + 80, tw = min(30.0, (Double(size.width) - tx - 20) / Double(shown + 1)), ty = o.y + side / 2 - 30
        c.arrow(from: Point(o.x + side + 10, o.y + side / 2), to: Point(tx - 10, o.y + side / 2), stroke: Stroke(.axis, width: 1.3))
        c.text("flatten +\nlinear", at: Point((o.x + side + tx) / 2, o.y + side / 2 - 6), font: Font(size: 9.5), color: .axis, anchor: Point(0.5, 1))
        for i in 0..<shown {
            let idx = (i == shown - 1 && n > shown) ? n : i + 1
            let x = tx + Double(i) * tw + (i == shown - 1 && n > shown ? tw : 0)
            let rect = Rect(x: x, y: ty, width: tw - 3, height: 60)
            let (r, k) = ((idx - 1) / g, (idx - 1) % g)
            c.rect(rect, fill: Palette.series((r + k) % 2 == 0 ? 5 : 0).tint(0.45), stroke: Stroke(Palette.blue, width: 0.8))
            c.text("\(idx)", at: Point(rect.midX, rect.maxY + 4), font: Font(size: 9), anchor: Point(0.5, 0))
        }
        if n > shown { c.text("…", at: Point(tx + Double(shown - 1) * tw + tw / 2, ty + 30), font: .body) }
        let endX = tx + Double(shown) * tw + (n > shown ? tw : 0)
        c.text("\(n) tokens × \(dim)", at: Point((tx + endX) / 2, ty - 6), font: panelTitleFont, anchor: Point(0.5, 1))
        c.text("+ position embeddings, then \(n) tokens enter the transformer", at: Point((tx + endX) / 2, ty + 80), font: captionFont,
               color: .axis, anchor: Point(0.5, 0), maxWidth: endX - tx + 40)
    }
}

/// Swin Transformer's windows: regular M×M windows (layer l), shifted by ⌊M/2⌋ (layer l+1) giving
/// irregular windows, and the cyclic shift that turns them back into M×M windows with masks.
public struct SwinWindowsFigure: Figure, Sendable {
    public var gridSize: Int, window: Int, shift: Int
    public init(gridSize: Int = 8, window: Int = 4, shift: Int? = nil) { self.gridSize = gridSize; self.window = window; self.shift = shift ?? window / 2 }
    static let side = 168.0, gap = 44.0
    public var size: Size { Size(20 + 3 * Self.side + 2 * Self.gap, 34 + Self.side + 44) }
    public func draw(on c: Canvas) {
        let n = gridSize, cell = Self.side / Double(n), s = shift, M = window
        // Region id of a patch after shifting the window grid by s: which of the shifted windows holds it.
        func bandIndex(_ v: Int) -> Int { v < s ? 0 : (v - s) / M + 1 }   // shifted partition along one axis
        let bands = bandIndex(n - 1) + 1
        func region(_ r: Int, _ k: Int) -> Int { bandIndex(r) * bands + bandIndex(k) }
        let colors = (0..<(bands * bands)).map { Palette.series($0 % 7).tint(0.45) }
        let xs = (0..<3).map { 10 + Double($0) * (Self.side + Self.gap) }, top = 34.0
        let titles = ["layer l: \(M)×\(M) windows", "layer l+1: shifted by \(s)", "cyclic shift: \((n / M) * (n / M)) windows"]
        // Panel 1: regular windows.
        drawCells(c, origin: Point(xs[0], top), rows: n, cols: n, cell: cell, fill: { r, k in Palette.series((r / M * (n / M) + k / M) % 7).tint(0.7) },
                  line: Stroke(.white, width: 0.7))
        for i in stride(from: 0, through: n, by: M) {
            c.line(from: Point(xs[0] + Double(i) * cell, top), to: Point(xs[0] + Double(i) * cell, top + Self.side), stroke: Stroke(.text, width: 1.6))
            c.line(from: Point(xs[0], top + Double(i) * cell), to: Point(xs[0] + Self.side, top + Double(i) * cell), stroke: Stroke(.text, width: 1.6))
        }
        // Panel 2: shifted windows, coloured by region.
        drawCells(c, origin: Point(xs[1], top), rows: n, cols: n, cell: cell, fill: { r, k in colors[region(r, k)] }, line: Stroke(.white, width: 0.7))
        var edges = [0, n]; var e = s; while e < n { edges.append(e); e += M }
        for i in edges {
            c.line(from: Point(xs[1] + Double(i) * cell, top), to: Point(xs[1] + Double(i) * cell, top + Self.side), stroke: Stroke(.text, width: 1.6))
            c.line(from: Point(xs[1], top + Double(i) * cell), to: Point(xs[1] + Self.side, top + Double(i) * cell), stroke: Stroke(.text, width: 1.6))
        }
        // Panel 3: rolled by -s: patch (r, k) shows the original patch ((r + s) mod n, (k + s) mod n).
        drawCells(c, origin: Point(xs[2], top), rows: n, cols: n, cell: cell, fill: { r, k in colors[region((r + s) % n, (k + s) % n)] },
                  line: Stroke(.white, width: 0.7))
        for i in stride(from: 0, through: n, by: M) {
            c.line(from: Point(xs[2] + Double(i) * cell, top), to: Point(xs[2] + Double(i) * cell, top + Self.side), stroke: Stroke(.text, width: 1.6))
            c.line(from: Point(xs[2], top + Double(i) * cell), to: Point(xs[2] + Self.side, top + Double(i) * cell), stroke: Stroke(.text, width: 1.6))
        }
        // Mask boundaries inside windows: where neighbouring patches come from different regions.
        for r in 0..<n { for k in 0..<n {
            let a = region((r + s) % n, (k + s) % n)
            if k + 1 < n && (k + 1) % M != 0 && region((r + s) % n, (k + 1 + s) % n) != a {
                let x = xs[2] + Double(k + 1) * cell
                c.line(from: Point(x, top + Double(r) * cell), to: Point(x, top + Double(r + 1) * cell), stroke: Stroke(Palette.vermillion, width: 1.3, dash: .dashed))
            }
            if r + 1 < n && (r + 1) % M != 0 && region((r + 1 + s) % n, (k + s) % n) != a {
                let y = top + Double(r + 1) * cell
                c.line(from: Point(xs[2] + Double(k) * cell, y), to: Point(xs[2] + Double(k + 1) * cell, y), stroke: Stroke(Palette.vermillion, width: 1.3, dash: .dashed))
            }
        } }
        for p in 0..<3 { c.text(titles[p], at: Point(xs[p] + Self.side / 2, 10), font: panelTitleFont, anchor: Point(0.5, 0), maxWidth: Self.side + Self.gap - 6) }
        c.text("\(bands * bands) windows of unequal size", at: Point(xs[1] + Self.side / 2, top + Self.side + 6), font: captionFont, anchor: Point(0.5, 0))
        c.text("rolled by −\(s) in x and y; attention masked across dashed lines", at: Point(xs[2] + Self.side / 2, top + Self.side + 6),
               font: captionFont, anchor: Point(0.5, 0), maxWidth: Self.side)
        c.arrow(from: Point(xs[1] + Self.side + 6, top + Self.side / 2), to: Point(xs[2] - 6, top + Self.side / 2), stroke: Stroke(.axis, width: 1.3))
    }
}

/// SegFormer's efficient self-attention: keys and values come from the token grid reduced R×R
/// (a stride-R convolution), so the attention matrix is N × N/R² instead of N × N.
public struct SequenceReductionFigure: Figure, Sendable {
    public var height: Int, width: Int, ratio: Int, dim: Int
    public init(height: Int = 8, width: Int = 8, ratio: Int = 2, dim: Int = 64) { self.height = height; self.width = width; self.ratio = ratio; self.dim = dim }
    public var size: Size { Size(700, 200) }
    public func draw(on c: Canvas) {
        let n = height * width, nr = (height / ratio) * (width / ratio)
        let side = 128.0, cell = side / Double(max(height, width)), top = 36.0
        c.text("queries: \(height)×\(width) = \(n) tokens", at: Point(10, 10), font: panelTitleFont, anchor: Point(0, 0), alignment: .left)
        drawCells(c, origin: Point(10, top), rows: height, cols: width, cell: cell, fill: { _, _ in Palette.blue.tint(0.55) }, line: Stroke(.white, width: 1))
        let x2 = 10 + side + 90
        c.arrow(from: Point(10 + side + 8, top + side / 2), to: Point(x2 - 8, top + side / 2), stroke: Stroke(.axis, width: 1.3))
        c.text("conv \(ratio)×\(ratio),\nstride \(ratio)", at: Point(10 + side + 45, top + side / 2 - 5), font: Font(size: 9.5), color: .axis, anchor: Point(0.5, 1))
        let rc = cell * Double(ratio)
        c.text("keys, values: \(nr) tokens", at: Point(x2, 10), font: panelTitleFont, anchor: Point(0, 0), alignment: .left)
        drawCells(c, origin: Point(x2, top), rows: height / ratio, cols: width / ratio, cell: rc, fill: { _, _ in Palette.orange.tint(0.45) }, line: Stroke(.white, width: 1))
        // Attention matrices to scale: N×N (outline) and N×N/R² (filled).
        let x3 = x2 + side + 60, m = 128.0
        let full = Rect(x: x3, y: top, width: m, height: m)
        c.rect(full, stroke: Stroke(.axis, width: 1, dash: .dashed))
        c.rect(Rect(x: x3, y: top, width: m * Double(nr) / Double(n), height: m), fill: Palette.reddishPurple.tint(0.35),
               stroke: Stroke(Palette.reddishPurple, width: 1))
        c.text("attention: \(n)×\(nr) vs \(n)×\(n)", at: Point(x3, 10), font: panelTitleFont, anchor: Point(0, 0), alignment: .left)
        c.text("\(ratio * ratio)× fewer scores (\(n * nr) instead of \(n * n))", at: Point(x3 + m / 2, top + m + 8), font: captionFont,
               anchor: Point(0.5, 0), maxWidth: 700 - x3 - 4)
    }
}
