// Fixtures are temp folders built from object literals: `testdir({ 'agent.env': 'A=agent://a\n' })`.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made = new Set<string>();
let exitHook = false;

/**
 * A fresh folder holding `files` (a name with slashes makes its subfolders), as its real path. Under
 * `parent` (a world's HOME, say) it goes with the parent; in the system's temp folder it is removed when
 * the test process exits.
 */
export function testdir(files: Record<string, string | Buffer> = {}, parent?: string): string {
  const dir = mkdtempSync(join(parent ?? tmpdir(), parent ? 'p-' : 'lk-t-'));
  if (!parent) {
    made.add(dir);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const d of made) rmSync(d, { recursive: true, force: true });
      });
    }
  }
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return realpathSync(dir);
}
