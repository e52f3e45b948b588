import SegTensor

extension Module {
    /// A leaf layer's forward pass as one traced call (`Trace.recording`); only `body` when tracing
    /// is off, which costs one branch.
    @inline(__always)
    public func traced(_ input: Tensor, _ body: () -> Tensor) -> Tensor {
        guard Trace.isActive else { return body() }
        return Trace.layer(self, inputs: [input]) { [body()] }[0]
    }
}
