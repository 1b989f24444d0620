"""Storage backends: the Glacier vault API (and, later, S3 archival classes)."""
