/**
 * The one place the lab reads its run mode. `deno task test` and `deno task reproduce --quick`
 * set LAB_QUICK=1 so every notebook shrinks its sizes and finishes in under a minute.
 */
export function quickMode(): boolean {
  return Deno.env.get("LAB_QUICK") === "1";
}

/** True inside the Deno Jupyter kernel (reading `Deno.jupyter` throws anywhere else). */
export function insideJupyterKernel(): boolean {
  try {
    return typeof Deno.jupyter?.display === "function";
  } catch {
    return false;
  }
}
