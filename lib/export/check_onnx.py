"""The official ONNX checker on one file: full check plus strict shape inference.

Run with Debian's /usr/bin/python3 and python3-onnx (1.12, opsets up to 17). Prints one JSON
object: {"ok": true, "outputs": {name: [dims]}} or {"ok": false, "error": "..."}; exits 0
either way, 2 when the onnx package is missing.
"""
import json
import sys

try:
    import onnx
except ImportError:
    print(json.dumps({"ok": False, "error": "python3-onnx is not installed"}))
    sys.exit(2)


def dims_of(value):
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


def main(path):
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except Exception as error:  # the checker's own exception types differ between versions
        print(json.dumps({"ok": False, "error": str(error).strip().splitlines()[0]}))
        return
    outputs = {value.name: dims_of(value) for value in inferred.graph.output}
    print(json.dumps({"ok": True, "onnx": onnx.__version__, "outputs": outputs}))


main(sys.argv[1])
