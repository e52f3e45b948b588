import Foundation

/// Synthetic segmentation scenes rendered with Cairo: an anti-aliased, textured, noisy RGB image
/// and an exact label map, deterministic from (variant, size, seed, index).
///
/// Each variant is built so that one architectural claim shows up in the numbers:
/// - ``Variant/shapes``: discs, rectangles, triangles, stars and rings over textured, noisy
///   backgrounds, with occlusion (the baseline task);
/// - ``Variant/thin``: 1.5–3 px wires, 1–2 px cracks and narrow parallel bars (where skip
///   connections and decoders should matter);
/// - ``Variant/context``: one token shape whose class is "boat" on water and "car" on road, sitting
///   on a sand pad identical in both contexts, so only a receptive field wider than the pad can tell
///   (where global context should matter);
/// - ``Variant/scales``: discs, squares and triangles from 2 px to half the image (where multi-scale
///   context should matter).
///
/// Sample `i` is rendered from its own random stream `SplitMix64(seed:stream:)`, so the same seed
/// gives the same bytes whatever order, or on whatever thread, samples are made.
public struct Scenes: Sendable {
    public enum Variant: String, CaseIterable, Sendable {
        case shapes, thin, context, scales

        /// Class names, indexed by class id.
        public var classNames: [String] {
            switch self {
            case .shapes: return ["background", "disc", "rectangle", "triangle", "star", "ring"]
            case .thin: return ["background", "wire", "crack", "bar"]
            case .context: return ["water", "road", "sand", "boat", "car"]
            case .scales: return ["background", "disc", "square", "triangle"]
            }
        }

        /// Display colours, indexed by class id (ignore, 255, is drawn as VOC's (224, 224, 192)).
        /// - shapes: background black, disc red, rectangle green, triangle yellow, star blue, ring orange;
        /// - thin: background black, wire cyan, crack red, bar yellow;
        /// - context: water blue, road grey, sand beige, boat magenta, car orange;
        /// - scales: background black, disc red, square green, triangle yellow.
        public var palette: [RGB8] {
            switch self {
            case .shapes:
                return [RGB8(0, 0, 0), RGB8(230, 25, 75), RGB8(60, 180, 75), RGB8(255, 225, 25),
                        RGB8(0, 130, 200), RGB8(245, 130, 48)]
            case .thin:
                return [RGB8(0, 0, 0), RGB8(0, 200, 255), RGB8(255, 60, 60), RGB8(255, 220, 0)]
            case .context:
                return [RGB8(0, 90, 200), RGB8(128, 128, 128), RGB8(230, 200, 140), RGB8(250, 70, 220),
                        RGB8(255, 140, 0)]
            case .scales:
                return [RGB8(0, 0, 0), RGB8(230, 25, 75), RGB8(60, 180, 75), RGB8(255, 225, 25)]
            }
        }
    }

    public let variant: Variant
    public let height: Int
    public let width: Int
    public let seed: UInt64

    public init(_ variant: Variant, height: Int, width: Int, seed: UInt64 = 0) {
        precondition(height >= 8 && width >= 8, "Scenes: size \(height)×\(width), at least 8×8")
        self.variant = variant
        self.height = height
        self.width = width
        self.seed = seed
    }

    /// Square scenes of `size`×`size` pixels.
    public init(_ variant: Variant, size: Int = 64, seed: UInt64 = 0) {
        self.init(variant, height: size, width: size, seed: seed)
    }

    public var classNames: [String] { variant.classNames }
    public var palette: [RGB8] { variant.palette }
    public var classCount: Int { classNames.count }

    /// A held-out split: the same scenes' distribution from an unrelated seed.
    public var validation: Scenes { Scenes(variant, height: height, width: width, seed: seed ^ 0xA5A5_5A5A_0F0F_F0F0) }

