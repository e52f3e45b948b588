import Testing
@testable import BookBuilder

@Test func diagnosticPrintsFileLineAndMessage() {
    let d = Diagnostic(file: "chapters/04-unet.md", line: 37, message: "unknown cell option 'ech'")
    #expect(d.description == "chapters/04-unet.md:37: unknown cell option 'ech'")
    let w = Diagnostic(file: "chapters/a.md", line: nil, message: "no title", severity: .warning)
    #expect(w.description == "chapters/a.md: warning: no title")
}
