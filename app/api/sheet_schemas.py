"""Response schemas of the spreadsheet routes and of the year-wide value read."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class YearValue(BaseModel):
    region: str
    element: str
    value: int | float | bool | str | None
    comment: str | None
    posted_by: str = Field(description="name of the key (or loader) that last wrote the value")
    source: str = Field(
        deprecated=True,
        description="the same as posted_by (its name in the first release; kept for its clients)",
    )
    updated_at: datetime


class YearValues(BaseModel):
    year: int
    scheme: str
    period_status: Literal["open", "published"]
    department: str | None
    parent: str | None
    element: str | None
    items: list[YearValue]
    total: int
    limit: int
    offset: int


class SheetCounts(BaseModel):
    rows: int = Field(description="rows read that hold anything to write")
    created: int
    updated: int
    unchanged: int
    deleted: int = Field(description="values removed by a cell reading 清除 or DELETE")


class ImportRead(BaseModel):
    year: int
    dry_run: bool = Field(description="true: checked and counted, nothing written")
    format: Literal["xlsx", "csv"]
    encoding: str | None = Field(
        description="the text encoding a CSV file was read in: UTF-8, UTF-8 with BOM or GB18030"
    )
    sheets: dict[str, SheetCounts] = Field(description="per sheet read (CSV: one sheet named CSV)")
