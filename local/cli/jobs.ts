#!/usr/bin/env -S node --import tsx
/** `npx jobs …`: the job platform's command line (see `npx jobs --help`). */
import { createInterface } from 'node:readline/promises';
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  confirm: async (question) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(question);
    prompt.close();
    return /^y(es)?$/i.test(answer.trim());
  },
  interactive: process.stdin.isTTY === true,
  liveOutput: process.stdout.isTTY === true,
});
process.exitCode = code;
