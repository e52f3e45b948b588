// SegModels: see ../shared/DESIGN.md (modules).
