/**
 * The parts of a parallel sweep, each on its own: the tally of the workers' events, the claim
 * protocol for one run, the pool of worker processes, and the scheduler that joins them (fake
 * workers stand in for training, so each test takes about a second).
 */
import assert from "node:assert/strict";
import { RunTally } from "../../lib/train/run_tally.ts";
import { claimPath, claimRun, currentOwner, tryUnderClaim } from "../../lib/train/claims.ts";
import { parseWorkerEvent, type WorkerEvent } from "../../lib/train/run_events.ts";
import { type PoolWorker, WorkerPool } from "../../lib/train/worker_pool.ts";
import { RunFailedError, runParallel } from "../../lib/train/parallel.ts";
import { Progress } from "../../lib/train/progress.ts";
import { InputError } from "../../lib/util/errors.ts";
import { pathFromUrl } from "../../lib/util/system.ts";
import type { FakeWorkerScript } from "../support/fake_sweep_worker.ts";

const FAKE_WORKER = pathFromUrl("../support/fake_sweep_worker.ts", import.meta.url);
const silent = () => new Progress("test", 0, { output: "silent" });
const names = (dir: string) => [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();

Deno.test("the tally counts each run once: trained beats reused, held only when nobody settled it", () => {
  const tally = new RunTally(10);
  tally.started("a");
  assert.equal(tally.stepped("a", 4), 4);
  tally.started("b");
  assert.equal(tally.stepped("b", 3), 7, "units done across the workers");
  tally.ended("a", "trained");
  assert.equal(tally.stepped("b", 5), 15, "a finished run counts all its units");
  tally.ended("b", "trained");
  tally.ended("a", "reused"); // a second worker came to a after it was written
  tally.ended("c", "held");
  tally.ended("b", "held");
  tally.ended("d", "reused");
  assert.deepEqual(tally.outcome(["a", "b", "c", "d"]), {
    trained: ["a", "b"],
    reused: ["d"],
    heldElsewhere: ["c"],
  });
});

Deno.test("the claim protocol: trained under its claim, reused when done, held when taken", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "claim protocol " });
  const lines: string[] = [];
  const steps = (isDone: boolean, train: () => Promise<void>) => ({
    isDone: () => isDone,
    train,
    log: (line: string) => lines.push(line),
  });
  let claimedWhileTraining = false;
  const trained = await tryUnderClaim(
    dir,
    "a",
    steps(false, () => {
      claimedWhileTraining = names(dir).includes("a.claim");
      return Promise.resolve();
    }),
  );
  assert.equal(trained, "trained");
  assert.ok(claimedWhileTraining, "the claim stands while the run trains");
  assert.equal(await tryUnderClaim(dir, "b", steps(true, () => Promise.reject())), "reused");
  const held = claimRun(dir, "c", { ...currentOwner(), token: "another sweep" });
  assert.equal(held.state, "claimed");
  assert.equal(await tryUnderClaim(dir, "c", steps(false, () => Promise.reject())), "held");
  assert.deepEqual(names(dir), ["c.claim"], "released after training, reusing; the held one stays");
  // a failing run releases its claim and its error goes on; a stale claim is taken over, said
  await assert.rejects(
    tryUnderClaim(dir, "d", steps(false, () => Promise.reject(new Error("boom")))),
    /boom/,
  );
  Deno.writeTextFileSync(claimPath(dir, "e"), JSON.stringify({ pid: 4999999, token: "gone" }));
  assert.equal(await tryUnderClaim(dir, "e", steps(false, () => Promise.resolve())), "trained");
  assert.deepEqual(lines, [
    `${claimPath(dir, "e")}: took over the claim of process 4999999, which is gone`,
  ]);
  assert.deepEqual(names(dir), ["c.claim"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a worker's line is an event or passed on as it is", () => {
  assert.deepEqual(parseWorkerEvent('{"event":"start","runId":"a"}'), {
    event: "start",
    runId: "a",
  });
  assert.equal(parseWorkerEvent("Download https://…"), undefined);
  assert.equal(parseWorkerEvent('{"no":"event"}'), undefined);
  assert.equal(parseWorkerEvent("[1, 2]"), undefined);
});

