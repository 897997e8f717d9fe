/**
 * Named trainable parameters and their files. A model owns one ParameterSet; every layer
 * registers its variables under a dotted name ("blocks.0.attention.wq"). Initial values come
 * from the lab's seeded generator, so the same seed gives the same bytes on every machine.
 *
 * File format: `<stem>.json` lists {name, shape, offset} per variable (offset in float32s)
 * plus free-form metadata; `<stem>.bin` is every variable's float32 values, little-endian, in
 * the listed order.
 */
import { tf } from "./backend.ts";
import { InputError } from "../../util/errors.ts";
import { type Rng, seededRng } from "../../util/random.ts";
import { writeFileAtomic } from "../../util/system.ts";
import { readWeightsData, readWeightsManifest } from "./model_file.ts";

export type Initializer = "glorot" | "zeros" | "ones" | "embedding";

export class ParameterSet {
  readonly variables = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(seed = 0) {
    this.rng = seededRng(seed);
  }

  /** Creates a trainable variable; "glorot" is uniform(±√(6/(fanIn+fanOut))), "embedding" N(0,1)-like. */
  create(name: string, shape: number[], init: Initializer): tf.Variable {
    if (this.variables.has(name)) throw new InputError("parameter name", name, "already used");
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init === "ones") values.fill(1);
    if (init === "glorot") {
      const fanOut = shape[shape.length - 1];
      const fanIn = size / fanOut;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) values[i] = (2 * this.rng.next() - 1) * limit;
    }
    if (init === "embedding") {
      // uniform with unit variance: keeps token embeddings at the scale of the inputs
      for (let i = 0; i < size; i++) values[i] = (2 * this.rng.next() - 1) * Math.sqrt(3);
    }
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, true, uniqueVariableName(name));
    initial.dispose(); // the variable keeps its own reference to the data
    this.variables.set(name, variable);
    return variable;
  }

  get count(): number {
    let total = 0;
    for (const variable of this.variables.values()) total += variable.size;
    return total;
  }

  list(): tf.Variable[] {
    return [...this.variables.values()];
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }

  /** The manifest and the concatenated float32 values (see the module comment). */
  serialize(
    metadata: Record<string, unknown> = {},
  ): { manifest: WeightsManifest; data: Uint8Array } {
    const entries: WeightsManifest["weights"] = [];
    let offset = 0;
    for (const [name, variable] of this.variables) {
      entries.push({ name, shape: variable.shape, offset });
      offset += variable.size;
    }
    const values = new Float32Array(offset);
    for (const [index, variable] of [...this.variables.values()].entries()) {
      values.set(variable.dataSync() as Float32Array, entries[index].offset);
    }
    const data = new Uint8Array(values.buffer);
    if (!littleEndian()) swapBytes(data);
    return { manifest: { format: "o-n-lab-weights/1", metadata, weights: entries }, data };
  }

  /** Assigns values saved by serialize; names and shapes must match exactly. */
  deserialize(manifest: WeightsManifest, data: Uint8Array): void {
    if (manifest?.format !== "o-n-lab-weights/1" || !Array.isArray(manifest.weights)) {
      throw new InputError(
        "weights manifest",
        manifest?.format,
        'expected format "o-n-lab-weights/1"',
      );
    }
    const bytes = Uint8Array.from(data);
    if (!littleEndian()) swapBytes(bytes);
    const values = new Float32Array(bytes.buffer, 0, Math.floor(bytes.length / 4));
    const saved = new Set(manifest.weights.map((entry) => entry.name));
    for (const name of this.variables.keys()) {
      if (!saved.has(name)) {
        throw new InputError("weights file", name, "parameter missing from file");
      }
    }
    for (const entry of manifest.weights) {
      const variable = this.variables.get(entry.name);
      if (!variable) {
        throw new InputError("weights file parameter", entry.name, "not in this model");
      }
      if (entry.shape.join("x") !== variable.shape.join("x")) {
        throw new InputError(
          `weights file ${entry.name}.shape`,
          entry.shape,
          `the model expects [${variable.shape}]`,
        );
      }
      if (entry.offset + variable.size > values.length) {
        throw new InputError(
          "weights file .bin length",
          bytes.length,
          "too short for the manifest",
        );
      }
      variable.assign(
        tf.tensor(values.slice(entry.offset, entry.offset + variable.size), entry.shape),
      );
    }
  }

  /** Writes `<stem>.bin`, then `<stem>.json` (the manifest last: a reader that finds it finds the weights), each atomically. */
  async save(stem: string, metadata: Record<string, unknown> = {}): Promise<void> {
    const { manifest, data } = this.serialize(metadata);
    await writeFileAtomic(`${stem}.bin`, data);
    await writeFileAtomic(`${stem}.json`, JSON.stringify(manifest, null, 1) + "\n");
  }

  /**
   * Reads `<stem>.json` and `<stem>.bin` as untrusted files (model_file.ts checks them before
   * anything is allocated) and assigns the weights; returns the manifest's metadata.
   */
  load(stem: string, parameter = "weights file"): Promise<Record<string, unknown>> {
    const { manifest, values } = readWeightsManifest(stem, parameter);
    this.deserialize(manifest, readWeightsData(stem, values, parameter));
    return Promise.resolve(manifest.metadata ?? {});
  }
}

export interface WeightsManifest {
  format: "o-n-lab-weights/1";
  metadata: Record<string, unknown>;
  weights: { name: string; shape: number[]; offset: number }[];
}

let variableCounter = 0;
/** tfjs variable names are global; suffix a counter so two models can coexist. */
function uniqueVariableName(name: string): string {
  return `${name}#${variableCounter++}`;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swapBytes(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]] = [
      bytes[i + 3],
      bytes[i + 2],
      bytes[i + 1],
      bytes[i],
    ];
  }
}
