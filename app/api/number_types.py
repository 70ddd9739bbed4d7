"""Number types of response schemas: each writes its value as every number of the API is written."""

from __future__ import annotations

from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

from app.domain.numbers import json_number

#: a float field (a statistic, a rate) written by `json_number`: 80 and 1, not 80.0 and 1.0
Num = Annotated[float, PlainSerializer(json_number), WithJsonSchema({"type": "number"})]
