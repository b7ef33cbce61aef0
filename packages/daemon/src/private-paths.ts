// The daemon's own folders, checked before it reads anything from them (SECURITY.md 35): the state
// folder and the config folder, and every file in them, must be the user's alone, as the socket's
// folder must. Another uid that could write approvals.json or config.json would choose what is approved.
import { lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertPrivatePath, type Trustee } from '@latchkey/protocol';

/** Refuses to go on (denied, naming the path) unless the state and config folders and their files are private. */
export function assertPrivateFolders(stateDir: string, configFile: string, who: Trustee): void {
  assertPrivateFolder(stateDir, who);
  assertPrivatePath(dirname(configFile), 'folder', who);
  assertPrivatePath(configFile, 'file', who);
}

/** The folder and every entry in it: a symlink, a foreign file or a file others can write is refused. */
function assertPrivateFolder(dir: string, who: Trustee): void {
  assertPrivatePath(dir, 'folder', who);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue; // gone since the listing (a temp file renamed into place)
    }
    // The socket may live here when there is no runtime folder: it is checked where it is bound.
    if (st.isSocket()) continue;
    assertPrivatePath(path, st.isDirectory() ? 'folder' : 'file', who);
  }
}
