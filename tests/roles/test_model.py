"""The shipped role classifier: loads, predicts valid roles for mentions of a short text, and
a model trained here on made-up features learns what it is shown."""

import numpy as np
import pytest

from propwatch.detect import get_detector
from propwatch.doc import MAIN_ROLES, Article
from propwatch.roles import RoleTagger
from propwatch.roles.model import FINE_ROLES, RoleModel, Settings, decode, fit_softmax

TEXT = ("Russian forces shelled the village of Kozacha Lopan overnight, killing two civilians.\n"
        "Ukrainian rescuers pulled survivors from the rubble, and President Zelensky thanked "
        "them. The Kremlin denied everything and blamed Kyiv.")


@pytest.fixture(scope="module")
def tagger():
    return RoleTagger()


def test_shipped_model_loads_with_its_provenance(tagger):
    meta = tagger.model.meta
    assert meta["version"] == tagger.version and meta["encoder"] == get_detector(
        "transformer").version
    assert {"command", "seed", "seconds", "cv"} <= set(meta)


def test_predictions_are_main_roles_with_fine_roles_under_them(tagger):
    article = Article(id="t", text=TEXT)
    encoded = get_detector("transformer").encode(article, tag=False)
    spans = [(TEXT.index(w), TEXT.index(w) + len(w)) for w in ("Zelensky", "Kremlin", "civilians")]
    predictions = tagger.classify(article, encoded, spans)
    assert len(predictions) == 3
    for p in predictions:
        assert p.main_role in MAIN_ROLES and 0.0 <= p.score <= 1.0
        assert 1 <= len(p.fine_roles) <= 2
        assert set(p.fine_roles) <= set(FINE_ROLES[p.main_role])


def test_fit_softmax_separates_separable_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] > 0).astype(int)
    w, b = fit_softmax(x, np.eye(2)[y], l2=0.01, steps=300)
    assert ((x @ w.T + b).argmax(1) == y).mean() > 0.95


def test_fit_decode_and_second_fine_role():
    width = 2
    rows = np.zeros((6, width * 5 + 4), np.float32)
    rows[:3, 0], rows[3:, 0] = 3.0, -3.0
    model = RoleModel.fit(rows, ["Antagonist"] * 3 + ["Innocent"] * 3,
                          [("Tyrant",)] * 3 + [("Victim",)] * 3,
                          Settings(parts=("mention",), l2=0.01, fine_l2=0.01), width)
    assert [p.main_role for p in model.predict(rows)] == ["Antagonist"] * 3 + ["Innocent"] * 3
    fine = np.zeros(22)
    fine[[6, 8]] = 0.5  # Instigator and Tyrant, equally likely
    assert decode(np.array([0.1, 0.8, 0.1]), fine, 0.4).fine_roles == ("Instigator", "Tyrant")
    assert decode(np.array([0.1, 0.8, 0.1]), fine, 0.6).fine_roles == ("Instigator",)
