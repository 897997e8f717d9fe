/**
 * A sweep as a Kubernetes Indexed Job: one completion per planned run, whose pod trains the run
 * its JOB_COMPLETION_INDEX names. The image holds Deno, git and the checkout (at `workdir`,
 * with `deno install` done); a PersistentVolumeClaim every pod mounts holds the results. The
 * manifest is JSON, which kubectl applies as it applies YAML.
 */
import { InputError } from "../../lib/util/errors.ts";
import { runMemoryMB, type SweepJob, trainArguments } from "./sweep_job.ts";
import { shellCommand } from "./plan.ts";

export interface KubernetesOptions {
  /** The image: Deno, git and the checkout at `workdir`. */
  image: string;
  /** The PersistentVolumeClaim the results go to (mounted at /results). */
  resultsClaim: string;
  /** Where the checkout is in the image (default /lab). */
  workdir?: string;
  /** Pods at once (default 2). */
  parallelism?: number;
}

/** Where the results claim is mounted in every pod. */
const RESULTS_MOUNT = "/results";
/** A DNS-1123 label, as Kubernetes names objects and claims. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\/:@-]{0,254}$/;

/** The Job's manifest as a plain object (JSON-serialisable). */
export function kubernetesJob(job: SweepJob, options: KubernetesOptions): Record<string, unknown> {
  if (!IMAGE.test(options.image)) {
    throw new InputError("--image", options.image, "expected an image reference (repo/name:tag)");
  }
  if (!DNS_LABEL.test(options.resultsClaim)) {
    throw new InputError("--results-claim", options.resultsClaim, "expected a claim name");
  }
  const workdir = options.workdir ?? "/lab";
  if (!workdir.startsWith("/")) {
    throw new InputError("--workdir", workdir, "expected an absolute path in the image");
  }
  const name = `lab-${job.name}-${job.mode}`.slice(0, 63).replace(/-+$/, "");
  const train = `exec deno ${
    shellCommand(trainArguments(job, "INDEX")).replace("INDEX", '"$JOB_COMPLETION_INDEX"')
  }`;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      labels: { "app.kubernetes.io/name": "o-n-lab", "o-n-lab/experiment": job.name },
      annotations: { "o-n-lab/code-version": job.codeVersion, "o-n-lab/written-by": job.writtenBy },
    },
    spec: {
      completionMode: "Indexed",
      completions: job.entries.length,
      parallelism: options.parallelism ?? 2,
      backoffLimit: Math.max(6, job.entries.length),
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "train",
            image: options.image,
            workingDir: workdir,
            command: ["sh", "-c", train],
            env: [{ name: "RESULTS_DIR", value: RESULTS_MOUNT }],
            resources: {
              requests: { cpu: "1", memory: `${runMemoryMB(job)}Mi` },
              limits: { cpu: "1", memory: `${runMemoryMB(job)}Mi` },
            },
            volumeMounts: [{ name: "results", mountPath: RESULTS_MOUNT }],
          }],
          volumes: [{
            name: "results",
            persistentVolumeClaim: { claimName: options.resultsClaim },
          }],
        },
      },
    },
  };
}
