/**
 * Sweeps training several runs at once: `--jobs 2` writes the same results as `--jobs 1`,
 * claims keep two sweeps over one folder from training a run twice, stale claims are taken
 * over, and a worker that dies fails the sweep with one line naming its run.
 */
import assert from "node:assert/strict";
import { claimPath, claimRun, currentOwner } from "../../lib/train/claims.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";
import { runSweep } from "../../lib/experiments/sweeps.ts";
import { trainDataParallel } from "../../lib/train/data_parallel.ts";
import { parseResult } from "../../lib/train/results.ts";
import { InputError } from "../../lib/util/errors.ts";
import { awkwardCheckout } from "../support/awkward_checkout.ts";
import { runTool } from "../support/run_tool.ts";
import { pathFromUrl } from "../../lib/util/system.ts";

const tool = pathFromUrl("../../tools/experiment.ts", import.meta.url);
const cache = pathFromUrl("../../data/cache/", import.meta.url);
const twoCores = navigator.hardwareConcurrency >= 2;
const decoder = new TextDecoder();

/** Three quick copying runs (about half a second each). */
const SMALL_SWEEP = ["copying", "--quick", "--pattern", "dense,star,random", "--layers", "1"];
const RUN_IDS = [
  "dense-single-full-L1-seed0",
  "random-single-s0.65-L1-seed0",
  "star-single-full-L1-seed0",
];

function experiment(args: string[], env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", tool, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function finished(child: Deno.ChildProcess) {
  const output = await child.output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout).trim(),
    stderr: decoder.decode(output.stderr).trim(),
  };
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

/** A result file without the fields that record when and how long it ran. */
function resultWithoutTimes(path: string): Record<string, unknown> {
  const { wallSeconds: _, finishedAt: __, ...rest } = JSON.parse(Deno.readTextFileSync(path));
  return rest;
}

Deno.test({
  name: "--jobs 2 writes the same results as --jobs 1, bit for bit except wall times",
  ignore: !twoCores,
  fn: async () => {
    const one = Deno.makeTempDirSync({ prefix: "jobs one %41 " });
    const two = Deno.makeTempDirSync({ prefix: "jobs two %41 " });
    const sequential = await finished(experiment([...SMALL_SWEEP, "--jobs", "1"], {
      RESULTS_DIR: one,
    }));
    const parallel = await finished(experiment([...SMALL_SWEEP, "--jobs", "2"], {
      RESULTS_DIR: two,
    }));
    assert.equal(sequential.code, 0, sequential.stderr);
    assert.equal(parallel.code, 0, parallel.stderr);
    assert.equal(sequential.stderr, "");
    assert.equal(parallel.stderr, "");
    // --jobs 1 keeps the one-process progress lines
    assert.match(
      sequential.stdout,
      /^copying \(quick\) 33% · run 1\/3 dense-single-full-L1-seed0 /,
    );
    assert.match(sequential.stdout, /\ncopying \(quick\): 3 runs trained, 0 reused \(/);
    // --jobs 2: every progress line starts with its run id
    const progress = parallel.stdout.split("\n").filter((line) => line.includes(" step "));
    assert.deepEqual(
      progress.map((line) => /^\[([^\]]+)\] copying \(quick\) \d+% · step 25\/25 /.exec(line)?.[1])
        .sort(),
      RUN_IDS,
    );
    assert.match(parallel.stdout, /\ncopying \(quick\): 3 runs trained in 2 processes, 0 reused/);
    assert.match(parallel.stdout, /\ncopying: 3 trained, 0 already done, 3 results in /);
    const files = RUN_IDS.map((id) => `${id}.json`);
    assert.deepEqual(names(`${one}/copying`), files);
    assert.deepEqual(names(`${two}/copying`), files, "no claim or temporary file is left");
    for (const file of files) {
      const a = resultWithoutTimes(`${one}/copying/${file}`);
      const b = resultWithoutTimes(`${two}/copying/${file}`);
      assert.ok((a.curve as unknown[]).length === 25 && Object.keys(a.final as object).length > 0);
      assert.deepEqual(b, a, file);
    }
    Deno.removeSync(one, { recursive: true });
    Deno.removeSync(two, { recursive: true });
  },
});

