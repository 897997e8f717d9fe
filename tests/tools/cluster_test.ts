/**
 * Sweeps handed out by index: `deno task experiment NAME --plan` lists every run with the command
 * that trains it; `--run INDEX` / `--run-id ID` train exactly that run and skip it when done;
 * `--status` says what is missing; bad indices and other code are refused in one line. Then the
 * engines of `deno task cluster`: a Slurm job array on a real one-node Slurm (started here as
 * root, skipped with the reason where it cannot be), GNU parallel on this machine, and a
 * Kubernetes Indexed Job validated against the Job schema. Runs trained through an engine must
 * give the same metrics as the same runs of a local sweep.
 */
import assert from "node:assert/strict";
import { Job } from "kubernetes-models/batch/v1/Job";
import { runTool } from "../support/run_tool.ts";
import {
  jobState,
  startSlurmCluster,
  unavailableReason,
  waitForJobs,
} from "../support/slurm_cluster.ts";

const EXPERIMENT = "experiment";
const CLUSTER = "cluster";

/** The quick copying plan of the dense pattern: small enough to train on every engine here. */
const PLAN = ["copying", "--quick", "--pattern", "dense,strided"];

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function tool(
  script: "experiment" | "cluster",
  args: string[],
  env: Record<string, string> = {},
): Promise<Output> {
  const { code, stdout, stderr } = await runTool(script, args, env);
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

function tempDir(label: string): string {
  // a space in the path, as a checkout or a shared folder may have one
  return Deno.makeTempDirSync({ prefix: `lab ${label} ` });
}

function resultFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

/** A result's outcome: everything but when, where and how fast it was trained. */
function outcome(path: string): unknown {
  const { wallSeconds: _w, codeVersion: _c, finishedAt: _f, ...rest } = JSON.parse(
    Deno.readTextFileSync(path),
  );
  return rest;
}

interface PlanLine {
  index: number;
  runId: string;
  command: string;
  memoryMB: number;
  predictedMinutes: number | null;
}

async function planOf(args: string[]): Promise<PlanLine[]> {
  const { code, stdout, stderr } = await tool(EXPERIMENT, [...args, "--plan"]);
  assert.equal(code, 0, stderr);
  return stdout.split("\n").map((line) => JSON.parse(line));
}

/** The plan trained by a local sweep, once, for every engine's comparison. */
let reference: Promise<string> | undefined;
function localSweep(): Promise<string> {
  reference ??= (async () => {
    const dir = tempDir("local");
    const { code, stderr } = await tool(EXPERIMENT, [...PLAN, "--jobs", "1"], {
      RESULTS_DIR: dir,
    });
    assert.equal(code, 0, stderr);
    return `${dir}/copying`;
  })();
  return reference;
}

/** The engine's results hold exactly the plan's runs, each with the local sweep's metrics. */
async function assertSameAsLocal(dir: string, plan: PlanLine[]) {
  const local = await localSweep();
  const expected = plan.map((line) => `${line.runId}.json`).sort();
  assert.deepEqual(resultFiles(dir).filter((name) => name.endsWith(".json")), expected);
  assert.deepEqual(resultFiles(local), expected);
  for (const name of expected) {
    assert.deepEqual(outcome(`${dir}/${name}`), outcome(`${local}/${name}`), name);
  }
}

Deno.test("--plan lists every run by index with the command that trains it", async () => {
  const plan = await planOf(PLAN);
  const dry = await tool(EXPERIMENT, [...PLAN, "--dry-run"]);
  const count = Number(/^(\d+) runs/m.exec(dry.stdout)?.[1]);
  assert.equal(plan.length, count);
  assert.deepEqual(plan.map((line) => line.index), plan.map((_, i) => i));
  for (const line of plan) {
    assert.equal(
      line.command,
      `deno task experiment copying --quick --pattern dense,strided --run-id ${line.runId}`,
    );
    assert.equal(line.predictedMinutes, null, "the bench measures full sizes only");
    assert.ok(line.memoryMB >= 512);
  }
  // a full plan has predictions from the committed bench, the cap above the floor
  const full = await tool(EXPERIMENT, ["copying", "--full", "--seed", "0", "--plan"]);
  const first = JSON.parse(full.stdout.split("\n")[0]);
  assert.ok(first.predictedMinutes > 0 && first.maxMinutes > first.predictedMinutes, full.stdout);
});

Deno.test("--run trains exactly its run, skips it when done; --status says what is missing", async () => {
  const dir = tempDir("run");
  const env = { RESULTS_DIR: dir };
  const plan = await planOf(PLAN);
  const before = await tool(EXPERIMENT, [...PLAN, "--status"], env);
  assert.equal(before.code, 1);
  assert.match(before.stdout, new RegExp(`: 0 of ${plan.length} runs have results`));
  const trained = await tool(EXPERIMENT, [...PLAN, "--run", "1"], env);
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stdout, new RegExp(`trained ${plan[1].runId} into .*peak memory \\d+ MiB`));
  assert.deepEqual(resultFiles(`${dir}/copying`), [`${plan[1].runId}.json`]);
  const again = await tool(EXPERIMENT, [...PLAN, "--run-id", plan[1].runId], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /is already done/);
  const after = await tool(EXPERIMENT, [...PLAN, "--status"], env);
  assert.match(after.stdout, new RegExp(`: 1 of ${plan.length} runs`));
  assert.match(after.stdout, new RegExp(`^missing: 0 ${plan[0].runId}$`, "m"));
  assert.doesNotMatch(after.stdout, new RegExp(`missing: 1 `));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a bad index, an unknown run id or other code: one line, exit 2, nothing trained", async () => {
  const dir = tempDir("refused");
  const env = { RESULTS_DIR: dir };
  const plan = await planOf(PLAN);
  const cases: [string[], RegExp][] = [
    [
      ["--run", String(plan.length)],
      new RegExp(
        `--run = "${plan.length}": exceeds the limit ${
          plan.length - 1
        } \\(the last index of the quick plan of copying\\)`,
      ),
    ],
    [["--run", "-1"], /--run = "-1": expected an integer >= 0/],
    [["--run", "one"], /--run = "one": expected an integer/],
    [["--run-id", "dense-single-full-L9-seed0"], /not in the quick plan of copying/],
    [
      ["--run", "0", "--planned-version", "0123abc"],
      /--planned-version = "0123abc": this checkout's code version is /,
    ],
    [["--planned-version", "0123abc"], /--planned-version.*only with --run/],
    [["--run", "0", "--plan"], /conflict/],
    [["--run", "0", "--jobs", "1"], /--jobs.*a single run trains in this process/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await tool(EXPERIMENT, [...PLAN, ...args], env);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, message);
    assert.equal(stdout, "");
  }
  assert.deepEqual(resultFiles(`${dir}/copying`), []);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--help names every engine and the experiment's scheduler flags", async () => {
  const cluster = await tool(CLUSTER, ["--help"]);
  assert.equal(cluster.code, 0);
  assert.match(cluster.stdout, /slurm \[--partition P\] \[--time T\] \[--max-parallel K\]/);
  assert.match(cluster.stdout, /parallel .*GNU parallel/);
  assert.match(cluster.stdout, /kubernetes --image I --results-claim C/);
  const experiment = await tool(EXPERIMENT, ["--help"]);
  for (const flag of ["--plan", "--run INDEX", "--run-id ID", "--planned-version V", "--status"]) {
    assert.ok(experiment.stdout.includes(flag), flag);
  }
});