    /// Sample `index` (any non-negative index; there is no end).
    public func sample(_ index: Int) -> SegmentationSample {
        precondition(index >= 0, "Scenes.sample: index \(index) < 0")
        var rng = SplitMix64(seed: seed &+ UInt64(Variant.allCases.firstIndex(of: variant)!) << 56,
                             stream: UInt64(index))
        let layout = SceneLayout(width: Double(width), height: Double(height))
        let objects: [SceneObject]
        switch variant {
        case .shapes: objects = layout.shapes(&rng)
        case .thin: objects = layout.thin(&rng)
        case .context: objects = layout.context(&rng)
        case .scales: objects = layout.scales(&rng)
        }
        let canvas = SceneCanvas(width: width, height: height)
        var bytes = canvas.renderImage(objects)
        let label = canvas.renderLabel(objects)
        // Sensor noise, from the sample's own stream.
        let sigma = rng.uniform(0.01, variant == .shapes ? 0.06 : 0.04) * 255
        for i in bytes.indices {
            let v = Float(bytes[i]) + sigma * rng.gaussian()
            bytes[i] = UInt8(min(max(v.rounded(), 0), 255))
        }
        return SegmentationSample(imageBytes: bytes, label: label, height: height, width: width)
    }

    /// Samples `indices`, rendered on all cores; identical to calling `sample` one by one.
    public func samples(_ indices: Range<Int>) -> [SegmentationSample] {
        let results = SampleSlots(count: indices.count)
        DispatchQueue.concurrentPerform(iterations: indices.count) { k in
            results.set(k, sample(indices.lowerBound + k))
        }
        return results.values
    }

    /// Writes samples `indices` as `NNNNN_image.png` (RGB) and `NNNNN_label.png` (palette PNG whose
    /// indices are the class ids) into `directory`, creating it; returns the paths written.
    @discardableResult
    public func writePNGs(_ indices: Range<Int>, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var paths: [String] = []
        for i in indices {
            let s = sample(i)
            let stem = (directory as NSString).appendingPathComponent(String(format: "%05d", i))
            try PNGFile.writeRGB(stem + "_image.png", width: width, height: height, pixels: s.imageBytes)
            try PNGFile.writeLabel(stem + "_label.png", width: width, height: height, label: s.label, palette: palette)
            paths += [stem + "_image.png", stem + "_label.png"]
        }
        return paths
    }
}

/// Result slots written from `concurrentPerform`: each index is written once, by one iteration.
final class SampleSlots: @unchecked Sendable {
    private var slots: [SegmentationSample?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ sample: SegmentationSample) { lock.lock(); slots[i] = sample; lock.unlock() }
    var values: [SegmentationSample] { slots.map { $0! } }
}

/// The random layouts of each variant, in pixel coordinates.
struct SceneLayout {
    let width: Double, height: Double
    var side: Double { min(width, height) }

    // MARK: colours and textures

    func vivid(_ rng: inout SplitMix64) -> Colour {
        .hsv(Double(rng.uniform()), Double(rng.uniform(0.55, 1)), Double(rng.uniform(0.55, 1)))
    }

    func muted(_ rng: inout SplitMix64, hue: Double? = nil) -> Colour {
        .hsv(hue ?? Double(rng.uniform()), Double(rng.uniform(0.05, 0.35)), Double(rng.uniform(0.3, 0.8)))
    }

    /// A low-contrast variant of `c` (for two-tone backgrounds).
    func nearby(_ c: Colour, _ rng: inout SplitMix64) -> Colour {
        let d = Double(rng.uniform(-0.18, 0.18))
        return Colour(r: min(max(c.r + d, 0), 1), g: min(max(c.g + d, 0), 1), b: min(max(c.b + d, 0), 1))
    }

    func angle(_ rng: inout SplitMix64) -> Double { Double(rng.uniform(0, Float.pi)) }

    func randomPoint(_ rng: inout SplitMix64, margin: Double = 0) -> Point {
        Point(x: Double(rng.uniform(Float(margin), Float(width - margin))),
              y: Double(rng.uniform(Float(margin), Float(height - margin))))
    }

    /// A textured background: gradient, stripes, checker or blotches, in muted colours.
    func background(_ rng: inout SplitMix64) -> Paint {
        let a = muted(&rng), b = nearby(a, &rng)
        switch rng.int(in: 0...3) {
        case 0: return .gradient(a, b, angle: 2 * angle(&rng))
        case 1: return .stripes(a, b, period: Double(rng.uniform(0.05, 0.15)) * side, duty: 0.5, angle: angle(&rng))
        case 2: return .checker(a, b, cell: Double(rng.uniform(0.05, 0.12)) * side, angle: angle(&rng))
        default:
            let discs = (0..<rng.int(in: 6...14)).map { _ in
                (randomPoint(&rng), Double(rng.uniform(0.04, 0.15)) * side, nearby(a, &rng))
            }
            return .blotches(base: a, discs)
        }
    }

