"""Rasa action server for faqbot: thin actions that call into ``bot``.

Start it with ``python -m actions`` (warms the model up before serving).
"""
