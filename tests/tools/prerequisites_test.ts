/**
 * tools/prerequisites.sh, the one check-and-install script that `deno task reproduce`, `deno task
 * test` and CI run: silent when everything is there; where it may not install, one line naming
 * what is missing and the exact command, exit 2; a missing optional library is a note, not a
 * failure; a bad profile is refused. Packages are made to look missing through
 * LAB_PREREQUISITES_PRETEND_MISSING, and installing is turned off through
 * LAB_PREREQUISITES_NO_INSTALL, so nothing is installed by the test.
 */
import assert from "node:assert/strict";
import { pathFromUrl } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

async function prerequisites(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command("bash", {
    args: [`${CHECKOUT}/tools/prerequisites.sh`, ...args],
    env: { LAB_PREREQUISITES_NO_INSTALL: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

Deno.test("missing packages: one line naming them and the command that installs them, exit 2", async () => {
  const result = await prerequisites(["test"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "chromium onnx",
  });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.split("\n").length, 1);
  assert.match(result.stderr, /missing chromium python3-onnx: run: sudo apt-get install -y/);
  // reproduce does not need the ONNX checker
  const reproduce = await prerequisites(["reproduce"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "onnx",
  });
  if (reproduce.code !== 0) assert.doesNotMatch(reproduce.stderr, /onnx/);
  const jupyter = await prerequisites(["reproduce", "--check"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "jupyter",
  });
  assert.equal(jupyter.code, 2);
  assert.match(jupyter.stderr, /jupyter-notebook jupyter-nbconvert python3-nbclient/);
});

Deno.test("a missing optional library is a note; a bad profile or mode is refused", async () => {
  const blas = await prerequisites(["reproduce"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "openblas",
  });
  // on a machine that has the required tools, only the note remains
  if (!/missing/.test(blas.stderr)) {
    assert.equal(blas.code, 0);
    assert.match(blas.stderr, /OpenBLAS not found.*apt-get install -y libopenblas0/);
  }
  // Slurm and GNU parallel only let their tests run: missing, they are notes for test alone
  const cluster = await prerequisites(["test"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "slurm parallel",
  });
  if (!/missing/.test(cluster.stderr)) {
    assert.equal(cluster.code, 0);
    assert.match(cluster.stderr, /Slurm not found, the Slurm test skips: .*slurm-wlm munge/);
    assert.match(cluster.stderr, /GNU parallel not found, its engine's test skips/);
  }
  const notForReproduce = await prerequisites(["reproduce"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "slurm parallel",
  });
  assert.doesNotMatch(notForReproduce.stderr, /Slurm|parallel/);
  const bad = await prerequisites(["everything"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /profile = "everything": expected reproduce or test/);
  assert.equal((await prerequisites(["test", "--force"])).code, 2);
});

Deno.test("the tasks and CI run this one script", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(`${CHECKOUT}/deno.json`)).tasks;
  assert.match(tasks.reproduce, /^bash tools\/prerequisites\.sh reproduce && /);
  assert.match(tasks.test, /^bash tools\/prerequisites\.sh test && /);
  const ci = Deno.readTextFileSync(`${CHECKOUT}/.ci/run`);
  assert.match(ci, /bash tools\/prerequisites\.sh test/);
  assert.doesNotMatch(ci, /apt-get install/, "CI keeps no copy of the package list");
});
