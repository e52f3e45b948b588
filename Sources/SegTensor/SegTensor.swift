// SegTensor: see ../shared/DESIGN.md (modules).
