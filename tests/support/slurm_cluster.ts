/**
 * A one-node Slurm cluster on this machine, for the tests: munged (as the munge user, with its
 * own key and socket), slurmctld and slurmd (as root) from a slurm.conf generated in a temporary
 * folder, on ports free at the time. `stop()` ends every daemon it started by its pid and
 * removes the folder; nothing outside the folder is touched. `unavailableReason()` says, in one
 * line, why the cluster cannot start here (Slurm or munge not installed, not root).
 */

const MUNGED = "/usr/sbin/munged";
const SLURMCTLD = "/usr/sbin/slurmctld";
const SLURMD = "/usr/sbin/slurmd";

function commandExists(name: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function executable(path: string): boolean {
  try {
    return (Deno.statSync(path).mode ?? 0) & 0o111 ? true : false;
  } catch {
    return false;
  }
}

/** Why a one-node cluster cannot start here, or undefined when it can. */
export function unavailableReason(): string | undefined {
  if (Deno.build.os !== "linux") return "Slurm runs on Linux only";
  for (const path of [MUNGED, SLURMCTLD, SLURMD]) {
    if (!executable(path)) return `${path} not found (apt-get install slurm-wlm munge)`;
  }
  if (!commandExists("sbatch")) return "sbatch not found (apt-get install slurm-wlm)";
  if (Deno.uid() !== 0) return "the one-node cluster runs its daemons as root";
  return undefined;
}

function run(command: string, args: string[], env?: Record<string, string>): string {
  const output = new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .outputSync();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`${command} ${args.join(" ")} failed: ${text.trim()}`);
  return text;
}

/** A TCP port nothing listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(path).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    return Deno.statSync(`/proc/${pid}`).isDirectory;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface SlurmCluster {
  /** The environment every Slurm command needs (SLURM_CONF). */
  env: Record<string, string>;
  folder: string;
  /** The daemons' logs, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts munged, slurmctld and slurmd; every daemon started is stopped if a later one fails. */
export async function startSlurmCluster(cpus = 2): Promise<SlurmCluster> {
  const folder = Deno.makeTempDirSync({ prefix: "lab-slurm-" });
  Deno.chmodSync(folder, 0o755);
  const munge = `${folder}/munge`;
  Deno.mkdirSync(munge, { mode: 0o755 });
  Deno.mkdirSync(`${folder}/state`);
  Deno.mkdirSync(`${folder}/spool`);
  const key = crypto.getRandomValues(new Uint8Array(1024));
  Deno.writeFileSync(`${munge}/munge.key`, key, { mode: 0o600 });
  run("chown", ["-R", "munge:munge", munge]);
  const host = Deno.hostname().split(".")[0];
  const conf = `${folder}/slurm.conf`;
  Deno.writeTextFileSync(
    conf,
    [
      "ClusterName=lab-test",
      `SlurmctldHost=${host}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      `SlurmctldPort=${freePort()}`,
      `SlurmdPort=${freePort()}`,
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${munge}/munge.socket`,
      `StateSaveLocation=${folder}/state`,
      `SlurmdSpoolDir=${folder}/spool`,
      `SlurmctldPidFile=${folder}/slurmctld.pid`,
      `SlurmdPidFile=${folder}/slurmd.pid`,
      `SlurmctldLogFile=${folder}/slurmctld.log`,
      `SlurmdLogFile=${folder}/slurmd.log`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "ReturnToService=2",
      "SchedulerType=sched/backfill",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core_Memory",
      "MpiDefault=none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "MinJobAge=600",
      `NodeName=${host} CPUs=${cpus} RealMemory=4096 State=UNKNOWN`,
      "PartitionName=lab Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  const pidFiles = [`${munge}/munged.pid`, `${folder}/slurmctld.pid`, `${folder}/slurmd.pid`];
  const logFiles = [`${munge}/munged.log`, `${folder}/slurmctld.log`, `${folder}/slurmd.log`];
  const cluster: SlurmCluster = {
    env,
    folder,
    logs: () =>
      logFiles.map((path) => {
        try {
          return `${path}:\n${Deno.readTextFileSync(path).split("\n").slice(-15).join("\n")}`;
        } catch {
          return `${path}: (none)`;
        }
      }).join("\n"),
    async stop() {
      const pids = pidFiles.map(readPid).filter((pid): pid is number => pid !== undefined);
      for (const pid of pids.reverse()) {
        try {
          Deno.kill(pid, "SIGTERM");
        } catch { /* already gone */ }
      }
      await until(() => pids.every((pid) => !alive(pid)), "the Slurm daemons to stop", 20_000)
        .catch(() => pids.filter(alive).forEach((pid) => Deno.kill(pid, "SIGKILL")));
      Deno.removeSync(folder, { recursive: true });
    },
  };
  try {
    run("runuser", [
      "-u",
      "munge",
      "--",
      MUNGED,
      `--key-file=${munge}/munge.key`,
      `--socket=${munge}/munge.socket`,
      `--pid-file=${munge}/munged.pid`,
      `--log-file=${munge}/munged.log`,
      `--seed-file=${munge}/munged.seed`,
    ]);
    run(SLURMCTLD, ["-f", conf], env);
    run(SLURMD, ["-f", conf], env);
    await until(
      () => /idle/.test(run("sinfo", ["-h", "-o", "%t"], env)),
      "the node to come up idle",
      30_000,
    );
    return cluster;
  } catch (error) {
    const logs = cluster.logs();
    await cluster.stop();
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
}

/** Waits until none of `jobIds` is pending or running. */
export async function waitForJobs(
  cluster: SlurmCluster,
  jobIds: readonly string[],
  timeoutMs: number,
): Promise<void> {
  await until(
    () => run("squeue", ["-h", "-j", jobIds.join(",")], cluster.env).trim() === "",
    `jobs ${jobIds.join(", ")}`,
    timeoutMs,
  );
}

/** A finished job's state (COMPLETED, FAILED, CANCELLED ...), read from scontrol. */
export function jobState(cluster: SlurmCluster, jobId: string): string {
  const text = run("scontrol", ["show", "job", jobId], cluster.env);
  return /JobState=(\S+)/.exec(text)?.[1] ?? "unknown";
}
