/**
 * A small builder for ONNX graphs of standard operators, over the protobuf classes of
 * npm:onnx-proto (protobufjs code for onnx.proto). It knows nothing of Transformers: it names
 * values, stores constant initializers (deduplicated by content key when the caller gives one) and
 * writes a ModelProto. The default opset is 17, the newest the official checker of Debian's
 * python3-onnx 1.12 accepts; LayerNormalization exists there.
 */
import onnxModule from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";

/** The protobuf classes (a CommonJS module: its namespace arrives as the default export). */
export const onnx = (onnxModule as unknown as { onnx: typeof OnnxTypes }).onnx;
export type { OnnxTypes };

/** Opset of the default ONNX domain the exporter writes (LayerNormalization needs ≥ 17). */
export const ONNX_OPSET = 17;
/** IR version 8 is the one opset 17 was released with. */
export const ONNX_IR_VERSION = 8;

/** A dimension: a fixed size or a symbolic name ("batch"). */
export type Dim = number | string;

export type ElementType = "float32" | "int32" | "int64" | "bool";

const DATA_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export type AttributeValue = number | number[] | string | { float: number };

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === "string") {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === "object") return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INT, i: value };
}

function valueInfo(
  name: string,
  type: ElementType,
  dims: readonly Dim[],
): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPES[type],
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly byKey = new Map<string, string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with a readable prefix ("blocks.0.attention.scores_12"). */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` a graph output under `name` (an Identity when the names differ). */
  output(value: string, name: string, type: ElementType, dims: readonly Dim[]): string {
    if (value !== name) this.node("Identity", [value], {}, name);
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /**
   * A constant tensor. With `key`, a second constant under the same key reuses the first
   * (masks shared by layers are stored once).
   */
  constant(
    name: string,
    type: ElementType,
    dims: readonly number[],
    values: ArrayLike<number>,
    key?: string,
  ): string {
    const known = key === undefined ? undefined : this.byKey.get(key);
    if (known !== undefined) return known;
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) {
      throw new Error(`constant ${name}: ${values.length} values for shape [${dims}]`);
    }
    const tensor: OnnxTypes.ITensorProto = { name, dims: [...dims], dataType: DATA_TYPES[type] };
    if (type === "float32") tensor.rawData = littleEndianBytes(Float32Array.from(values));
    else if (type === "int64") tensor.int64Data = Array.from(values);
    else tensor.int32Data = Array.from(values, (v) => (type === "bool" ? (v ? 1 : 0) : v));
    this.initializers.push(tensor);
    if (key !== undefined) this.byKey.set(key, name);
    return name;
  }

  /** A one-element float constant (a scale, an epsilon) shared by every user. */
  scalar(value: number): string {
    return this.constant(`const_${value}`, "float32", [], [value], `scalar:${value}`);
  }

  /** An int64 vector constant (shapes, axes), shared by every user of the same values. */
  int64s(values: readonly number[]): string {
    return this.constant(
      `const_i64_${values.join("_").replace(/-/g, "m")}`,
      "int64",
      [values.length],
      values,
      `int64:${values}`,
    );
  }

  /** Adds a node and returns the name of its first output. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    output = this.fresh(opType),
  ): string {
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** The serialized ModelProto. `metadata` becomes the model's metadata_props. */
  build(metadata: Record<string, string> = {}, docString = ""): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: "", version: ONNX_OPSET }],
      producerName: "o-n-lab",
      producerVersion: "1",
      docString,
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** ONNX raw_data is little-endian whatever the host's order. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}
