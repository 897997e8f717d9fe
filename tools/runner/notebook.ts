/** Jupyter notebooks (nbformat 4) as the runner sees them: cells, outputs, MIME bundles. */
import { InputError } from "../../lib/util/errors.ts";
import { MAX_NOTEBOOK_FILE_BYTES } from "../../lib/util/limits.ts";
import { readJsonFileSync } from "../../lib/util/regular_file.ts";

export interface NotebookOutput {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  outputs?: NotebookOutput[];
  [key: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

const CELL_TYPES = ["code", "markdown", "raw"];

/**
 * A notebook file read as untrusted input: a regular file within MAX_NOTEBOOK_FILE_BYTES, JSON,
 * and nbformat 4 in the parts the runner reads (every cell's type and source); a defect is one
 * InputError naming the file, the field and the value.
 */
export function readNotebook(path: string): Promise<Notebook> {
  const notebook = readJsonFileSync(path, {
    parameter: "notebook",
    maxBytes: MAX_NOTEBOOK_FILE_BYTES,
  }) as Record<string, unknown> | null;
  if (typeof notebook !== "object" || notebook === null || !Array.isArray(notebook.cells)) {
    throw new InputError("notebook", path, "expected nbformat 4 JSON with a cells array");
  }
  if (notebook.nbformat !== 4) {
    throw new InputError(`notebook ${path} nbformat`, notebook.nbformat, "expected 4");
  }
  notebook.cells.forEach((cell: unknown, i: number) => {
    const record = cell as Record<string, unknown> | null;
    const source = record?.source;
    const sourceOk = typeof source === "string" ||
      (Array.isArray(source) && source.every((line) => typeof line === "string"));
    if (
      typeof record !== "object" || record === null ||
      !CELL_TYPES.includes(String(record.cell_type))
    ) {
      throw new InputError(
        `notebook ${path} cells[${i}].cell_type`,
        record?.cell_type,
        `expected one of ${CELL_TYPES.join(", ")}`,
      );
    }
    if (!sourceOk) {
      throw new InputError(
        `notebook ${path} cells[${i}].source`,
        source,
        "expected text or a list of lines",
      );
    }
  });
  return Promise.resolve(notebook as unknown as Notebook);
}

/** The notebook's file name without .ipynb. */
export function notebookStem(fileName: string): string {
  return fileName.replace(/\.ipynb$/, "");
}

/** File names of the notebooks in a folder, sorted; an unreadable folder names `parameter`. */
export async function listNotebooks(
  directory: string,
  parameter = "notebooks directory",
): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
    }
  } catch (error) {
    throw new InputError(
      parameter,
      directory,
      `cannot read the folder (${(error as Error).message})`,
    );
  }
  return names.sort();
}

/**
 * Picks notebooks by name: the file name with or without .ipynb, or its numeric prefix
 * ("2" and "02" both pick "02_attention.ipynb").
 */
export function selectNotebooks(names: string[], only: string): string[] {
  const wanted = notebookStem(only);
  const prefix = /^\d+$/.test(wanted) ? Number(wanted) : undefined;
  const picked = names.filter((name) => {
    if (notebookStem(name) === wanted) return true;
    const leadingDigits = /^(\d+)/.exec(name)?.[1];
    return prefix !== undefined && leadingDigits !== undefined && Number(leadingDigits) === prefix;
  });
  if (picked.length === 0) {
    throw new InputError("--only", only, `no such notebook (have: ${names.join(", ")})`);
  }
  return picked;
}
