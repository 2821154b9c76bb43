"""Hypothesis over every YAML loader of ``bot``: any bytes, any YAML, mutated shipped files.

Property: the loader returns a valid model or raises the project's own error whose every line
names ``file:line``; never KeyError, TypeError, ValueError, RecursionError, a leaking
yaml.YAMLError or a hang on an alias bomb.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given

from bot.errors import ConfigError, EvalCasesError, FaqValidationError, ShopError
from bot.faq.calibration import load_offtopic
from bot.faq.colloquial import FORMS_PATH, ColloquialForms, load_forms
from bot.faq.evaluation import load_cases
from bot.faq.settings import Settings, load_settings
from bot.responses import load_responses
from bot.shop.catalog import FILES, Catalog, load_catalog
from bot.shop.evaluation import load_stock_cases
from bot.shop.factory import store_locations
from bot.shop.notify import EmailTexts, load_email_texts
from bot.yamlfile import read_yaml
from tests.yaml_fuzz import BILLION_LAUGHS, FUZZ, LINE, ROOT, check_loader, documents

# Failing examples found by these tests, kept so they are always tried.
BIG_INT = b"answer_threshold: " + b"9" * 5000
NO_SUCH_DAY = b"faq_dir: 2001-02-30"
SELF_ALIAS = b"policy: &a [*a]"
DEEP = b"[" * 2000 + b"]" * 2000
NUL_PATH = b'faq_dir: "data\\0faq"'
DUPLICATE_KEY = b"model: a\nmodel: b\n"
BOMB = BILLION_LAUGHS.encode()


def _file(content: bytes, name: str = "file.yml") -> Path:
    folder = Path(tempfile.mkdtemp(prefix="yaml-fuzz-"))
    path = folder / name
    path.write_bytes(content)
    return path


@FUZZ
@given(documents(ROOT / "faqbot.yml"))
@example(BIG_INT)
@example(NO_SUCH_DAY)
@example(SELF_ALIAS)
@example(DEEP)
@example(BOMB)
def test_read_yaml_reports_every_problem_with_its_line(content: bytes) -> None:
    path = _file(content)
    doc = read_yaml(path)
    for problem in doc.problems:
        assert problem.startswith(f"{path}:") and LINE.search(problem), problem
    if doc.problems and doc.data is None:
        return
    assert not any("syntax" in p for p in doc.problems)


@FUZZ
@given(documents(ROOT / "faqbot.yml"))
@example(BIG_INT)
@example(NO_SUCH_DAY)
@example(SELF_ALIAS)
@example(DEEP)
@example(BOMB)
@example(NUL_PATH)
@example(DUPLICATE_KEY)
@example(b"policy:\n  a: \x00")  # a control character
@example(b'"line\\nbreak": 1')  # an unknown key with a line break in it
@example(b'faq_dir: "\\uD800"')  # a lone surrogate: no file system can name it
def test_faqbot_yml(content: bytes) -> None:
    settings = check_loader(lambda: load_settings(_file(content, "faqbot.yml")), ConfigError)
    assert settings is None or isinstance(settings, Settings)


@FUZZ
@given(documents(ROOT / "data/faq/returns.yml"))
@example(b"entries:\n- " + b"9" * 5000)
@example(b"topic: &t {a: *t}\nentries: []")
def test_faq_files(content: bytes) -> None:
    path = _file(content, "returns.yml")
    faq = check_loader(lambda: _load_faq(path.parent), FaqValidationError)
    assert faq is None or all(entry.source.startswith(str(path)) for entry in faq.entries)


def _load_faq(folder: Path):
    from bot.faq.loader import load_faq

    return load_faq(folder)


@FUZZ
@given(documents(ROOT / "data/calibration/offtopic.yml"))
@example(b"messages:\n  fi: [a]\n  fi: [b]\n")
@example(b"messages: {fi: [2001-02-30]}")
def test_offtopic_messages(content: bytes) -> None:
    messages = check_loader(lambda: load_offtopic(_file(content)), ConfigError)
    assert messages is None or all(isinstance(text, str) and text for text in messages)


@FUZZ
@given(documents(FORMS_PATH))
@example("fi:\n  words: {mä: 2001-02-30}\n".encode())
@example("fi:\n  endings: {ks: [ko, kö, x]}\n".encode())
def test_colloquial_forms(content: bytes) -> None:
    forms = check_loader(lambda: load_forms(_file(content)), ConfigError)
    assert forms is None or isinstance(forms, ColloquialForms)


@FUZZ
@given(documents(ROOT / "tests/data/eval_cases.yml"))
@example(b"cases:\n- {text: a, lang: fi, expect: *nope}")
def test_faq_evaluation_cases(content: bytes) -> None:
    known = {"returns_period", "delivery_time"}
    cases = check_loader(lambda: load_cases(_file(content), known), EvalCasesError)
    assert cases is None or all(set(case.expect) <= known for case in cases)


@FUZZ
@given(documents(ROOT / "tests/data/stock_cases.yml"))
@example(b"cases:\n- {text: a, lang: fi, expect: &e [*e]}")
def test_stock_evaluation_cases(content: bytes) -> None:
    path = _file(content)
    cases = check_loader(
        lambda: load_stock_cases(path, {"p1"}, {"online", "helsinki"}), EvalCasesError
    )
    assert cases is None or isinstance(cases, list)


@pytest.mark.parametrize("name", FILES)
def test_shop_data_files(name: str) -> None:
    @FUZZ
    @given(documents(ROOT / "data/shop" / name))
    @example(b"locations:\n- {id: x, store: true, name: {fi: " + b"9" * 5000 + b"}}")
    @example(BOMB)
    def check(content: bytes) -> None:
        folder = Path(tempfile.mkdtemp(prefix="shop-fuzz-"))
        for other in FILES:
            shutil.copy(ROOT / "data/shop" / other, folder / other)
        (folder / name).write_bytes(content)
        catalog = check_loader(lambda: load_catalog(folder), ShopError)
        assert catalog is None or isinstance(catalog, Catalog)
        stores = store_locations(folder)  # never raises: WooCommerce runs without store names
        assert all(store.is_store for store in stores)

    check()


@FUZZ
@given(documents(ROOT / "data/shop/emails.yml"))
@example(b"shop: x\nrestock: {fi: {subject: '{', body: b}}")
def test_email_texts(content: bytes) -> None:
    texts = check_loader(lambda: load_email_texts(_file(content)), ShopError)
    assert texts is None or isinstance(texts, EmailTexts)


@FUZZ
@given(documents(ROOT / "domain.yml"))
@example(b"responses: []")
def test_domain_responses(content: bytes) -> None:
    responses = check_loader(lambda: load_responses(_file(content)), ConfigError)
    assert responses is None or isinstance(responses, dict)


# Plain unit tests for each crash these tests found (each failed before its fix).


def test_a_huge_integer_is_reported_at_its_line() -> None:
    path = _file(b"policy:\n  answer_threshold: " + b"9" * 5000)
    with pytest.raises(ConfigError, match=r"faqbot\.yml:2:21: .*cannot read this value"):
        load_settings(path.rename(path.with_name("faqbot.yml")))


def test_a_date_that_does_not_exist_is_reported_at_its_line() -> None:
    doc = read_yaml(_file(b"a: 1\nb: 2001-02-30\n"))
    assert doc.data is None
    assert doc.problems == [
        f"{doc.path}:2:4: YAML syntax error: cannot read this value (day is out of range for month)"
    ]


def test_an_alias_that_contains_itself_is_reported() -> None:
    doc = read_yaml(_file(b"a:\n  b: &x [1, *x]\n"))
    assert doc.data is None
    assert "alias contains itself" in doc.problems[0]
    assert doc.problems[0].startswith(f"{doc.path}:2:")


def test_a_control_character_is_reported_at_its_line_and_column() -> None:
    doc = read_yaml(_file(b"a: 1\nb: x\x07y\n"))
    assert doc.data is None
    assert doc.problems == [
        f"{doc.path}:2:5: character U+0007 is not allowed in YAML (a control character); remove it"
    ]


def test_deep_nesting_is_reported() -> None:
    doc = read_yaml(_file(DEEP))
    assert doc.data is None
    assert doc.problems == [
        f"{doc.path}:1:1: nested too deeply to read; faqbot's files need a few levels only"
    ]


def test_a_billion_laughs_stops_at_the_value_limit() -> None:
    doc = read_yaml(_file(BOMB))
    assert doc.data is None
    assert "values once aliases (*name) are expanded" in doc.problems[0]


def test_a_nul_in_a_settings_path_is_a_config_error() -> None:
    path = _file(NUL_PATH, "faqbot.yml")
    with pytest.raises(ConfigError, match=r"faqbot\.yml:1:10: faq_dir: .*NUL"):
        load_settings(path)


@pytest.mark.parametrize(
    ("load", "content", "where"),
    [
        (load_settings, b"model: a\nmodel: b\n", ":2:1: model"),
        (load_offtopic, b"messages:\n  fi: [a]\nmessages:\n  fi: [b]\n", ":3:1: messages"),
    ],
)
def test_duplicate_keys_are_config_errors(load, content: bytes, where: str) -> None:
    with pytest.raises(ConfigError, match=rf"{where}: duplicate key \(first at line 1\)"):
        load(_file(content))


def test_store_names_survive_a_location_without_id(caplog: pytest.LogCaptureFixture) -> None:
    folder = _file(b"locations:\n- {store: true, name: {fi: Kauppa}}\n", "locations.yml").parent
    assert store_locations(folder) == ()
    bad = _file(b"locations: \xff", "locations.yml").parent
    assert store_locations(bad) == ()
    assert "cannot read the store names" in caplog.text


def test_a_stock_location_key_with_a_line_break_stays_on_its_line(tmp_path: Path) -> None:
    for other in FILES:
        shutil.copy(ROOT / "data/shop" / other, tmp_path / other)
    stock = (tmp_path / "stock.yml").read_text(encoding="utf-8")
    broken = stock.replace(
        "KO-VA45-S-GRN: {online: 12,", 'KO-VA45-S-GRN: {"hel\\nsinki": 1, online: 12,'
    )
    assert broken != stock
    (tmp_path / "stock.yml").write_text(broken, encoding="utf-8")
    check_loader(lambda: load_catalog(tmp_path), ShopError)
    with pytest.raises(ShopError, match=r"stock\.yml:7:\d+: stock\.KO-VA45-S-GRN\.'hel\\nsinki'"):
        load_catalog(tmp_path)
