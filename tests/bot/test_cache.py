from __future__ import annotations

from pathlib import Path

import pytest

from bot.cache import cache_dir, embeddings_file


def test_cache_dir_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("FAQBOT_CACHE")
    assert cache_dir() == Path.home() / ".cache" / "faqbot"


def test_embeddings_files_differ_by_model_and_kind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAQBOT_CACHE", str(tmp_path))
    faq = embeddings_file("model-a")
    assert faq.parent == tmp_path / "embeddings"
    assert faq.suffix == ".npz"
    assert embeddings_file("model-b") != faq
    assert embeddings_file("model-a", "shop-") == faq.with_name("shop-" + faq.name)