    /// An object's texture: a vivid solid colour, or stripes of two vivid colours.
    func objectPaint(_ rng: inout SplitMix64) -> Paint {
        if rng.chance(0.7) { return .solid(vivid(&rng)) }
        return .stripes(vivid(&rng), vivid(&rng), period: Double(rng.uniform(3, 7)), duty: 0.5, angle: angle(&rng))
    }

    func wholeCanvas(_ paint: Paint, classId: Int32) -> SceneObject {
        let m = 2.0
        return SceneObject(shape: .polygon([Point(x: -m, y: -m), Point(x: width + m, y: -m),
                                            Point(x: width + m, y: height + m), Point(x: -m, y: height + m)]),
                           paint: paint, classId: classId)
    }

    // MARK: shapes

    func regularPolygon(center c: Point, radius r: Double, sides: Int, rotation: Double,
                        innerRadius: Double? = nil, jitter: Double = 0, _ rng: inout SplitMix64) -> [Point] {
        var points: [Point] = []
        let n = innerRadius == nil ? sides : 2 * sides
        for k in 0..<n {
            let a = rotation + 2 * Double.pi * Double(k) / Double(n) + jitter * Double(rng.uniform(-1, 1))
            let radius = (innerRadius != nil && k % 2 == 1) ? innerRadius! : r
            points.append(Point(x: c.x + radius * cos(a), y: c.y + radius * sin(a)))
        }
        return points
    }

    func rectangle(center c: Point, width w: Double, height h: Double, rotation: Double) -> [Point] {
        let corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
        return corners.map { (x, y) in
            Point(x: c.x + x * cos(rotation) - y * sin(rotation), y: c.y + x * sin(rotation) + y * cos(rotation))
        }
    }

    /// Classes: 0 background, 1 disc, 2 rectangle, 3 triangle, 4 star, 5 ring.
    func shapes(_ rng: inout SplitMix64) -> [SceneObject] {
        var objects = [wholeCanvas(background(&rng), classId: 0)]
        for _ in 0..<rng.int(in: 3...6) {
            let classId = Int32(rng.int(in: 1...5))
            let c = randomPoint(&rng, margin: 0.1 * side)
            let r = Double(rng.uniform(0.1, 0.22)) * side
            let rot = 2 * angle(&rng)
            let shape: SceneObject.Shape
            switch classId {
            case 1: shape = .disc(cx: c.x, cy: c.y, r: r)
            case 2: shape = .polygon(rectangle(center: c, width: 2 * r * Double(rng.uniform(0.7, 1)),
                                               height: 2 * r * Double(rng.uniform(0.4, 0.9)), rotation: rot))
            case 3: shape = .polygon(regularPolygon(center: c, radius: r, sides: 3, rotation: rot, jitter: 0.25, &rng))
            case 4: shape = .polygon(regularPolygon(center: c, radius: r, sides: 5, rotation: rot,
                                                    innerRadius: r * 0.45, &rng))
            default: shape = .ring(cx: c.x, cy: c.y, outer: r, inner: r * Double(rng.uniform(0.45, 0.65)))
            }
            objects.append(SceneObject(shape: shape, paint: objectPaint(&rng), classId: classId))
        }
        return objects
    }

    // MARK: thin

