"""The role classifier: two softmax regressions over a mention's features (``features.py``),
one for the main role and one for the fine roles, trained and run with numpy alone.

Decoding: the main role is the most probable one after the class priors are moved to those
the model is meant for (``target_priors`` in meta.json; the training priors when absent); the
fine role is the most probable of that main role's fine roles, and a second one is added when
its share of them reaches ``second_threshold``.

Artifact in ``propwatch/models/roles/``: ``roles.npz`` (scaler and weights) and ``meta.json``
(labels, feature parts, settings, how it was trained), written by ``propwatch train roles``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from ..doc import MAIN_ROLES
from ..errors import ModelError
from .features import PARTS, select

#: main role -> its fine roles, as the task's roles.tsv lists them
FINE_ROLES: dict[str, tuple[str, ...]] = {
    "Protagonist": ("Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"),
    "Antagonist": ("Instigator", "Conspirator", "Tyrant", "Foreign Adversary", "Traitor", "Spy",
                   "Saboteur", "Corrupt", "Incompetent", "Terrorist", "Deceiver", "Bigot"),
    "Innocent": ("Forgotten", "Exploited", "Victim", "Scapegoat"),
}
FINE_LABELS: tuple[str, ...] = tuple(f for main in MAIN_ROLES for f in FINE_ROLES[main])
MAIN_OF = {fine: main for main, fines in FINE_ROLES.items() for fine in fines}


def default_model_dir() -> Path:
    return Path(str(resources.files("propwatch") / "models" / "roles"))


@dataclass(frozen=True)
class Settings:
    """What a model is trained and decoded with (chosen by cross-validation)."""

    parts: tuple[str, ...] = ("mention", "sentence", "context", "name", "scalars")
    l2: float = 3.0  # weight decay of the main-role layer, on standardised features
    fine_l2: float = 1.0  # the same for the fine-role layers
    steps: int = 300
    second_threshold: float = 0.35
    target_priors: Mapping[str, float] | None = None  # None: keep the training priors

    def to_dict(self) -> dict:
        return {"parts": list(self.parts), "l2": self.l2, "fine_l2": self.fine_l2,
                "steps": self.steps,
                "second_threshold": self.second_threshold,
                "target_priors": dict(self.target_priors) if self.target_priors else None}

    @staticmethod
    def from_dict(data: Mapping) -> Settings:
        return Settings(parts=tuple(data.get("parts") or Settings.parts),
                        l2=float(data.get("l2", 3.0)), fine_l2=float(data.get("fine_l2", 1.0)),
                        steps=int(data.get("steps", 300)),
                        second_threshold=float(data.get("second_threshold", 0.35)),
                        target_priors=data.get("target_priors") or None)


def fit_softmax(x: np.ndarray, targets: np.ndarray, l2: float, steps: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Softmax regression (weights (k, d), bias (k,)) of soft ``targets`` (n, k) on ``x``
    (n, d): the mean cross-entropy plus ``l2``/2 × |W|², minimised by Nesterov's accelerated
    gradient with the step 1/L of the loss's curvature bound. The loss is strongly convex, so
    a few hundred steps reach the optimum deterministically (no solver dependency)."""
    n, d = x.shape
    k = targets.shape[1]
    # curvature of the softmax loss is at most half the largest eigenvalue of [x 1]ᵀ[x 1]/n
    design = np.hstack([x, np.ones((n, 1))])
    vec = np.ones(d + 1) / np.sqrt(d + 1)
    for _ in range(30):  # power iteration
        vec = design.T @ (design @ vec) / n
        top = float(np.linalg.norm(vec))
        vec /= max(top, 1e-12)
    step = 1.0 / (0.5 * top + l2 + 1e-9)
    theta = np.zeros((d + 1, k))
    theta[-1] = np.log(np.clip(targets.mean(0), 1e-6, None))
    ahead, previous = theta.copy(), theta.copy()
    penalty = np.ones((d + 1, 1))
    penalty[-1] = 0.0  # the bias is not shrunk
    for t in range(1, steps + 1):
        error = (_softmax(design @ ahead) - targets) / n
        grad = design.T @ error + l2 * penalty * ahead
        theta = ahead - step * grad
        ahead = theta + (t - 1) / (t + 2) * (theta - previous)
        previous = theta
    return theta[:-1].T.astype(np.float32), theta[-1].astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(1, keepdims=True)


@dataclass(frozen=True)
class Prediction:
    """A mention's roles: the main role and its probability, fine roles best first, and the
    full distributions (MAIN_ROLES and FINE_LABELS order) for aggregation over an actor."""

    main_role: str
    score: float
    fine_roles: tuple[str, ...]
    main_probs: np.ndarray = field(repr=False)
    fine_probs: np.ndarray = field(repr=False)


