#!/usr/bin/env python3
"""Runs the ONNX checker (onnx.checker.check_model, full_check: shape inference too) on each file.

Usage: python3 scripts/check-onnx.py FILE.onnx...   (Debian: apt-get install python3-onnx)
Prints one line per file; exits 1 when any file fails, 3 when the onnx module is missing.
"""
import sys

try:
    import onnx
except ImportError:
    print("check-onnx: the python onnx module is missing (Debian: apt-get install python3-onnx)")
    sys.exit(3)

failed = 0
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        opset = ",".join(str(o.version) for o in model.opset_import)
        print(f"ok {path} (IR {model.ir_version}, opset {opset}, onnx {onnx.__version__})")
    except Exception as e:  # the checker raises several kinds; report each file
        failed += 1
        print(f"FAIL {path}: {e}")
sys.exit(1 if failed else 0)
