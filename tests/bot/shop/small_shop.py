"""A small, valid shop data directory for the unit tests of the embedded backend."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write

LOCATIONS = """\
locations:
  - id: online
    store: false
    name: {fi: verkkokauppa, sv: webbutiken, en: online store}
    aliases: [verkkokaup, online, webbutik]
  - id: tampere
    store: true
    name: {fi: Tampereen myymälä, sv: butiken i Tammerfors, en: Tampere store}
    aliases: [tampere, tammerfors]
"""

PRODUCTS = """\
products:
  - id: pack
    sku: P-1
    name: {fi: Vaellus 45 -rinkka, sv: Vaellus 45 ryggsäck, en: Vaellus 45 backpack}
    description: {fi: Rinkka, sv: Ryggsäck, en: Backpack}
    variants:
      - {sku: P-1-M-BLK, size: M, colour: black}
      - {sku: P-1-L-BLK, size: L, colour: black}
  - id: lamp
    sku: L-1
    name: {fi: Kiilo otsalamppu, sv: Kiilo pannlampa, en: Kiilo headlamp}
    description: {fi: Lamppu, sv: Lampa, en: Lamp}
    variants:
      - {sku: L-1}
"""

STOCK = """\
stock:
  P-1-M-BLK: {online: 3, tampere: 1}
  P-1-L-BLK: {restock_in_days: 5}
  L-1: {tampere: 2}
"""

ORDERS = """\
carriers:
  posti: {name: Posti, tracking_url: "https://track.example/{code}"}
orders:
  - number: "100001"
    language: fi
    email: Aino.Virtanen@example.com
    first_name: Aino
    postal_code: "00100"
    status: shipped
    carrier: posti
    tracking_code: JJFI1
    placed_days_ago: 4
    expected_in_days: -1
    items:
      - {sku: P-1-M-BLK, quantity: 2}
      - {sku: L-1}
  - number: "100002"
    language: en
    email: sam@example.com
    postal_code: "33 100"
    status: delivered
    carrier: posti
    tracking_code: JJFI2
    placed_on: 2025-01-02
    expected_delivery: 2025-01-04
  - number: "100003"
    language: sv
    email: eva@example.com
    postal_code: "22100"
    status: cancelled
    placed_days_ago: 1
  - number: "100004"
    language: en
    email: aino.virtanen@example.com
    first_name: Aino
    postal_code: "00100"
    status: ready_for_pickup
    carrier: posti
    tracking_code: JJFI4
    pickup_point: Kaira Tampere, Hämeenkatu 5
    placed_days_ago: 6
    expected_in_days: -2
"""


def write_small_shop(directory: Path) -> Path:
    """Write the four files into ``directory`` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    write(directory / "locations.yml", LOCATIONS)
    write(directory / "products.yml", PRODUCTS)
    write(directory / "stock.yml", STOCK)
    write(directory / "orders.yml", ORDERS)
    return directory
