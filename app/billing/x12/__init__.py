"""X12 5010 files: the 837P claims we write and the 835, 999 and 277CA files we read."""
