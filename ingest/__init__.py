"""Spreadsheet to validated long table: reading, header detection, cell cleaning, validation."""
