#!/usr/bin/env node
// The `keyway` command (the package's bin): the process edge of runCommand — real stdio, env and exit code.
import { SERVING } from './cli/command-run.js';
import { runCommand } from './cli/run-command.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

void runCommand(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin,
  // Loaded on use: --help and usage errors never load the server.
  serve: async (env, options) => (await import('./main.js')).runServe(env, options),
}).then((code) => {
  if (code !== SERVING) process.exitCode = code;
});
