// SegNN: see ../shared/DESIGN.md (modules).
