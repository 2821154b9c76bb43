"""Rasa input/output channels of faqbot (they run inside the Rasa server, Python 3.10).

``credentials.yml`` names them by module path, e.g. ``channels.socketio.SocketIOInput``; Rasa
puts its working directory (the project root) on ``sys.path``, so no installation is needed.
Modules that import Rasa are only imported by the Rasa server; the pure helpers next to them
(:mod:`channels.messages`) are unit-tested from the library's environment.
"""
