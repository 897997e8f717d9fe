/**
 * The best model of a sweep, kept as it trains: each run offers its trained model with its
 * validation score, and the model is written (`<stem>.json` + `.bin`) only when it beats the one
 * already kept. Choosing on validation leaves the test score an unbiased report of the model
 * kept. Saving every run's weights would put hundreds of megabytes in the repository; keeping the
 * best needs one file pair. Runs of a parallel sweep finish in separate processes, so an offer
 * holds a lock file (`<stem>.lock`, holding its pid) while it compares and writes; a lock left by
 * a process that is gone is taken over.
 */
import { dirname } from "node:path";
import { processIsRunning } from "../util/system.ts";
import { InputError } from "../util/errors.ts";

/**
 * Whether a run of this pattern may be kept as the best sparse model: not dense, and rebuildable
 * from its weights file (RANDOM's pairs are not recorded there).
 */
export function keepableAsBestSparse(pattern: string): boolean {
  return pattern !== "dense" && pattern !== "random";
}

/** What the kept model's weights file records about why it was kept. */
export interface KeptRecord {
  runId: string;
  /** The validation score it was kept for (lower is better). */
  score: number;
  metric: string;
}

export interface BestModelKeeper {
  readonly stem: string;
  /**
   * Writes the model through `save` when `score` is lower than the kept one's (or none is kept);
   * `save` receives the stem and the record to store in the weights file's config.
   */
  offer(
    score: number,
    save: (stem: string, record: KeptRecord) => Promise<void>,
  ): Promise<boolean>;
}

/** The record of the model kept at `stem`, or undefined when none is (or it is unreadable). */
export function keptRecord(stem: string): KeptRecord | undefined {
  try {
    const manifest = JSON.parse(Deno.readTextFileSync(`${stem}.json`));
    const kept = manifest?.metadata?.config?.keptAsBest as KeptRecord | undefined;
    return typeof kept?.score === "number" ? kept : undefined;
  } catch {
    return undefined;
  }
}

const LOCK_WAIT_MS = 120_000;

async function withLock<T>(path: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      const file = Deno.openSync(path, { createNew: true, write: true });
      file.writeSync(new TextEncoder().encode(String(Deno.pid)));
      file.close();
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const holder = Number(Deno.readTextFileSync(path).trim());
      if (Number.isInteger(holder) && holder > 0 && !processIsRunning(holder)) {
        Deno.removeSync(path); // its process is gone: take the lock over
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS) {
        throw new InputError("lock", path, `held by process ${holder} for over 2 minutes`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await action();
  } finally {
    Deno.removeSync(path);
  }
}

/**
 * A keeper for the runs of one sweep: `runId` names the run offering, `metric` its score. A kept
 * model whose run `isCurrent` does not accept (a run of an earlier plan), or that was kept for
 * another metric, is replaced by the first offer, so that the model always comes from the current
 * plan's runs, ranked by one metric, once it has one.
 */
export function bestModelKeeper(
  stem: string,
  runId: string,
  metric: string,
  isCurrent: (keptRunId: string) => boolean = () => true,
): BestModelKeeper {
  return {
    stem,
    offer(score, save) {
      if (!Number.isFinite(score)) return Promise.resolve(false);
      // the folder may not exist yet in a fresh checkout: the first offer creates it
      Deno.mkdirSync(dirname(stem), { recursive: true });
      return withLock(`${stem}.lock`, async () => {
        const kept = keptRecord(stem);
        const comparable = kept !== undefined && isCurrent(kept.runId) && kept.metric === metric;
        if (comparable && kept.score <= score) return false;
        await save(stem, { runId, score, metric });
        return true;
      });
    },
  };
}
