/**
 * Tables of results. Shown as an HTML table and an aligned plain-text table (no plotly.js
 * needed); `data`/`layout` also describe it as a Plotly table trace, for static export.
 */
import { InputError } from "../util/errors.ts";
import { Displayable } from "./figure.ts";
import type { MimeBundle } from "./plotly_types.ts";
import { escapeHtml, formatNumber } from "./text.ts";

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

function cellText(value: Cell): string {
  if (value === null) return "";
  return typeof value === "number" ? formatNumber(value) : String(value);
}

export class Table extends Displayable {
  readonly columns: string[];
  readonly rows: Row[];

  constructor(title: string, columns: string[], rows: Row[]) {
    const cellColumns = columns.map((column) => rows.map((row) => cellText(row[column] ?? null)));
    const json = {
      data: [{
        type: "table",
        header: { values: columns, align: "left" },
        cells: { values: cellColumns, align: "left" },
      }],
      layout: { title: { text: title }, width: Math.max(400, 140 * columns.length) },
    };
    super(title, json, plainTable(title, columns, cellColumns));
    this.columns = columns;
    this.rows = rows;
  }

  mimeBundle(): MimeBundle {
    return { "text/html": this.html(), "text/plain": this.summary };
  }

  html(): string {
    const header = this.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join("");
    const body = this.rows.map((row) => {
      const cells = this.columns.map((column) => {
        const value = row[column] ?? null;
        const align = typeof value === "number" ? ' style="text-align:right"' : "";
        return `<td${align}>${escapeHtml(cellText(value))}</td>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    });
    const caption = this.title ? `<caption>${escapeHtml(this.title)}</caption>` : "";
    return `<table class="lab-table">${caption}<thead><tr>${header}</tr></thead>` +
      `<tbody>${body.join("")}</tbody></table>`;
  }
}

function plainTable(title: string, columns: string[], cellColumns: string[][]): string {
  const widths = columns.map((column, c) =>
    Math.max(column.length, ...cellColumns[c].map((text) => text.length))
  );
  const line = (cells: string[]) =>
    cells.map((text, c) => text.padEnd(widths[c])).join("  ").trimEnd();
  const rowCount = cellColumns[0]?.length ?? 0;
  const lines = [
    line(columns),
    line(widths.map((width) => "-".repeat(width))),
    ...Array.from({ length: rowCount }, (_, r) => line(cellColumns.map((cells) => cells[r]))),
  ];
  return (title ? [title, ...lines] : lines).join("\n");
}

/** A table whose columns are the rows' keys, in order of first appearance. */
export function table(rows: Row[], options: { title?: string } = {}): Table {
  if (!Array.isArray(rows)) throw new InputError("rows", rows, "expected an array of objects");
  const columns: string[] = [];
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new InputError(`rows[${i}]`, row, "expected an object of column -> value");
    }
    for (const [column, value] of Object.entries(row)) {
      if (value !== null && !["string", "number", "boolean"].includes(typeof value)) {
        throw new InputError(`rows[${i}].${column}`, value, "expected string|number|boolean|null");
      }
      if (!columns.includes(column)) columns.push(column);
    }
  });
  return new Table(options.title ?? "", columns, rows);
}