Deno.test("cluster refuses bad engines, times, partitions and images in one line", async () => {
  const cases: [string[], RegExp][] = [
    [["pbs", "copying"], /engine = "pbs": expected one of slurm, parallel, kubernetes/],
    [["slurm"], /experiment = undefined: expected one name/],
    [
      ["slurm", "copying", "--quick"],
      /--time = undefined: no predicted minutes for the quick plan/,
    ],
    [["slurm", "copying", "--time", "soon"], /--time = "soon": expected minutes, HH:MM:SS/],
    [["slurm", "copying", "--partition", "a b"], /--partition = "a b"/],
    [["slurm", "copying", "--max-parallel", "0"], /--max-parallel = "0"/],
    [["parallel", "copying", "--partition", "x"], /--partition.*unknown flag/],
    [["kubernetes", "copying", "--results-claim", "r"], /--image = undefined: kubernetes needs it/],
    [
      ["kubernetes", "copying", "--image", "lab:1", "--results-claim", "R_1"],
      /--results-claim = "R_1"/,
    ],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await tool(CLUSTER, args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, message);
  }
});

Deno.test("the Slurm script: an array over the plan, limits from the plan, a summary after it", async () => {
  const { code, stdout, stderr } = await tool(CLUSTER, [
    "slurm",
    "copying",
    "--full",
    "--seed",
    "0",
    "--max-parallel",
    "3",
    "--partition",
    "short",
    "--results-dir",
    "/shared/lab results",
  ]);
  assert.equal(code, 0, stderr);
  const plan = await planOf(["copying", "--full", "--seed", "0"]);
  const longest = Math.max(
    ...plan.map((line) => (line as unknown as { maxMinutes: number }).maxMinutes),
  );
  const minutes = Math.ceil(longest * 1.5 + 5);
  const time = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${
    String(minutes % 60).padStart(2, "0")
  }:00`;
  assert.match(stdout, new RegExp(`--array=0-${plan.length - 1}%3 `));
  assert.match(stdout, new RegExp(`--mem=${plan[0].memoryMB}M --time=${time} --partition=short`));
  assert.match(stdout, /--cpus-per-task=1/);
  assert.match(stdout, /export RESULTS_DIR='\/shared\/lab results'/);
  assert.match(stdout, /--run "\$SLURM_ARRAY_TASK_ID" --planned-version [0-9a-f]{40}/);
  assert.match(stdout, /--dependency=afterok:"\$array" --kill-on-invalid-dep=yes/);
  assert.match(stdout, /tools\/experiment.ts copying --full --seed 0 --status/);
  // the summary job rewrites the READMEs' tables only for results in the committed folder
  assert.doesNotMatch(stdout, /--summary --write/);
  const committed = await tool(CLUSTER, ["slurm", "copying", "--full", "--seed", "0"]);
  assert.match(committed.stdout, /run -A tools\/experiment.ts --summary --write/);
});

const slurmUnavailable = unavailableReason();
if (slurmUnavailable) console.log(`  (Slurm test skipped: ${slurmUnavailable})`);

Deno.test({
  name: "a one-node Slurm trains the plan as a job array, as a local sweep does",
  ignore: slurmUnavailable !== undefined,
  async fn() {
    const cluster = await startSlurmCluster(2);
    const dir = tempDir("slurm");
    try {
      const script = `${dir}/submit.sh`;
      const written = await tool(CLUSTER, [
        "slurm",
        ...PLAN,
        "--max-parallel",
        "2",
        "--time",
        "10",
        "--results-dir",
        dir,
        "--out",
        script,
      ]);
      assert.equal(written.code, 0, written.stderr);
      const submitted = new Deno.Command("bash", {
        args: [script],
        env: { ...cluster.env, DENO: Deno.execPath() },
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      const said = new TextDecoder().decode(submitted.stdout);
      assert.ok(submitted.success, new TextDecoder().decode(submitted.stderr) + cluster.logs());
      const [, array, summary] = /array job (\d+) .* summary job (\d+)/.exec(said) ?? [];
      assert.ok(array && summary, said);
      await waitForJobs(cluster, [array, summary], 300_000);
      assert.equal(jobState(cluster, summary), "COMPLETED", cluster.logs());
      const plan = await planOf(PLAN);
      const summaryLog = [...Deno.readDirSync(`${dir}/slurm-logs`)]
        .find((entry) => entry.name.startsWith("copying-summary-"));
      assert.ok(summaryLog, "the summary job wrote its log");
      assert.match(
        Deno.readTextFileSync(`${dir}/slurm-logs/${summaryLog.name}`),
        new RegExp(`${plan.length} of ${plan.length} runs have results`),
      );
      await assertSameAsLocal(`${dir}/copying`, plan);
    } finally {
      await cluster.stop();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

const hasParallel = (() => {
  try {
    return new Deno.Command("parallel", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
if (!hasParallel) console.log("  (GNU parallel test skipped: parallel not found)");

Deno.test({
  name: "GNU parallel trains the plan on this machine, as a local sweep does",
  ignore: !hasParallel,
  async fn() {
    const dir = tempDir("parallel");
    const script = `${dir}/run.sh`;
    const written = await tool(CLUSTER, [
      "parallel",
      ...PLAN,
      "--results-dir",
      dir,
      "--out",
      script,
    ]);
    assert.equal(written.code, 0, written.stderr);
    const ran = new Deno.Command("bash", {
      args: [script],
      env: { DENO: Deno.execPath(), HOME: dir },
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    const said = new TextDecoder().decode(ran.stdout);
    assert.ok(ran.success, said + new TextDecoder().decode(ran.stderr));
    const plan = await planOf(PLAN);
    assert.match(said, new RegExp(`${plan.length} of ${plan.length} runs have results`));
    await assertSameAsLocal(`${dir}/copying`, plan);
    Deno.removeSync(dir, { recursive: true });
  },
});

Deno.test("the Kubernetes Indexed Job validates against the Job schema", async () => {
  const { code, stdout, stderr } = await tool(CLUSTER, [
    "kubernetes",
    ...PLAN,
    "--image",
    "registry.example/o-n-lab:1",
    "--results-claim",
    "lab-results",
    "--parallelism",
    "4",
  ]);
  assert.equal(code, 0, stderr);
  const manifest = JSON.parse(stdout);
  const plan = await planOf(PLAN);
  new Job(manifest).validate();
  assert.equal(manifest.spec.completionMode, "Indexed");
  assert.equal(manifest.spec.completions, plan.length);
  assert.equal(manifest.spec.parallelism, 4);
  const container = manifest.spec.template.spec.containers[0];
  assert.match(container.command[2], /--run "\$JOB_COMPLETION_INDEX" --planned-version /);
  assert.equal(container.resources.requests.memory, `${plan[0].memoryMB}Mi`);
  // the validator does refuse a manifest that breaks the schema
  const broken = structuredClone(manifest);
  broken.spec.completions = "all";
  assert.throws(() => new Job(broken).validate(), /completions/);
});
