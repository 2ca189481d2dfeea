"""Servicebook site helpers (the post importer lives in `servicebook.importer`)."""
