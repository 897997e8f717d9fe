/**
 * One ExportedModelRunner over an onnxruntime-web inference session, whichever build of
 * onnxruntime-web provides it: Deno's npm module (lib/export/runtime.ts) or the page's global
 * `ort` (web/src/explorer.ts). It checks the feeds against the model's lab metadata, wraps them
 * as tensors and unwraps the outputs. Imports no runtime itself, so the page's bundle can use it.
 */
import type * as Ort from "onnxruntime-web";
import {
  checkFeeds,
  type ExportedModelRunner,
  type LabModelMetadata,
  type TensorData,
} from "./metadata.ts";

/** The two parts of an onnxruntime-web module the runner needs. */
export interface OrtTensorFactory {
  Tensor: typeof Ort.Tensor;
}

export class SessionRunner implements ExportedModelRunner {
  constructor(
    readonly metadata: LabModelMetadata,
    private readonly session: Ort.InferenceSession,
    private readonly ort: OrtTensorFactory,
  ) {}

  async run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    checkFeeds(this.metadata, feeds);
    const inputs: Record<string, Ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      inputs[name] = new this.ort.Tensor(feed.type, feed.data, feed.dims);
    }
    const results = await this.session.run(inputs);
    const outputs: Record<string, TensorData> = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = {
        type: "float32",
        dims: [...tensor.dims],
        data: tensor.data as Float32Array,
      };
    }
    return outputs;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
