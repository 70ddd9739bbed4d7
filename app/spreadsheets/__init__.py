"""Spreadsheets in and out: reading uploaded XLSX/CSV files into cells with their coordinates,
writing tables as CSV or XLSX, and the departments' data-entry templates. No database here."""
