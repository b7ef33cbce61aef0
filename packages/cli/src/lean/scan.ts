// `agent scan --staged [--no-answer]`, what the pre-commit hook runs on every commit: the oclif command's
// action without oclif, whose start alone took 250 ms of CPU of the 400 ms a 1,000-file change took. It
// still talks over grpc-js (the Scan stream is bidirectional; h2lite makes unary calls only). bin/run.js
// imports it for exactly these words; any other form of scan is oclif's.
import { ErrorKinds, ExitCode, render } from '@latchkey/core';
import { scanCommand } from '../actions/scan.js';
import { processDeps } from '../process-deps.js';

/** Runs the scan of the index (`words`: --staged, perhaps --no-answer); exits 0 clean, 1 found, or the error's code. */
export async function main(words: readonly string[]): Promise<void> {
  const deps = processDeps();
  let code = 0;
  try {
    const report = await scanCommand({ paths: [], history: false, staged: true, home: false, json: false, fix: false, answer: !words.includes('--no-answer') }, deps);
    if (report.findings.length > 0) throw new ExitCode(ErrorKinds.failed);
  } catch (err) {
    code = render(err, process);
  }
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
  process.exit(code);
}
