"""The call-type model: what it adds to the sensitive list, what it may never do, and that the
plain-Python reading of the saved weights is the model scikit-learn fitted."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from followup.eligibility import label_model, label_training
from followup.eligibility.sensitive import explain, match_builtin_list, match_sensitive, normalise

DATA = Path(__file__).parents[1] / "data"


def test_the_shipped_model_was_trained_on_the_corpora_in_the_repository():
    """A corpus added or relabelled without retraining (`followup calltypes train`) fails here."""
    shipped = label_model.load()
    rows = [row for corpus in label_training.corpora().values() for row in corpus]

    assert shipped is not None
    assert shipped.meta["training_data"]["labels"] == len(rows)
    assert shipped.meta["training_data"]["sha256"] == hashlib.sha256(
        repr(sorted(rows)).encode("utf-8")
    ).hexdigest()
    assert 0.5 <= shipped.threshold < 1


@pytest.mark.parametrize(
    "label",
    [
        "WELLNES CHK",  # a welfare check, misspelt and abbreviated
        "MENTL SUBJ",  # a mental-health subject, vowels dropped
    ],
)
def test_the_model_skips_what_the_list_cannot_spell_and_says_why(label):
    found = match_sensitive(label)

    assert match_builtin_list(label) is None
    assert found is not None and found.group == "model"
    assert explain(found).startswith("likely sensitive to the learned model (0.")
    assert "weighed most:" in explain(found)


@pytest.mark.parametrize(
    "label",
    [
        "S41",  # a bare code means what the agency says it means: the register decides
        "802",
        "10-16",
        "SHOPLIFTER IN CUSTODY",  # an exception the list keeps on purpose
        "ASSAULT - NON-DOMESTIC",  # says what the call is not
        "TRAFFIC STOP",
        "NOISE COMPLAINT",
        "STRUCTURE FIRE",
        "ALARM COMMERCIAL",
    ],
)
def test_the_model_does_not_skip_codes_exceptions_or_ordinary_calls(label):
    assert match_sensitive(label) is None


def test_the_model_only_adds_skips_the_list_keeps_every_one_of_its_own():
    for corpus in label_training.corpora().values():
        for label, _ in corpus:
            listed = match_builtin_list(label)
            if listed is not None:
                assert match_sensitive(label) == listed, label


def small_corpora(root: Path) -> Path:
    """Two real corpora, held out in turn, and one that is only trained on."""
    (root / "calltypes").mkdir(parents=True)
    shutil.copy(DATA / "calltypes" / "build_d.tsv", root / "calltypes")
    shutil.copy(DATA / "calltypes" / "heldout_c.tsv", root / "calltypes")
    shutil.copy(DATA / "cad_call_types_holdout.tsv", root)
    return root


def test_training_saves_a_model_whose_plain_reading_matches_what_was_fitted(tmp_path):
    data = small_corpora(tmp_path / "data")
    target = tmp_path / "model.json.gz"

    meta = label_training.train(target, data=data, trained_on="test")
    saved = label_model.LabelModel(label_model.decode(target.read_bytes()))

    assert set(meta["held_out"]) == {"calltypes/build_d.tsv", "calltypes/heldout_c.tsv"}
    assert saved.threshold in label_training.BARS
    rows = [row for corpus in label_training.corpora(data).values() for row in corpus]
    fitted = label_training.fit(rows)
    labels = [label for label, _ in rows[::25]]
    expected = label_training.probabilities(fitted, labels)
    for label, chance in zip(labels, expected, strict=True):
        assert saved.likelihood(normalise(label)).probability == pytest.approx(chance, abs=1e-3)


def test_training_refuses_a_folder_without_corpora_and_writes_nothing(tmp_path):
    target = tmp_path / "model.json.gz"

    with pytest.raises(ValueError, match="no labelled call types"):
        label_training.train(target, data=tmp_path, trained_on="test")
    assert not target.exists()


def test_a_missing_model_file_leaves_the_list_to_decide_alone(tmp_path, caplog):
    assert label_model.load.__wrapped__(tmp_path / "absent.json.gz") is None
    assert "sensitive list decides alone" in caplog.text


def test_the_corpora_files_are_read_as_labelled(tmp_path):
    path = tmp_path / "calltypes"
    path.mkdir()
    with open(path / "one.tsv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["label", "sensitive", "group", "source"])
        writer.writerow(["DV IN PROGRESS", "1", "domestic", "x"])
        writer.writerow(["", "1", "domestic", "x"])  # no label: not a row
        writer.writerow(["THEFT", "maybe", "theft", "x"])  # not labelled: not a row

    assert label_training.corpora(tmp_path) == {"calltypes/one.tsv": [("DV IN PROGRESS", 1)]}
