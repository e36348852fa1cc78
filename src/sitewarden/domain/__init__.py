"""Pure value types shared by every pipeline stage (no I/O)."""
