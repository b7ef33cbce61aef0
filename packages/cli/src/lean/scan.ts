// `agent scan --staged [--no-answer]`, what the pre-commit hook runs on every commit: the oclif command's
// action with neither oclif nor grpc-js, whose loads took most of its CPU (oclif's start 250 ms, grpc-js
// and proto-loader ~95 ms, on a 1,000-file change). The Scan stream goes over h2lite (leanScan). bin/run.js
// calls main() for exactly these words; any other form of scan is oclif's.
import { leanScan } from '@latchkey/client/lean-scan';
import { CALL_TIMEOUT_MS } from '@latchkey/client/calls';
import { ErrorKinds, ExitCode, render } from '@latchkey/core/errors';
import { socketPath } from '@latchkey/protocol/lean';
import { status } from '@latchkey/protocol/methods';
import { scanCommand, type ScanAgent } from '../actions/scan.js';
import type { Deps } from '../deps.js';
import { startingCall } from './call.js';
import { leanDeps } from './deps.js';

/** The process as leanDeps reads it; connect() makes sure a daemon answers (starting one, as connect() does). */
function scanDeps(): Deps<ScanAgent> {
  const deps = leanDeps();
  return {
    ...deps,
    connect: async (options) => {
      const socket = socketPath(deps.env);
      await startingCall(socket, deps.env as Record<string, string>, options?.autoStart ?? true)(status, {}, CALL_TIMEOUT_MS);
      return { scan: (start, onFinding) => leanScan(socket, start, onFinding), close: () => {} };
    },
  };
}

/** Runs the scan of the index (`words`: --staged, perhaps --no-answer); exits 0 clean, 1 found, or the error's code. */
export async function main(words: readonly string[]): Promise<void> {
  const deps = scanDeps();
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
