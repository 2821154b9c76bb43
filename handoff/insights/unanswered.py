"""Questions the FAQ could not answer, clustered by meaning, each with a ready YAML snippet.

The questions (fallbacks, "none of these", "not really", escalated after the bot could not
help) are embedded with the FAQ's own encoder and normalisation (:class:`bot.faq.index.FaqIndex`)
and grouped by scikit-learn's agglomerative clustering (average linkage on cosine distance, cut
at :data:`DISTANCE`), so paraphrases in fi, sv and en fall together. Each cluster names the
FAQ entry nearest to its questions: when that entry is close (score at least the FAQ's answer
threshold, most questions rank it first, and no shopper said "not really" to its answer for
them) the snippet adds the cluster's questions to it as new phrasings, else it is a new entry
with the questions per language and an answer to write. A snippet is a whole
``data/faq/*.yml`` file, valid for :func:`bot.faq.loader.load_faq`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.embeddings import normalise
from bot.faq.service import FaqService
from handoff.insights.conversations import Conversation, Unanswered

# cosine distance at which clusters stop merging; on the demo history 0.08 split paraphrases
# apart and 0.13 merged topics (README "Insights")
DISTANCE = 0.10
AGREEMENT = 0.67  # share of a cluster's questions that rank the nearest entry first
MAX_TEXTS = 2000  # the most frequent distinct questions of the period are clustered
EXAMPLES = 5
ANSWER_TO_WRITE = "WRITE THE ANSWER HERE"


def question_key(text: str) -> str:
    """The key a question is marked done by: its words, case, punctuation and spacing ignored."""
    words = re.findall(r"\w+", text.casefold())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


@dataclass
class Cluster:
    """Questions that mean the same, as the insights page shows them."""

    id: str
    count: int
    languages: dict[str, int]
    kinds: dict[str, int]
    examples: list[str]
    nearest_entry: str | None
    nearest_score: float | None
    suggestion: str  # "phrasings" (add to nearest_entry) or "new_entry"
    # entries whose answers got a "not really" for these questions, how often
    rejected: dict[str, int]
    snippet: str
    done: bool = False
    keys: list[str] = field(default_factory=list)  # every question's key ...
    questions: list[str] = field(default_factory=list)  # ... and text, most asked first

    def as_json(self) -> dict[str, Any]:
        """The cluster for the API."""
        return asdict(self)


@dataclass
class _Text:
    text: str
    count: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)


def collect(conversations: list[Conversation]) -> list[Unanswered]:
    """Every unanswered question of these conversations, once per conversation and text."""
    found: list[Unanswered] = []
    for conv in conversations:
        seen: set[str] = set()
        for item in conv.unanswered:
            key = question_key(item.text)
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def cluster(
    items: list[Unanswered], service: FaqService, done: set[str] | None = None
) -> list[Cluster]:
    """Group ``items`` by meaning; biggest cluster first.

    Args:
        items: the questions (:func:`collect`).
        service: a warmed-up FAQ service: its encoder, index and thresholds.
        done: keys (:func:`question_key`) an editor marked done.
    """
    done = done or set()
    texts: dict[str, _Text] = {}
    for item in items:
        entry = texts.setdefault(question_key(item.text), _Text(item.text.strip()))
        entry.count += 1
        entry.languages[item.language] += 1
        entry.kinds[item.kind] += 1
        if item.rejected:
            entry.rejected[item.rejected] += 1
    keys = sorted(texts, key=lambda k: (-texts[k].count, texts[k].text))[:MAX_TEXTS]
    if not keys:
        return []
    index = service.index
    langs = [_main(texts[k].languages) for k in keys]
    queries = [index.query_text(texts[k].text, lang) for k, lang in zip(keys, langs, strict=True)]
    vectors = normalise(np.asarray(service.encoder.encode(queries), dtype=np.float32))
    if len(keys) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        # imported here: scikit-learn costs the handoff service ~150 MB and 1 s at start-up,
        # and only the insights page's clustering needs it
        from sklearn.cluster import AgglomerativeClustering

        labels = AgglomerativeClustering(
            n_clusters=None, distance_threshold=DISTANCE, metric="cosine", linkage="average"
        ).fit_predict(vectors)
    clusters = []
    threshold = service.thresholds.policy.answer_threshold
    for label in sorted(set(int(x) for x in labels)):
        members = [i for i, x in enumerate(labels) if int(x) == label]
        members.sort(key=lambda i: (-texts[keys[i]].count, texts[keys[i]].text))
        centroid = normalise(vectors[members].mean(axis=0, keepdims=True))[0]
        lang = _main(sum((texts[keys[i]].languages for i in members), Counter()))
        best = index.search_vector(centroid, lang=lang)[0]
        member_texts = [texts[keys[i]] for i in members]
        # the FAQ's scores run high for any shop question: an entry is "the" one only when
        # it is close and most members rank it first on their own
        tops = [index.search_vector(vectors[i], lang=langs[i])[0].id for i in members]
        agree = sum(top == best.id for top in tops) / len(tops)
        # shoppers said "not really" to that entry's answer: it is not the answer they need
        rejected = sum((t.rejected for t in member_texts), Counter())
        refused = rejected[best.id] > 0
        near = best.score >= threshold and agree >= AGREEMENT and not refused
        clusters.append(
            Cluster(
                id=keys[members[0]],
                count=sum(t.count for t in member_texts),
                languages=dict(sum((t.languages for t in member_texts), Counter())),
                kinds=dict(sum((t.kinds for t in member_texts), Counter())),
                examples=[t.text for t in member_texts[:EXAMPLES]],
                nearest_entry=best.id,
                nearest_score=round(float(best.score), 4),
                rejected=dict(rejected.most_common()),
                suggestion="phrasings" if near else "new_entry",
                snippet=snippet(service, member_texts, best.id if near else None),
                done=all(keys[i] in done for i in members),
                keys=[keys[i] for i in members],
                questions=[t.text for t in member_texts],
            )
        )
    clusters.sort(key=lambda c: (c.done, -c.count, c.id))
    return clusters


def _main(languages: Counter[str]) -> str:
    known = [(n, lang) for lang, n in languages.items() if lang in ("fi", "sv", "en")]
    return max(known)[1] if known else "fi"


def _by_language(texts: list[_Text]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for text in texts:
        lang = _main(text.languages)
        if text.text not in found.setdefault(lang, []):
            found[lang].append(text.text)
    return found


def snippet(service: FaqService, texts: list[_Text], entry_id: str | None) -> str:
    """A whole FAQ file: the entry with the new phrasings added, or a new entry."""
    new = _by_language(texts)
    entry = service.faq.get(entry_id) if entry_id else None
    if entry is not None:
        questions: dict[str, list[str]] = {lang: list(qs) for lang, qs in entry.questions.items()}
        for lang, phrasings in new.items():
            have = {q.casefold() for q in questions.get(lang, [])}
            questions.setdefault(lang, []).extend(p for p in phrasings if p.casefold() not in have)
        body: dict[str, Any] = {"id": entry.id, "questions": questions}
        if entry.shopper_questions:  # the replaced entry keeps the ones already accepted
            body["shopper_questions"] = {
                lang: list(qs) for lang, qs in entry.shopper_questions.items()
            }
        body["answer"] = dict(entry.answer)
        if entry.handoff:
            body["handoff"] = True
        if entry.live_order:
            body["live_order"] = True
        added = [p for lang in new for p in new[lang] if p in questions.get(lang, [])]
        header = (
            f"# {entry.id} with the new phrasings: replace the entry in its file "
            f"({Path(entry.source.split(':')[0]).name})\n"
            f"# new: {' | '.join(added)}\n"
        )
    else:
        body = {
            "id": _slug(texts[0].text),
            "questions": new,
            "answer": {lang: ANSWER_TO_WRITE for lang in new},
        }
        header = "# a new entry: write the answers, then add it to a file in data/faq/\n"
    return header + yaml.safe_dump(
        {"entries": [body]}, allow_unicode=True, sort_keys=False, width=100
    )


def _slug(text: str) -> str:
    words = re.findall(
        r"[a-z0-9]+", text.casefold().replace("ä", "a").replace("ö", "o").replace("å", "a")
    )
    return "_".join(words[:4]) or "new_entry"