@dataclass
class RoleModel:
    """The trained classifier: a scaler and two softmax layers over mention features."""

    settings: Settings
    width: int  # encoder state size the features were built from
    mean: np.ndarray
    scale: np.ndarray
    main_w: np.ndarray
    main_b: np.ndarray
    fine_w: np.ndarray
    fine_b: np.ndarray
    train_priors: np.ndarray  # main-role priors of the training data, MAIN_ROLES order
    meta: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "roles-unversioned"))

    @staticmethod
    def fit(features: np.ndarray, mains: Sequence[str], fines: Sequence[Sequence[str]],
            settings: Settings, width: int) -> RoleModel:
        """Train on rows of full features (``features.mention_features``) and gold roles."""
        x = select(features, settings.parts, width)
        mean = x.mean(0)
        scale = x.std(0) + 1e-3
        z = (x - mean) / scale
        main_t = np.zeros((len(mains), len(MAIN_ROLES)))
        for row, role in enumerate(mains):
            main_t[row, MAIN_ROLES.index(role)] = 1.0
        fine_t = np.zeros((len(fines), len(FINE_LABELS)))
        for row, roles in enumerate(fines):
            known = [r for r in roles if r in FINE_LABELS] or list(FINE_ROLES[mains[row]][:1])
            for role in known:  # several fine roles share the example's mass
                fine_t[row, FINE_LABELS.index(role)] += 1.0 / len(known)
        main_w, main_b = fit_softmax(z, main_t, settings.l2, settings.steps)
        # one softmax per main role, over its fine roles, trained on its mentions only: the
        # fine role is read given the main role, as decoding uses it
        fine_w = np.zeros((len(FINE_LABELS), z.shape[1]), np.float32)
        fine_b = np.full(len(FINE_LABELS), -30.0, np.float32)  # a role never seen stays out
        for j, role in enumerate(MAIN_ROLES):
            rows = main_t[:, j] > 0
            cols = [FINE_LABELS.index(f) for f in FINE_ROLES[role]]
            if not rows.any():
                continue
            w, b = fit_softmax(z[rows], fine_t[np.ix_(rows, cols)], settings.fine_l2,
                                settings.steps)
            fine_w[cols], fine_b[cols] = w, b
        priors = (main_t.sum(0) + 1.0) / (len(mains) + len(MAIN_ROLES))
        return RoleModel(settings, width, mean.astype(np.float32), scale.astype(np.float32),
                         main_w, main_b, fine_w, fine_b, priors.astype(np.float32))

    def probabilities(self, features: np.ndarray, shift: bool = True
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Main-role probabilities (n, 3), moved to the target priors unless ``shift`` is
        false, and fine-role ones given each main role (n, 22; each main role's fine roles
        sum to one)."""
        z = (select(features, self.settings.parts, self.width) - self.mean) / self.scale
        main = _softmax(z @ self.main_w.T + self.main_b)
        fine = np.zeros((len(z), len(FINE_LABELS)))
        for j, role in enumerate(MAIN_ROLES):
            cols = [FINE_LABELS.index(f) for f in FINE_ROLES[role]]
            fine[:, cols] = _softmax(z @ self.fine_w[cols].T + self.fine_b[cols])
        target = self.settings.target_priors
        if target and shift:
            # Bayes' rule with new priors: p'(y|x) ∝ p(y|x) π'(y) / π(y)
            ratio = np.array([float(target.get(r, p)) for r, p in
                              zip(MAIN_ROLES, self.train_priors)]) / self.train_priors
            main = main * ratio
            main /= main.sum(1, keepdims=True)
        return main, fine

    def predict(self, features: np.ndarray) -> list[Prediction]:
        """The roles of each row of ``features``."""
        main, fine = self.probabilities(features)
        return [decode(m, f, self.settings.second_threshold) for m, f in zip(main, fine)]

    def save(self, folder: Path, meta: Mapping) -> None:
        """Write ``roles.npz`` and ``meta.json`` (``meta`` plus labels and settings)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "roles.npz", mean=self.mean, scale=self.scale,
                            main_w=self.main_w.astype(np.float16), main_b=self.main_b,
                            fine_w=self.fine_w.astype(np.float16), fine_b=self.fine_b,
                            train_priors=self.train_priors)
        full = {**meta, "width": self.width, "settings": self.settings.to_dict(),
                "main_roles": list(MAIN_ROLES), "fine_roles": list(FINE_LABELS)}
        (folder / "meta.json").write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")

    @staticmethod
    def load(folder: str | Path | None = None) -> RoleModel:
        """The model in ``folder`` (default: the shipped one); E202 when it cannot be read."""
        folder = Path(folder) if folder else default_model_dir()
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            with np.load(folder / "roles.npz") as data:
                arrays = {k: data[k].astype(np.float32) for k in data.files}
            if tuple(meta["fine_roles"]) != FINE_LABELS:
                raise ValueError("fine roles differ from this version's")
            return RoleModel(Settings.from_dict(meta["settings"]), int(meta["width"]),
                             arrays["mean"], arrays["scale"], arrays["main_w"],
                             arrays["main_b"], arrays["fine_w"], arrays["fine_b"],
                             arrays["train_priors"], meta)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError.make("E202", path=folder) from exc


def decode(main: np.ndarray, fine: np.ndarray, second_threshold: float) -> Prediction:
    """The main role, then the best fine role under it, and a second one when its share of
    that main role's fine-role mass reaches ``second_threshold``."""
    best = int(np.argmax(main))
    role = MAIN_ROLES[best]
    under = np.array([FINE_LABELS.index(f) for f in FINE_ROLES[role]])
    share = fine[under] / max(float(fine[under].sum()), 1e-12)
    order = np.argsort(-share, kind="stable")
    chosen = [FINE_ROLES[role][int(order[0])]]
    if len(order) > 1 and share[order[1]] >= second_threshold:
        chosen.append(FINE_ROLES[role][int(order[1])])
    return Prediction(role, float(main[best]), tuple(chosen), main, fine)


__all__ = ["FINE_LABELS", "FINE_ROLES", "MAIN_OF", "PARTS", "Prediction", "RoleModel",
           "Settings", "decode", "default_model_dir", "fit_softmax"]
