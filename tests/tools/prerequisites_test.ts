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

/**
 * Whether this machine lacks a package that `profile` requires (not an optional one): the
 * script's --check then exits 2 with its "missing" line. The tests that need the required
 * packages present are ignored there, so the test run reports them as skipped.
 */
function requiredMissing(profile: "reproduce" | "test"): boolean {
  const output = new Deno.Command("bash", {
    args: [`${CHECKOUT}/tools/prerequisites.sh`, profile, "--check"],
    env: { LAB_PREREQUISITES_NO_INSTALL: "1" },
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  return /prerequisites: missing /.test(new TextDecoder().decode(output.stderr));
}

/** Asked once per profile: each answer runs the script. */
const REQUIRED_MISSING = { reproduce: requiredMissing("reproduce"), test: requiredMissing("test") };

Deno.test("missing packages: one line naming them and the command that installs them, exit 2", async () => {
  const result = await prerequisites(["test"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "chromium onnx",
  });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.split("\n").length, 1);
  assert.match(result.stderr, /missing chromium python3-onnx: run: sudo apt-get install -y/);
  // reproduce does not need the ONNX checker: pretending it missing changes nothing there
  const reproduce = await prerequisites(["reproduce"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "onnx",
  });
  assert.doesNotMatch(reproduce.stderr, /onnx/);
  const asIs = await prerequisites(["reproduce"]);
  assert.deepEqual(reproduce, asIs);
  const jupyter = await prerequisites(["reproduce", "--check"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "jupyter",
  });
  assert.equal(jupyter.code, 2);
  assert.match(jupyter.stderr, /jupyter-notebook jupyter-nbconvert python3-nbclient/);
});

Deno.test({
  name: "reproduce passes without the ONNX checker (needs reproduce's required packages)",
  ignore: REQUIRED_MISSING.reproduce,
  async fn() {
    const reproduce = await prerequisites(["reproduce"], {
      LAB_PREREQUISITES_PRETEND_MISSING: "onnx",
    });
    assert.equal(reproduce.code, 0, reproduce.stderr);
    assert.doesNotMatch(reproduce.stderr, /onnx/);
  },
});

Deno.test({
  name: "a missing OpenBLAS is a note, not a failure (needs reproduce's required packages)",
  ignore: REQUIRED_MISSING.reproduce,
  async fn() {
    const blas = await prerequisites(["reproduce"], {
      LAB_PREREQUISITES_PRETEND_MISSING: "openblas",
    });
    assert.equal(blas.code, 0, blas.stderr);
    assert.equal(blas.stdout, "");
    assert.match(blas.stderr, /OpenBLAS not found.*apt-get install -y libopenblas0/);
  },
});

Deno.test({
  name: "missing Slurm and GNU parallel are notes for test (needs test's required packages)",
  ignore: REQUIRED_MISSING.test,
  async fn() {
    // Slurm and GNU parallel only let their tests run: missing, they are notes for test alone
    const cluster = await prerequisites(["test"], {
      LAB_PREREQUISITES_PRETEND_MISSING: "slurm parallel",
    });
    assert.equal(cluster.code, 0, cluster.stderr);
    assert.match(cluster.stderr, /Slurm not found, the Slurm test skips: .*slurm-wlm munge/);
    assert.match(cluster.stderr, /GNU parallel not found, its engine's test skips/);
  },
});

Deno.test("Slurm and GNU parallel are not asked for by reproduce; a bad profile or mode is refused", async () => {
  const notForReproduce = await prerequisites(["reproduce"], {
    LAB_PREREQUISITES_PRETEND_MISSING: "slurm parallel",
  });
  assert.doesNotMatch(notForReproduce.stderr, /Slurm|parallel/);
  const bad = await prerequisites(["everything"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /profile = "everything": expected reproduce or test/);
  const force = await prerequisites(["test", "--force"]);
  assert.equal(force.code, 2);
  assert.match(force.stderr, /mode = "--force": expected --check or nothing/);
});

Deno.test("the tasks and CI run this one script", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(`${CHECKOUT}/deno.json`)).tasks;
  assert.match(tasks.reproduce, /^bash tools\/prerequisites\.sh reproduce && /);
  assert.match(tasks.test, /^bash tools\/prerequisites\.sh test && /);
  const ci = Deno.readTextFileSync(`${CHECKOUT}/.ci/run`);
  assert.match(ci, /bash tools\/prerequisites\.sh test/);
  assert.doesNotMatch(ci, /apt-get install/, "CI keeps no copy of the package list");
});
