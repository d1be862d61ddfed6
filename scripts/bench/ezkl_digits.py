#!/usr/bin/env python3
"""EZKL side of scripts/bench-zk.sh: the 64-32-10 digits MLP proven with EZKL.

The float model has the architecture and weights of scripts/models/digits-mlp-int8.onnx
(weights divided by 128, inputs by 16; Gemm, Relu, Gemm), which is what EZKL takes: it
quantizes a float graph itself. Input and output are public, weights fixed, as in Verin's
circuit. The SRS is generated locally (`gen_srs`; `get_srs` would download).

  ezkl_digits.py prepare DIR   model, settings, calibration, circuit, SRS, keys, witness
  ezkl_digits.py prove DIR     one proof; prints {"prove_s": ..., "proof_bytes": ...}
  ezkl_digits.py verify DIR    prints {"verify_s": ...}

`prove` and `verify` run in their own processes so the driver can read their peak memory.
"""
import asyncio
import inspect
import json
import pathlib
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import ezkl

MODELS = pathlib.Path(__file__).resolve().parent.parent / "models"


def call(function, *args, **kwargs):
    """EZKL's Python API returns awaitables for some calls, depending on the version."""
    result = function(*args, **kwargs)
    return asyncio.run(result) if inspect.isawaitable(result) else result


def float_model(path):
    source = onnx.load(MODELS / "digits-mlp-int8.onnx")
    weights = {t.name: numpy_helper.to_array(t) for t in source.graph.initializer}
    w1 = weights["w1"].astype(np.float32) / 128.0
    b1 = weights["b1"].astype(np.float32) / (128.0 * 16.0)
    w2 = weights["w2"].astype(np.float32) / 128.0
    b2 = weights["b2"].astype(np.float32) / (128.0 * 128.0)
    inits = [numpy_helper.from_array(v, n) for n, v in [("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)]]
    nodes = [
        helper.make_node("Gemm", ["pixels", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "digits-mlp-64-32-10",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)


def paths(directory):
    d = pathlib.Path(directory)
    return {name: str(d / file) for name, file in [
        ("model", "network.onnx"), ("data", "input.json"), ("settings", "settings.json"),
        ("compiled", "network.compiled"), ("srs", "kzg.srs"), ("vk", "vk.key"), ("pk", "pk.key"),
        ("witness", "witness.json"), ("proof", "proof.json"),
    ]}


def prepare(directory):
    p = paths(directory)
    pathlib.Path(directory).mkdir(parents=True, exist_ok=True)
    float_model(p["model"])
    reference = json.loads((MODELS / "expected" / "digits-mlp-int8.json").read_text())
    row = [v / 16.0 for v in reference["input"]["data"][:64]]
    pathlib.Path(p["data"]).write_text(json.dumps({"input_data": [row]}))

    args = ezkl.PyRunArgs()
    args.input_visibility = "public"
    args.output_visibility = "public"
    args.param_visibility = "fixed"
    assert call(ezkl.gen_settings, p["model"], p["settings"], py_run_args=args)
    assert call(ezkl.calibrate_settings, p["data"], p["model"], p["settings"], "resources")
    assert call(ezkl.compile_circuit, p["model"], p["compiled"], p["settings"])
    logrows = json.loads(pathlib.Path(p["settings"]).read_text())["run_args"]["logrows"]
    started = time.perf_counter()
    call(ezkl.gen_srs, p["srs"], logrows)
    srs_s = time.perf_counter() - started
    started = time.perf_counter()
    assert call(ezkl.setup, p["compiled"], p["vk"], p["pk"], p["srs"])
    setup_s = time.perf_counter() - started
    call(ezkl.gen_witness, p["data"], p["compiled"], p["witness"])
    print(json.dumps({"logrows": logrows, "srs_s": srs_s, "setup_s": setup_s}))


def prove(directory):
    p = paths(directory)
    started = time.perf_counter()
    call(ezkl.prove, p["witness"], p["compiled"], p["pk"], p["proof"], p["srs"])
    prove_s = time.perf_counter() - started
    proof = json.loads(pathlib.Path(p["proof"]).read_text())
    # The proof proper (bytes), not its JSON wrapper with instances and hex duplicates.
    proof_bytes = len(bytes(proof["proof"])) if isinstance(proof["proof"], list) else len(proof["proof"]) // 2
    print(json.dumps({"prove_s": prove_s, "proof_bytes": proof_bytes}))


def verify(directory):
    p = paths(directory)
    started = time.perf_counter()
    assert call(ezkl.verify, p["proof"], p["settings"], p["vk"], p["srs"])
    print(json.dumps({"verify_s": time.perf_counter() - started}))


if __name__ == "__main__":
    {"prepare": prepare, "prove": prove, "verify": verify}[sys.argv[1]](sys.argv[2])
