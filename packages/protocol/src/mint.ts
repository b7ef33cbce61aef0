// The time one mint command may take, shared so the client waits for it instead of giving up first.

/** Time allowed for one run of a mint command (the daemon kills its process group past it). */
export const MINT_TIMEOUT_MS = 30_000;
/** How long a client waits for a call that runs a mint command: the run, its kill grace and the keychain write. */
export const MINT_CALL_TIMEOUT_MS = MINT_TIMEOUT_MS + 10_000;
