#!/usr/bin/env python3
"""Generates the hostile models the worker's safety tests deploy: valid ONNX that no
worker can afford to run. Both take "features" float32 [batch, 4] and declare "scores"
float32 [batch, 4], like any small classifier.

  hostile/loop-forever.onnx  a Loop of 2^62 iterations over the input (Abs in the body):
                             it never ends on any machine.
  hostile/memory-bomb.onnx   an Expand of the input to [2^13, 2^16, 4] (2^31 float32
                             elements, 8 GiB), reduced back: an allocation the operating
                             system grants a process (and then fills), far above what a
                             worker grants one run.

The input feeds both, so ONNX Runtime cannot fold either away when it loads the model; the
harm happens when a job runs. The committed files are the reference.

Usage: python make_hostile_models.py [OUTPUT_DIR]   (default: hostile/ beside this script)
"""
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def io():
    return (
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 4])],
    )


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def loop_forever(path):
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Abs", ["value_in"], ["value_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("iteration", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("value_in", TensorProto.FLOAT, ["batch", 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("value_out", TensorProto.FLOAT, ["batch", 4]),
        ],
    )
    inputs, outputs = io()
    graph = helper.make_graph(
        [helper.make_node("Loop", ["trip_count", "keep_going", "features"], ["scores"], body=body)],
        "loop_forever",
        inputs,
        outputs,
        [
            numpy_helper.from_array(np.array(2**62, dtype=np.int64), "trip_count"),
            numpy_helper.from_array(np.array(True), "keep_going"),
        ],
    )
    save(graph, path)


def memory_bomb(path):
    inputs, outputs = io()
    graph = helper.make_graph(
        [
            helper.make_node("Expand", ["features", "huge_shape"], ["expanded"]),
            helper.make_node("ReduceMean", ["expanded"], ["scores"], axes=[0], keepdims=0),
        ],
        "memory_bomb",
        inputs,
        outputs,
        [numpy_helper.from_array(np.array([2**13, 2**16, 4], dtype=np.int64), "huge_shape")],
    )
    save(graph, path)


def main():
    default = pathlib.Path(__file__).parent / "hostile"
    out_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else default
    out_dir.mkdir(parents=True, exist_ok=True)
    loop_forever(out_dir / "loop-forever.onnx")
    memory_bomb(out_dir / "memory-bomb.onnx")


if __name__ == "__main__":
    main()