Deno.test("two sweeps started at once over one folder train every run exactly once", async () => {
  const root = Deno.makeTempDirSync({ prefix: "shared results " });
  const children = [0, 1].map(() =>
    experiment([...SMALL_SWEEP, "--jobs", "1"], { RESULTS_DIR: root })
  );
  const outputs = await Promise.all(children.map(finished));
  let trained = 0;
  for (const { code, stdout, stderr } of outputs) {
    assert.equal(code, 0, stderr);
    const summary = /copying: (\d+) trained, (\d+) already done(, (\d+) held by another sweep)?/
      .exec(stdout);
    assert.ok(summary, stdout);
    trained += Number(summary[1]);
    // what a sweep did not train it found done or held by the other
    assert.equal(Number(summary[1]) + Number(summary[2]) + Number(summary[4] ?? 0), 3, stdout);
  }
  assert.equal(trained, 3, "each run trained once, by one of the two sweeps");
  assert.deepEqual(names(`${root}/copying`), RUN_IDS.map((id) => `${id}.json`));
  Deno.removeSync(root, { recursive: true });
});

Deno.test("a claim is exclusive, released by its holder, and a stale one is taken over", () => {
  const dir = Deno.makeTempDirSync({ prefix: "claims %20 " });
  const first = claimRun(dir, "r");
  assert.equal(first.state, "claimed");
  const second = claimRun(dir, "r");
  assert.deepEqual(second, { state: "held", path: claimPath(dir, "r"), pid: Deno.pid });
  if (first.state === "claimed") first.release();
  assert.deepEqual(names(dir), []);
  // a claim of a process that is gone (pids stay below 2^22)
  Deno.writeTextFileSync(claimPath(dir, "r"), JSON.stringify({ ...currentOwner(), pid: 4999999 }));
  const third = claimRun(dir, "r");
  assert.equal(third.state, "claimed");
  if (third.state === "claimed") assert.equal(third.reclaimedFrom, 4999999);
  // the pid runs, but a process started at another time holds it now: stale too
  const reused = { ...currentOwner(), started: -1 };
  Deno.writeTextFileSync(claimPath(dir, "s"), JSON.stringify(reused));
  assert.equal(claimRun(dir, "s").state, "claimed");
  // claims are created whole, so an empty one (or a FIFO in a claim's place) is garbage: taken
  // over at once, never read as "held" (the FIFO is never opened for a blocking read)
  Deno.writeTextFileSync(claimPath(dir, "t"), "");
  const taken = claimRun(dir, "t");
  assert.equal(taken.state, "claimed");
  assert.equal(JSON.parse(Deno.readTextFileSync(claimPath(dir, "t"))).pid, Deno.pid);
  const fifo = new Deno.Command("mkfifo", { args: [claimPath(dir, "v")] }).outputSync();
  if (fifo.success) assert.equal(claimRun(dir, "v").state, "claimed");
  assert.ok(Deno.statSync(claimPath(dir, "v")).isFile);
  // releasing a claim that another process has taken over leaves that claim alone
  const mine = claimRun(dir, "u");
  Deno.writeTextFileSync(claimPath(dir, "u"), JSON.stringify(currentOwner()));
  if (mine.state === "claimed") mine.release();
  assert.ok(names(dir).includes("u.claim"));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a sweep takes over a stale claim and leaves a live one's run alone", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "stale claim " });
  const [dense, random, star] = RUN_IDS;
  Deno.writeTextFileSync(
    claimPath(dir, dense),
    JSON.stringify({ pid: 4999999, started: 1, token: "gone" }),
  );
  Deno.writeTextFileSync(claimPath(dir, star), JSON.stringify(currentOwner())); // this test: alive
  const lines: string[] = [];
  const summary = await runSweep("copying", {
    mode: "quick",
    patterns: ["dense", "star", "random"],
    layers: [1],
    resultsDir: dir,
    jobs: 1,
    progress: { output: "silent" },
    log: (line) => lines.push(line),
  });
  assert.deepEqual(summary.trained, [dense, random]);
  assert.deepEqual(summary.heldElsewhere, [star]);
  assert.deepEqual(lines, [
    `${claimPath(dir, dense)}: took over the claim of process 4999999, which is gone`,
  ]);
  assert.deepEqual(names(dir), [`${dense}.json`, `${random}.json`, `${star}.claim`]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test({
  name: "a worker that dies fails the sweep with one line naming its run; no claim is left",
  ignore: !twoCores,
  fn: async () => {
    const root = Deno.makeTempDirSync({ prefix: "dying worker " });
    const dir = `${root}/copying`;
    // enough runs that the worker process, which starts a second after the sweep, gets some
    const child = experiment([...SMALL_SWEEP, "--seed", "0,1,2,3,4,5,6,7", "--jobs", "2"], {
      RESULTS_DIR: root,
    });
    let victim: { runId: string; pid: number } | undefined;
    for (let tries = 0; tries < 3000 && !victim; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (
        const name of (() => {
          try {
            return names(dir);
          } catch {
            return [];
          }
        })()
      ) {
        if (!name.endsWith(".claim")) continue;
        try {
          const { pid } = JSON.parse(Deno.readTextFileSync(`${dir}/${name}`));
          if (pid === child.pid) continue; // the sweep's own process trains too
          victim = { runId: name.slice(0, -".claim".length), pid };
          Deno.kill(pid, "SIGKILL");
          break;
        } catch {
          // being written, or already released: look again
        }
      }
    }
    assert.ok(victim, "a worker claimed a run");
    const { code, stderr } = await finished(child);
    assert.equal(code, 1, stderr);
    const named =
      /^experiment: (?:run (\S+)|a worker) failed: its worker exited with signal SIGKILL$/
        .exec(stderr);
    assert.ok(named, stderr);
    if (named[1] !== victim.runId) {
      // the kill landed after the worker had finished the run whose claim was seen: that run is
      // whole, and the line names the run the worker held by then (none between two runs)
      const seen = parseResult(Deno.readTextFileSync(`${dir}/${victim.runId}.json`));
      assert.equal(typeof seen, "object", `the finished run is whole: ${seen}`);
    }
    assert.ok(!names(dir).some((name) => name.endsWith(".claim")), "claims removed");
    // killed before its result was written, nothing; killed between the write and the release of
    // its claim, a whole result (writes are atomic): never half a file
    if (names(dir).includes(`${victim.runId}.json`)) {
      const result = parseResult(Deno.readTextFileSync(`${dir}/${victim.runId}.json`));
      assert.equal(typeof result, "object", `a complete result or none: ${result}`);
    }
    assert.ok(!names(dir).some((name) => name.endsWith(".tmp")), "no temporary file left");
    Deno.removeSync(root, { recursive: true });
  },
});

Deno.test({
  name: "bad input found in a worker is one line, exit 2, as without workers",
  ignore: !twoCores,
  fn: async () => {
    const dir = Deno.makeTempDirSync();
    for (const entry of Deno.readDirSync(cache)) {
      Deno.copyFileSync(cache + entry.name, `${dir}/${entry.name}`);
    }
    const path = `${dir}/moby-dick-chars.json`;
    Deno.writeTextFileSync(path, Deno.readTextFileSync(path).replace("whale", "whalf"));
    const results = Deno.makeTempDirSync();
    const { code, stderr } = await finished(experiment(
      ["language-modeling", "--quick", "--pattern", "dense", "--seed", "0,1", "--jobs", "2"],
      { DATA_CACHE_DIR: dir, RESULTS_DIR: results },
    ));
    assert.equal(code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, /^experiment: .*data set "moby-dick-chars".*checksum mismatch/);
    assert.deepEqual(names(`${results}/language-modeling`), [], "no result, no claim");
    Deno.removeSync(dir, { recursive: true });
    Deno.removeSync(results, { recursive: true });
  },
});

Deno.test({
  name: "Ctrl-C stops every worker: exit 130, one line, no claim left",
  ignore: !twoCores,
  fn: async () => {
    const root = Deno.makeTempDirSync({ prefix: "interrupted " });
    const dir = `${root}/copying`;
    // enough runs that the worker process, which starts a second after the sweep, gets some
    const child = experiment([...SMALL_SWEEP, "--seed", "0,1,2,3,4,5,6,7", "--jobs", "2"], {
      RESULTS_DIR: root,
    });
    let claimed = false;
    for (let tries = 0; tries < 3000 && !claimed; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        claimed = names(dir).some((name) => name.endsWith(".claim"));
      } catch {
        // the folder is not there yet
      }
    }
    assert.ok(claimed, "a worker claimed a run");
    child.kill("SIGINT");
    const { code, stderr } = await finished(child);
    assert.equal(code, 130, stderr);
    assert.equal(
      stderr,
      "experiment: interrupted; the workers were stopped, and finished results are kept",
    );
    assert.ok(!names(dir).some((name) => name.endsWith(".claim")), "claims removed");
    Deno.removeSync(root, { recursive: true });
  },
});

// ---------------------------------------------------------------------------------------------
// Data-parallel training: two workers sharing gradients through a SharedArrayBuffer.

const LM_SIZE = { ...EXPERIMENT_DEFINITIONS["language-modeling"].budgets.quick.size };

for (const fused of [false, true]) {
  Deno.test({
    name: `two data-parallel workers follow one worker on the same global batch (fused ${fused})`,
    ignore: !twoCores,
    fn: async () => {
      const common = {
        pattern: {
          pattern: "strided" as const,
          configuration: "sequential" as const,
          sparsity: 0.7,
        },
        layers: 1,
        seed: 3,
        size: LM_SIZE,
        steps: 4,
        fused,
      };
      const one = await trainDataParallel({ ...common, workers: 1 });
      const two = await trainDataParallel({ ...common, workers: 2 });
      assert.equal(two.replicaSpread, 0, "both workers hold the same weights, bit for bit");
      assert.equal(two.parameters.length, one.parameters.length);
      assert.equal(two.losses.length, 4);
      // the global batch's loss: the mean of the halves' losses equals the whole batch's
      two.losses.forEach((loss, step) => {
        assert.ok(Math.abs(loss - one.losses[step]) <= 1e-6 * one.losses[step], `step ${step}`);
      });
      assert.ok(one.losses[3] < one.losses[0], "it trains");
      // the averaged gradient equals the whole batch's within float32 rounding of its scale
      let scale = 0;
      let gap = 0;
      one.firstGradient.forEach((g, i) => {
        scale = Math.max(scale, Math.abs(g));
        gap = Math.max(gap, Math.abs(g - two.firstGradient[i]));
      });
      assert.ok(scale > 1e-3, `gradient scale ${scale}`);
      assert.ok(gap <= 1e-5 * scale, `gradient gap ${gap} at scale ${scale}`);
      // Adam divides by √v: a component that is zero up to rounding can move by up to lr, so
      // the weights agree to a small fraction of the learning rate, most of them far closer
      let close = 0;
      let worst = 0;
      one.parameters.forEach((p, i) => {
        const d = Math.abs(p - two.parameters[i]);
        worst = Math.max(worst, d);
        if (d <= 1e-6) close++;
      });
      assert.ok(worst <= 0.1 * LM_SIZE.learningRate, `largest weight gap ${worst}`);
      assert.ok(close >= 0.99 * one.parameters.length, `${close} of ${one.parameters.length}`);
    },
  });
}

Deno.test("data-parallel training refuses a batch the workers cannot share evenly", async () => {
  await assert.rejects(
    () =>
      trainDataParallel({
        pattern: { pattern: "dense", configuration: "single" },
        layers: 1,
        seed: 0,
        size: { ...LM_SIZE, batch: 7 },
        steps: 1,
        workers: 2,
      }),
    (e) => e instanceof InputError && e.message === "size.batch = 7: expected a multiple of 2",
  );
});

Deno.test({
  name: "--jobs 2 from a checkout whose path holds a space and a % keeps results inside it",
  ignore: !twoCores,
  fn: async () => {
    const copy = await awkwardCheckout();
    try {
      const env = { RESULTS_DIR: "" }; // an empty setting is no setting: the checkout's folder
      const { code, stdout, stderr } = await runTool(
        "experiment",
        ["copying", "--quick", "--pattern", "dense", "--layers", "1,2", "--jobs", "2"],
        env,
        copy.root,
      );
      assert.equal(code, 0, stderr);
      assert.match(stdout, /\[dense-single-full-L2-seed0\] copying \(quick\) \d+% · step 25\/25/);
      assert.deepEqual(names(`${copy.root}/out/results-quick/copying`), [
        "dense-single-full-L1-seed0.json",
        "dense-single-full-L2-seed0.json",
      ]);
    } finally {
      await copy.remove();
    }
  },
});
