// The one parser of Linux's /proc/<pid>/stat line (proc(5)). Pure: the caller reads the file.

/** The fields of /proc/<pid>/stat that Latchkey uses. */
export interface ProcStat {
  /** R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** The controlling terminal's device number; 0 for none. */
  ttyNr: number;
  /** The foreground process group of the controlling terminal; -1 for none. */
  tpgid: number;
  /** Clock ticks after boot when the process started, as text (it identifies the process with its pid). */
  startTime: string;
}

/**
 * Parses a /proc/<pid>/stat line, or undefined when it is not one. The command name (field 2) is in
 * parentheses and may itself hold spaces and parentheses: the fields after it are split after the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // fields[0] is field 3 of proc(5): state ppid pgrp session tty_nr tpgid ... starttime (field 22)
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (!state || startTime === undefined || !/^\d+$/.test(startTime)) return undefined;
  const num = (i: number) => Number(fields[i]);
  return { state, ppid: num(1), pgrp: num(2), session: num(3), ttyNr: num(4), tpgid: num(5), startTime };
}
