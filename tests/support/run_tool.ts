/**
 * Runs one of the lab's command-line tools as a user would, capturing its output (and, with
 * runToolMeasured, the most memory it held).
 */
import { pathFromUrl } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

/**
 * Runs `tools/<tool>.ts` with `args` from the checkout, or from the checkout copy at `root`
 * (see awkward_checkout.ts), with `root` as the working directory.
 */
export async function runTool(
  tool: string,
  args: readonly string[],
  env: Record<string, string> = {},
  root: string = CHECKOUT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}/tools/${tool}.ts`, ...args],
    cwd: root,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * runTool, also reporting the tool's peak resident memory in bytes: its VmHWM (the high-water
 * mark, which only grows) read from /proc while it runs, so the last reading before it exits
 * is its peak up to then. 0 where /proc does not say.
 */
export async function runToolMeasured(
  tool: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; peakBytes: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${CHECKOUT}/tools/${tool}.ts`, ...args],
    cwd: CHECKOUT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peakBytes = 0;
  let running = true;
  const watch = (async () => {
    while (running) {
      try {
        const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
        const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
        peakBytes = Math.max(peakBytes, kb * 1024);
      } catch {
        // exited (or no /proc): the last reading stands
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const output = await child.output();
  running = false;
  await watch;
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    peakBytes,
  };
}
