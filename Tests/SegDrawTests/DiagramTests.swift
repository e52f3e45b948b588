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

    @Test(arguments: ["unet", "segnet", "deeplab", "vit"])
    func exampleLayoutsHaveNoOverlappingTextOrBlocks(name: String) {
        var d: Diagram
        switch name {
        case "unet": d = ExampleDiagrams.unet()
        case "segnet": d = ExampleDiagrams.segnet()
        case "deeplab": d = ExampleDiagrams.deeplabv3(); d.depth = 1
        default: d = ExampleDiagrams.vit(); d.depth = 0
        }
        let l = d.computeLayout()
        expectNoOverlaps(l)
        #expect(l.size.width <= d.maxWidth + 1, "\(name) is \(l.size.width) wide")
    }
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
