import Testing
@testable import SegDraw

@Suite(.serialized) struct DiagramTests {
    @Test func unetUsesTheULayoutAndNoTextsOverlap() {
        let d = ExampleDiagrams.unet()
        let l = d.computeLayout()
        #expect(l.isEncoderDecoder)
        expectNoOverlaps(l)
        // 4 skip arrows, each routed in a lane above its level.
        #expect(l.routes.filter { $0.edge.kind == .skip }.count == 4)
    }

    @Test func collapsingStagesKeepsTheOutputShapeAndRepeatCount() {
        let d = ExampleDiagrams.deeplabv3()
        let c = d.collapsed(toDepth: 1)
        let stage3 = c.nodes.first { $0.id == "group:layer3" }
        #expect(stage3?.repeatCount == 6)
        #expect(stage3?.shape == .spatial(channels: 1024, height: 32, width: 32))
        // 16 bottlenecks become 4 stage blocks; the stem stays.
        #expect(c.nodes.count == d.nodes.count - 16 + 4)
        let top = d.collapsed(toDepth: 0)
        #expect(top.nodes.contains { $0.id == "group:backbone" && $0.label == "ResNet-50" })
        #expect(!top.nodes.contains { $0.id == "stem" })
    }

    @Test(arguments: ["unet", "segnet", "deeplab", "deeplab-full", "deeplabv3plus", "fcn8s", "fcn8s-chain", "vit", "segformer", "segformer-depth0"])
    func exampleLayoutsHaveNoOverlappingTextOrBlocks(name: String) {
        let d = example(name)
        let l = d.computeLayout()
        expectNoOverlaps(l)
        #expect(l.size.width <= d.maxWidth + 1, "\(name) is \(l.size.width) wide")
    }
}

func example(_ name: String) -> Diagram {
    var d: Diagram
    switch name {
    case "unet": d = ExampleDiagrams.unet()
    case "segnet": d = ExampleDiagrams.segnet()
    case "deeplab": d = ExampleDiagrams.deeplabv3(); d.depth = 1
    case "deeplab-full": d = ExampleDiagrams.deeplabv3()
    case "deeplabv3plus": d = ExampleDiagrams.deeplabv3plus()
    case "fcn8s": d = ExampleDiagrams.fcn8s()
    case "fcn8s-chain": d = ExampleDiagrams.fcn8s(); d.layout = .chain; d.depth = 1
    case "segformer": d = ExampleDiagrams.segformer(); d.layout = .chain
    case "segformer-depth0": d = ExampleDiagrams.segformer(); d.layout = .chain; d.depth = 0
    default: d = ExampleDiagrams.vit(); d.depth = 0
    }
    return d
}

/// No two labels overlap, no label covers a block, no two blocks overlap.
func expectNoOverlaps(_ l: DiagramLayout, sourceLocation: SourceLocation = #_sourceLocation) {
    let labels = l.labels.map(\.box), boxes = l.blocks.map(\.box)
    for i in labels.indices { for j in labels.indices where j > i {
        #expect(!labels[i].intersects(labels[j]), "labels '\(l.labels[i].text)' and '\(l.labels[j].text)' overlap", sourceLocation: sourceLocation)
    } }
    for i in labels.indices { for b in l.blocks where labels[i].intersects(b.box) {
        Issue.record("label '\(l.labels[i].text)' covers block \(b.node.id)", sourceLocation: sourceLocation)
    } }
    for i in boxes.indices { for j in boxes.indices where j > i && boxes[i].intersects(boxes[j]) {
        Issue.record("blocks \(l.blocks[i].node.id) and \(l.blocks[j].node.id) overlap", sourceLocation: sourceLocation)
    } }
}

@Suite(.serialized) struct DiagramRoutingTests {
    @Test(arguments: ["unet", "segnet", "deeplab", "deeplab-full", "deeplabv3plus", "fcn8s", "fcn8s-chain", "vit", "segformer", "segformer-depth0"])
    func arrowsDoNotCrossBlocks(name: String) {
        let d = example(name)
        let l = d.computeLayout()
        for r in l.routes {
            for (a, b) in zip(r.points, r.points.dropFirst()) {
                for blk in l.blocks where blk.node.id != r.edge.from && blk.node.id != r.edge.to {
                    let seg = Rect(x: min(a.x, b.x), y: min(a.y, b.y), width: abs(a.x - b.x), height: abs(a.y - b.y)).insetBy(-0.01, -0.01)
                    if seg.intersects(blk.box.insetBy(1, 1)) {
                        Issue.record("\(name): edge \(r.edge.from)→\(r.edge.to) crosses block \(blk.node.id)")
                    }
                }
                for lab in l.labels where lab.box.insetBy(1, 1).intersects(Rect(x: min(a.x, b.x), y: min(a.y, b.y), width: abs(a.x - b.x), height: abs(a.y - b.y)).insetBy(-0.01, -0.01)) {
                    Issue.record("\(name): edge \(r.edge.from)→\(r.edge.to) crosses label '\(lab.text)'")
                }
            }
        }
    }

    @Test func asppBranchesShareAColumnAndMerge() {
        var d = ExampleDiagrams.deeplabv3(); d.depth = 1
        let l = d.computeLayout()
        func box(_ id: String) -> Rect { l.blocks.first { $0.node.id == id }!.box }
        let branches = ["b0", "r6", "r12", "r18", "gap"].map(box)
        #expect(Set(branches.map { $0.midX.rounded() }).count == 1)
        let cat = box("cat")
        #expect(cat.midY > branches.map(\.midY).min()! && cat.midY < branches.map(\.midY).max()!)
        #expect(cat.minX > branches[0].maxX)
    }
}

@Suite struct DiagramEdgeCaseTests {
    @Test func emptyAndOddDiagramsStillDraw() throws {
        #expect(Diagram(title: "empty").png(scale: 1).count > 8)
        var d = Diagram(layout: .chain)
        d.add("a", "a", kind: .conv, shape: .spatial(channels: 8, height: 4, width: 4))
        d.add("b", "b", kind: .conv, shape: .spatial(channels: 8, height: 4, width: 4), after: "a")
        d.connect("b", "a")                 // a cycle
        d.connect("a", "missing")           // an unknown node is ignored
        let l = d.computeLayout()
        #expect(l.size.width.isFinite && l.size.height.isFinite && l.routes.count == 2)
        d.layout = .encoderDecoder
        #expect(d.computeLayout().size.height.isFinite)
        _ = try #require(RasterImage(png: d.png(scale: 1)))
    }

    @Test func boxesFollowSpatialSizeAndChannels() {
        var d = Diagram(layout: .chain)
        d.add("big", "big", kind: .conv, shape: .spatial(channels: 16, height: 256, width: 256))
        d.add("small", "small", kind: .conv, shape: .spatial(channels: 1024, height: 8, width: 8), after: "big")
        let l = d.computeLayout()
        let big = l.blocks[0].box, small = l.blocks[1].box
        #expect(big.height > small.height)      // height follows H
        #expect(big.width < small.width)        // width follows C
    }
}
