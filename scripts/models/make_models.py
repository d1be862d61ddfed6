#!/usr/bin/env python3
"""Generates Verin's example ONNX models from data that ships with scikit-learn.

  digits-mlp-f32.onnx   handwritten-digits classifier (sklearn's 8x8 digits set), float32
                        MLP 64-512-256-10: input "pixels" [batch, 64] with values in [0, 1],
                        output "scores" [batch, 10].
  digits-mlp-int8.onnx  the same task, integer-exact (what the ZK tier proves): MLP 64-32-10
                        with int8 weights; input "pixels" int8 [batch, 64] with the raw 0..16
                        intensities, output "scores" int32 [batch, 10]. Ops: MatMulInteger,
                        Add, Relu, Div by a power of two, Clip, Cast.
  digits-cnn-int8.onnx  the same task with an integer convolution (what the ZK tier proves
                        of CNNs): input "image" int8 [batch, 1, 8, 8] (raw 0..16), four
                        seeded 3x3 int8 kernels with stride 2 and padding 1 (ConvInteger),
                        a per-channel bias, Relu, Div by a power of two, Clip, Cast, Flatten,
                        then a dense int8 layer fitted on those 64 features; output "scores"
                        int32 [batch, 10].
  intent-mlp-f32.onnx   customer-service intent classifier: input "features" [batch, 48],
                        counts of 48 keywords in the message (intent-vocabulary.json), output
                        "scores" [batch, 6] for the intents listed there. Trained on the
                        example messages written below.

Next to each model, expected/<model>.json holds inputs and the outputs onnxruntime
computes for them (one intra-op thread, sequential execution), for the node's tests.

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
    if not (path.exists() and out_dir == pathlib.Path(__file__).parent):
        onnx.save(model, path)
    print(f"{path.name}: {path.stat().st_size} bytes, test accuracy {accuracy:.3f}")
    write_expected(out_dir, path, "pixels", x_test[:16])


def make_digits_int8(out_dir):
    """Trains a float MLP on the raw 0..16 pixels, then quantizes it so every op is exact
    integer arithmetic: int8 weights, int32 accumulators, requantized by a power of two."""
    x_train, x_test, y_train, y_test = digits_data()
    x_train, x_test = np.round(x_train * 16), np.round(x_test * 16)
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=600, random_state=0)
    clf.fit(x_train, y_train)
    (w1, w2), (b1, b2) = clf.coefs_, clf.intercepts_
    s1 = 127.0 / np.abs(w1).max()
    w1q = np.round(w1 * s1).astype(np.int8)
    b1q = np.round(b1 * s1).astype(np.int32)
    hidden = np.maximum(x_train.astype(np.int64) @ w1q.astype(np.int64) + b1q, 0)
    shift = max(0, int(np.ceil(np.log2(max(1, np.percentile(hidden, 99.9)) / 127.0))))
    s2 = 127.0 / np.abs(w2).max()
    w2q = np.round(w2 * s2).astype(np.int8)
    b2q = np.round(b2 * s2 * s1 / 2**shift).astype(np.int32)

    def const(name, array):
        return numpy_helper.from_array(np.asarray(array), name)

    nodes = [
        helper.make_node("MatMulInteger", ["pixels", "w1"], ["mm1"]),
        helper.make_node("Add", ["mm1", "b1"], ["acc1"]),
        helper.make_node("Relu", ["acc1"], ["relu1"]),
        helper.make_node("Div", ["relu1", "scale1"], ["down1"]),
        helper.make_node("Clip", ["down1", "lo", "hi"], ["clip1"]),
        helper.make_node("Cast", ["clip1"], ["h1"], to=TensorProto.INT8),
        helper.make_node("MatMulInteger", ["h1", "w2"], ["mm2"]),
        helper.make_node("Add", ["mm2", "b2"], ["scores"]),
    ]
    initializers = [
        const("w1", w1q), const("b1", b1q), const("scale1", np.int32(2**shift)),
        const("lo", np.int32(-128)), const("hi", np.int32(127)), const("w2", w2q), const("b2", b2q),
    ]
    path, accuracy = save_integer_model(
        out_dir, "digits_mlp_int8", nodes, initializers, ("pixels", ["batch", 64]), x_test, y_test)
    print(f"{path.name}: {path.stat().st_size} bytes, test accuracy {accuracy:.3f} (float {clf.score(x_test, y_test):.3f})")


def save_integer_model(out_dir, name, nodes, initializers, image, x_test, y_test):
    """Saves an int8-in, int32-scores-out digits graph as <name>.onnx (dashes for
    underscores), writes its expected outputs and returns its path and test accuracy."""
    input_name, input_shape = image
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(input_name, TensorProto.INT8, input_shape)],
        [helper.make_tensor_value_info("scores", TensorProto.INT32, ["batch", 10])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="verin")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = out_dir / (name.replace("_", "-") + ".onnx")
    onnx.save(model, path)
    scores = run(path, {input_name: x_test.astype(np.int8)})
    write_expected(out_dir, path, input_name, x_test[:16].astype(np.int8))
    return path, (scores.argmax(axis=1) == y_test).mean()


def make_digits_cnn_int8(out_dir):
    """A fixed (seeded) integer convolution as the feature extractor and a dense layer fitted
    on its features, quantized to int8: every op exact integer arithmetic."""
    from sklearn.linear_model import LogisticRegression
    x_train, x_test, y_train, y_test = digits_data()
    x_train = np.round(x_train * 16).reshape(-1, 1, 8, 8)
    x_test = np.round(x_test * 16).reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(7)
    kernels = rng.integers(-8, 9, size=(4, 1, 3, 3)).astype(np.int8)
    bias = rng.integers(-16, 17, size=(4, 1, 1)).astype(np.int32)

    def conv_relu(images):
        padded = np.pad(images.astype(np.int64), ((0, 0), (0, 0), (1, 1), (1, 1)))
        out = np.zeros((len(images), 4, 4, 4), dtype=np.int64)
        for y in range(4):
            for x in range(4):
                patch = padded[:, :, 2 * y:2 * y + 3, 2 * x:2 * x + 3]
                out[:, :, y, x] = np.einsum("nchw,mchw->nm", patch, kernels.astype(np.int64))
        return np.maximum(out + bias, 0)

    def features(images, shift):
        return np.clip(conv_relu(images) // 2**shift, -128, 127).reshape(len(images), -1)

    # At least 1: ONNX Runtime drops a Div by 1, and its Relu+Clip fusion then fails on int32.
    shift = max(1, int(np.ceil(np.log2(max(1, np.percentile(conv_relu(x_train), 99.9)) / 127.0))))
    f_train = features(x_train, shift)
    clf = LogisticRegression(max_iter=2000, random_state=0).fit(f_train, y_train)
    scale = 127.0 / np.abs(clf.coef_).max()
    w = np.round(clf.coef_.T * scale).astype(np.int8)
    b = np.round(clf.intercept_ * scale).astype(np.int32)

    def const(name, array):
        return numpy_helper.from_array(np.asarray(array), name)

    nodes = [
        helper.make_node("ConvInteger", ["image", "kernels"], ["conv"], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["conv", "bias"], ["acc"]),
        helper.make_node("Relu", ["acc"], ["relu"]),
        helper.make_node("Div", ["relu", "scale"], ["down"]),
        helper.make_node("Clip", ["down", "lo", "hi"], ["clip"]),
        helper.make_node("Cast", ["clip"], ["small"], to=TensorProto.INT8),
        helper.make_node("Flatten", ["small"], ["flat"], axis=1),
        helper.make_node("MatMulInteger", ["flat", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["scores"]),
    ]
    initializers = [
        const("kernels", kernels), const("bias", bias), const("scale", np.int32(2**shift)),
        const("lo", np.int32(-128)), const("hi", np.int32(127)), const("w", w), const("b", b),
    ]
    path, accuracy = save_integer_model(
        out_dir, "digits_cnn_int8", nodes, initializers, ("image", ["batch", 1, 8, 8]), x_test, y_test)
    print(f"{path.name}: {path.stat().st_size} bytes, test accuracy {accuracy:.3f}")


# Example messages per intent; features are keyword counts (the vocabulary below).
INTENTS = {
    "greeting": ["hello there", "hi i need help", "good morning", "hey can you help me", "hello anyone there",
                 "hi support team", "good evening i have a question", "hey there"],
    "order_status": ["where is my order", "what is the status of my order", "has my order shipped yet",
                     "track my package", "when will my order arrive", "my package has not arrived",
                     "order tracking number please", "is my order on the way"],
    "refund": ["i want a refund", "how do i get my money back", "refund my payment please",
               "can i return this for a refund", "money back for damaged item", "i was charged twice refund",
               "return the item and refund me", "request refund for order"],
    "cancel": ["cancel my order", "i want to cancel my subscription", "please cancel the order",
               "stop my subscription", "cancel before it ships", "how do i cancel my account",
               "cancel order now", "end my subscription please"],
    "shipping": ["how much is shipping", "do you ship abroad", "shipping cost to canada",
                 "what delivery options do you have", "how long does delivery take", "express shipping available",
                 "free shipping on orders", "international delivery times"],
    "complaint": ["the product is broken", "terrible service", "my item arrived damaged",
                  "this is the worst experience", "the quality is bad", "i am very unhappy with the product",
                  "item broken and support is slow", "awful experience with delivery"],
}
VOCABULARY = [
    "hello", "hi", "hey", "morning", "evening", "help", "where", "status", "order", "shipped", "track",
    "package", "arrive", "arrived", "refund", "money", "back", "return", "charged", "payment", "cancel",
    "subscription", "stop", "account", "end", "shipping", "ship", "cost", "delivery", "abroad",
    "international", "express", "free", "long", "broken", "terrible", "damaged", "worst", "bad",
    "unhappy", "awful", "slow", "quality", "service", "experience", "item", "product", "please",
]


def featurize(message):
    words = message.lower().split()
    return np.array([words.count(word) for word in VOCABULARY], dtype=np.float32)


def make_intent(out_dir):
    import json
    assert len(VOCABULARY) == 48
    names = list(INTENTS)
    x = np.stack([featurize(m) for intent in names for m in INTENTS[intent]])
    y = np.array([i for i, intent in enumerate(names) for _ in INTENTS[intent]])
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=2000, random_state=0)
    clf.fit(x, y)
    model = mlp_graph("intent_mlp_f32", clf.coefs_, clf.intercepts_, "features", "scores")
    path = out_dir / "intent-mlp-f32.onnx"
    onnx.save(model, path)
    print(f"{path.name}: {path.stat().st_size} bytes, training accuracy {clf.score(x, y):.3f}")
    (out_dir / "intent-vocabulary.json").write_text(
        json.dumps({"vocabulary": VOCABULARY, "intents": names}, indent=1) + "\n")
    probes = ["where is my package", "i want my money back", "cancel my subscription please",
              "hello i need help", "shipping cost to europe", "the item arrived broken"]
    write_expected(out_dir, path, "features", np.stack([featurize(m) for m in probes]))


def run(path, feeds):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def write_expected(out_dir, path, input_name, inputs):
    """Inputs and onnxruntime's outputs for them, as flat little-endian-ready lists."""
    import json
    outputs = run(path, {input_name: inputs})
    expected = {
        "model": path.name,
        "input": {"name": input_name, "dtype": str(inputs.dtype), "shape": list(inputs.shape),
                  "data": inputs.ravel().tolist()},
        "output": {"dtype": str(outputs.dtype), "shape": list(outputs.shape),
                   "data": outputs.ravel().tolist()},
    }
    target = out_dir / "expected" / (path.stem + ".json")
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(expected) + "\n")


def main():
    out_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent
    out_dir.mkdir(parents=True, exist_ok=True)
    make_digits_float(out_dir)
    make_digits_int8(out_dir)
    make_digits_cnn_int8(out_dir)
    make_intent(out_dir)


if __name__ == "__main__":
    main()
