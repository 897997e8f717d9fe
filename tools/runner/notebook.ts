/** Jupyter notebooks (nbformat 4) as the runner sees them: cells, outputs, MIME bundles. */
import { InputError } from "../../lib/util/errors.ts";

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

export async function readNotebook(path: string): Promise<Notebook> {
  const notebook = JSON.parse(await Deno.readTextFile(path));
  if (!Array.isArray(notebook?.cells)) {
    throw new InputError("notebook", path, "expected nbformat 4 JSON with a cells array");
  }
  return notebook as Notebook;
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