/** A pool of fake workers: each given its script; records their events and exits. */
function fakePool(dir: string) {
  const events: WorkerEvent[] = [];
  const exits: { runId: string | null; code: number }[] = [];
  const pool = new WorkerPool({
    script: FAKE_WORKER,
    claimsDir: dir,
    onEvent: (worker: PoolWorker, event: WorkerEvent) => {
      events.push(event);
      if (event.event === "start") worker.current = event.runId;
      if (event.event === "end") worker.current = null;
      return Promise.resolve();
    },
    onExit: (runId, status) => exits.push({ runId, code: status.code }),
  });
  const spawn = (script: FakeWorkerScript) => pool.spawn([JSON.stringify(script)]);
  return { pool, events, exits, spawn };
}

Deno.test("the pool hands events on, and an exited worker's claims are removed and its run named", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "worker pool " });
  const { pool, events, exits, spawn } = fakePool(dir);
  spawn({
    output: [{ event: "start", runId: "a" }, { event: "end", runId: "a", outcome: "trained" }],
    exitCode: 0,
  });
  // a worker that claims a run and dies before it says so: the claim names the run
  const dying = spawn({ claim: { dir, runId: "b" }, output: [], exitCode: 3 });
  assert.ok(pool.owns(dying.child!.pid), "the pool's own workers' claims are never stale");
  assert.ok(!pool.owns(Deno.pid));
  let local = false;
  pool.addLocal(() => {
    local = true;
    return Promise.resolve();
  });
  await pool.settled();
  assert.ok(local, "the worker in this process ran");
  assert.deepEqual(events.map((e) => e.event), ["start", "end"]);
  assert.deepEqual(exits.sort((x, y) => x.code - y.code), [
    { runId: null, code: 0 },
    { runId: "b", code: 3 },
  ]);
  assert.deepEqual(names(dir), [], "the dead worker's claim is gone");
  Deno.removeSync(dir, { recursive: true });
});

/** A scheduler over fake workers: each worker process prints `output` and exits with `exitCode`. */
function schedule(dir: string, jobs: number, worker: FakeWorkerScript, here: string[]) {
  return runParallel({
    runIds: ["a", "b", "c"],
    jobs,
    unitsPerRun: 2,
    progress: silent(),
    log: () => {},
    dir,
    worker: { script: FAKE_WORKER, args: [JSON.stringify(worker)] },
    // the run function: this process trains `here`, and finds the rest done
    trainHere: async (hooks) => {
      for (const runId of ["a", "b", "c"]) {
        if (!here.includes(runId)) {
          hooks.onRun?.(runId, "reused");
          continue;
        }
        hooks.onRun?.(runId, "start");
        await hooks.progress.update(2, 0.5, true);
        hooks.onRun?.(runId, "trained");
      }
    },
  });
}

Deno.test("the scheduler joins the workers' outcomes: each run counted once, in plan order", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "scheduler " });
  const outcome = await schedule(dir, 2, {
    output: [
      { event: "start", runId: "c" },
      { event: "step", runId: "c", unit: 2, loss: 0.1 },
      { event: "end", runId: "c", outcome: "trained" },
      { event: "end", runId: "a", outcome: "held" },
    ],
    exitCode: 0,
  }, ["a", "b"]);
  assert.deepEqual(outcome, { trained: ["a", "b", "c"], reused: [], heldElsewhere: [] });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a failing worker fails the sweep with its run named; bad input keeps its message", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "scheduler failure " });
  await assert.rejects(
    schedule(dir, 2, { output: [{ event: "start", runId: "b" }], exitCode: 3 }, []),
    (e) =>
      e instanceof RunFailedError && e.message === "run b failed: its worker exited with code 3",
  );
  await assert.rejects(
    schedule(dir, 2, {
      output: [{
        event: "error",
        runId: null,
        message: "data set: checksum mismatch",
        parameter: "data",
      }],
      exitCode: 1,
    }, []),
    (e) => e instanceof InputError && e.message === "data set: checksum mismatch",
  );
  Deno.removeSync(dir, { recursive: true });
});
