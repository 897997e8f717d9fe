/**
 * The official ONNX checker (Python package onnx, Debian's python3-onnx) on an exported file:
 * `onnx.checker.check_model(full_check=True)` and strict shape inference. Deno calls
 * check_onnx.py with /usr/bin/python3 (the interpreter the Debian package installs into).
 */
export interface OfficialCheck {
  ok: boolean;
  /** onnx package version, when it ran. */
  onnx?: string;
  /** Output shapes the shape inference derived. */
  outputs?: Record<string, (number | string)[]>;
  error?: string;
}

const SCRIPT = new URL("./check_onnx.py", import.meta.url);

/** Runs the checker; `ok: false` with an error when the model is invalid or onnx is missing. */
export async function officialOnnxCheck(path: string): Promise<OfficialCheck> {
  // Debian's interpreter, not whichever python3 comes first on PATH; LAB_python overrides.
  const python = Deno.env.get("LAB_python") ?? "/usr/bin/python3";
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, { args: [SCRIPT.pathname, path] }).output();
  } catch (error) {
    return { ok: false, error: `${python} cannot run: ${(error as Error).message}` };
  }
  const text = new TextDecoder().decode(output.stdout).trim();
  try {
    return JSON.parse(text.split("\n").pop() ?? "") as OfficialCheck;
  } catch {
    return { ok: false, error: new TextDecoder().decode(output.stderr).trim() || "no output" };
  }
}
