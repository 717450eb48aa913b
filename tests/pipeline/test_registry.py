"""Versioned names: 'NAME' or 'NAME.vN' pick a component; another version is refused."""

import pytest

from propwatch.doc import Layer
from propwatch.errors import ModelError
from propwatch.pipeline import ComponentSpec, get_spec, register, unregister


class _Nothing:
    name, version, layer, reads = "my.vocab.v1", "0", "vocab", ()

    def __call__(self, doc, shared):
        return Layer(self.layer, self.name, self.version)


def test_versioned_names_pick_the_component_and_refuse_another_version():
    assert get_spec("techniques") is get_spec("techniques.v1")
    with pytest.raises(ModelError, match="E204: unknown component 'techniques.v9'"):
        get_spec("techniques.v9")


def test_a_name_holding_dot_v_is_not_read_as_a_version():
    spec = register(ComponentSpec(name="my.vocab", version=1, layer="vocab",
                                  factory=lambda config: _Nothing()))
    try:
        assert get_spec("my.vocab") is spec and get_spec("my.vocab.v1") is spec
        with pytest.raises(ModelError, match="E204"):
            get_spec("my.vocab.v2")
    finally:
        unregister("my.vocab")
    with pytest.raises(ModelError, match="E204"):
        get_spec("my.vocab")