    /// Classes: 0 background, 1 wire (smooth curves 1.5–3 px wide), 2 crack (dark jagged
    /// polylines 1.2–2.2 px), 3 bar (straight bars 3–5 px wide, in groups with 2–4 px gaps).
    func thin(_ rng: inout SplitMix64) -> [SceneObject] {
        var objects = [wholeCanvas(background(&rng), classId: 0)]
        for _ in 0..<rng.int(in: 1...2) {  // bars first: wires and cracks cross over them
            let length = Double(rng.uniform(0.3, 0.7)) * side
            let barWidth = Double(rng.uniform(3, 5)), gap = Double(rng.uniform(2, 4))
            let rot = angle(&rng)
            let c = randomPoint(&rng, margin: 0.15 * side)
            let count = rng.int(in: 1...3)
            let paint = Paint.solid(vivid(&rng))
            for k in 0..<count {
                let offset = (Double(k) - Double(count - 1) / 2) * (barWidth + gap)
                let center = Point(x: c.x - offset * sin(rot), y: c.y + offset * cos(rot))
                objects.append(SceneObject(shape: .polygon(rectangle(center: center, width: length, height: barWidth,
                                                                     rotation: rot)),
                                           paint: paint, classId: 3))
            }
        }
        for _ in 0..<rng.int(in: 1...3) {
            var points = [randomPoint(&rng)]
            for _ in 0..<2 { points += [randomPoint(&rng), randomPoint(&rng), randomPoint(&rng)] }
            objects.append(SceneObject(shape: .curve(points, width: Double(rng.uniform(1.5, 3))),
                                       paint: .solid(vivid(&rng)), classId: 1))
        }
        for _ in 0..<rng.int(in: 1...2) {
            var p = randomPoint(&rng, margin: 0.1 * side)
            var heading = 2 * angle(&rng)
            var points = [p]
            for _ in 0..<rng.int(in: 10...20) {
                heading += Double(rng.uniform(-0.7, 0.7))
                let step = Double(rng.uniform(0.04, 0.08)) * side
                p = Point(x: p.x + step * cos(heading), y: p.y + step * sin(heading))
                points.append(p)
            }
            let dark = Colour.hsv(Double(rng.uniform()), Double(rng.uniform(0, 0.4)), Double(rng.uniform(0.03, 0.2)))
            objects.append(SceneObject(shape: .polyline(points, width: Double(rng.uniform(1.2, 2.2))),
                                       paint: .solid(dark), classId: 2))
        }
        return objects
    }

    // MARK: context

    func water(_ rng: inout SplitMix64) -> Paint {
        let base = Colour.hsv(Double(rng.uniform(0.53, 0.62)), Double(rng.uniform(0.45, 0.8)), Double(rng.uniform(0.4, 0.7)))
        let crest = Colour(r: min(base.r + 0.25, 1), g: min(base.g + 0.25, 1), b: min(base.b + 0.2, 1))
        return .waves(base: base, crest: crest, period: Double(rng.uniform(0.05, 0.09)) * side,
                      wavelength: Double(rng.uniform(0.15, 0.3)) * side, angle: angle(&rng))
    }

    func road(_ rng: inout SplitMix64) -> Paint {
        let v = Double(rng.uniform(0.22, 0.42))
        let base = Colour.hsv(Double(rng.uniform()), Double(rng.uniform(0, 0.08)), v)
        return .lanes(base: base, marking: Colour(r: 0.92, g: 0.9, b: 0.75),
                      spacing: Double(rng.uniform(0.12, 0.2)) * side, dash: Double(rng.uniform(0.05, 0.1)) * side,
                      angle: angle(&rng))
    }

    /// The sand pad: the same texture distribution in both contexts.
    func sand(around c: Point, radius: Double, _ rng: inout SplitMix64) -> Paint {
        let base = Colour.hsv(0.11, 0.35, 0.82)
        let discs = (0..<10).map { _ -> (Point, Double, Colour) in
            let a = Double(rng.uniform(0, 2 * Float.pi)), d = Double(rng.uniform(0, 1)) * radius
            return (Point(x: c.x + d * cos(a), y: c.y + d * sin(a)), Double(rng.uniform(0.8, 2.5)),
                    Colour.hsv(0.1, 0.4, Double(rng.uniform(0.65, 0.9))))
        }
        return .blotches(base: base, discs)
    }

    /// The token: identical in both contexts (a red-orange shape with white stripes).
    func token(center c: Point, radius r: Double, _ rng: inout SplitMix64) -> (SceneObject.Shape, Paint) {
        let rot = 2 * angle(&rng)
        let shape: SceneObject.Shape = rng.chance(0.5)
            ? .disc(cx: c.x, cy: c.y, r: r)
            : .polygon(rectangle(center: c, width: 1.8 * r, height: 1.8 * r, rotation: rot))
        let paint = Paint.stripes(Colour(r: 0.85, g: 0.25, b: 0.15), Colour(r: 0.97, g: 0.97, b: 0.97),
                                  period: max(r * 0.8, 2.5), duty: 0.3, angle: rot)
        return (shape, paint)
    }

