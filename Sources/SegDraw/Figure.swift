/// Anything that draws itself at a known size: diagrams, charts, images, explanatory figures.
/// Conformers implement `size` and `draw(on:)`; SVG and PNG come for free.
public protocol Figure {
    /// The figure's size in figure units (CSS pixels at scale 1).
    var size: Size { get }
    /// Draws the figure on `canvas`, whose origin is the figure's top left corner.
    func draw(on canvas: Canvas)
}

extension Figure {
    /// The figure as an SVG document.
    public func svg() -> String {
        let c = Canvas(size: size, format: .svg)
        draw(on: c)
        return c.svgString()
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
