"""The FAQ feature: editors' YAML files in, answer / clarify / fallback decisions out.

``schema`` and ``loader`` read ``data/faq/*.yml``; ``settings`` reads ``faqbot.yml``;
``index`` scores entries (embeddings plus ``lexical`` BM25, after ``diacritics`` put back
å/ä/ö); ``policy`` decides; ``service`` ties them together with hot reload; ``calibration``
and ``evaluation`` measure; ``cli`` is ``faqbot faq``.
"""
