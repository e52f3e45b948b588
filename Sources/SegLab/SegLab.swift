// SegLab: see ../shared/DESIGN.md (modules).
