// BookRuntime: see ../shared/DESIGN.md (modules).
