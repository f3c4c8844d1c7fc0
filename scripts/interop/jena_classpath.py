#!/usr/bin/env python3
"""Print a working class path for Debian's Apache Jena command-line tools.

Debian's `libapache-jena-java` (4.5) cannot be started with
`java -cp '/usr/share/java/*'`: that folder holds several SLF4J bindings, and
Jena's bundled Xerces classes were moved to the package `xerces.*` while their
message bundles stayed under `org/apache/jena/ext/xerces/`, so every XSD
datatype check fails with "RuntimeException: internal error".

This script lists exactly the jars the Jena commands need (one SLF4J binding)
and adds a small jar, built once into `.interop/jena/`, that holds those
message bundles at the relocated `xerces/` path.

    java -cp "$(python3 scripts/interop/jena_classpath.py)" riotcmd.riot --validate FILE

Exit status 2 when Jena is not installed.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import zipfile
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / ".interop" / "jena"

# Unversioned jar names (Debian ships a `NAME.jar` symlink to `NAME-VERSION.jar`).
JAR_PATTERNS = [
    r"jena-[a-z0-9-]+",
    r"commons-(cli|codec|compress|csv|io|lang3)",
    r"guava",
    r"failureaccess",
    r"gson",
    r"jackson-(annotations|core|databind)",
    r"httpclient",
    r"httpclient-cache",
    r"httpcore",
    r"jsonld-java",
    r"titanium-json-ld",
    r"jakarta\.json-api",
    r"protobuf",
    r"thrift",
    r"dexx\.collection",
    r"slf4j-api",
    r"slf4j-simple",
    r"jcl-over-slf4j",
]
# Jars never to put on the class path (none at present).
EXCLUDE: set[str] = set()

BUNDLE_PREFIX = "org/apache/jena/ext/xerces/"
RELOCATED_PREFIX = "xerces/"


def debian_jars(java_dir: Path = JAVA_DIR) -> list[Path]:
    """The unversioned jars of `java_dir` the Jena commands need."""
    pattern = re.compile(r"^({})\.jar$".format("|".join(JAR_PATTERNS)))
    jars = sorted(
        p for p in java_dir.glob("*.jar") if pattern.match(p.name) and p.stem not in EXCLUDE
    )
    return jars


def bundle_jar(out_dir: Path = DEFAULT_OUT, java_dir: Path = JAVA_DIR) -> Path:
    """Build (once per jena-core version) the jar of relocated Xerces message bundles."""
    core = (java_dir / "jena-core.jar").resolve()
    if not core.is_file():
        raise FileNotFoundError(f"{java_dir / 'jena-core.jar'} not found: install libapache-jena-java")
    digest = hashlib.sha256(core.name.encode() + str(core.stat().st_size).encode()).hexdigest()[:12]
    target = out_dir / f"jena-xerces-messages-{digest}.jar"
    if target.is_file():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    count = 0
    with zipfile.ZipFile(core) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
        for name in src.namelist():
            if name.startswith(BUNDLE_PREFIX) and name.endswith(".properties"):
                dst.writestr(RELOCATED_PREFIX + name[len(BUNDLE_PREFIX):], src.read(name))
                count += 1
    if count == 0:
        tmp.unlink()
        raise RuntimeError(f"no Xerces message bundles under {BUNDLE_PREFIX} in {core}")
    tmp.replace(target)
    return target


def classpath(out_dir: Path = DEFAULT_OUT, java_dir: Path = JAVA_DIR) -> str:
    jars = debian_jars(java_dir)
    if not any(j.name == "jena-cmds.jar" for j in jars):
        raise FileNotFoundError(f"jena-cmds.jar not found in {java_dir}: install libapache-jena-java")
    return ":".join([str(bundle_jar(out_dir, java_dir))] + [str(j) for j in jars])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the bundle jar goes")
    parser.add_argument("--java-dir", type=Path, default=JAVA_DIR)
    args = parser.parse_args(argv)
    try:
        print(classpath(args.out, args.java_dir))
    except FileNotFoundError as exc:
        print(f"jena_classpath: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
