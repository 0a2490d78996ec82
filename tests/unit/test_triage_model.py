"""The triage model: trained from labelled replies, saved compactly, read without scikit-learn,
and only ever raising what the rules found."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from followup.replies import triage as triage_package
from followup.replies.triage import Category, model, training, triage, triage_by_rules

DATA = Path(__file__).parents[2] / "data" / "triage"


@pytest.fixture(scope="module")
def small_model(tmp_path_factory) -> tuple[Path, dict]:
    """A model trained on a slice of the real sets, in a throwaway folder (a few seconds)."""
    pytest.importorskip("sklearn")
    root = tmp_path_factory.mktemp("data")
    for folder, files, every in (
        ("train", ("en_a", "es_a", "multi_c"), 3),
        ("validation", ("round2_mixed",), 4),
    ):
        (root / folder).mkdir()
        for name in files:
            src = (DATA / folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            sliced = src[::every]
            (root / folder / f"{name}.jsonl").write_text("\n".join(sliced) + "\n", "utf-8")
    output = root / "candidate.bin"
    meta = training.train(root, output, trained_on="test slice")
    return output, meta


def test_training_writes_a_model_with_thresholds_chosen_on_validation(small_model):
    output, meta = small_model

    assert output.stat().st_size > 10_000
    assert meta["trained_on"] == "test slice"
    assert meta["training_data"]["files"] == ["en_a.jsonl", "es_a.jsonl", "multi_c.jsonl"]
    assert set(meta["thresholds"]) >= {"crisis", "category", "category_other", "raise", "opt_out"}
    assert 0 < meta["thresholds"]["crisis"] < 1
    validation = meta["figures"]["validation"]
    assert validation["rows"] == 250
    assert validation["false_urgent_share"] <= 0.02  # the rule the crisis threshold is chosen by


def test_a_saved_model_reads_replies_without_scikit_learn_and_the_same_each_time(small_model):
    output, _ = small_model
    loaded = model.Model(model.decode(output.read_bytes()))

    danger = loaded.predict("he is outside my door with a knife right now please hurry")
    thanks = loaded.predict("thank you so much, the officer was very kind")

    assert danger.crisis > thanks.crisis
    assert thanks.top[0] == "positive"
    # the identifier of languages written in Latin letters travels in the same file
    assert loaded.latin is not None and {"en", "es"} <= set(loaded.latin.classes)
    assert loaded.latin.identify("thank you so much, the officer was very kind")[0] == "en"
    assert abs(sum(thanks.category.values()) - 1) < 1e-6
    assert loaded.predict("thank you so much, the officer was very kind") == thanks


def test_training_refuses_a_folder_with_no_labelled_replies(tmp_path):
    pytest.importorskip("sklearn")
    (tmp_path / "train").mkdir()

    with pytest.raises(ValueError, match="no labelled replies"):
        training.train(tmp_path, tmp_path / "out.bin", trained_on="nothing")
    assert not (tmp_path / "out.bin").exists()


def test_the_model_raises_urgency_the_rules_missed_but_never_lowers_it():
    rows = _rows(DATA / "validation" / "round2_enes.jsonl")
    by_rules = [triage_by_rules(row["text"]).urgent for row in rows]
    together = [triage(row["text"]).urgent for row in rows]

    assert all(t for r, t in zip(by_rules, together, strict=True) if r)  # never lowered
    danger = [i for i, row in enumerate(rows) if row["urgent"]]
    found_by_rules = sum(by_rules[i] for i in danger)
    found_together = sum(together[i] for i in danger)
    assert found_together >= found_by_rules + len(danger) // 4, (found_by_rules, found_together)


def test_the_model_only_suggests_an_opt_out_and_never_makes_one():
    for row in _rows(DATA / "validation" / "round2_mixed.jsonl"):
        result = triage(row["text"])
        if result.opt_out:
            # An opt-out is made by the rules alone (a keyword or an unmistakable sentence).
            assert triage_by_rules(row["text"]).opt_out, row["text"]


def test_a_reply_the_model_cannot_place_goes_to_a_person():
    result = triage("ok so about the thing with the car from before, and the neighbor too")

    assert result.callback
    assert result.category in (Category.OTHER, Category.QUESTION, Category.UNRESOLVED)


def test_a_reply_that_says_the_danger_is_over_is_not_made_urgent():
    assert not triage("I'm safe now, he is not here anymore").urgent
    assert not triage("ya estamos bien, lo arrestaron").urgent


def test_a_configured_model_file_is_used_and_a_bad_one_falls_back_to_the_shipped(
    small_model, monkeypatch, caplog
):
    output, meta = small_model
    model.load.cache_clear()
    try:
        monkeypatch.setenv("FOLLOWUP_TRIAGE_MODEL", str(output))
        assert model.load().meta["trained_on"] == meta["trained_on"]

        model.load.cache_clear()
        monkeypatch.setenv("FOLLOWUP_TRIAGE_MODEL", str(output.with_name("missing.bin")))
        with caplog.at_level(logging.ERROR):
            fallback = model.load()
        assert fallback is not None and fallback.meta["trained_on"] != "test slice"
        assert "FOLLOWUP_TRIAGE_MODEL could not be read" in caplog.text
        assert str(output.parent) not in caplog.text  # no path, no data in the log
    finally:
        monkeypatch.delenv("FOLLOWUP_TRIAGE_MODEL")
        model.load.cache_clear()


def test_without_a_model_the_rules_decide_alone(monkeypatch):
    monkeypatch.setattr(triage_package.models, "load", lambda: None)

    text = "nadie me ha llamado todavía"
    assert triage(text) == triage_by_rules(text)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_the_word_by_word_sum_gives_the_scores_of_the_plain_feature_by_feature_sum():
    """predict sums the character n-grams a word at a time and corrects n-grams a reply repeats;
    the scores must be those of TF-IDF summed feature by feature, whatever the reply."""
    shipped = model.load()
    replies = [
        json.loads(line)["text"]
        for line in (DATA / "validation" / "round2_mixed.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ][:300] + ["banana banana bananas", "no no no no NO", "ааааа помогите", "🙏🙏🙏", "", "  "]
    for reply in replies:
        normalised = model.normalise(reply)
        words, _ = shipped._word_scores(normalised)
        fast = [a + b for a, b in zip(words, shipped._char_scores(normalised), strict=True)]
        reference = shipped.reference_scores(reply)
        assert max(abs(a - b) for a, b in zip(fast, reference, strict=True)) < 1e-9, reply


@pytest.mark.parametrize(
    "text",
    [
        "ကျွန်မ ပုန်းနေတယ်",  # Burmese: its vowels are combining marks
        "ယောက်ျားက ဓားနဲ့ တံခါးကို ထုနေတယ်",
        "ម្តាយខ្ញុំដួល ហើយមិនដឹងខ្លួន",  # Khmer
    ],
)
def test_a_reply_in_a_script_of_combining_marks_reaches_a_person(text):
    """A reply the service cannot read still reaches a person: split at each vowel mark, a
    Burmese sentence had looked like single letters, "no signal", and no callback."""
    assert triage(text).callback


@pytest.mark.parametrize("text", ["ok", "👍", "5", "ကျ", "y"])
def test_a_letter_or_two_with_its_marks_is_still_not_content(text):
    assert not triage(text).callback


def test_a_stored_triage_result_holds_every_field_with_the_language_name_and_interpreter():
    """What the reply row keeps (``Message.triage``): every field of the result, as JSON."""
    import dataclasses

    result = triage("He is back outside my house right now, please send someone")
    stored = result.as_dict()

    fields = [field.name for field in dataclasses.fields(result)]
    assert list(stored) == [*fields, "language_name", "interpreter_needed"]
    assert stored["category"] == "crisis" and stored["urgent"] is True
    assert stored["reasons"] == list(result.reasons) and stored["reasons"]
    assert stored["language_name"] == "English" and stored["interpreter_needed"] is False
    assert json.loads(json.dumps(stored)) == stored
