// SegDraw: see ../shared/DESIGN.md (modules).
