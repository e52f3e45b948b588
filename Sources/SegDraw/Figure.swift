import Foundation

// SegDraw draws data, never tensors. Everything that can be drawn is a `Figure` (size + draw(on:)),
// rendered with `svg()` or `png(scale:)`:
//   Diagram                    architecture figures (chain or U layout, collapsible groups, legend)
//   LineChart, BarChart, ScatterChart, HeatMap        measurements
//   RasterImage, ImageGrid     images, label maps (VOC palette), overlays, image | truth | prediction grids
//   AtrousSamplingFigure, ReceptiveFieldFigure, PoolingIndicesFigure, CropAndConcatFigure,
//   PyramidPoolingFigure, ASPPRatesFigure, PatchEmbeddingFigure, SwinWindowsFigure,
//   SequenceReductionFigure    explanatory figures, drawn from the numbers they are given
// `Canvas` (Cairo + Pango) is public too, for a one-off figure; `TextMeasurer` measures text as drawn.

/// Anything that draws itself at a known size: diagrams, charts, images, explanatory figures.
/// Conformers implement `size` and `draw(on:)`; SVG and PNG come for free.
public protocol Figure {
    /// The figure's size in figure units (CSS pixels at scale 1).
    var size: Size { get }
    /// Draws the figure on `canvas`, whose origin is the figure's top left corner.
    func draw(on canvas: Canvas)
}

extension Figure {
    /// The figure as an SVG document. Its ids (Cairo's glyph symbols, clip paths, images) carry a
    /// prefix derived from the content, so several figures can be inlined in one HTML page without
    /// one figure's glyphs replacing another's; the same figure always gives the same document.
    public func svg() -> String {
        let c = Canvas(size: size, format: .svg)
        draw(on: c)
        return SVG.prefixingIDs(c.svgString())
    }

    /// The figure as a PNG file, `scale` pixels per figure unit (2 for sharp text on high-density screens).
    public func png(scale: Double = 2) -> [UInt8] {
        let c = Canvas(size: size, format: .png(scale: scale))
        draw(on: c)
        return c.pngData()
    }

    /// The texts the figure draws, with their boxes (for tests: presence of labels, no overlaps).
    public func placedTexts() -> [PlacedText] {
        let c = Canvas(size: size, format: .png(scale: 0.25))
        draw(on: c)
        return c.texts
    }
}

enum SVG {
    /// Renames every id to "<prefix>-<n>" (n in order of appearance) and rewrites `href="#x"` and
    /// `url(#x)` to match. Cairo numbers surfaces with a process-wide counter, so this also makes the
    /// document depend on the figure alone; prefix = "f" + FNV-1a hash of the renumbered document.
    static func prefixingIDs(_ svg: String) -> String {
        let idPattern = try! NSRegularExpression(pattern: #"id="([^"]+)""#)
        let ns = svg as NSString
        var names: [String: Int] = [:]
        for m in idPattern.matches(in: svg, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 1))
            if names[name] == nil { names[name] = names.count }
        }
        func rewrite(_ text: String, prefix: String) -> String {
            let refPattern = try! NSRegularExpression(pattern: ##"(id="|href="#|url\(#)([^")]+)"##)
            let ns = text as NSString
            var out = "", last = 0
            for m in refPattern.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let name = ns.substring(with: m.range(at: 2))
                guard let k = names[name] else { continue }
                out += ns.substring(with: NSRange(location: last, length: m.range(at: 2).location - last))
                out += "\(prefix)\(k)"
                last = m.range(at: 2).location + m.range(at: 2).length
            }
            return out + ns.substring(from: last)
        }
        let canonical = rewrite(svg, prefix: "i")
        var h: UInt64 = 0xcbf29ce484222325
        for b in canonical.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return rewrite(svg, prefix: "f" + String(h, radix: 36).prefix(8) + "-")
    }
}
