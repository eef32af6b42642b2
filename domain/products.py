"""A product as a complaint or an order names it: its SKU, its batch, its name.

The intake may name the product a complaint is about (DOMAIN 2: what happened, with
what); an authority's stop-sale order names the product it stops (000 四.18). SKUs and
batches are codes: they match case, spacing and full-width forms aside (`product_key`),
the same key the register keeps in `complaints.product_sku_key` / `product_batch_key`.
"""

import re
import unicodedata

from pydantic import BaseModel


class ProductRef(BaseModel):
    """Tolerant, as every workflow message: what the desk or the order said."""

    sku: str | None = None
    batch: str | None = None
    name: str | None = None

    def label(self) -> str:
        parts = [self.name, self.sku and f"SKU {self.sku}", self.batch and f"batch {self.batch}"]
        return ", ".join(p for p in parts if p) or "-"


def product_key(value: str | None) -> str | None:
    """SKU-8 and `sku 8` are one code; Postgres computes the same (migration 080) on the
    text the API folded with NFKC (api/bodies.py ProductRefCreate)."""
    if value is None:
        return None
    key = re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper()
    return key or None


def fold(value: str | None) -> str | None:
    """What the API stores of a typed code: full-width forms folded, ends trimmed."""
    if value is None:
        return None
    return unicodedata.normalize("NFKC", value).strip() or None
