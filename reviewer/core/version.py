"""The software version stamped on exports and on every result sent to a PACS (EASE R-A5.1)."""

SOFTWARE_VERSION = "neuroreview 0.1.0"
