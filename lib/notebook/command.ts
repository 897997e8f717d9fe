/** Running other programs (jupyter, deno) and collecting what they print. */

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Variables removed from the inherited environment. */
  unset?: string[];
}

function pipedCommand(program: string, args: string[], options: CommandOptions): Deno.Command {
  const env = { ...Deno.env.toObject(), ...options.env };
  for (const name of options.unset ?? []) delete env[name];
  return new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs a program to completion; a program that cannot be started gives code 127. */
export async function runCommand(
  program: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  try {
    const output = await pipedCommand(program, args, options).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: 127, stdout: "", stderr: `cannot run ${program}: ${(error as Error).message}` };
  }
}

/** Writes a file so readers never see half of it: a temporary sibling, then a rename. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${Deno.pid}.tmp`;
  if (typeof content === "string") await Deno.writeTextFile(temporary, content);
  else await Deno.writeFile(temporary, content);
  await Deno.rename(temporary, path);
}

/** Runs a program with its output shown live and also collected (stdout and stderr merged). */
export async function runStreaming(
  program: string,
  args: string[],
  options: CommandOptions = {},
): Promise<{ code: number; output: string }> {
  const child = pipedCommand(program, args, options).spawn();
  const decoder = new TextDecoder();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  await Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
  return { code: (await child.status).code, output };
}
