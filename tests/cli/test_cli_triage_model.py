"""`followup triage train` and `followup triage compare`: a candidate model, trained on labelled
replies and commanders' corrections, measured beside the one in use before anyone switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from followup.callbacks import corrections
from followup.models import Callback, User
from followup.replies.triage import model
from tests.support.web import flagged_reply, make_user

DATA = Path(__file__).parents[2] / "data" / "triage"
CALLER = "+12025550164"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """A slice of the real sets: train/, validation/ and final/, in a throwaway folder."""
    root = tmp_path_factory.mktemp("triage-data")
    for folder, files, every in (
        ("train", ("en_a", "es_a", "multi_c"), 4),
        ("validation", ("round2_mixed",), 5),
        ("final", ("final_test",), 6),
    ):
        (root / folder).mkdir()
        for name in files:
            lines = (DATA / folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            (root / folder / f"{name}.jsonl").write_text("\n".join(lines[::every]) + "\n", "utf-8")
    return root


@pytest.fixture
def a_correction(client, api, sender, clock, db):
    """A complaint a commander read as danger."""
    callback_id = flagged_reply(client, api, sender, clock, "nobody ever came back", CALLER)
    lee = make_user(db, clock, "lee", "commander")
    with db.begin() as session:
        callback = session.get(Callback, callback_id)
        corrections.correct(
            session,
            callback,
            callback.message_id,
            session.get(User, lee),
            "danger",
            now=clock.now(),
        )


def test_train_writes_a_candidate_and_prints_its_figures_without_touching_the_model_in_use(
    cli, small_data, tmp_path, a_correction
):
    pytest.importorskip("sklearn")
    shipped = model.MODEL_PATH.read_bytes()
    candidate = tmp_path / "candidate.bin"

    result = cli(
        "triage",
        "train",
        "--data",
        str(small_data),
        "--output",
        str(candidate),
        "--with-corrections",
    )

    assert result.exit_code == 0, (result.output, result.exception)
    assert f"wrote {candidate}" in result.stdout
    assert "thresholds:" in result.stdout
    assert "final (" in result.stdout and "crisis recall, English" in result.stdout
    assert "1 corrections" in result.stderr
    loaded = model.Model(model.decode(candidate.read_bytes()))
    assert loaded.meta["training_data"]["corrections"] == 1
    assert model.MODEL_PATH.read_bytes() == shipped

    compared = cli("triage", "compare", str(candidate), "--data", str(small_data))

    assert compared.exit_code == 0, (compared.output, compared.exception)
    assert "final test set (" in compared.stdout
    assert "commanders' corrections (1 replies)" in compared.stdout
    header = next(line for line in compared.stdout.splitlines() if "in use" in line)
    assert header.split() == ["in", "use", "candidate"]


def test_train_refuses_an_output_in_a_missing_folder_and_writes_nothing(cli, small_data, tmp_path):
    target = tmp_path / "no-such-folder" / "candidate.bin"

    result = cli("triage", "train", "--data", str(small_data), "--output", str(target), ok=False)

    assert result.exit_code == 2
    assert "is not a folder" in result.output
    assert not target.parent.exists()


def test_compare_refuses_a_file_that_is_not_a_model(cli, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a model", encoding="utf-8")

    result = cli("triage", "compare", str(bogus), "--without-corrections", ok=False)

    assert result.exit_code == 1
    assert "is not a triage model file" in result.output
