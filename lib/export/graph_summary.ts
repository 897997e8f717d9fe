/**
 * What an exported ONNX file contains, read back from its bytes: how many nodes of each
 * operator, which operators fall outside the standard set the exporter promises, and the
 * attention masks stored as constant initializers (one per distinct pattern).
 */
import { onnx } from "./onnx_graph.ts";

/** The default-domain ONNX operators the exporter may write for any model kind. */
export const STANDARD_OPERATORS: ReadonlySet<string> = new Set([
  "MatMul",
  "Add",
  "Mul",
  "Reshape",
  "Transpose",
  "Softmax",
  "LayerNormalization",
  "Gather",
  "Relu",
  "Tanh",
  "Pow",
  "ReduceMean",
  "Identity",
]);

export interface OnnxGraphSummary {
  /** Nodes per operator type, in the order operators first appear in the graph. */
  operatorCounts: Map<string, number>;
  /** Operators outside STANDARD_OPERATORS or outside the default domain, with their node names. */
  nonStandard: string[];
  /** Opset imports as "domain@version" (the default domain written as ""). */
  opsets: string[];
  /** The mask initializers (names ending in ".mask"), with their dimensions and byte size. */
  masks: { name: string; dims: number[]; bytes: number }[];
}

/** Reads an exported model's bytes and summarises its graph. */
export function summarizeOnnxGraph(bytes: Uint8Array): OnnxGraphSummary {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const operatorCounts = new Map<string, number>();
  const nonStandard: string[] = [];
  for (const node of graph.node ?? []) {
    const op = node.opType ?? "";
    operatorCounts.set(op, (operatorCounts.get(op) ?? 0) + 1);
    if (!STANDARD_OPERATORS.has(op) || (node.domain ?? "") !== "") {
      nonStandard.push(`${node.domain ? `${node.domain}.` : ""}${op} (${node.name})`);
    }
  }
  const masks = (graph.initializer ?? [])
    .filter((tensor) => (tensor.name ?? "").endsWith(".mask"))
    .map((tensor) => {
      const dims = (tensor.dims ?? []).map(Number);
      const raw = tensor.rawData?.length ?? 0;
      const floats = (tensor.floatData?.length ?? 0) * Float32Array.BYTES_PER_ELEMENT;
      return { name: tensor.name!, dims, bytes: raw + floats };
    });
  return {
    operatorCounts,
    nonStandard,
    opsets: (model.opsetImport ?? []).map((set) => `${set.domain ?? ""}@${Number(set.version)}`),
    masks,
  };
}
