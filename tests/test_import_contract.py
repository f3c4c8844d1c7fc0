"""Imports only go down the pipeline: the build never loads the store's serving side or the web,
and the store never loads the web or the build.

Each module is imported in a fresh interpreter, and what that import loaded is compared with
what its layer may not use (a module imported lazily inside a function is not counted: only
what importing the module itself pulls in).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WEB = ("spacecoop.server", "spacecoop.linkeddata", "starlette", "uvicorn", "jinja2")
SERVING = ("spacecoop.engine", "spacecoop.engine_client", "spacecoop.engine_store", "spacecoop.sparql_store",
           "spacecoop.remote_store", "spacecoop.answer_cache", "httpx")
BUILD = ("spacecoop.build", "spacecoop.release", "spacecoop.evidence", "spacecoop.quality", "spacecoop.reasoning",
         "spacecoop.rules", "spacecoop.validation", "spacecoop.shape_queries", "spacecoop.vocabulary_docs", "owlrl",
         "pyshacl")

LAYERS = {
    # the build: repository in, release out
    "spacecoop.build": WEB + SERVING,
    "spacecoop.release": WEB + SERVING,
    "spacecoop.evidence": WEB + SERVING,
    "spacecoop.quality": WEB + SERVING,
    "spacecoop.reasoning": WEB + SERVING,
    "spacecoop.rules": WEB + SERVING,
    "spacecoop.validation": WEB + SERVING,
    "spacecoop.shape_queries": WEB + SERVING,
    "spacecoop.serialization": WEB + SERVING,
    "spacecoop.describe_release": WEB + SERVING,
    # the store: release in, answers out
    "spacecoop.oxigraph_store": WEB + BUILD,
    "spacecoop.engine": WEB + BUILD,
    "spacecoop.engine_store": WEB + BUILD,
    "spacecoop.sparql_store": WEB + BUILD,
    "spacecoop.remote_store": WEB + BUILD,
    "spacecoop.query_policy": WEB + BUILD,
    # the command line registers the commands; their modules load when one runs
    "spacecoop.cli": WEB + SERVING + BUILD,
}

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(module: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_a_module_loads_nothing_above_its_layer(module):
    loaded = loaded_by(module)
    forbidden = sorted(name for name in loaded for prefix in LAYERS[module]
                       if name == prefix or name.startswith(prefix + "."))
    assert forbidden == [], f"importing {module} loads {forbidden}"


def test_the_probe_sees_what_a_module_loads():
    assert "spacecoop.server.app" in loaded_by("spacecoop.server.app")
    assert "starlette" in loaded_by("spacecoop.server.app")
