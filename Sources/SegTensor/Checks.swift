/// The engine's checks. The standard library's `precondition` drops its message in optimized builds
/// (the engine is always built with -O), so a shape error in a chapter would trap with no word of
/// what was wrong. These print the message in every build; they shadow the standard ones in the
/// engine's modules and in anything that imports SegTensor.
@inlinable @inline(__always)
public func precondition(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
                         file: StaticString = #file, line: UInt = #line) {
    if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}

/// `preconditionFailure` whose message survives optimized builds (see `precondition`).
@inlinable @inline(__always)
public func preconditionFailure(_ message: @autoclosure () -> String = String(), file: StaticString = #file,
                                line: UInt = #line) -> Never {
    fatalError(message(), file: file, line: line)
}
