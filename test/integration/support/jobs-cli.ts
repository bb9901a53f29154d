import { runCli, type CliIo } from '../../../local/cli/program.ts';

/** Runs `jobs …` in-process against the platform `platformFile` describes and captures what it prints. */
export async function jobsCli(platformFile: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => (out += text),
    err: (text) => (err += text),
    confirm: async () => false,
    interactive: false,
    liveOutput: false,
  };
  const code = await runCli(['--platform-file', platformFile, ...args], io);
  return { code, out, err };
}