    /// Classes: 0 water, 1 road, 2 sand, 3 boat, 4 car. The image is all water, all road, or split
    /// by a line into both; each token sits at the centre of a sand pad several times its size, and
    /// is a boat on water, a car on road.
    func context(_ rng: inout SplitMix64) -> [SceneObject] {
        // Region A covers the canvas; region B (if any) is the half-plane n·(p − o) > 0.
        let aIsWater = rng.chance(0.5)
        let layout = rng.int(in: 0...3)  // 0: A only, 1–3: split
        let o = Point(x: width / 2 + Double(rng.uniform(-0.2, 0.2)) * side,
                      y: height / 2 + Double(rng.uniform(-0.2, 0.2)) * side)
        let theta = 2 * angle(&rng)
        let n = Point(x: cos(theta), y: sin(theta))
        let (paintA, paintB) = aIsWater ? (water(&rng), road(&rng)) : (road(&rng), water(&rng))
        let classA: Int32 = aIsWater ? 0 : 1, classB: Int32 = aIsWater ? 1 : 0
        var objects = [wholeCanvas(paintA, classId: classA)]
        func signedDistance(_ p: Point) -> Double { (p.x - o.x) * n.x + (p.y - o.y) * n.y }
        if layout > 0 {
            // The half-plane, as a big polygon: o + t·dir ± far·n.
            let dir = Point(x: -n.y, y: n.x), far = 4 * self.side
            let poly = [Point(x: o.x - far * dir.x, y: o.y - far * dir.y),
                        Point(x: o.x + far * dir.x, y: o.y + far * dir.y),
                        Point(x: o.x + far * dir.x + far * n.x, y: o.y + far * dir.y + far * n.y),
                        Point(x: o.x - far * dir.x + far * n.x, y: o.y - far * dir.y + far * n.y)]
            objects.append(SceneObject(shape: .polygon(poly), paint: paintB, classId: classB))
        }
        var pads: [(Point, Double)] = []
        let wanted = rng.int(in: 1...3)
        var tries = 0
        while pads.count < wanted && tries < 60 {
            tries += 1
            let radius = Double(rng.uniform(0.16, 0.22)) * self.side
            let c = randomPoint(&rng, margin: radius * 0.6)
            let s = layout > 0 ? signedDistance(c) : -Double.infinity
            if layout > 0 && abs(s) < radius + 1 { continue }
            if pads.contains(where: { p in
                let dx = p.0.x - c.x, dy = p.0.y - c.y
                return (dx * dx + dy * dy).squareRoot() < p.1 + radius + 2
            }) { continue }
            pads.append((c, radius))
            let onWater = (layout > 0 && s > 0) ? !aIsWater : aIsWater
            objects.append(SceneObject(shape: .disc(cx: c.x, cy: c.y, r: radius),
                                       paint: sand(around: c, radius: radius, &rng), classId: 2))
            if rng.chance(0.85) {
                let r = Double(rng.uniform(0.045, 0.065)) * self.side
                let jitter = radius * 0.25
                let tc = Point(x: c.x + Double(rng.uniform(-1, 1)) * jitter, y: c.y + Double(rng.uniform(-1, 1)) * jitter)
                let (shape, paint) = token(center: tc, radius: r, &rng)
                objects.append(SceneObject(shape: shape, paint: paint, classId: onWater ? 3 : 4))
            }
        }
        return objects
    }

    // MARK: scales

    /// Classes: 0 background, 1 disc, 2 square, 3 triangle; one object of radius 15–25 % of the
    /// image, then 3–8 of radius log-uniform from 2 px (or 2 % of the side) to 25 %, larger first.
    func scales(_ rng: inout SplitMix64) -> [SceneObject] {
        var objects = [wholeCanvas(background(&rng), classId: 0)]
        var radii = [Double(rng.uniform(0.15, 0.25)) * side]
        let smallest = Float(max(2, 0.02 * side)), largest = Float(0.25 * side)
        for _ in 0..<rng.int(in: 3...8) { radii.append(Double(rng.logUniform(smallest, largest))) }
        radii.sort(by: >)
        for r in radii {
            let classId = Int32(rng.int(in: 1...3))
            let c = randomPoint(&rng, margin: min(r, 0.3 * side))
            let rot = 2 * angle(&rng)
            let shape: SceneObject.Shape
            switch classId {
            case 1: shape = .disc(cx: c.x, cy: c.y, r: r)
            case 2: shape = .polygon(rectangle(center: c, width: 1.7 * r, height: 1.7 * r, rotation: rot))
            default: shape = .polygon(regularPolygon(center: c, radius: r, sides: 3, rotation: rot, &rng))
            }
            objects.append(SceneObject(shape: shape, paint: objectPaint(&rng), classId: classId))
        }
        return objects
    }
}
