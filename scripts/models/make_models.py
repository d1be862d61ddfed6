#!/usr/bin/env python3
"""Generates Verin's example ONNX models from data that ships with scikit-learn.

  digits-mlp-f32.onnx   handwritten-digits classifier (sklearn's 8x8 digits set), float32
                        MLP 64-512-256-10: input "pixels" [batch, 64] with values in [0, 1],
                        output "scores" [batch, 10].

Nothing is downloaded: `sklearn.datasets.load_digits` reads a file inside the package.
Training is seeded; the committed .onnx files are the reference (BLAS differences between
machines may change low-order float bits of a regenerated file).

Usage: python make_models.py [OUTPUT_DIR]   (default: this script's directory)
"""
import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

OPSET = 17


def digits_data():
    digits = load_digits()
    pixels = (digits.data / 16.0).astype(np.float32)
    return train_test_split(pixels, digits.target, test_size=0.25, random_state=0)


def mlp_graph(name, weights, biases, input_name, output_name):
    """An ONNX graph of Gemm layers with Relu between them, batch dimension dynamic."""
    nodes, initializers = [], []
    current = input_name
    for layer, (w, b) in enumerate(zip(weights, biases)):
        w_name, b_name, out = f"w{layer}", f"b{layer}", f"gemm{layer}"
        initializers += [
            numpy_helper.from_array(w.astype(np.float32), w_name),
            numpy_helper.from_array(b.astype(np.float32), b_name),
        ]
        last = layer == len(weights) - 1
        nodes.append(helper.make_node("Gemm", [current, w_name, b_name], [output_name if last else out]))
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"relu{layer}"]))
            current = f"relu{layer}"
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", weights[0].shape[0]])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", weights[-1].shape[1]])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="verin")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def make_digits_float(out_dir):
    x_train, x_test, y_train, y_test = digits_data()
    clf = MLPClassifier(hidden_layer_sizes=(512, 256), max_iter=300, random_state=0)
    clf.fit(x_train, y_train)
    accuracy = clf.score(x_test, y_test)
    model = mlp_graph("digits_mlp_f32", clf.coefs_, clf.intercepts_, "pixels", "scores")
    path = out_dir / "digits-mlp-f32.onnx"
    onnx.save(model, path)
    print(f"{path.name}: {path.stat().st_size} bytes, test accuracy {accuracy:.3f}")


def main():
    out_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    make_digits_float(out_dir)


if __name__ == "__main__":
    main()
