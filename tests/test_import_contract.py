"""Imports only go down the pipeline: `web → store → rdf`, `build → rdf`; nothing imports the web
or the commands; the build never loads the store or the web; the store never loads the build.

Every module of the package is imported in a fresh interpreter, and what that import loaded is
compared with what its layer may not use (a module imported lazily inside a function is not
counted: only what importing the module itself pulls in).
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import spacecoop

WEB = ("spacecoop.web", "spacecoop.commands", "spacecoop.cli", "starlette", "uvicorn", "jinja2")
STORE = ("spacecoop.store", "httpx")
BUILD = ("spacecoop.build", "owlrl", "pyshacl", "pylode")

# a module's package (longest prefix wins) → what importing it may not load
LAYERS = {
    "spacecoop.iris": WEB + STORE + BUILD + ("spacecoop.rdf",),
    "spacecoop.paths": WEB + STORE + BUILD + ("spacecoop.rdf",),
    "spacecoop.errors": WEB + STORE + BUILD + ("spacecoop.rdf",),
    "spacecoop.rdf": WEB + STORE + BUILD,
    "spacecoop.build": WEB + STORE,
    "spacecoop.store": WEB + BUILD,
    # the curator's tools read sources, instances and releases; they may use the build (its loader,
    # its checks), never the serving side
    "spacecoop.curate": WEB + STORE,
    "spacecoop.web": ("spacecoop.commands", "spacecoop.cli") + BUILD,
    # the command line registers the commands; their modules load when one runs
    "spacecoop.cli": WEB + STORE + BUILD,
    "spacecoop.commands": ("spacecoop.cli",),
}

MODULES = sorted(m.name for m in pkgutil.walk_packages(spacecoop.__path__, "spacecoop."))


def layer_of(module: str) -> str | None:
    owners = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(owners, key=len) if owners else None


# One interpreter imports what every layer may use (rdflib, pyoxigraph) once, then forks a child per
# module: the child imports the module and reports what it loaded (each child starts from the same
# clean state, as a fresh interpreter would, without paying the libraries' import again).
PROBE = """
import importlib, json, os, sys
import pyoxigraph, rdflib
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        importlib.import_module(name)
        os.write(write, json.dumps(sorted(sys.modules)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        loaded = answer.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit(f"importing {name} failed")
    print(name + "\t" + loaded.decode())
"""

_LOADED: dict[str, set[str]] = {}


def loaded_by(module: str) -> set[str]:
    """What importing `module` loads (probed for every module of the package at the first call)."""
    if not _LOADED:
        out = subprocess.run([sys.executable, "-c", PROBE, *MODULES, "spacecoop.web.app"], capture_output=True,
                             text=True, timeout=300, check=True)
        for line in out.stdout.splitlines():
            name, _, loaded = line.partition("\t")
            _LOADED[name] = set(json.loads(loaded))
    return _LOADED[module]


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) is None] == []
    assert len(MODULES) > 60


@pytest.mark.parametrize("module", [m for m in MODULES if layer_of(m) is not None])
def test_a_module_loads_nothing_above_its_layer(module):
    forbidden_prefixes = [p for p in LAYERS[layer_of(module)] if not (module == p or module.startswith(p + "."))]
    loaded = loaded_by(module)
    forbidden = sorted(name for name in loaded for prefix in forbidden_prefixes
                       if name == prefix or name.startswith(prefix + "."))
    assert forbidden == [], f"importing {module} loads {forbidden}"


@pytest.mark.slow
def test_the_probe_sees_what_a_module_loads():
    assert "spacecoop.web.app" in loaded_by("spacecoop.web.app")
    assert "starlette" in loaded_by("spacecoop.web.app")
