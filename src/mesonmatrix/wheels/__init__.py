"""Wheel files: reading them, checking the split partition, and deriving new wheels
(renamed, or cut by install tag) through one zip rewriter."""
