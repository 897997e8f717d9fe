/**
 * The official ONNX checker (Python package onnx, Debian's python3-onnx) on an exported file:
 * `onnx.checker.check_model(full_check=True)` and strict shape inference. Deno calls
 * check_onnx.py with /usr/bin/python3, the interpreter the Debian package installs into (the
 * python3 first on PATH may be another one); LAB_PYTHON overrides it.
 */
import { pathFromUrl, runCommand } from "../util/system.ts";

export interface OfficialCheck {
  ok: boolean;
  /** onnx package version, when it ran. */
  onnx?: string;
  /** Output shapes the shape inference derived. */
  outputs?: Record<string, (number | string)[]>;
  error?: string;
}

const SCRIPT = pathFromUrl("./check_onnx.py", import.meta.url);

/** Runs the checker; `ok: false` with an error when the model is invalid or onnx is missing. */
export async function officialOnnxCheck(path: string): Promise<OfficialCheck> {
  const python = Deno.env.get("LAB_PYTHON") ?? "/usr/bin/python3";
  const result = await runCommand(python, [SCRIPT, path]);
  try {
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "") as OfficialCheck;
  } catch {
    return { ok: false, error: result.stderr.trim() || `${python} printed nothing` };
  }
}
