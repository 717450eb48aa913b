"""Components and the pipeline that runs them: the protocol, the registry (with entry points
for plugins) and ``Pipeline``. ``propwatch.analyze`` lives here."""

from .component import Component, ComponentSpec, Shared
from .registry import (ENTRY_POINT_GROUP, component_names, get_component, get_spec, register,
                       spec_for_layer, unregister)
from .run import (BatchResult, Pipeline, analyze, analyze_files, component_config, iter_analyses,
                  pipeline_names)

__all__ = ["BatchResult", "Component", "ComponentSpec", "ENTRY_POINT_GROUP", "Pipeline", "Shared",
           "analyze", "analyze_files", "component_config", "component_names", "get_component",
           "get_spec", "iter_analyses", "pipeline_names", "register", "spec_for_layer",
           "unregister"]
