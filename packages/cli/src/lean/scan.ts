// `agent scan --staged [--no-answer]`, what the pre-commit hook runs on every commit: the oclif command's
// action with neither oclif nor grpc-js, whose loads took most of its CPU (oclif's start 250 ms, grpc-js
// and proto-loader ~95 ms, on a 1,000-file change). The Scan stream goes over h2lite (leanScan), and starts
// the daemon when its own call finds none (startingScan). bin/run.js calls main() for exactly these words;
// any other form of scan is oclif's.
import { leanScan } from '@latchkey/client/lean-scan';
import { ErrorKinds, ExitCode } from '@latchkey/core/errors';
import { socketPath } from '@latchkey/protocol/lean';
import { scanCommand, type ScanAgent } from '../actions/scan.js';
import { processDeps } from '../process-deps.js';
import { startingScan } from './call.js';
import { runLean } from './run.js';

/** Runs the scan of the index (`words`: --staged, perhaps --no-answer); exits 0 clean, 1 found, or the error's code. */
export function main(words: readonly string[]): void {
  const deps = processDeps<ScanAgent>((env) => async (options) => {
    const socket = socketPath(env);
    const open = startingScan(socket, env, options?.autoStart ?? true);
    return { scan: (start, onFinding) => leanScan(socket, start, onFinding, open), close: () => {} };
  });
  runLean(deps, async (d) => {
    const report = await scanCommand({ paths: [], history: false, staged: true, home: false, json: false, fix: false, answer: !words.includes('--no-answer') }, d);
    if (report.findings.length > 0) throw new ExitCode(ErrorKinds.failed);
  });
}
