"""The shop feature: the shop's own data (products, stock per variant and store, restock dates,
orders), product search, restock emails, and ``faqbot shop`` (:mod:`bot.shop.cli`).

One small interface (:class:`bot.shop.base.ShopBackend`) with two backends: the embedded
SQLite catalogue built from ``data/shop/`` and the WooCommerce REST API v3.
"""
