// Whether `pnpm build` must have made the Node-API libc module (scripts/build-native.mjs): on Linux with
// a C compiler on PATH (CC, else cc). Tests that expect the module to be used ask this, so a build that
// silently fell back to koffi fails them instead of passing.
import { spawnSync } from 'node:child_process';

export const NATIVE_BUILT: boolean =
  process.platform === 'linux' && spawnSync('sh', ['-c', 'command -v "${CC:-cc}"'], { stdio: 'ignore' }).status === 0;
