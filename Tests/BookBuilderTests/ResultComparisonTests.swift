import Foundation
import Testing
@testable import BookBuilder

@Test func whitespaceIsNormalised() {
    #expect(ResultComparison.equivalent("a  b\n\nc ", "a b\nc", tolerance: 0))
    #expect(!ResultComparison.equivalent("a b", "ab", tolerance: 0))
}

@Test func numbersMatchWithinRelativeTolerance() {
    // 1000 vs 1000.9: relative difference 9e-4 < 1e-3; 1000 vs 1002: 2e-3 > 1e-3.
    #expect(ResultComparison.equivalent("loss 1000 after 3 epochs", "loss 1000.9 after 3 epochs", tolerance: 1e-3))
    #expect(!ResultComparison.equivalent("loss 1000", "loss 1002", tolerance: 1e-3))
    #expect(ResultComparison.equivalent("loss 1000", "loss 1002", tolerance: 0.05))
    #expect(ResultComparison.equivalent("x = -1.5e-3", "x = -0.0015", tolerance: 1e-9))
    #expect(!ResultComparison.equivalent("3 cells", "4 cells", tolerance: 1e-3))
    // Digits inside identifiers are text, not numbers.
    #expect(!ResultComparison.equivalent("resnet50", "resnet51", tolerance: 0.5))
    #expect(ResultComparison.equivalent("mIoU: 0.7311", "mIoU:  0.7312", tolerance: 1e-3))
}

@Test func differenceShowsTheChangedLines() {
    let diff = ResultComparison.difference(recorded: "epoch 1\nloss 0.5\nend", now: "epoch 1\nloss 0.7\nend", tolerance: 1e-3)
    #expect(diff == "  - loss 0.5\n  + loss 0.7")
    #expect(ResultComparison.difference(recorded: "a\nb", now: "a\nb", tolerance: 0) == nil)
}

@Test func comparisonSkipsVolatileCellsAndReportsChangedOnes() {
    var volatile = CellOptions()
    volatile.volatile = true
    let chapter = Chapter(path: "chapters/c.md", name: "c", frontMatter: FrontMatter(), blocks: [
        .cell(Cell(index: 0, code: "timing()", line: 3, fenceLine: 2, options: volatile)),
        .cell(Cell(index: 1, code: "accuracy()", line: 7, fenceLine: 6, options: CellOptions())),
        .prose(Prose(markdown: "`{swift} n`", line: 9, inlines: [InlineExpression(id: 0, expression: "n", line: 9)])),
    ])
    let recorded = FreezeRecord.ProfileRecord(cells: [
        .init(index: 0, text: "12 ms", volatile: true), .init(index: 1, text: "0.91", volatile: false),
    ], inline: ["0": "42"])
    let same = ChapterResult(name: "c", cells: [
        CellResult(index: 0, status: .ok, output: "30 ms"), CellResult(index: 1, status: .ok, displays: [.text("0.9100")]),
    ], inlineValues: [0: "42"])
    #expect(ResultComparison.compare(chapter, same, recorded: recorded, profile: .quick).isEmpty)

    let changed = ChapterResult(name: "c", cells: same.cells.enumerated().map { i, c in
        i == 1 ? CellResult(index: 1, status: .ok, displays: [.text("0.85")]) : c
    }, inlineValues: [0: "43"])
    #expect(ResultComparison.compare(chapter, changed, recorded: recorded, profile: .quick).map(\.description) == [
        "chapters/c.md:7: output differs from the freeze record; run `segbook freeze --quick` if the change is intended\n  - 0.91\n  + 0.85",
        "chapters/c.md:9: inline value of `n` differs from the freeze record: was '42', now '43'; run `segbook freeze --quick` if the change is intended",
    ])
}

@Test func tablesAndExpectedFailuresAreRecordedAsText() {
    let result = CellResult(index: 0, status: .expectedFailure(message: "error: boom", line: 4), output: "before\n",
                            displays: [.table(Table(columns: ["model", "mIoU"], rows: [["FCN", "0.62"]])), .svg("<svg/>")])
    #expect(FreezeRecord.recordedText(result) == "before\n\nmodel\tmIoU\nFCN\t0.62\nerror: boom")
}
