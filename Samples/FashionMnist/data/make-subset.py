#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset embedded in the FashionMnist sample.

Deterministic and dependency-free (Python 3 standard library only):
  * training subset: the first 600 images of each class, in file order, from train-*  (6,000 images)
  * test subset:     the first 100 images of each class, in file order, from t10k-*   (1,000 images)
Images keep their original relative order. The output is IDX (big-endian header, unsigned bytes), gzip'd with a
fixed timestamp and no file name, so rerunning the script reproduces the committed files byte for byte.

Usage: python3 make-subset.py [SOURCE_DIR] [OUTPUT_DIR]
  SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist),
  OUTPUT_DIR defaults to the directory holding this script.
"""
import gzip
import os
import struct
import sys

TRAIN_PER_CLASS = 600
TEST_PER_CLASS = 100
CLASSES = 10


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack_from(">HBB", data, 0)
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack_from(">" + "I" * ndim, data, 4)
    body = data[4 + 4 * ndim:]
    item = 1
    for d in dims[1:]:
        item *= d
    if len(body) != dims[0] * item:
        raise ValueError(f"{path}: expected {dims[0] * item} data bytes, found {len(body)}")
    return dims, [body[i * item:(i + 1) * item] for i in range(dims[0])]


def write_idx(path, dims, items):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        # mtime=0 and an empty name keep the gzip header, and so the file, reproducible.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header)
            for it in items:
                f.write(it)


def subset(src, dst, prefix, per_class):
    idims, images = read_idx(os.path.join(src, f"{prefix}-images-idx3-ubyte.gz"))
    _, labels = read_idx(os.path.join(src, f"{prefix}-labels-idx1-ubyte.gz"))
    if len(images) != len(labels):
        raise ValueError(f"{prefix}: {len(images)} images but {len(labels)} labels")
    taken = [0] * CLASSES
    chosen = []
    for i, lab in enumerate(labels):
        c = lab[0]
        if taken[c] < per_class:
            taken[c] += 1
            chosen.append(i)
    if any(t != per_class for t in taken):
        raise ValueError(f"{prefix}: not enough images per class: {taken}")
    n = len(chosen)
    write_idx(os.path.join(dst, f"{prefix}-images-idx3-ubyte.gz"), (n,) + tuple(idims[1:]), [images[i] for i in chosen])
    write_idx(os.path.join(dst, f"{prefix}-labels-idx1-ubyte.gz"), (n,), [labels[i] for i in chosen])
    print(f"{prefix}: {n} of {len(labels)} images ({per_class} per class, last source index {chosen[-1]})")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    subset(src, dst, "train", TRAIN_PER_CLASS)
    subset(src, dst, "t10k", TEST_PER_CLASS)


if __name__ == "__main__":
    main()
